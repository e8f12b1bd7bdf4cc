import { type LevelName, levelName, levelOf, tableFrameState, vaIndex } from '../arch/format.js';
import { TLB_WORDS_PER_CPU, Tlb } from '../arch/tlb.js';
import { MachineBuilder } from '../engine/builder.js';
import type { CpuProgram, Oracle, Program } from '../engine/program.js';
import type { FrameState } from '../machine/frame-state.js';
import { PAGE_SIZE, WORDS_PER_FRAME } from '../machine/layout.js';
import { Ghost } from './ghost.js';
import type { KernelArch } from './kernel-arch.js';
import { type CpuInfo, type KernelBugs, KernelMachine, type MmInfo } from './machine.js';
import { machineOracles } from './oracles/machine-oracles.js';
import { Rcu } from './rcu.js';

/** `KernelBuilderOptions` sizes a kernel machine. */
export interface KernelBuilderOptions {
  /** the CPUs' names, in order (the program's CPUs must have them) */
  cpus: readonly string[];
  /** physical frames, including frame 0 (named words) and the boot page tables (default 16) */
  frames?: number;
  bugs?: KernelBugs;
  /** `vmemmap_base` (default: the architecture's VMEMMAP_START, as without KASLR) */
  vmemmapBase?: bigint;
}

/** `TableNames` names the tables `table()` creates, by level; unnamed ones get their level's name. */
export interface TableNames {
  names?: Partial<Record<number, string>>;
  /** prefix of the default names (`boot.` gives `boot.pud`) */
  prefix?: string;
}

const GHOST_SYNCED_WORDS = 8;

/**
 * `KernelBuilder` is the one builder of kernel machines, for every architecture (x86-64 4/5-level,
 * arm64 4K/48-bit, x86 PAE), on the generic MachineBuilder. It lays out at build time: init_mm
 * and its PGD (frame 1), the tables init_mm maps (`table`, `map`, `set`), tasks forked before the
 * model starts (`task`: a PGD with the kernel half cloned where the architecture copies it, on
 * pgd_list) and mms a model's pgd_alloc will make (`futureTask`), which mm each CPU runs (`run`;
 * init_mm by default), split PTE locks (`ptl`), pgd_lock, mem_hotplug_lock, each mm's
 * page_table_lock and mmap_lock, RCU and the oracles' ghost state. `program` freezes it with the
 * CPU programs and the machine's oracles.
 */
export class KernelBuilder {
  readonly m: MachineBuilder;
  readonly k: KernelMachine;
  private readonly mms: MmInfo[] = [];
  private readonly cpus: CpuInfo[] = [];

  constructor(
    readonly arch: KernelArch,
    opts: KernelBuilderOptions,
  ) {
    if (opts.cpus.length === 0) throw new Error('KernelBuilder: a machine needs at least one CPU');
    this.m = new MachineBuilder(
      opts.frames ?? 16,
      Math.ceil((opts.cpus.length * TLB_WORDS_PER_CPU) / WORDS_PER_FRAME),
    );
    const m = this.m;
    const pgdListHead = m.word('pgd_list.next');
    m.word('pgd_list.prev');
    const pgdLock = m.word('pgd_lock');
    const memHotplugLock = m.word('mem_hotplug_lock');
    const unusedPmdStart = m.word('unused_pmd_start');
    const syncedSlots = m.word('ghost.synced[0]');
    for (let i = 1; i < GHOST_SYNCED_WORDS; i++) m.word(`ghost.synced[${i}]`);
    const rcu = new Rcu(m, opts.cpus.length);
    const ghost = new Ghost(m, opts.cpus, m.symbols);
    this.k = new KernelMachine(
      arch,
      m.memory.frames,
      this.mms,
      this.cpus,
      pgdListHead,
      pgdLock,
      memHotplugLock,
      syncedSlots,
      unusedPmdStart,
      rcu,
      ghost,
      opts.vmemmapBase ?? arch.vmemmapStart,
      opts.bugs ?? {},
      machineOracles,
      new Tlb(arch.fmt, m.memory.bytes, opts.cpus.length),
    );
    ghost.pgdOwner = (mem, f) => {
      const owner = this.k.mmOfPgd(f * PAGE_SIZE, (a) => mem.load(a));
      return owner ? `${owner.name}.pgd` : null;
    };
    // an empty list_head points to itself
    m.memory.store(pgdListHead, this.k.__va(pgdListHead));
    m.memory.store(pgdListHead + 8, this.k.__va(pgdListHead));
    const register = arch.id === 'arm64' ? 'ttbr0' : 'cr3';
    opts.cpus.forEach((name, id) => {
      const cpu: CpuInfo = {
        id,
        name,
        cr3: m.word(`cpu${id}.${register}`),
        current: m.word(`cpu${id}.current`),
        held: m.word(`ghost.cpu${id}.held_locks`),
      };
      this.cpus.push(cpu);
    });
    this.addMm('init_mm', arch.id === 'arm64' ? 'swapper_pg_dir' : 'init_mm.pgd');
    for (const cpu of this.cpus) this.runOn(cpu, this.mms[0]);
  }

  private addMm(name: string, pgdName: string | null): MmInfo {
    const m = this.m;
    const id = this.mms.length;
    const pgd = m.word(`${name}.pgd`);
    const pageTableLock = m.word(`${name}.page_table_lock`);
    const mmapLock = m.word(`${name}.mmap_lock`);
    const lruNext = m.word(`${name}.pgd_page.lru.next`);
    const lruPrev = m.word(`${name}.pgd_page.lru.prev`);
    const ptMm = m.word(`${name}.pgd_page.pt_mm`);
    const cloneDone = m.word(`ghost.${name}.clone_done`);
    let bootPgdFrame = -1;
    if (pgdName !== null) {
      bootPgdFrame = m.frame(tableFrameState(this.arch.fmt, this.arch.fmt.levels), pgdName);
      // with PTI the user copy is the next page (kernel_to_user_pgdp)
      for (let i = 1; i < (this.arch.pgdPages ?? 1); i++) {
        m.frame(tableFrameState(this.arch.fmt, this.arch.fmt.levels), `${pgdName}.user`);
      }
      m.memory.store(pgd, this.k.__va(bootPgdFrame * PAGE_SIZE));
    }
    const mm: MmInfo = {
      id,
      name,
      pgd,
      pageTableLock,
      mmapLock,
      lruNext,
      lruPrev,
      ptMm,
      cloneDone,
      bootPgdFrame,
    };
    this.mms.push(mm);
    return mm;
  }

  /** `word` reserves a named 64-bit word of the data frame. */
  word(name: string, initial = 0n): number {
    return this.m.word(name, initial);
  }

  /** `frame` reserves the next frame at boot, in `state`, named `name` in traces and messages. */
  frame(state: FrameState, name: string): number {
    return this.m.frame(state, name);
  }

  /** `pgdFrame` is the frame of init_mm's PGD (swapper_pg_dir). */
  get pgdFrame(): number {
    return this.mms[0].bootPgdFrame;
  }

  /** `pgdAddr` is the physical address of init_mm's PGD. */
  get pgdAddr(): number {
    return this.pgdFrame * PAGE_SIZE;
  }

  /** `entry` is the physical address of `va`'s entry in table frame `table` at `level`. */
  entry(table: number, va: bigint, level: number | LevelName): number {
    const l = this.level(level);
    return table * PAGE_SIZE + 8 * vaIndex(this.arch.fmt, va, l);
  }

  /** `set` writes the entry of `va` in table frame `table` at `level` at build time. */
  set(table: number, va: bigint, level: number | LevelName, e: bigint): void {
    this.m.memory.store(this.entry(table, va, level), e);
  }

  /**
   * `table` returns the frame of init_mm's table at `level` for `va`, creating the missing tables
   * on the way from the PGD (named `names[level]`, else the prefix and the level's name).
   */
  table(va: bigint, level: number | LevelName, opts: TableNames = {}): number {
    const fmt = this.arch.fmt;
    const want = this.level(level);
    const mem = this.m.memory;
    let t = this.pgdFrame;
    for (let l = fmt.levels; l > want; l--) {
      const p = this.entry(t, va, l);
      const e = mem.load(p);
      if (e !== 0n) {
        t = Number(fmt.addr(e)) / PAGE_SIZE;
        continue;
      }
      const name = opts.names?.[l - 1] ?? `${opts.prefix ?? ''}${levelName(fmt, l - 1)}`;
      const child = this.m.frame(tableFrameState(fmt, l - 1), name);
      mem.store(p, fmt.mkTable(BigInt(child * PAGE_SIZE), l));
      t = child;
    }
    return t;
  }

  /** `map` installs in init_mm's tables a leaf for `va` at `level` (1: page, 2: block) mapping physical address `pa`. */
  map(va: bigint, level: number | LevelName, pa: bigint, opts: TableNames = {}): void {
    const t = this.table(va, level, opts);
    this.set(t, va, level, this.arch.fmt.mkLeaf(pa, this.level(level)));
  }

  /**
   * `task` declares a task forked before the model starts: its PGD is a copy of init_mm's kernel
   * half where the architecture copies it (pgd_ctor), its clone is complete and it is on
   * pgd_list (list_add: at the head, so the newest task comes first).
   */
  task(name: string): MmInfo {
    const mm = this.addMm(name, `${name}.pgd`);
    const mem = this.m.memory;
    const k = this.k;
    if (this.arch.kernelHalf === 'copied') {
      const fmt = this.arch.fmt;
      const boundary = this.arch.kernelPgdBoundary;
      for (let i = 0; i < (this.arch.pgdPages ?? 1); i++) {
        const at = i * PAGE_SIZE + 8 * boundary;
        mem.copy(mm.bootPgdFrame * PAGE_SIZE + at, this.pgdAddr + at, fmt.ptrs(fmt.levels) - boundary);
      }
      mem.store(mm.ptMm, k.__va(mm.pgd));
      mem.store(mm.cloneDone, 1n);
      const head = k.pgdListHead;
      const first = k.__pa(mem.load(head));
      mem.store(mm.lruNext, k.__va(first));
      mem.store(mm.lruPrev, k.__va(head));
      mem.store(first + 8, k.__va(mm.lruNext));
      mem.store(head, k.__va(mm.lruNext));
    }
    return mm;
  }

  /** `futureTask` declares an mm whose PGD a model's pgd_alloc creates during an execution. */
  futureTask(name: string): MmInfo {
    return this.addMm(name, null);
  }

  /**
   * `run` makes CPU `cpu` (its name) run `mm`'s task when the model starts: CR3 (TTBR0) holds
   * its PGD, `current` names it. Every CPU runs init_mm unless told otherwise.
   */
  run(cpu: string, mm: MmInfo): CpuInfo {
    const info = this.cpus.find((c) => c.name === cpu);
    if (!info)
      throw new Error(
        `KernelBuilder: no CPU named ${cpu} (CPUs: ${this.cpus.map((c) => c.name).join(', ')})`,
      );
    this.runOn(info, mm);
    return info;
  }

  private runOn(cpu: CpuInfo, mm: MmInfo): void {
    const mem = this.m.memory;
    mem.store(cpu.cr3, mm.bootPgdFrame >= 0 ? this.k.cr3Of(mm.bootPgdFrame * PAGE_SIZE) : 0n);
    mem.store(cpu.current, BigInt(mm.id + 1));
  }

  /** `ptl` gives PTE table frame `table` a split page-table lock (its struct page's ptl). */
  ptl(table: number, name = 'pte.ptl'): number {
    const word = this.m.word(name);
    this.k.setPtl(table, word);
    return word;
  }

  /**
   * `program` freezes the machine with the CPU programs (one per declared CPU, with its name) and
   * the machine's oracles (`k.oracles()` unless others are given).
   */
  program(cpus: CpuProgram[], oracles: Oracle[] = this.k.oracles()): Program {
    const names = this.cpus.map((c) => c.name);
    if (cpus.length !== names.length || cpus.some((c, i) => c.name !== names[i])) {
      throw new Error(
        `KernelBuilder: the machine's CPUs are ${names.join(', ')}; the program's are ${cpus.map((c) => c.name).join(', ')}`,
      );
    }
    this.k.ghost.layOutDependencies(this.m);
    const program = this.m.program(cpus, oracles);
    program.kernel = true;
    return program;
  }

  private level(level: number | LevelName): number {
    return typeof level === 'number' ? level : levelOf(this.arch.fmt, level);
  }
}
