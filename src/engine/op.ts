import { AccessMode } from '../machine/memory-model/memory-model.js';

/**
 * `OpKind` enumerates the shared-memory operations a CPU program can yield. Each one is a
 * scheduling point: between two of them a CPU runs atomically.
 */
export enum OpKind {
  /** READ_ONCE of a 64-bit word */
  Load = 0,
  /** WRITE_ONCE of a 64-bit word */
  Store = 1,
  /** cmpxchg of a 64-bit word; returns the old value */
  Cas = 2,
  /** read of one 32-bit half (PAE) */
  Load32 = 3,
  /** write of one 32-bit half (PAE) */
  Store32 = 4,
  /** memcpy of `n` words from `src` to `addr`, in one step */
  Copy = 5,
  /** exclusive lock (spin_lock, down_write): enabled while the lock word is 0 */
  Lock = 6,
  Unlock = 7,
  /** shared lock (down_read, rcu_read_lock-like readers): enabled while no writer holds it */
  ReadLock = 8,
  ReadUnlock = 9,
  /** spin-assume: enabled only while `pred` holds of the word at `addr`; returns its value */
  Await = 10,
  /** allocate a zeroed frame in state `n`; returns its number */
  Alloc = 11,
  /** free frame `addr` (a frame number): poison it and bump its generation */
  Free = 12,
  /** a data choice: the scheduler picks a value in [0, n) */
  Choose = 13,
  /** a barrier (`n` is its `Barrier` kind; 0 orders nothing) or TLB flush: no memory effect, a visible step */
  Fence = 14,
}

const NAMES: readonly string[] = [
  'load',
  'store',
  'cmpxchg',
  'load32',
  'store32',
  'copy',
  'lock',
  'unlock',
  'read_lock',
  'read_unlock',
  'await',
  'alloc',
  'free',
  'choose',
  'fence',
];

/** `opKindName` is the default name a trace prints for an operation kind. */
export function opKindName(kind: OpKind): string {
  return NAMES[kind];
}

/**
 * `Op` is one operation descriptor. Each CPU owns a single `Op` that it refills before every
 * yield, so stepping allocates nothing; the executor copies what it needs before the CPU runs on.
 */
export class Op {
  kind: OpKind = OpKind.Fence;
  /** physical address (a frame number for Free) */
  addr = 0;
  /** Copy: source address; Alloc and Free: the order (2^order contiguous frames) */
  src = 0;
  /** Store/Cas/Store32: the value written */
  value = 0n;
  /** Cas: the expected old value */
  expected = 0n;
  /** Copy and Await: words; Choose: number of values; Alloc: frame state; Fence: Barrier kind */
  n = 0;
  /** Load/Store/Load32/Store32: how the access is made (marked, plain, acquire, release, walk) */
  mode: AccessMode = AccessMode.Marked;
  /**
   * the earlier load of this CPU (its number, `Cpu.lastLoad` after it) that the address (or, for a
   * store, the data) depends on; 0: none
   */
  dep = 0;
  /** Await: the condition the word must satisfy */
  pred: ((value: bigint) => boolean) | null = null;
  /** what the trace calls this operation (`spin_lock`, `set_pmd`); null for the kind's name */
  label: string | null = null;
  /** Alloc: what the new frame is for (`pud`, `pgd`), used to name it in traces */
  tag: string | null = null;

  /** `copyFrom` makes this Op a copy of `other`. */
  copyFrom(other: Op): void {
    this.kind = other.kind;
    this.addr = other.addr;
    this.src = other.src;
    this.value = other.value;
    this.expected = other.expected;
    this.n = other.n;
    this.mode = other.mode;
    this.dep = other.dep;
    this.pred = other.pred;
    this.label = other.label;
    this.tag = other.tag;
  }
}
