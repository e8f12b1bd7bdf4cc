import type { MachineBuilder } from '../engine/builder.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Symbols } from '../machine/symbols.js';

/** `FREEING_FUNCTIONS` are the kernel functions a ghost free record can name (index + 1 is stored). */
export const FREEING_FUNCTIONS = [
  'free_pagetable',
  'free_pte_table',
  'free_pmd_table',
  'free_empty_pte_table',
  'free_empty_pmd_table',
  'free_hotplug_pgtable_page',
  'pmd_free_pte_page',
  'pte_free_kernel',
  'pte_free_defer',
  'pte_free_now',
  'pte_free',
  'retract_page_tables',
  'free_pud_table',
  'free_hugepage_table',
  'pgd_free',
  '_pgd_free',
  '__p4d_alloc',
  '__pud_alloc',
  '__pmd_alloc',
  '__pte_alloc',
  '__pte_alloc_kernel',
  'pud_free',
  'pmd_free',
  '__free_pages',
] as const;

/** levels 1..5 of remembered pointers per CPU */
const SEEN_LEVELS = 6;
/** levels 1..5 of load dependencies per CPU */
const DEP_LEVELS = 5;
/** how many stale entries (pointers into freed frames) one execution can track */
export const STALE_SLOTS = 16;

/**
 * `Ghost` is the checker's own state for the kernel oracles (use-after-free,
 * lockless-precondition, stale-translation), kept in words of the machine's data frame so that it
 * is reset with every execution and looks the same to every executor. Programs and oracles write
 * it with `mem.store` between two yields, which is not a scheduling point.
 *
 * Words (each 64 bits):
 * - `freedBy[f]`: who freed frame f last: `(cpu + 1) | (fn + 1) << 8` (fn indexes FREEING_FUNCTIONS).
 * - `seen[cpu][level]`: the table a walker on `cpu` is inside at `level`, the generation of its
 *   frame when the walker read the pointer to it and where it read it:
 *   `(frame + 1) | generation << 16 | from << 32`; 0 when none.
 * - `lockless[cpu]`: `start`, `end` of the lockless walk in flight on `cpu` (start 0: none). The
 *   walker writes `start` with a real store, so partial-order reduction orders it against the
 *   ghost check a modifier performs (also a real operation) before every free, split or clear.
 * - `dep[cpu][level]`: the number of the load that read the pointer `seen[cpu][level]` records
 *   (`Cpu.lastLoad`): a later read in that table depends on it through its address, which a weak
 *   memory model orders (arm64); a register of the walker, kept here so that it resets.
 * - `hw_walk_in_flight[cpu]`: 1 while the MMU of `cpu` walks the tables (hw_access). This one
 *   models hardware, not the checker: a TLB flush (TLBI + DSB, INVLPG, the flush IPI) completes
 *   only once the walks in flight have, so `flush_tlb_kernel_range` waits for these words to be 0.
 * - `stale[i]`: a table entry that still pointed to a frame when the frame was freed:
 *   `(entry + 1) | frame << 32`; 0 when free. An entry stops being stale when it is written.
 *   A walker that follows a stale entry is using a freed frame even when the frame has been
 *   reused since, whatever for (docs/invariants.md I5).
 *
 * Names of CPUs and of the frames laid out at build time are fixed, so messages are the same in
 * every execution and on every executor.
 */
export class Ghost {
  readonly freedBy: number;
  readonly seen: number;
  readonly lockless: number;
  readonly hwWalk: number;
  readonly stale: number;
  /**
   * `dep[cpu][level - 1]`: the load (`Cpu.lastLoad`) the pointer to `seen[cpu][level]`'s table
   * came from; laid out last (`layOutDependencies`), after every word of the model
   */
  dep = -1;
  readonly frames: number;
  /** the PGD frames' owners, for messages about a freed PGD: set by the kernel machine */
  pgdOwner: (mem: PhysicalMemory, frame: number) => string | null = () => null;

  constructor(
    m: MachineBuilder,
    readonly cpuNames: readonly string[],
    private readonly symbols: Symbols,
  ) {
    this.frames = m.memory.frames;
    this.freedBy = m.word('ghost.freed_by[0]');
    for (let f = 1; f < this.frames; f++) m.word(`ghost.freed_by[${f}]`);
    this.seen = m.word('ghost.seen[0][0]');
    for (let i = 1; i < Math.max(1, cpuNames.length) * SEEN_LEVELS; i++) m.word(`ghost.seen[${i}]`);
    this.lockless = m.word(`ghost.lockless_walk[${cpuNames[0]}].start`);
    m.word(`ghost.lockless_walk[${cpuNames[0]}].end`);
    for (let i = 1; i < cpuNames.length; i++) {
      m.word(`ghost.lockless_walk[${cpuNames[i]}].start`);
      m.word(`ghost.lockless_walk[${cpuNames[i]}].end`);
    }
    this.hwWalk = m.word(`hw_walk_in_flight[${cpuNames[0]}]`);
    for (let i = 1; i < cpuNames.length; i++) m.word(`hw_walk_in_flight[${cpuNames[i]}]`);
    this.stale = m.word('ghost.stale[0]');
    for (let i = 1; i < STALE_SLOTS; i++) m.word(`ghost.stale[${i}]`);
  }

  /**
   * `layOutDependencies` reserves the `dep` words, once the model's own words are laid out (so
   * that they do not move the addresses traces print). Called by KernelBuilder.program.
   */
  layOutDependencies(m: MachineBuilder): void {
    if (this.dep >= 0) return;
    this.dep = m.word('ghost.dep[0][1]');
    for (let i = 1; i < Math.max(1, this.cpuNames.length) * DEP_LEVELS; i++) m.word(`ghost.dep[${i}]`);
  }

  private depAddr(cpu: number, level: number): number {
    return this.dep + 8 * (cpu * DEP_LEVELS + level - 1);
  }

  /** `frameName` names frame `f` in messages: its build-time name, the PGD of an mm, or `frameN`. */
  frameName(f: number, mem?: PhysicalMemory): string {
    return this.symbols.staticFrameName(f) ?? (mem && this.pgdOwner(mem, f)) ?? `frame${f}`;
  }

  cpuName(cpu: number): string {
    return `cpu${cpu} ${this.cpuNames[cpu] ?? '?'}`;
  }

  /** `recordFree` notes that `cpu`, in kernel function `fn`, freed frame `f`. */
  recordFree(mem: PhysicalMemory, f: number, cpu: number, fn: string): void {
    const i = (FREEING_FUNCTIONS as readonly string[]).indexOf(fn);
    mem.store(this.freedBy + 8 * f, BigInt(cpu + 1) | (BigInt(i + 1) << 8n));
  }

  /** `freedByText` says who freed `f`: `cpu1 B in free_empty_pte_table`, or that nobody is known. */
  freedByText(mem: PhysicalMemory, f: number): string {
    const v = mem.load(this.freedBy + 8 * f);
    if (v === 0n) return 'an unrecorded free';
    const cpu = Number(v & 0xffn) - 1;
    const fn = Number(v >> 8n) - 1;
    return fn >= 0 ? `${this.cpuName(cpu)} in ${FREEING_FUNCTIONS[fn]}` : this.cpuName(cpu);
  }

  seenAddr(cpu: number, level: number): number {
    return this.seen + 8 * (cpu * SEEN_LEVELS + level);
  }

  /**
   * `rememberTable` records that `cpu` read, at physical address `from`, a pointer to table frame
   * `f` at `level`, and the generation `f` has now; when `from` is a stale entry (it pointed to
   * `f` when `f` was freed), the generation `f` had before that free, so the next access reports
   * the reuse.
   */
  rememberTable(mem: PhysicalMemory, cpu: number, level: number, f: number, from: number, dep = 0): void {
    const gen = (mem.generation(f) - (this.isStale(mem, from, f) ? 1 : 0)) & 0xffff;
    const v = BigInt(f + 1) | (BigInt(gen) << 16n) | (BigInt(from) << 32n);
    mem.store(this.seenAddr(cpu, level), v);
    if (this.dep >= 0) mem.store(this.depAddr(cpu, level), BigInt(dep));
  }

  /**
   * `dependency` is the load that an access by `cpu` to table frame `f` at `level` depends on
   * through its address (the read of the entry that pointed there), or 0.
   */
  dependency(mem: PhysicalMemory, cpu: number, level: number, f: number): number {
    const v = mem.load(this.seenAddr(cpu, level));
    if (this.dep < 0 || v === 0n || Number(v & 0xffffn) - 1 !== f) return 0;
    return Number(mem.load(this.depAddr(cpu, level)));
  }

  /** `remembered` is what `cpu` recorded for frame `f` at `level`: generation and pointer source. */
  remembered(
    mem: PhysicalMemory,
    cpu: number,
    level: number,
    f: number,
  ): { gen: number; from: number } | null {
    // read as 32-bit halves (frame + 1 and generation low, pointer source high): no bigints
    const at = this.seenAddr(cpu, level);
    const low = mem.load32(at);
    if ((low & 0xffff) - 1 !== f) return null;
    return { gen: low >>> 16, from: mem.load32(at + 4) };
  }

  /** `addrName` names a physical address as `frame[index]`. */
  addrName(addr: number, mem?: PhysicalMemory): string {
    return `${this.frameName(addr >>> 12, mem)}[${(addr & 4095) >>> 3}]`;
  }

  locklessStart(cpu: number): number {
    return this.lockless + 16 * cpu;
  }

  locklessEnd(cpu: number): number {
    return this.lockless + 16 * cpu + 8;
  }

  hwWalkWord(cpu: number): number {
    return this.hwWalk + 8 * cpu;
  }

  /** `addStale` records that table entry `entry` still points to frame `frame`, just freed. */
  addStale(mem: PhysicalMemory, entry: number, frame: number): void {
    const rec = BigInt(entry + 1) | (BigInt(frame) << 32n);
    let free = -1;
    for (let i = 0; i < STALE_SLOTS; i++) {
      const v = mem.load(this.stale + 8 * i);
      if (v === rec) return;
      if (v === 0n && free < 0) free = i;
    }
    if (free < 0) throw new Error(`more than ${STALE_SLOTS} stale page-table entries in one execution`);
    mem.store(this.stale + 8 * free, rec);
  }

  /** `dropStale` forgets the stale records of entry `entry` (it was written), or of every entry in frame `inFrame`. */
  dropStale(mem: PhysicalMemory, entry: number, inFrame = -1): void {
    for (let i = 0; i < STALE_SLOTS; i++) {
      const v = mem.load(this.stale + 8 * i);
      if (v === 0n) continue;
      const e = Number(v & 0xffffffffn) - 1;
      if (e === entry || e >>> 12 === inFrame) mem.store(this.stale + 8 * i, 0n);
    }
  }

  /** `isStale` says whether entry `entry` still points to `frame` since `frame` was freed. */
  isStale(mem: PhysicalMemory, entry: number, frame: number): boolean {
    const rec = BigInt(entry + 1) | (BigInt(frame) << 32n);
    for (let i = 0; i < STALE_SLOTS; i++) if (mem.load(this.stale + 8 * i) === rec) return true;
    return false;
  }
}
