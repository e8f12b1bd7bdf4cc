import {
  PGTBL_P4D_MODIFIED,
  PGTBL_PGD_MODIFIED,
  PGTBL_PMD_MODIFIED,
  PGTBL_PUD_MODIFIED,
} from '../arch/pgtbl-mask.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { childEntry, readEntry } from './access.js';
import type { KernelMachine, MmInfo } from './machine.js';
import { __p4d_alloc, __pmd_alloc, __pte_alloc_kernel, __pud_alloc } from './memory.js';
import { foldedBelow, levelNumber } from './pgtable.js';

/**
 * include/linux/pgalloc-track.h: the p?d_alloc helpers of mm/memory.c that also record, in the
 * caller's `pgtbl_mod_mask`, which level they modified: allocating the table below a PGD entry
 * modifies the PGD (PGTBL_PGD_MODIFIED), and so on down. vmalloc collects the mask over a range
 * and calls arch_sync_kernel_mappings() when it meets ARCH_PAGE_TABLE_SYNC_MASK.
 *
 * `PgtblMask` is the mask, passed by reference as the C code passes `pgtbl_mod_mask *`.
 */
export interface PgtblMask {
  bits: number;
}

/** `p4d_alloc_track`: if the PGD entry is none, __p4d_alloc and note PGTBL_PGD_MODIFIED; then p4d_offset. */
export function* p4d_alloc_track(
  c: Cpu,
  k: KernelMachine,
  mm: MmInfo,
  pgdp: number,
  addr: bigint,
  mask: PgtblMask,
): Steps<number> {
  if (foldedBelow(k, 'pgd')) return pgdp;
  const top = k.fmt.levels;
  if (k.fmt.none(yield* readEntry(c, k, pgdp, top, 'pgd_none(*pgd)'))) {
    if (yield* __p4d_alloc(c, k, mm, pgdp)) return -1;
    mask.bits |= PGTBL_PGD_MODIFIED;
  }
  const pgd = yield* readEntry(c, k, pgdp, top, 'p4d_offset(pgd, address)');
  return childEntry(c, k, 'p4d', pgdp, pgd, addr);
}

/** `pud_alloc_track`: if the P4D entry is none, __pud_alloc and note PGTBL_P4D_MODIFIED; then pud_offset. */
export function* pud_alloc_track(
  c: Cpu,
  k: KernelMachine,
  mm: MmInfo,
  p4dp: number,
  addr: bigint,
  mask: PgtblMask,
): Steps<number> {
  if (foldedBelow(k, 'p4d')) return p4dp;
  const level = levelNumber(k, 'p4d');
  if (k.fmt.none(yield* readEntry(c, k, p4dp, level, 'p4d_none(*p4d)'))) {
    if (yield* __pud_alloc(c, k, mm, p4dp)) return -1;
    mask.bits |= PGTBL_P4D_MODIFIED;
  }
  const p4d = yield* readEntry(c, k, p4dp, level, 'pud_offset(p4d, address)');
  return childEntry(c, k, 'pud', p4dp, p4d, addr);
}

/** `pmd_alloc_track`: if the PUD entry is none, __pmd_alloc and note PGTBL_PUD_MODIFIED; then pmd_offset. */
export function* pmd_alloc_track(
  c: Cpu,
  k: KernelMachine,
  mm: MmInfo,
  pudp: number,
  addr: bigint,
  mask: PgtblMask,
): Steps<number> {
  if (foldedBelow(k, 'pud')) return pudp;
  const level = levelNumber(k, 'pud');
  if (k.fmt.none(yield* readEntry(c, k, pudp, level, 'pud_none(*pud)'))) {
    if (yield* __pmd_alloc(c, k, mm, pudp)) return -1;
    mask.bits |= PGTBL_PUD_MODIFIED;
  }
  const pud = yield* readEntry(c, k, pudp, level, 'pmd_offset(pud, address)');
  return childEntry(c, k, 'pmd', pudp, pud, addr);
}

/** `pte_alloc_kernel_track`: if the pmd is none, __pte_alloc_kernel and note PGTBL_PMD_MODIFIED; then pte_offset_kernel. */
export function* pte_alloc_kernel_track(
  c: Cpu,
  k: KernelMachine,
  pmdp: number,
  addr: bigint,
  mask: PgtblMask,
): Steps<number> {
  if (k.fmt.none(yield* readEntry(c, k, pmdp, 2, 'pmd_none(*pmd)'))) {
    if (yield* __pte_alloc_kernel(c, k, pmdp)) return -1;
    mask.bits |= PGTBL_PMD_MODIFIED;
  }
  const pmd = yield* readEntry(c, k, pmdp, 2, 'pte_offset_kernel(pmd, address)');
  return childEntry(c, k, 'pte', pmdp, pmd, addr);
}
