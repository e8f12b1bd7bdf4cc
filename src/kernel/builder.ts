import { frameAddr, frameToPfn, pfnToFrame } from '../arch/phys.js';
import { entryPfn, mkTableEntry } from '../arch/x86-64/entry.js';
import { layoutFor } from '../arch/x86-64/layout.js';
import {
  hardwareLevels,
  LEVEL_NUMBER,
  type Level,
  levelIndex,
  type PagingLevels,
  PTRS_PER_TABLE,
} from '../arch/x86-64/paging.js';
import type { CpuProgram, Oracle, Program } from '../engine/program.js';
import { FrameState, tableState } from '../machine/frame-state.js';
import { MachineBuilder } from '../model/builder.js';
import { type CpuInfo, Kernel, type KernelBugs, type MmInfo } from './kernel.js';

/** `KernelBuilderOptions` sizes a kernel machine. */
export interface KernelBuilderOptions {
  levels: PagingLevels;
  /** physical frames, including frame 0 (named words) and the boot page tables */
  frames?: number;
  bugs?: KernelBugs;
}

const GHOST_SYNCED_WORDS = 8;

/**
 * `KernelBuilder` lays out an x86-64 kernel machine: init_mm with its PGD (swapper_pg_dir),
 * boot page tables, tasks whose PGDs were forked before the model starts (kernel half cloned from
 * init_mm, on pgd_list), mms that a model's pgd_alloc will create, pgd_lock, mem_hotplug_lock and
 * per-CPU CR3. Call in this order: `bootTables` (what init_mm maps at boot), `task`/`futureTask`,
 * `cpu`, then `program`.
 */
export class KernelBuilder {
  readonly m: MachineBuilder;
  readonly levels: PagingLevels;
  private readonly mms: MmInfo[] = [];
  private readonly cpus: CpuInfo[] = [];
  private readonly pgdListHead: number;
  private readonly pgdLock: number;
  private readonly memHotplugLock: number;
  private readonly syncedSlots: number;
  private readonly unusedPmdStart: number;
  private readonly bugs: KernelBugs;
  private kernel: Kernel | null = null;

  constructor(opts: KernelBuilderOptions) {
    this.levels = opts.levels;
    this.bugs = opts.bugs ?? {};
    this.m = new MachineBuilder(opts.frames ?? 24);
    this.pgdListHead = this.m.word('pgd_list.next');
    this.m.word('pgd_list.prev');
    this.pgdLock = this.m.word('pgd_lock');
    this.memHotplugLock = this.m.word('mem_hotplug_lock');
    this.unusedPmdStart = this.m.word('unused_pmd_start');
    this.syncedSlots = this.m.word('ghost.synced[0]');
    for (let i = 1; i < GHOST_SYNCED_WORDS; i++) this.m.word(`ghost.synced[${i}]`);
    // every field the Kernel holds is set, so `this.k` may be built from here on;
    // an empty list_head points to itself
    this.m.memory.store(this.pgdListHead, this.k.__va(this.pgdListHead));
    this.m.memory.store(this.pgdListHead + 8, this.k.__va(this.pgdListHead));
    this.addMm('init_mm', true);
  }

  /**
   * `k` is the kernel description. It shares the builder's mm and CPU arrays, so mms and CPUs
   * declared later appear in it too.
   */
  get k(): Kernel {
    if (!this.kernel) {
      this.kernel = new Kernel(
        this.levels,
        this.m.memory.frames,
        this.mms,
        this.cpus,
        this.pgdListHead,
        this.pgdLock,
        this.memHotplugLock,
        this.syncedSlots,
        this.bugs,
        this.unusedPmdStart,
      );
    }
    return this.kernel;
  }

  private addMm(name: string, withPgd: boolean): MmInfo {
    const id = this.mms.length;
    const pgd = this.m.word(`${name}.pgd`);
    const pageTableLock = this.m.word(`${name}.page_table_lock`);
    const lruNext = this.m.word(`${name}.pgd_page.lru.next`);
    const lruPrev = this.m.word(`${name}.pgd_page.lru.prev`);
    const ptMm = this.m.word(`${name}.pgd_page.pt_mm`);
    const cloneDone = this.m.word(`ghost.${name}.clone_done`);
    let bootPgdFrame = -1;
    if (withPgd) {
      bootPgdFrame = this.m.frame(FrameState.Pgd, `${name}.pgd`);
      this.m.memory.store(pgd, this.k.__va(frameAddr(bootPgdFrame)));
    }
    const mm: MmInfo = { id, name, pgd, pageTableLock, lruNext, lruPrev, ptMm, cloneDone, bootPgdFrame };
    this.mms.push(mm);
    return mm;
  }

  /**
   * `bootTables` makes init_mm map `va` down to a table at `level` at boot (empty below it): the
   * top-level slot of `va` becomes present. Tasks declared afterwards inherit the slot.
   */
  bootTables(va: bigint, level: Level): void {
    const mem = this.m.memory;
    const levels = hardwareLevels(this.levels);
    let table = this.mms[0].bootPgdFrame;
    for (const l of levels) {
      if (LEVEL_NUMBER[l] <= LEVEL_NUMBER[level]) break;
      const addr = frameAddr(table, levelIndex(l, va, this.levels));
      const e = mem.load(addr);
      const below = levels[levels.indexOf(l) + 1];
      if (e === 0n) {
        const f = this.m.frame(tableState(LEVEL_NUMBER[below]), `boot.${below}`);
        mem.store(addr, mkTableEntry(frameToPfn(f)));
        table = f;
      } else {
        table = pfnToFrame(entryPfn(e), mem.frames);
      }
    }
  }

  /**
   * `task` declares a task forked before the model starts: its PGD is a copy of init_mm's kernel
   * half (pgd_ctor), its clone is complete and it is on pgd_list.
   */
  task(name: string): MmInfo {
    const mm = this.addMm(name, true);
    const mem = this.m.memory;
    const boundary = layoutFor(this.levels).kernelPgdBoundary;
    const src = frameAddr(this.mms[0].bootPgdFrame, boundary);
    mem.copy(frameAddr(mm.bootPgdFrame, boundary), src, PTRS_PER_TABLE - boundary);
    const k = this.k;
    mem.store(mm.ptMm, k.__va(mm.pgd));
    mem.store(mm.cloneDone, 1n);
    // list_add(&page->lru, &pgd_list): at the head
    const head = this.pgdListHead;
    const first = k.__pa(mem.load(head));
    mem.store(mm.lruNext, k.__va(first));
    mem.store(mm.lruPrev, k.__va(head));
    mem.store(first + 8, k.__va(mm.lruNext));
    mem.store(head, k.__va(mm.lruNext));
    return mm;
  }

  /** `futureTask` declares an mm whose PGD a model's pgd_alloc creates during an execution. */
  futureTask(name: string): MmInfo {
    return this.addMm(name, false);
  }

  /** `cpu` declares the next CPU (ids in declaration order) running `mm`'s task. */
  cpu(mm: MmInfo): CpuInfo {
    const id = this.cpus.length;
    const cr3 = this.m.word(`cpu${id}.cr3`);
    const current = this.m.word(`cpu${id}.current`);
    const held = this.m.word(`ghost.cpu${id}.held_locks`);
    if (mm.bootPgdFrame >= 0) this.m.memory.store(cr3, this.k.cr3Of(frameAddr(mm.bootPgdFrame)));
    this.m.memory.store(current, BigInt(mm.id + 1));
    const info: CpuInfo = { id, cr3, current, held };
    this.cpus.push(info);
    return info;
  }

  /** `program` freezes the machine with the CPU programs and oracles. */
  program(cpus: CpuProgram[], oracles: Oracle[] = []): Program {
    if (cpus.length !== this.cpus.length) {
      throw new Error(`KernelBuilder: ${this.cpus.length} CPUs declared, ${cpus.length} programs given`);
    }
    const program = this.m.program(cpus, oracles);
    program.kernel = true;
    return program;
  }
}
