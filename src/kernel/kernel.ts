import { type KernelLayout, layoutFor } from '../arch/x86-64/layout.js';
import type { PagingLevels } from '../arch/x86-64/paging.js';

/**
 * `MmInfo` is where one mm_struct lives in the machine. Every field is a physical address of a
 * word (or a frame number) fixed at build time; the values change during executions.
 *
 * The PGD page's `struct page` fields that the kernel uses (`lru` on pgd_list, `pt_mm` from
 * pgd_set_mm) are kept with the mm: the model has exactly one PGD page per mm.
 */
export interface MmInfo {
  /** 0 for init_mm, then tasks in the order they were declared */
  id: number;
  /** `init_mm`, or the task's name (`A`, `B`) */
  name: string;
  /** `mm->pgd`: the physical address of the PGD page, 0 until pgd_alloc sets it */
  pgd: number;
  /** `mm->page_table_lock` */
  pageTableLock: number;
  /** `page->lru.next` of the PGD page; a list pointer is the address of an lru.next word */
  lruNext: number;
  /** `page->lru.prev` of the PGD page */
  lruPrev: number;
  /** `page->pt_mm` (pgd_set_mm): the mm id + 1, 0 when unset */
  ptMm: number;
  /** ghost: 1 once pgd_ctor's clone of the kernel half is complete (I4) */
  cloneDone: number;
  /** the PGD frame at boot, or -1 for an mm whose PGD pgd_alloc makes during an execution */
  bootPgdFrame: number;
}

/** `CpuInfo` is the per-CPU state the kernel model keeps in memory. */
export interface CpuInfo {
  id: number;
  /** CR3: physical address of the PGD the hardware walks (written by switch_mm) */
  cr3: number;
  /** `current->mm` id (+1; 0 = none): whose PGD CR3 holds, for reports */
  current: number;
  /** ghost for the lock-order oracle: bitmask of lock ranks this CPU holds */
  held: number;
}

/** `KernelBugs` selects which kernel is modelled; every flag false is the fixed mainline kernel. */
export interface KernelBugs {
  /**
   * before f2d2f9598ebb / 6659d0279980: vmemmap_{pgd,p4d}_populate use plain
   * pgd_populate/p4d_populate, which do not call arch_sync_kernel_mappings()
   */
  noPopulateKernelSync?: boolean;
  /** mutant: pgd_alloc links the new PGD on pgd_list after dropping pgd_lock */
  forkJoinsOutsideLock?: boolean;
  /** mutant: sync_global_pgds walks pgd_list without pgd_lock */
  syncWithoutLock?: boolean;
  /** mutant: p?d_populate_kernel syncs before it stores the new entry */
  syncBeforeStore?: boolean;
}

/**
 * `Kernel` is the static description of a modelled x86-64 kernel: paging mode and layout, and the
 * addresses of its shared state (init_mm, task mms, pgd_list, pgd_lock, mem_hotplug_lock, per-CPU
 * CR3). It holds no mutable state: every execution's state is in PhysicalMemory, so the same
 * Kernel serves every execution and every thread.
 */
export class Kernel {
  readonly layout: KernelLayout;

  constructor(
    readonly levels: PagingLevels,
    /** the machine's frames (PFNs beyond them are not memory) */
    readonly frames: number,
    readonly mms: readonly MmInfo[],
    readonly cpus: readonly CpuInfo[],
    /** `pgd_list` head: [next, prev] words */
    readonly pgdListHead: number,
    readonly pgdLock: number,
    readonly memHotplugLock: number,
    /** ghost: 8 words, bit i set once a sync of top-level slot i has returned (I2) */
    readonly syncedSlots: number,
    readonly bugs: KernelBugs,
  ) {
    this.layout = layoutFor(levels);
  }

  /** `initMm` is init_mm, whose PGD is swapper_pg_dir. */
  get initMm(): MmInfo {
    return this.mms[0];
  }

  /** `mm` finds an mm by name. */
  mm(name: string): MmInfo {
    const m = this.mms.find((x) => x.name === name);
    if (!m) throw new Error(`kernel model has no mm named ${name}`);
    return m;
  }

  /** `mmOfLru` is the mm whose PGD page's lru.next word is at `addr` (pgd_page_get_mm), or null. */
  mmOfLru(addr: number): MmInfo | null {
    return this.mms.find((m) => m.lruNext === addr) ?? null;
  }
}
