import { type KernelLayout, layoutFor } from '../arch/x86-64/layout.js';
import type { PagingLevels } from '../arch/x86-64/paging.js';
import { MODEL_PHYS_BASE } from './phys.js';

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
  /** `mm->pgd`: a kernel pointer (`__va`) to the PGD page, 0 until pgd_alloc sets it; its address is the mm's */
  pgd: number;
  /** `mm->page_table_lock` */
  pageTableLock: number;
  /** `page->lru.next` of the PGD page; list pointers are kernel pointers (`__va`) to lru.next words */
  lruNext: number;
  /** `page->lru.prev` of the PGD page */
  lruPrev: number;
  /** `page->pt_mm` (pgd_set_mm): a pointer to the mm (`__va` of its `pgd` word), 0 when unset */
  ptMm: number;
  /** ghost: 1 once pgd_ctor's clone of the kernel half is complete (I4) */
  cloneDone: number;
  /** the PGD frame at boot, or -1 for an mm whose PGD pgd_alloc makes during an execution */
  bootPgdFrame: number;
}

/** `CpuInfo` is the per-CPU state the kernel model keeps in memory. */
export interface CpuInfo {
  id: number;
  /** CR3: the physical address of the PGD the hardware walks (written by switch_mm); see `cr3Of` */
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
  /** mutant: pgd_free (pgd_dtor) unlinks the PGD from pgd_list without pgd_lock */
  exitWithoutLock?: boolean;
}

/**
 * `Kernel` is the static description of a modelled x86-64 kernel: paging mode and layout, and the
 * addresses of its shared state (init_mm, task mms, pgd_list, pgd_lock, mem_hotplug_lock, per-CPU
 * CR3). It holds no mutable state: every execution's state is in PhysicalMemory, so the same
 * Kernel serves every execution and every thread.
 */
export class Kernel {
  readonly layout: KernelLayout;
  /** the direct-map pointer to model physical address 0, as a signed 64-bit word (memory holds them so) */
  private readonly directMap: bigint;
  /** one past the last model physical address */
  private readonly physEnd: bigint;

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
    /** `unused_pmd_start` (arch/x86/mm/init_64.c): the unused tail of the last sub-PMD vmemmap block */
    readonly unusedPmdStart: number,
  ) {
    this.layout = layoutFor(levels);
    this.directMap = BigInt.asIntN(64, this.layout.pageOffset + MODEL_PHYS_BASE);
    this.physEnd = BigInt(frames * 4096);
  }

  /**
   * `__va` is the kernel pointer to model physical address `addr` (a direct-map address, as
   * `mm->pgd`, list pointers and `page->pt_mm` hold), as a signed 64-bit word.
   */
  __va(addr: number): bigint {
    return this.directMap + BigInt(addr);
  }

  /** `__pa` is the model physical address a kernel pointer points to, or -1 (NULL, or outside memory). */
  __pa(ptr: bigint): number {
    // on signed words: the direct map does not cross 2^63, and a pointer below it (NULL, a small
    // number) comes out far above physEnd
    const off = BigInt.asIntN(64, ptr) - this.directMap;
    return off >= 0n && off < this.physEnd ? Number(off) : -1;
  }

  /** `cr3Of` is the CR3 value for a PGD at model physical address `addr`: its physical address. */
  cr3Of(addr: number): bigint {
    return MODEL_PHYS_BASE + BigInt(addr);
  }

  /** `fromCr3` is the model physical address of the PGD a CR3 value names. */
  fromCr3(cr3: bigint): number {
    return Number(BigInt.asUintN(64, cr3) - MODEL_PHYS_BASE);
  }

  /** `pgdOf` is the model physical address of `mm->pgd`, or -1 while it is NULL. */
  pgdOf(mm: MmInfo, load: (addr: number) => bigint): number {
    return this.__pa(load(mm.pgd));
  }

  /** `mmOfPtr` is the mm a `page->pt_mm` pointer names (its address is that of `mm->pgd`), or null. */
  mmOfPtr(ptr: bigint): MmInfo | null {
    const addr = this.__pa(ptr);
    return this.mms.find((m) => m.pgd === addr) ?? null;
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

  /** `mmOfPgd` is the mm whose PGD page is at physical address `pgd`, or null. */
  mmOfPgd(pgd: number, load: (addr: number) => bigint): MmInfo | null {
    return this.mms.find((m) => this.pgdOf(m, load) === pgd) ?? null;
  }

  /** `lockRank` orders the kernel's locks (I9): mem_hotplug_lock -> pgd_lock -> page_table_lock. */
  lockRank(lock: number): number {
    if (lock === this.memHotplugLock) return 1;
    if (lock === this.pgdLock) return 2;
    if (this.mms.some((m) => m.pageTableLock === lock)) return 3;
    return 0;
  }

  /** `mmOfLru` is the mm whose PGD page's lru.next word is at `addr` (pgd_page_get_mm), or null. */
  mmOfLru(addr: number): MmInfo | null {
    return this.mms.find((m) => m.lruNext === addr) ?? null;
  }
}
