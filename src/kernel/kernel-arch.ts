import type { Arch } from '../arch/arch.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import type { KernelMachine, MmInfo } from './machine.js';

/**
 * `KernelArch` is an architecture as the kernel library uses it: the architecture itself
 * (src/arch: format, addresses, fault report, sync mask) and the arch/<arch>/mm functions the
 * generic mm code calls, each mirrored step by step in src/kernel/<arch>/. Generic code reaches
 * every architecture-specific piece through this one interface (`k.arch`).
 */
export interface KernelArch extends Arch {
  /** pages of a PGD: 2 with x86's page-table isolation (the user copy follows the kernel one), else 1 */
  pgdPages?: number;
  /**
   * arm64: system_supports_bbml2_noabort(): a block may be replaced by a table (or back) without
   * break-before-make (the break-before-make oracle, src/kernel/arm64/bbm.ts)
   */
  bbml2NoAbort?: boolean;
  /** arch_sync_kernel_mappings(start, end): make new kernel mappings visible in every page table */
  arch_sync_kernel_mappings(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps;
  /** pgd_alloc(mm): a new PGD for `mm`; returns its physical address */
  pgd_alloc(c: Cpu, k: KernelMachine, mm: MmInfo): Steps<number>;
  /** pgd_free(mm, mm->pgd) */
  pgd_free(c: Cpu, k: KernelMachine, mm: MmInfo): Steps;
  /** vmemmap_populate(start, end): map the struct pages of [start, end) of the vmemmap */
  vmemmap_populate(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps;
  /** vmemmap_set_pmd(pmd, block, addr, next): map a new 2 MiB vmemmap block (`block` is its frame) */
  vmemmap_set_pmd(c: Cpu, k: KernelMachine, pmdp: number, block: number, addr: bigint, next: bigint): Steps;
  /** vmemmap_check_pmd(pmd, addr, next): reuse an existing pmd leaf; false when it is not one */
  vmemmap_check_pmd(c: Cpu, k: KernelMachine, pmdval: bigint, addr: bigint, next: bigint): Steps<boolean>;
  /** vmemmap_free(start, end): unmap them and free their pages and tables */
  vmemmap_free(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps;
  /** arch_add_memory(start, size): map physical [start, start + size) in the direct map, add its pages */
  arch_add_memory(c: Cpu, k: KernelMachine, start: bigint, size: bigint): Steps;
  /** arch_remove_memory(start, size): remove its pages and unmap it, freeing the tables left empty */
  arch_remove_memory(c: Cpu, k: KernelMachine, start: bigint, size: bigint): Steps;
  /** pmd_free_pte_page(pmd, addr): clear a pmd, flush, free the PTE table it pointed to; 1 on success */
  pmd_free_pte_page(c: Cpu, k: KernelMachine, pmdp: number, addr: bigint): Steps<number>;
}
