/**
 * The memory model of the simulated machine: what a load may return and when a store becomes
 * visible to the other CPUs. It lives below the engine, on the machine's PhysicalMemory and on a
 * SharedArrayBuffer of its own (layout.ts), so that every executor (inline, threads) sees one
 * state: a CPU worker performs its loads and stores through its own `MemoryModel` over the same
 * buffers, and the step driver performs the model's internal steps (a store-buffer flush) on the
 * scheduler's side.
 *
 * Models: `sc` (sequential consistency: every access at once, in the order the scheduler picks),
 * `tso` (x86-TSO, tso.ts) and `arm64` (ARMv8, other-multicopy-atomic, arm64.ts).
 */

/** `MemoryModelName` names a memory model (`--memory-model`). */
export type MemoryModelName = 'sc' | 'tso' | 'arm64';

/** `MEMORY_MODELS` lists the memory models, `sc` (the default) first. */
export const MEMORY_MODELS: readonly MemoryModelName[] = ['sc', 'tso', 'arm64'];

/** `isMemoryModelName` says whether `s` names a memory model. */
export function isMemoryModelName(s: string): s is MemoryModelName {
  return (MEMORY_MODELS as readonly string[]).includes(s);
}

/**
 * `AccessMode` says how a load or store is made, in the kernel's terms
 * (tools/memory-model/Documentation/access-marking.txt, explanation.txt):
 */
export enum AccessMode {
  /** READ_ONCE / WRITE_ONCE (and every access of the existing model API) */
  Marked = 0,
  /** a plain C access (`*p`, `p->x = v`): the compiler may tear, fuse or re-fetch it */
  Plain = 1,
  /** smp_load_acquire / smp_store_release */
  Acquire = 2,
  Release = 3,
  /**
   * a read by the hardware page-table walker (the MMU), another observer of memory; a store in
   * this mode is state outside the kernel's memory (the MMU's, the checker's ghost state),
   * visible at once and ordered with nothing (`Cpu.immediateStore`)
   */
  Walk = 4,
}

/**
 * `Barrier` is the kind of a barrier step (`c.barrier(kind)`). The kernel's own barriers
 * (`smp_*`, `barrier()`) mean what the architecture of the memory model maps them to, as its
 * asm/barrier.h does; the hardware ones are the instructions themselves.
 */
export enum Barrier {
  /** a visible step with no ordering (the existing `c.fence`, a TLB flush) */
  None = 0,
  /** barrier(): a compiler barrier, no hardware ordering */
  Compiler = 1,
  SmpMb = 2,
  SmpWmb = 3,
  SmpRmb = 4,
  /** x86 */
  Mfence = 5,
  /** arm64 */
  DmbIsh = 6,
  DmbIshst = 7,
  DmbIshld = 8,
  DsbIsh = 9,
  DsbIshst = 10,
  Isb = 11,
}

const BARRIER_NAMES: readonly string[] = [
  'fence',
  'barrier',
  'smp_mb',
  'smp_wmb',
  'smp_rmb',
  'mfence',
  'dmb ish',
  'dmb ishst',
  'dmb ishld',
  'dsb ish',
  'dsb ishst',
  'isb',
];

/** `barrierName` is how a trace names a barrier kind. */
export function barrierName(b: Barrier): string {
  return BARRIER_NAMES[b] ?? `barrier ${b}`;
}

/**
 * `RmwOrder` is the ordering of a read-modify-write that the model performs on memory at once:
 * `full` (value-returning atomics such as cmpxchg and xchg, smp_mb() before and after:
 * Documentation/atomic_t.txt), `acquire` (spin_lock, down_read), `release` (up_read), `none`
 * (a write of the MMU's own state, AccessMode.Walk: it waits only for the CPU's pending stores
 * to the same word).
 */
export type RmwOrder = 'full' | 'acquire' | 'release' | 'none';

/** `MachineState` is a block of a report: the store buffers or views at the violating step. */
export interface MachineState {
  title: string;
  lines: string[];
}

/** `Naming` is how a model names addresses and CPUs in its `describe` (the trace's symbols). */
export interface Naming {
  addr(addr: number): string;
  cpu(cpu: number): string;
}

/** `FlushInfo` is what a flush step made visible, for the trace. */
export interface FlushInfo {
  addr: number;
  /** bytes: 4, 8, or a page for the zeroing of an allocated frame */
  size: number;
  value: bigint;
  /** the race tracker's tag of the store (engine/data-race.ts), -1 when none */
  tag: number;
}

/**
 * `FootprintSink` is where a model adds the resources of its own that an operation touches
 * (its store buffers, the order of its writes), for partial-order reduction: the engine's
 * `Footprint` (engine/footprint.ts) is one.
 */
export interface FootprintSink {
  model(readLo: number, readHi: number, writeLo: number, writeHi: number, order: boolean): void;
}

/**
 * `MemoryModel` is one memory model over one machine. Every method takes the CPU whose view is
 * meant; nothing here schedules: "ready" methods say whether an operation can be performed now
 * (the step driver keeps a CPU that is not ready out of the enabled set), "options" methods how
 * many results the scheduler must choose from (a data choice, so DFS, DPOR, replay and tokens
 * cover them).
 *
 * A buffered model has one extra scheduling agent per CPU, its flusher: agent `cpus + i` is
 * enabled while CPU i has a store pending, and each of its steps makes one pending store visible.
 */
export interface MemoryModel {
  readonly name: MemoryModelName;
  /** false only for `sc`, which the engine performs directly (the hot path) */
  readonly weak: boolean;
  readonly cpus: number;
  /** the model's own state (layout.ts), null for `sc` */
  readonly state: SharedArrayBuffer | null;
  /** `reset` empties buffers and views for a new execution */
  reset(): void;

  /** `peek` is what `cpu` would read at `addr` now at the latest: its own pending store, else memory (a ghost read) */
  peek(cpu: number, addr: number, size: number): bigint;
  /** `drained` is true when no pending store of `cpu` overlaps `[addr, addr + bytes)` (bytes 0: any pending store) */
  drained(cpu: number, addr: number, bytes: number): boolean;
  /**
   * `overlay` runs `f` with `cpu`'s pending stores to `[addr, addr + bytes)` written over memory,
   * then puts memory back: a condition that reads memory (`awaitRange`) then sees what `cpu` sees
   */
  overlay<T>(cpu: number, addr: number, bytes: number, f: () => T): T;

  /** `loadReady`: false while a load cannot be performed (x86 stalls on a partially forwarded store) */
  loadReady(cpu: number, addr: number, size: number, mode: AccessMode): boolean;
  /** `loadOptions` is how many writes the load may read from (>= 1) */
  loadOptions(cpu: number, addr: number, size: number, mode: AccessMode, dep: number): number;
  /** `load` performs a load reading option `choice` (0 is the newest write it may read) */
  load(cpu: number, addr: number, size: number, mode: AccessMode, dep: number, choice: number): bigint;
  /** `storeReady`: false while the store buffer is full */
  storeReady(cpu: number): boolean;
  store(cpu: number, addr: number, size: number, value: bigint, mode: AccessMode, tag: number): void;

  /** `rmwReady` says whether a read-modify-write of `addr` with `order` may be performed now */
  rmwReady(cpu: number, addr: number, order: RmwOrder): boolean;
  /**
   * `rmw` records a read-modify-write of `[addr, addr + bytes)` that the caller performs on memory
   * right after (cmpxchg, locks, copy, free): its read of the newest value, its write (when
   * `writes`), and its ordering.
   */
  rmw(cpu: number, addr: number, bytes: number, writes: boolean, order: RmwOrder, tag: number): void;
  /** `awaitRead` records the read a spin-assume (`c.awaitValue`) exits on: the newest value `cpu` sees */
  awaitRead(cpu: number, addr: number): void;
  /** `allocZeroed` is the zeroing of a newly allocated frame by `cpu` (clear_page()): a store */
  allocZeroed(cpu: number, frame: number, tag: number): void;
  /** `deferredZeroing` is true when the allocator must leave the zeroing to `allocZeroed` */
  readonly deferredZeroing: boolean;

  barrierReady(cpu: number, b: Barrier): boolean;
  /** `barrierDrains` is true for a barrier that waits until the CPU's stores are visible */
  barrierDrains(b: Barrier): boolean;
  barrier(cpu: number, b: Barrier): void;

  /** `pending` is the number of stores of `cpu` not yet visible to other CPUs */
  pending(cpu: number): number;
  /** `flushOptions` is how many of them may become visible next (>= 1 when pending) */
  flushOptions(cpu: number): number;
  /** `flush` makes option `choice` of `cpu`'s pending stores visible (0: the oldest) */
  flush(cpu: number, choice: number): FlushInfo;

  /** `lastReadTag` is the tag of the store `cpu`'s last load read from (-1: the initial value or untagged) */
  lastReadTag(cpu: number): number;
  /** `lastReadOld` is true when `cpu`'s last load read a write that was no longer the newest */
  lastReadOld(cpu: number): boolean;

  /** adds what the pending operation of CPU `cpu` touches in the model's own state */
  footprint(cpu: number, what: ModelStep, addr: number, size: number, out: FootprintSink): void;
  /** adds what the next flush of `cpu` touches (memory and the model's state) */
  flushFootprint(cpu: number, out: FlushFootprint): void;

  /** `describe` is the model's state, for the report of a violating step */
  describe(names: Naming): MachineState[];
}

/**
 * `ModelStep` classifies a CPU's pending operation for `footprint`: what it does to the model's
 * own state (the memory it reads or writes is the engine's part of the footprint).
 */
export enum ModelStep {
  /** touches nothing of the model's own (sc-like: a ghost step, a choice) */
  None = 0,
  Load = 1,
  /** a load that must wait for the CPU's release stores (arm64 ldar) or for the store buffer */
  LoadOrdered = 2,
  Store = 3,
  /** waits until the CPU's store buffer is empty (a locked instruction, mfence, dmb ish) */
  Drain = 4,
  /** reads the CPU's store buffer for a store it waits on (an overlapping load or await) */
  Forward = 5,
  /** a read-modify-write performed on memory at once (locked instruction, atomic, lock, free, copy) */
  Rmw = 6,
}

/** `FlushFootprint` is a footprint a flush fills in full: memory written plus the model's resources. */
export interface FlushFootprint extends FootprintSink {
  set(readLo: number, readHi: number, writeLo: number, writeHi: number, allocator: boolean): void;
}
