import { ARM64 } from '../../arch/arm64/arch.js';
import type { KernelArch } from '../kernel-arch.js';
import { arch_remove_memory, vmemmap_free } from './hotremove.js';
import {
  arch_add_memory,
  pgd_alloc,
  pgd_free,
  pmd_free_pte_page,
  vmemmap_check_pmd,
  vmemmap_populate,
  vmemmap_set_pmd,
} from './mmu.js';

/** `Arm64Options` chooses the arm64 kernel a machine runs. */
export interface Arm64Options {
  /** arm64_ptdump_lock_key is enabled (a ptdump is running): pmd_free_pte_page waits for it (fa93b45fd397) */
  ptdumpLock?: boolean;
  /** the CPUs support BBML2 without aborts (system_supports_bbml2_noabort()): see KernelArch.bbml2NoAbort */
  bbml2NoAbort?: boolean;
}

/**
 * `arm64` is arm64 (4 KiB granule, 48-bit VAs) for a kernel machine
 * (`new KernelBuilder(arm64(), ...)`): the architecture (src/arch/arm64) and the arch/arm64/mm
 * code of src/kernel/arm64. Nothing is synced: arch_sync_kernel_mappings is never needed.
 */
export function arm64(opts: Arm64Options = {}): KernelArch {
  return {
    ...ARM64,
    bbml2NoAbort: opts.bbml2NoAbort === true,
    *arch_sync_kernel_mappings() {},
    pgd_alloc,
    pgd_free,
    vmemmap_populate,
    vmemmap_set_pmd: (c, k, pmdp, block) => vmemmap_set_pmd(c, k, pmdp, block),
    vmemmap_check_pmd: (c, k, pmdval) => vmemmap_check_pmd(c, k, pmdval),
    vmemmap_free,
    arch_add_memory,
    arch_remove_memory,
    pmd_free_pte_page: (c, k, pmdp, addr) => pmd_free_pte_page(c, k, pmdp, addr, opts.ptdumpLock === true),
  };
}
