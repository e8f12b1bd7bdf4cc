import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { PageTableFormat } from './format.js';

/** `TlbMode` is `--tlb`: `on` models the per-CPU caches, `off` keeps the cacheless machine. */
export type TlbMode = 'on' | 'off';

/** `TLB_SLOTS` is how many entries (leaf and table entries together) one CPU's caches hold. */
export const TLB_SLOTS = 10;
/** words per slot: tag, entry, where it was read and the generation of the frame it points to */
const SLOT_WORDS = 3;
/** `TLB_WORDS_PER_CPU` is one CPU's share of the hardware frames: its slots and its victim counter. */
export const TLB_WORDS_PER_CPU = 32;
const VICTIM = TLB_SLOTS * SLOT_WORDS;

/**
 * `CachedEntry` is one entry of a CPU's TLB (a leaf) or paging-structure / walk cache (a table
 * entry): the entry a walk of `va`'s span read at `from`, at `level`, and the generation the frame
 * it points to had then (so a later use can tell whether that frame was freed or reused since).
 */
export interface CachedEntry {
  slot: number;
  level: number;
  /** the first virtual address of the span the entry translates */
  va: bigint;
  entry: bigint;
  from: number;
  gen: number;
}

/**
 * `Tlb` is the per-CPU translation caches of the machine, in words of its hardware frames
 * (PhysicalMemory.hardwareFrames), so that every executor's CPUs see the same caches and every
 * execution starts with them empty. One cache per CPU holds both kinds of entries the
 * architectures keep: leaf translations (the TLB proper) and table entries (x86's
 * paging-structure caches, arm64's walk cache), tagged by level and by the virtual span they
 * translate. Entries are filled only by hardware walks (src/kernel/hw-access.ts), never by
 * software writes to the tables; only the flush operations (src/kernel/tlb.ts) drop them.
 *
 * Layout of CPU `c` from `base + c * TLB_WORDS_PER_CPU * 8`: `TLB_SLOTS` slots of three words
 * (tag `1 | level << 1 | (va >> shift(level)) << 4`, 0 when empty; the entry; `(from + 1) |
 * gen << 32`), then the victim counter the next fill into a full cache replaces (round robin).
 */
export class Tlb {
  constructor(
    readonly fmt: PageTableFormat,
    /** physical address of CPU 0's words */
    readonly base: number,
    readonly cpus: number,
  ) {}

  private slotAddr(cpu: number, slot: number): number {
    return this.base + 8 * (cpu * TLB_WORDS_PER_CPU + slot * SLOT_WORDS);
  }

  /** `tag` is the tag of the entry at `level` for virtual address `va`. */
  tag(va: bigint, level: number): bigint {
    return 1n | (BigInt(level) << 1n) | ((BigInt.asUintN(64, va) >> this.fmt.shift(level)) << 4n);
  }

  /** `lookup` is CPU `cpu`'s cached entry at `level` for `va`, or null. */
  lookup(mem: PhysicalMemory, cpu: number, va: bigint, level: number): CachedEntry | null {
    const tag = this.tag(va, level);
    for (let s = 0; s < TLB_SLOTS; s++) {
      const a = this.slotAddr(cpu, s);
      if (mem.load(a) === tag) return this.read(mem, cpu, s);
    }
    return null;
  }

  /** `entries` are CPU `cpu`'s cached entries, in slot order. */
  entries(mem: PhysicalMemory, cpu: number): CachedEntry[] {
    const out: CachedEntry[] = [];
    for (let s = 0; s < TLB_SLOTS; s++) {
      const e = this.read(mem, cpu, s);
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * `fill` caches `entry`, read by a walk of `va` at `from`, in CPU `cpu`'s caches: it replaces the
   * entry with the same tag, else takes a free slot, else the round-robin victim.
   */
  fill(
    mem: PhysicalMemory,
    cpu: number,
    va: bigint,
    level: number,
    entry: bigint,
    from: number,
    gen: number,
  ): void {
    const tag = this.tag(va, level);
    let slot = -1;
    for (let s = 0; s < TLB_SLOTS && slot < 0; s++) if (mem.load(this.slotAddr(cpu, s)) === tag) slot = s;
    for (let s = 0; s < TLB_SLOTS && slot < 0; s++) if (mem.load(this.slotAddr(cpu, s)) === 0n) slot = s;
    if (slot < 0) {
      const victim = this.base + 8 * (cpu * TLB_WORDS_PER_CPU + VICTIM);
      slot = Number(mem.load(victim));
      mem.store(victim, BigInt((slot + 1) % TLB_SLOTS));
    }
    const a = this.slotAddr(cpu, slot);
    mem.store(a, tag);
    mem.store(a + 8, entry);
    mem.store(a + 16, BigInt(from + 1) | (BigInt(gen & 0xffff) << 32n));
  }

  /**
   * `drop` removes from CPU `cpu`'s caches every entry `which` selects (given its level, the
   * first and last virtual address of its span, and whether it is a leaf); returns how many.
   */
  drop(
    mem: PhysicalMemory,
    cpu: number,
    which: (level: number, first: bigint, last: bigint, leaf: boolean) => boolean,
  ): number {
    let n = 0;
    for (let s = 0; s < TLB_SLOTS; s++) {
      const e = this.read(mem, cpu, s);
      if (!e) continue;
      const last = e.va + (1n << this.fmt.shift(e.level)) - 1n;
      if (!which(e.level, e.va, last, e.level === 1 || this.fmt.leaf(e.entry, e.level))) continue;
      mem.store(this.slotAddr(cpu, s), 0n);
      n++;
    }
    return n;
  }

  private read(mem: PhysicalMemory, cpu: number, slot: number): CachedEntry | null {
    const a = this.slotAddr(cpu, slot);
    const tag = mem.load(a);
    if (tag === 0n) return null;
    const level = Number((tag >> 1n) & 7n);
    const meta = mem.load(a + 16);
    return {
      slot,
      level,
      va: (BigInt.asUintN(64, tag) >> 4n) << this.fmt.shift(level),
      entry: mem.load(a + 8),
      from: Number(meta & 0xffffffffn) - 1,
      gen: Number((meta >> 32n) & 0xffffn),
    };
  }
}
