import { x86_64Arch } from '../../arch/x86-64/arch.js';
import type { PagingLevels } from '../../arch/x86-64/paging.js';
import { X86_PAE_ARCH } from '../../arch/x86-pae/arch.js';
import type { KernelArch } from '../kernel-arch.js';
import { arch_add_memory, arch_remove_memory } from './hotadd.js';
import { vmemmap_free } from './hotremove.js';
import { pgd_alloc, pgd_free, pmd_free_pte_page } from './pgtable.js';
import { arch_sync_kernel_mappings } from './sync.js';
import { vmemmap_check_pmd, vmemmap_populate, vmemmap_set_pmd } from './vmemmap.js';
import type { X86KernelArch } from './x86-arch.js';

/** `X86Options` chooses the x86-64 kernel a machine runs. */
export interface X86Options {
  /** 4-level (48-bit VAs) or 5-level paging (LA57) */
  levels?: PagingLevels;
  /** page-table isolation (CONFIG_MITIGATION_PAGE_TABLE_ISOLATION, X86_FEATURE_PTI) */
  pti?: boolean;
}

/**
 * `x86_64` is x86-64 for a kernel machine (`new KernelBuilder(x86_64({ levels: 4 }), ...)`): the
 * architecture (src/arch/x86-64) and the arch/x86/mm code of src/kernel/x86.
 */
export function x86_64(opts: X86Options = {}): X86KernelArch {
  return {
    ...x86_64Arch(opts.levels ?? 4),
    id: 'x86-64',
    pti: opts.pti ?? false,
    pgdPages: opts.pti ? 2 : 1,
    arch_sync_kernel_mappings,
    pgd_alloc,
    pgd_free,
    vmemmap_populate,
    vmemmap_set_pmd,
    vmemmap_check_pmd,
    vmemmap_free,
    arch_add_memory,
    arch_remove_memory,
    pmd_free_pte_page,
  };
}

/** a kernel function that does not exist on this machine: calling it is a model error */
function notModelled(what: string): never {
  throw new Error(`${what} is not modelled on x86 PAE`);
}

/**
 * `x86_pae` is x86-32 with PAE for a kernel machine: the architecture (src/arch/x86-pae), fork's
 * pgd_alloc and vmalloc's pmd_free_pte_page from arch/x86/mm/pgtable.c. Kernel PMDs are shared
 * (no PTI), so nothing is synced; sparse vmemmap and memory hotplug do not exist on 32-bit.
 */
export function x86_pae(): KernelArch {
  return {
    ...X86_PAE_ARCH,
    *arch_sync_kernel_mappings() {},
    pgd_alloc,
    pgd_free,
    vmemmap_populate: () => notModelled('vmemmap_populate'),
    vmemmap_set_pmd: () => notModelled('vmemmap_set_pmd'),
    vmemmap_check_pmd: () => notModelled('vmemmap_check_pmd'),
    vmemmap_free: () => notModelled('vmemmap_free'),
    arch_add_memory: () => notModelled('arch_add_memory'),
    arch_remove_memory: () => notModelled('arch_remove_memory'),
    pmd_free_pte_page,
  };
}
