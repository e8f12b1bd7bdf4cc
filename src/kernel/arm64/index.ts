/**
 * `pagerace/arm64` is arm64 (4 KiB granule, 48-bit VAs) for the kernel library: `arm64()`, its
 * descriptor bits (./pgtable: `desc`), and the arch/arm64/mm code: memory hot-add and hot-remove,
 * pmd_free_pte_page, the lockless permission change of pageattr.c.
 */
export { ARM64, ARM64_PAGE_OFFSET, ARM64_VMALLOC_START, ARM64_VMEMMAP_START } from '../../arch/arm64/arch.js';
export { ARM64_4K_48 } from '../../arch/arm64/format.js';
export * as desc from '../../arch/arm64/pgtable.js';
export { type Arm64Options, arm64 } from './arch.js';
export * from './hotremove.js';
export * from './mmu.js';
export * from './pageattr.js';
export * from './set-pte.js';
