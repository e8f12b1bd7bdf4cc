import type { PhysicalMemory } from '../../machine/physical-memory.js';
import type { MachineBuilder } from '../../model/builder.js';

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
] as const;

/** levels 1..5 of remembered pointers per CPU */
const SEEN_LEVELS = 6;

/**
 * `Ghost` is the checker's own state for the walker oracles (use-after-free, lockless-precondition,
 * stale-translation), kept in words of the machine's data frame so that it is reset with every
 * execution and looks the same to every executor. Programs write it with `mem.store` between two
 * yields, which is not a scheduling point.
 *
 * Words (each 64 bits):
 * - `freedBy[f]`: who freed frame f last: `(cpu + 1) | (fn + 1) << 8` (fn indexes FREEING_FUNCTIONS).
 * - `seen[cpu][level]`: the table a walker on `cpu` is inside at `level`, and the frame generation
 *   it saw when it read the pointer: `(frame + 1) | generation << 32`; 0 when none.
 * - `lockless[cpu]`: `start`, `end` of the lockless walk in flight on `cpu` (start 0: none). The
 *   walker writes `start` with a real store, so partial-order reduction orders it against the
 *   ghost check a modifier performs (also a real operation) before every free, split or clear.
 * - `dep[cpu][level]`: the number of the load that read the pointer `seen[cpu][level]` records
 *   (`Cpu.lastLoad`): a later read in that table depends on it through its address, which a weak
 *   memory model orders (arm64); a register of the walker, kept here so that it resets.
 * - `hw_walk_in_flight[cpu]`: 1 while the MMU of `cpu` walks the tables (hardware_walk). This one
 *   models hardware, not the checker: a TLB flush (TLBI + DSB, INVLPG) completes only once the
 *   walks in flight have, so `flush_tlb_kernel_range` waits for these words to be 0.
 *
 * Names of CPUs and frames are fixed at build time, so messages are the same in every execution.
 */
export class Ghost {
  readonly freedBy: number;
  readonly seen: number;
  readonly lockless: number;
  readonly hwWalk: number;
  /** `dep[cpu][level]`: the load (`Cpu.lastLoad`) the pointer to `seen[cpu][level]`'s table came from */
  readonly dep: number;
  readonly frames: number;
  private readonly frameNames = new Map<number, string>();

  constructor(
    m: MachineBuilder,
    readonly cpuNames: readonly string[],
  ) {
    this.frames = m.memory.frames;
    this.freedBy = m.word('ghost.freed_by[0]');
    for (let f = 1; f < this.frames; f++) m.word(`ghost.freed_by[${f}]`);
    this.seen = m.word('ghost.seen[0][0]');
    for (let i = 1; i < cpuNames.length * SEEN_LEVELS; i++) m.word(`ghost.seen[${i}]`);
    this.lockless = m.word(`ghost.lockless_walk[${cpuNames[0]}].start`);
    m.word(`ghost.lockless_walk[${cpuNames[0]}].end`);
    for (let i = 1; i < cpuNames.length; i++) {
      m.word(`ghost.lockless_walk[${cpuNames[i]}].start`);
      m.word(`ghost.lockless_walk[${cpuNames[i]}].end`);
    }
    this.hwWalk = m.word(`hw_walk_in_flight[${cpuNames[0]}]`);
    for (let i = 1; i < cpuNames.length; i++) m.word(`hw_walk_in_flight[${cpuNames[i]}]`);
    this.dep = m.word('ghost.dep[0][0]');
    for (let i = 1; i < cpuNames.length * SEEN_LEVELS; i++) m.word(`ghost.dep[${i}]`);
  }

  /** `nameFrame` gives frame `f` the name messages use (frames allocated later are `frameN`). */
  nameFrame(f: number, name: string): void {
    this.frameNames.set(f, name);
  }

  frameName(f: number): string {
    return this.frameNames.get(f) ?? `frame${f}`;
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
   * `f` at `level`, and the generation `f` has now.
   */
  rememberTable(mem: PhysicalMemory, cpu: number, level: number, f: number, from: number, dep = 0): void {
    const v = BigInt(f + 1) | (BigInt(mem.generation(f) & 0xffff) << 16n) | (BigInt(from) << 32n);
    mem.store(this.seenAddr(cpu, level), v);
    mem.store(this.dep + 8 * (cpu * SEEN_LEVELS + level), BigInt(dep));
  }

  /**
   * `dependency` is the load that an access by `cpu` to table frame `f` at `level` depends on
   * through its address (the read of the entry that pointed there), or 0.
   */
  dependency(mem: PhysicalMemory, cpu: number, level: number, f: number): number {
    const v = mem.load(this.seenAddr(cpu, level));
    if (v === 0n || Number(v & 0xffffn) - 1 !== f) return 0;
    return Number(mem.load(this.dep + 8 * (cpu * SEEN_LEVELS + level)));
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
  addrName(addr: number): string {
    return `${this.frameName(addr >>> 12)}[${(addr & 4095) >>> 3}]`;
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
}
