/**
 * `pagerace/x86` is x86 for the kernel library: x86-64 with 4- or 5-level paging and PTI
 * (`x86_64()`), x86-32 PAE (`x86_pae()`), their entry bits, layouts and oopses, and the
 * arch/x86/mm code: pgd_alloc/pgd_free and pgd_list, sync_global_pgds, vmemmap_populate, memory
 * hot-add and hot-remove, pmd_free_pte_page, the PAE halves.
 */

export { frameAddr, frameToPfn, MODEL_PFN_BASE, MODEL_PHYS_BASE, pfnToFrame } from '../../arch/phys.js';
export { type X86Arch, x86_64Arch } from '../../arch/x86-64/arch.js';
export * from '../../arch/x86-64/entry.js';
export { formatFor, X86_64_L4, X86_64_L5 } from '../../arch/x86-64/format.js';
export * from '../../arch/x86-64/layout.js';
export { oopsHeadline, oopsWalkLine } from '../../arch/x86-64/oops.js';
export * from '../../arch/x86-64/paging.js';
export { PAE_PAGE_OFFSET, X86_PAE_ARCH } from '../../arch/x86-pae/arch.js';
export { PAE_PTRS_PER_PGD, X86_PAE } from '../../arch/x86-pae/format.js';
export * from '../../arch/x86-pae/pgtable.js';
export { type X86Options, x86_64, x86_pae } from './arch.js';
export * from './hotadd.js';
export * from './hotremove.js';
export * from './pae.js';
export * from './pgd-list.js';
export * from './pgtable.js';
export * from './sync.js';
export * from './vmemmap.js';
export { type X86KernelArch, x86Of } from './x86-arch.js';
