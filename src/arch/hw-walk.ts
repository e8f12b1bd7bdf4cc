import { type PageTableFormat, vaIndex } from './format.js';

/** `WalkRead` is one entry the MMU reads: its level, its index in the table, its physical address. */
export interface WalkRead {
  level: number;
  index: number;
  addr: number;
}

/** `WalkStep` is a read and the entry it found. */
export interface WalkStep extends WalkRead {
  entry: bigint;
}

/** `Translation` is what a hardware walk found. */
export interface Translation {
  /**
   * the model physical address `va` maps to (the leaf's address plus the offset of `va` in its span:
   * a model frame backing a 2 MiB leaf is not 2 MiB aligned), or null when an entry on the way was
   * not present
   */
  pa: bigint | null;
  /** the level of the leaf, or of the entry that was not present */
  level: number;
  /** every entry read, top down */
  steps: WalkStep[];
}

/**
 * `WalkAnswer` is what answers a walk's read when it is not memory's entry at that level: an entry
 * a translation cache holds for the address at `level` (the read's level or one below it: the walk
 * then goes on from there), read from `addr` when it was cached.
 */
export interface WalkAnswer {
  entry: bigint;
  level: number;
  addr: number;
}

/**
 * `hardwareWalk` is the MMU's translation of `va` from the top table at physical address `top`:
 * one read per level, stopping at a leaf or at an entry that is not present (the hardware never
 * caches a non-present entry, docs/kernel-facts.md). It describes the walk without performing
 * it: it yields each entry it must read and is resumed with that entry's value, so the kernel's
 * `hardware_walk` turns each read into a scheduling point with its checks; a TLB or
 * paging-structure cache answers a read with a `WalkAnswer` instead (a cached entry at that level,
 * or one lower down, from which the walk continues).
 */
export function* hardwareWalk(
  fmt: PageTableFormat,
  top: number,
  va: bigint,
): Generator<WalkRead, Translation, bigint | WalkAnswer> {
  const steps: WalkStep[] = [];
  let table = top;
  for (let level = fmt.levels; level >= 1; level--) {
    const read: WalkRead = {
      level,
      index: vaIndex(fmt, va, level),
      addr: table + 8 * vaIndex(fmt, va, level),
    };
    const answer = yield read;
    let entry: bigint;
    if (typeof answer === 'bigint') {
      entry = answer;
      steps.push({ ...read, entry });
    } else {
      ({ entry, level } = answer);
      steps.push({ level, index: vaIndex(fmt, va, level), addr: answer.addr, entry });
    }
    if (!fmt.present(entry, level)) return { pa: null, level, steps };
    if (level === 1 || fmt.leaf(entry, level)) {
      const span = (1n << fmt.shift(level)) - 1n;
      return { pa: fmt.addr(entry) + (BigInt.asUintN(64, va) & span), level, steps };
    }
    table = Number(fmt.addr(entry));
  }
  throw new Error('hardwareWalk: the walk ended without a leaf');
}

/**
 * `translate` runs the hardware walk as a ghost computation: every read answered by `read`
 * (memory as it is now), no scheduling points. Reports use it, e.g. to say whether init_mm has
 * a translation that a task's walk missed.
 */
export function translate(
  fmt: PageTableFormat,
  read: (addr: number) => bigint,
  top: number,
  va: bigint,
): Translation {
  const walk = hardwareWalk(fmt, top, va);
  let r = walk.next(0n);
  while (!r.done) r = walk.next(read(r.value.addr));
  return r.value;
}
