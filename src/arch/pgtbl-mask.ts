import type { LevelName } from './format.js';

/**
 * `pgtbl_mod_mask` bits (include/linux/pgtable.h): which levels of the kernel page tables a
 * mapping change modified. vmalloc and the `_kernel` populate helpers collect them, and call
 * arch_sync_kernel_mappings() when the mask meets the architecture's ARCH_PAGE_TABLE_SYNC_MASK.
 */
export const PGTBL_PGD_MODIFIED = 1 << 0;
export const PGTBL_P4D_MODIFIED = 1 << 1;
export const PGTBL_PUD_MODIFIED = 1 << 2;
export const PGTBL_PMD_MODIFIED = 1 << 3;
export const PGTBL_PTE_MODIFIED = 1 << 4;

const BITS: Record<LevelName, number> = {
  pgd: PGTBL_PGD_MODIFIED,
  p4d: PGTBL_P4D_MODIFIED,
  pud: PGTBL_PUD_MODIFIED,
  pmd: PGTBL_PMD_MODIFIED,
  pte: PGTBL_PTE_MODIFIED,
};

/** `pgtblModified` is the PGTBL_*_MODIFIED bit of kernel level `name`. */
export function pgtblModified(name: LevelName): number {
  return BITS[name];
}
