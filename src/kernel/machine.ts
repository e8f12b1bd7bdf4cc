import type { PageTableFormat } from '../arch/format.js';
import type { Tlb } from '../arch/tlb.js';
import type { Oracle } from '../engine/program.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Ghost } from './ghost.js';
import type { KernelArch } from './kernel-arch.js';
import type { Rcu } from './rcu.js';

/**
 * `MmInfo` is where one mm_struct lives in the machine. Every field is a physical address of a
 * word (or a frame number) fixed at build time; the values change during executions.
 *
 * The PGD page's `struct page` (ptdesc) fields the kernel uses (`pt_list` on pgd_list, `pt_mm`
 * from pgd_set_mm) are kept with the mm: the model has one PGD page per mm.
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
  /** `mm->mmap_lock` (an rwsem: -(cpu + 1) held for write, the number of readers held for read) */
  mmapLock: number;
  /** `ptdesc->pt_list.next` of the PGD page; list pointers are kernel pointers (`__va`) to pt_list.next words */
  lruNext: number;
  /** `ptdesc->pt_list.prev` of the PGD page */
  lruPrev: number;
  /** `ptdesc->pt_mm` (pgd_set_mm): a pointer to the mm (`__va` of its `pgd` word), 0 when unset */
  ptMm: number;
  /** ghost: 1 once pgd_ctor's clone of the kernel half is complete (I4) */
  cloneDone: number;
  /** the PGD frame at boot, or -1 for an mm whose PGD pgd_alloc makes during an execution */
  bootPgdFrame: number;
}

/** `CpuInfo` is the per-CPU state the kernel machine keeps in memory. */
export interface CpuInfo {
  id: number;
  /** the CPU program's name, as messages print it (`cpu1 B`) */
  name: string;
  /**
   * the physical address of the top table the MMU walks for this CPU's mm (CR3 on x86, TTBR0 on
   * arm64; written by switch_mm); see `cr3Of`
   */
  cr3: number;
  /** `current->mm` id (+1; 0 = none): whose PGD CR3 holds, for reports */
  current: number;
  /** ghost for the lock-order oracle: bitmask of lock ranks this CPU holds */
  held: number;
}

/**
 * `KernelBugs` selects which kernel is modelled; every flag false is the fixed mainline kernel.
 * Bugs are properties of the machine, so every kernel path that runs on it sees the same ones.
 */
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
  /** mutant: vmalloc's page-table walk ignores ARCH_PAGE_TABLE_SYNC_MASK and never syncs */
  vmallocNoSync?: boolean;
  /** mutant: the generic p?d_alloc helpers populate without re-checking under the lock */
  allocWithoutRecheck?: boolean;
  /** mutant: __pte_alloc_kernel publishes the new PTE table without its smp_wmb() */
  pteAllocNoWmb?: boolean;
  /**
   * before "mm: ptep_get() conversion" (2023): vmalloc_to_page reads the pte with a plain C
   * dereference and dereferences it again for pte_page()
   */
  plainPteRead?: boolean;
}

/** `LockRank` orders the kernel's locks (docs/invariants.md I9); 0 is unranked. */
export enum LockRank {
  None = 0,
  MemHotplug = 1,
  MmapLock = 2,
  PgdLock = 3,
  PageTableLock = 4,
}

/** `LOCK_RANK_NAMES` name the ranks as the lock-order oracle prints them. */
export const LOCK_RANK_NAMES = ['', 'mem_hotplug_lock', 'an mmap_lock', 'pgd_lock', 'a page_table_lock'];

/**
 * `KernelMachine` is the context every kernel function takes (`k`): the architecture, init_mm
 * and the task mms with their PGDs and locks, pgd_list and pgd_lock, mem_hotplug_lock, the
 * per-CPU current mm, RCU, the oracles' ghost state and the bugs of the modelled kernel. It holds
 * no mutable state of its own: everything an execution changes is in PhysicalMemory, so one
 * machine serves every execution and every thread. Walks, freeing, sync and populate all run on
 * it, so one model can combine them; `arch` reaches the architecture's own code. Built by
 * `KernelBuilder` (./machine-builder.ts).
 */
export class KernelMachine {
  readonly fmt: PageTableFormat;
  private readonly ptls = new Map<number, number>();
  /** the direct-map pointer to model physical address 0, as a signed 64-bit word (memory holds them so) */
  private readonly directMap: bigint;
  /** one past the last model physical address */
  private readonly physEnd: bigint;

  constructor(
    readonly arch: KernelArch,
    /** the machine's frames (physical addresses beyond them are not memory) */
    readonly frames: number,
    readonly mms: readonly MmInfo[],
    readonly cpus: readonly CpuInfo[],
    /** `pgd_list` head: [next, prev] words */
    readonly pgdListHead: number,
    readonly pgdLock: number,
    readonly memHotplugLock: number,
    /** ghost: 8 words, bit i set once a sync of top-level slot i has returned (I2) */
    readonly syncedSlots: number,
    /** `unused_pmd_start` (arch/x86/mm/init_64.c): the unused tail of the last sub-PMD vmemmap block */
    readonly unusedPmdStart: number,
    readonly rcu: Rcu,
    readonly ghost: Ghost,
    /** `vmemmap_base`: where the struct page array starts (KASLR moves it on x86-64) */
    readonly vmemmapBase: bigint,
    readonly bugs: KernelBugs,
    /** the kernel oracles this machine checks (docs/invariants.md), made once the machine is laid out */
    private readonly makeOracles: (k: KernelMachine) => Oracle[],
    /** every CPU's TLB and paging-structure (walk) caches, used while `mem.tlb` is on */
    readonly tlb: Tlb,
  ) {
    this.fmt = arch.fmt;
    this.directMap = BigInt.asIntN(64, arch.pageOffset + arch.physBase);
    this.physEnd = BigInt(frames * 4096);
  }

  /** `oracles` are the invariants every execution on this machine checks. */
  oracles(): Oracle[] {
    return this.makeOracles(this);
  }

  /** `initMm` is init_mm, whose PGD is swapper_pg_dir. */
  get initMm(): MmInfo {
    return this.mms[0];
  }

  /** `mmapLock` is init_mm.mmap_lock, which the kernel page walkers assert or take. */
  get mmapLock(): number {
    return this.mms[0].mmapLock;
  }

  /**
   * `__va` is the kernel pointer to model physical address `addr` (a direct-map address, as
   * `mm->pgd`, list pointers and `ptdesc->pt_mm` hold), as a signed 64-bit word.
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

  /**
   * `page_to_phys` is the physical address the page tables use for model frame `frame` (a leaf
   * mapping the frame holds it: `fmt.mkLeaf(k.page_to_phys(f), 1)`).
   */
  page_to_phys(frame: number): bigint {
    return this.arch.physBase + BigInt(frame * 4096);
  }

  /** `cr3Of` is the CR3 (TTBR) value for a top table at model physical address `addr`. */
  cr3Of(addr: number): bigint {
    return this.arch.physBase + BigInt(addr);
  }

  /** `fromCr3` is the model physical address of the top table a CR3 value names. */
  fromCr3(cr3: bigint): number {
    return Number(BigInt.asUintN(64, cr3) - this.arch.physBase);
  }

  /** `pgdOf` is the model physical address of `mm->pgd`, or -1 while it is NULL. */
  pgdOf(mm: MmInfo, load: (addr: number) => bigint): number {
    return this.__pa(load(mm.pgd));
  }

  /** `swapper` is the physical address of init_mm's PGD (swapper_pg_dir). */
  swapper(mem: PhysicalMemory): number {
    return this.pgdOf(this.initMm, (a) => mem.load(a));
  }

  /**
   * `walkTop` is the top table CPU `cpu`'s MMU walks for `va`: the current mm's (CR3, a register:
   * no scheduling point), or swapper_pg_dir for a kernel address where the kernel half is one
   * shared table (arm64's TTBR1).
   */
  walkTop(mem: PhysicalMemory, cpu: number, va: bigint): number {
    if (this.arch.kernelHalf === 'shared' && BigInt.asUintN(64, va) >> 63n === 1n) return this.swapper(mem);
    return this.fromCr3(mem.load(this.cpus[cpu].cr3));
  }

  /** `mmOfPtr` is the mm a `ptdesc->pt_mm` pointer names (its address is that of `mm->pgd`), or null. */
  mmOfPtr(ptr: bigint): MmInfo | null {
    const addr = this.__pa(ptr);
    return this.mms.find((m) => m.pgd === addr) ?? null;
  }

  /** `mm` finds an mm by name. */
  mm(name: string): MmInfo {
    const m = this.mms.find((x) => x.name === name);
    if (!m) throw new Error(`kernel machine has no mm named ${name}`);
    return m;
  }

  /** `mmOfPgd` is the mm whose PGD page is at physical address `pgd`, or null. */
  mmOfPgd(pgd: number, load: (addr: number) => bigint): MmInfo | null {
    return this.mms.find((m) => this.pgdOf(m, load) === pgd) ?? null;
  }

  /** `currentMm` is the mm CPU `cpu` runs now. */
  currentMm(mem: PhysicalMemory, cpu: number): MmInfo | null {
    return this.mms[Number(mem.load(this.cpus[cpu].current)) - 1] ?? null;
  }

  /** `lockRank` orders the kernel's locks (I9): mem_hotplug_lock, mmap_lock, pgd_lock, page_table_lock. */
  lockRank(lock: number): LockRank {
    if (lock === this.memHotplugLock) return LockRank.MemHotplug;
    if (lock === this.pgdLock) return LockRank.PgdLock;
    for (const m of this.mms) {
      if (m.mmapLock === lock) return LockRank.MmapLock;
      if (m.pageTableLock === lock) return LockRank.PageTableLock;
    }
    return LockRank.None;
  }

  /** `lockName` names a ranked lock for messages. */
  lockName(lock: number): string {
    for (const m of this.mms) {
      if (m.pageTableLock === lock) return `${m.name}.page_table_lock`;
      if (m.mmapLock === lock) return `${m.name}.mmap_lock`;
    }
    return LOCK_RANK_NAMES[this.lockRank(lock)];
  }

  /** `mmOfLru` is the mm whose PGD page's pt_list.next word is at `addr` (pgd_page_get_mm), or null. */
  mmOfLru(addr: number): MmInfo | null {
    return this.mms.find((m) => m.lruNext === addr) ?? null;
  }

  /** `setPtl` records the split PTE lock word of a PTE table frame (at build time). */
  setPtl(frame: number, word: number): void {
    this.ptls.set(frame, word);
  }

  /** `ptlOf` is pte_lockptr(): the split PTE lock word of a PTE table frame, or -1 when it has none. */
  ptlOf(frame: number): number {
    return this.ptls.get(frame) ?? -1;
  }

  /** `cpuName` names CPU `cpu` in messages: `cpu1 B`. */
  cpuName(cpu: number): string {
    return `cpu${cpu} ${this.cpus[cpu]?.name ?? '?'}`;
  }
}
