import type { FrameState } from '../machine/frame-state.js';
import {
  AccessMode,
  type Barrier,
  type MemoryModel,
  type MemoryModelName,
} from '../machine/memory-model/memory-model.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import { Op, OpKind } from './op.js';
import { Violation, type ViolationKind } from './violation.js';

/**
 * `Steps<T>` is a CPU program fragment: a generator that yields one `Op` per shared-memory access,
 * is resumed with the operation's result (a bigint), and returns a `T`. Compose fragments with
 * `yield*`.
 */
export type Steps<T = void> = Generator<Op, T, bigint>;

/**
 * `Cpu` is what a CPU program sees: one method per operation, the kernel function stack that
 * traces and oopses print, and `mem` for ghost reads that are not scheduling points (frame
 * states and generations, for oracles).
 *
 * An operation method refills this CPU's one `Op` and returns it; the program performs it with a
 * single `yield`, which is the scheduling point, and gets the result (always a bigint):
 * `const v = yield c.load(addr, 'label')`, `yield c.store(addr, v)`,
 * `const f = Number(yield c.alloc(FrameState.Pud, 'pud'))`. Calling a method without yielding its
 * Op performs nothing (the next method call refills the same Op).
 *
 * Between two yields a CPU runs atomically, so a check made right after an operation returns sees
 * memory exactly as that operation left it. Under a weak memory model (`--memory-model tso|arm64`)
 * "memory" is what every CPU can see; `view()` is what this CPU sees, its own pending stores
 * included.
 *
 * Accesses are marked (READ_ONCE/WRITE_ONCE: `load`, `store`, and every other operation) unless
 * made with `plainLoad`/`plainStore` (a plain C access, checked for data races). An address or
 * data dependency on an earlier load is named by that load's number (`lastLoad` right after it):
 * `const e = yield c.load(p); const d = c.lastLoad; yield c.load(tableOf(e), null, d)`.
 */
export class Cpu {
  /** the task running on this CPU, as traces print it; a model may switch it */
  task: string;
  /** the kernel function stack: `enter()` pushes, `leave()` pops; left as is when a violation unwinds */
  readonly stack: string[] = [];
  /** the operation this CPU is about to perform; refilled before every yield */
  readonly op = new Op();

  /** loads (64- and 32-bit) issued in this execution: the number of the latest, which a dependency names */
  private loads = 0;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly mem: PhysicalMemory,
    private readonly model: MemoryModel | null = null,
  ) {
    this.task = name;
  }

  /** `reset` prepares the CPU for a new execution. */
  reset(): void {
    this.task = this.name;
    // setting an array's length is a call into the runtime; the stack is usually empty by now
    if (this.stack.length !== 0) this.stack.length = 0;
    this.loads = 0;
  }

  /** `lastLoad` is the number of this CPU's latest load: what an access that depends on it names as `dep`. */
  get lastLoad(): number {
    return this.loads;
  }

  /** `memoryModel` is the machine's memory model. */
  get memoryModel(): MemoryModelName {
    return this.model?.name ?? 'sc';
  }

  /**
   * `view` is the word at `addr` as this CPU sees it now, its own pending stores included (a ghost
   * read, like `mem.load`, which shows what every CPU can see). Under sc they are the same.
   */
  view(addr: number): bigint {
    return this.model ? this.model.peek(this.id, addr, 8) : this.mem.load(addr);
  }

  /**
   * `enter` pushes kernel function `fn` on the stack: traces name the steps made until the
   * matching `leave` after it. A modelled kernel function enters its own frame first thing and
   * leaves it before each return, so that a violation thrown inside leaves the stack as it was
   * (the oops prints it); entering costs no generator level.
   */
  enter(fn: string): void {
    this.stack.push(fn);
  }

  /**
   * `leave` pops the innermost kernel function (the one the last `enter` pushed) and returns
   * `result`, so that `return c.leave(yield* body())` pops only once `body` has returned: a
   * violation it throws leaves the frame on the stack.
   */
  leave(): void;
  leave<T>(result: T): T;
  leave<T>(result?: T): T | undefined {
    this.stack.pop();
    return result;
  }

  /**
   * `call` runs `body` as kernel function `fn`, for naming a frame of a kernel function that is
   * not modelled (a wrapper such as `dup_mm` around the modelled `pgd_alloc`). It costs one
   * generator level on every step made inside, so a modelled function enters its own frame
   * instead (`enter`/`leave`).
   */
  *call<T>(fn: string, body: Steps<T>): Steps<T> {
    this.stack.push(fn);
    const result = yield* body;
    this.stack.pop();
    return result;
  }

  /** `fn` is the innermost kernel function on the stack. */
  get fn(): string {
    return this.stack.length ? this.stack[this.stack.length - 1] : '';
  }

  /** `load` is READ_ONCE(*addr); `dep` names the load its address depends on (0: none). */
  load(addr: number, label: string | null = null, dep = 0): Op {
    return this.refillLoad(OpKind.Load, addr, label, dep);
  }

  /** `loadAcquire` is smp_load_acquire(addr): later accesses are ordered after it. */
  loadAcquire(addr: number, label: string | null = null, dep = 0): Op {
    const op = this.refillLoad(OpKind.Load, addr, label, dep);
    op.mode = AccessMode.Acquire;
    return op;
  }

  /**
   * `plainLoad` is a plain C read of a 64-bit word (`*p`): one access, checked for data races
   * (LKMM: a plain access that races with a conflicting one is a `data-race`).
   */
  plainLoad(addr: number, label: string | null = null, dep = 0): Op {
    const op = this.refillLoad(OpKind.Load, addr, label, dep);
    op.mode = AccessMode.Plain;
    return op;
  }

  /**
   * `walkLoad` is a read by this CPU's hardware page-table walker: another observer of memory,
   * which on arm64 sees this CPU's own stores only after `dsb ishst` (Arm64Model).
   */
  walkLoad(addr: number, label: string | null = null, dep = 0): Op {
    const op = this.refillLoad(OpKind.Load, addr, label, dep);
    op.mode = AccessMode.Walk;
    return op;
  }

  /** `store` is WRITE_ONCE(*addr, value); `dep` names the load the value depends on (0: none). */
  store(addr: number, value: bigint, label: string | null = null, dep = 0): Op {
    const op = this.refill(OpKind.Store, addr, label);
    op.value = value;
    op.dep = dep;
    return op;
  }

  /** `storeRelease` is smp_store_release(addr, value): earlier accesses are ordered before it. */
  storeRelease(addr: number, value: bigint, label: string | null = null): Op {
    const op = this.refill(OpKind.Store, addr, label);
    op.value = value;
    op.mode = AccessMode.Release;
    return op;
  }

  /** `plainStore` is a plain C write of a 64-bit word (`*p = v`), checked for data races. */
  plainStore(addr: number, value: bigint, label: string | null = null, dep = 0): Op {
    const op = this.refill(OpKind.Store, addr, label);
    op.value = value;
    op.mode = AccessMode.Plain;
    op.dep = dep;
    return op;
  }

  /**
   * `immediateStore` is a store visible to every CPU at once and ordered with none of this CPU's
   * accesses, under every memory model: state that is not the kernel's memory but must still be a
   * scheduling point, such as the MMU's own (a walk in flight) and the checker's ghost state that
   * partial-order reduction has to order (the lockless-walk registry).
   */
  immediateStore(addr: number, value: bigint, label: string | null = null): Op {
    const op = this.refill(OpKind.Store, addr, label);
    op.value = value;
    op.mode = AccessMode.Walk;
    return op;
  }

  /**
   * `plainLoad64` is a plain read of a 64-bit entry that the compiler may tear: a data choice (a
   * visible step, value 1: torn) between one load and two 32-bit loads, low half then high half,
   * each a scheduling point (Documentation/memory-barriers.txt, "load tearing"). A composite of
   * operations, so a generator: `const v = yield* c.plainLoad64(p)`.
   */
  *plainLoad64(addr: number, label: string | null = null, dep = 0): Steps<bigint> {
    const what = label ?? 'plain read';
    const torn = yield this.choose(2, `compiler tears ${what}?`);
    if (torn === 0n) return yield this.plainLoad(addr, label, dep);
    const lo = yield this.plainLoad32(addr, `${what} (low half)`, dep);
    const hi = yield this.plainLoad32(addr + 4, `${what} (high half)`, dep);
    return BigInt.asIntN(64, lo | (hi << 32n));
  }

  /**
   * `refetch` is a second use of `value`, read plainly from `addr` earlier: the compiler may keep
   * the value or load `*addr` again (a data choice, value 1: re-fetched), as it may for a plain
   * dereference used twice (READ_ONCE exists to forbid it). A composite, like `plainLoad64`.
   */
  *refetch(addr: number, value: bigint, label: string | null = null): Steps<bigint> {
    const what = label ?? 'plain read';
    const again = yield this.choose(2, `compiler re-fetches ${what}?`);
    return again === 0n ? value : yield this.plainLoad(addr, label);
  }

  /** `cas` is cmpxchg: returns the old value; the store happened iff it equals `expected`. */
  cas(addr: number, expected: bigint, value: bigint, label: string | null = null): Op {
    const op = this.refill(OpKind.Cas, addr, label);
    op.expected = expected;
    op.value = value;
    return op;
  }

  /** `load32` reads one 32-bit half (PAE): `Number(yield c.load32(addr))` is the unsigned half. */
  load32(addr: number, label: string | null = null): Op {
    return this.refillLoad(OpKind.Load32, addr, label, 0);
  }

  /** `plainLoad32` is a plain read of one 32-bit half. */
  plainLoad32(addr: number, label: string | null = null, dep = 0): Op {
    const op = this.refillLoad(OpKind.Load32, addr, label, dep);
    op.mode = AccessMode.Plain;
    return op;
  }

  store32(addr: number, value: number, label: string | null = null): Op {
    const op = this.refill(OpKind.Store32, addr, label);
    op.value = BigInt(value >>> 0);
    return op;
  }

  /** `copy` copies `words` 64-bit words from `src` to `dst` in one step. */
  copy(dst: number, src: number, words: number, label: string | null = null): Op {
    const op = this.refill(OpKind.Copy, dst, label);
    op.src = src;
    op.n = words;
    return op;
  }

  /** `lock` takes an exclusive lock (spin_lock, down_write); the CPU blocks while it is held. */
  lock(addr: number, label: string | null = null): Op {
    return this.refill(OpKind.Lock, addr, label);
  }

  unlock(addr: number, label: string | null = null): Op {
    return this.refill(OpKind.Unlock, addr, label);
  }

  /** `readLock` takes a lock shared (down_read); the CPU blocks while a writer holds it. */
  readLock(addr: number, label: string | null = null): Op {
    return this.refill(OpKind.ReadLock, addr, label);
  }

  readUnlock(addr: number, label: string | null = null): Op {
    return this.refill(OpKind.ReadUnlock, addr, label);
  }

  /**
   * `awaitValue` blocks until the word at `addr` satisfies `pred`, then returns it: the
   * spin-assume form of a busy-wait loop (GenMC, Nidhugg). A loop that re-reads a word until it
   * changes would make the search infinite; this makes it one step that is enabled or not.
   */
  awaitValue(addr: number, pred: (value: bigint) => boolean, label: string | null = null): Op {
    const op = this.refill(OpKind.Await, addr, label);
    op.pred = pred;
    op.n = 1;
    return op;
  }

  /**
   * `awaitRange` blocks until `cond` holds, where `cond` reads only the `words` words from `addr`
   * on (through `cpu.mem`): a spin-assume over several words, such as Peterson's `flag[j] == 0 ||
   * turn == i` with the three words side by side. Returns the first word.
   */
  awaitRange(addr: number, words: number, cond: () => boolean, label: string | null = null): Op {
    const op = this.refill(OpKind.Await, addr, label);
    op.pred = cond;
    op.n = words;
    return op;
  }

  /**
   * `alloc` allocates a zeroed frame in `state` (2^`order` contiguous frames, the first aligned to
   * the block, as alloc_pages does); `tag` names it in traces. The result is the (first) frame
   * number: `const f = Number(yield c.alloc(FrameState.Pud, 'pud'))`.
   */
  alloc(state: FrameState, tag: string, label: string | null = null, order = 0): Op {
    const op = this.refill(OpKind.Alloc, 0, label);
    op.n = state;
    op.tag = tag;
    op.src = order;
    return op;
  }

  /** `free` frees frame `frame` (the 2^`order` frames from it): poisoned, their generations change. */
  free(frame: number, label: string | null = null, order = 0): Op {
    const op = this.refill(OpKind.Free, frame, label);
    op.src = order;
    return op;
  }

  /** `choose` lets the scheduler pick a value in [0, n): every value is explored (`Number(yield c.choose(n))`). */
  choose(n: number, label: string | null = null): Op {
    const op = this.refill(OpKind.Choose, 0, label);
    op.n = n;
    return op;
  }

  /** `fence` is a visible step with no memory effect and no ordering (a TLB flush). */
  fence(label: string | null = null): Op {
    const op = this.refill(OpKind.Fence, 0, label);
    op.n = 0;
    return op;
  }

  /**
   * `barrier` is a barrier of kind `kind`: the kernel's (smp_mb, smp_wmb, smp_rmb, barrier()),
   * which mean what the memory model's architecture maps them to, or an instruction (mfence,
   * dmb ish, dmb ishst, dmb ishld, dsb ish, dsb ishst, isb). Under sc it orders nothing more.
   */
  barrier(kind: Barrier, label: string | null = null): Op {
    const op = this.refill(OpKind.Fence, 0, label);
    op.n = kind;
    return op;
  }

  /** `fail` ends the execution with a violation raised by this CPU. */
  fail(kind: ViolationKind, message: string, headline: readonly string[] = []): never {
    throw new Violation(kind, message, headline);
  }

  /** `assert` fails with an `assertion` violation when `condition` is false. */
  assert(condition: boolean, message: string): void {
    if (!condition) throw new Violation('assertion', message);
  }

  private refill(kind: OpKind, addr: number, label: string | null): Op {
    const op = this.op;
    op.kind = kind;
    op.addr = addr;
    op.label = label;
    op.mode = AccessMode.Marked;
    op.dep = 0;
    return op;
  }

  /** a load is numbered when it is issued, so `lastLoad` names it right after its `yield` */
  private refillLoad(kind: OpKind, addr: number, label: string | null, dep: number): Op {
    const op = this.refill(kind, addr, label);
    op.dep = dep;
    this.loads++;
    return op;
  }
}
