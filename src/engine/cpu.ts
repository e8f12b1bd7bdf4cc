import type { FrameState } from '../machine/frame-state.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import { Op, OpKind } from './op.js';
import { Violation, type ViolationKind } from './violation.js';

/**
 * `Steps<T>` is a CPU program fragment: a generator that yields one `Op` per shared-memory access,
 * is resumed with the operation's result, and returns a `T`. Compose fragments with `yield*`.
 */
export type Steps<T = void> = Generator<Op, T, bigint>;

/**
 * `Cpu` is what a CPU program sees: one method per operation (each a scheduling point, used with
 * `yield*`), the kernel function stack that traces and oopses print, and `mem` for ghost reads
 * that are not scheduling points (frame states and generations, for oracles).
 *
 * Between two yields a CPU runs atomically, so a check made right after an operation returns sees
 * memory exactly as that operation left it.
 */
export class Cpu {
  /** the task running on this CPU, as traces print it; a model may switch it */
  task: string;
  /** the kernel function stack: `call()` pushes and pops; left as is when a violation unwinds */
  readonly stack: string[] = [];
  /** the operation this CPU is about to perform; refilled before every yield */
  readonly op = new Op();

  constructor(
    readonly id: number,
    readonly name: string,
    readonly mem: PhysicalMemory,
  ) {
    this.task = name;
  }

  /** `reset` prepares the CPU for a new execution. */
  reset(): void {
    this.task = this.name;
    this.stack.length = 0;
  }

  /** `call` runs `body` as kernel function `fn`: traces name the steps it makes after `fn`. */
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

  *load(addr: number, label: string | null = null): Steps<bigint> {
    const op = this.refill(OpKind.Load, addr, label);
    return yield op;
  }

  *store(addr: number, value: bigint, label: string | null = null): Steps<void> {
    const op = this.refill(OpKind.Store, addr, label);
    op.value = value;
    yield op;
  }

  /** `cas` is cmpxchg: returns the old value; the store happened iff it equals `expected`. */
  *cas(addr: number, expected: bigint, value: bigint, label: string | null = null): Steps<bigint> {
    const op = this.refill(OpKind.Cas, addr, label);
    op.expected = expected;
    op.value = value;
    return yield op;
  }

  *load32(addr: number, label: string | null = null): Steps<number> {
    const op = this.refill(OpKind.Load32, addr, label);
    return Number(yield op);
  }

  *store32(addr: number, value: number, label: string | null = null): Steps<void> {
    const op = this.refill(OpKind.Store32, addr, label);
    op.value = BigInt(value >>> 0);
    yield op;
  }

  /** `copy` copies `words` 64-bit words from `src` to `dst` in one step. */
  *copy(dst: number, src: number, words: number, label: string | null = null): Steps<void> {
    const op = this.refill(OpKind.Copy, dst, label);
    op.src = src;
    op.n = words;
    yield op;
  }

  /** `lock` takes an exclusive lock (spin_lock, down_write); the CPU blocks while it is held. */
  *lock(addr: number, label: string | null = null): Steps<void> {
    yield this.refill(OpKind.Lock, addr, label);
  }

  *unlock(addr: number, label: string | null = null): Steps<void> {
    yield this.refill(OpKind.Unlock, addr, label);
  }

  /** `readLock` takes a lock shared (down_read); the CPU blocks while a writer holds it. */
  *readLock(addr: number, label: string | null = null): Steps<void> {
    yield this.refill(OpKind.ReadLock, addr, label);
  }

  *readUnlock(addr: number, label: string | null = null): Steps<void> {
    yield this.refill(OpKind.ReadUnlock, addr, label);
  }

  /**
   * `awaitValue` blocks until the word at `addr` satisfies `pred`, then returns it: the
   * spin-assume form of a busy-wait loop (GenMC, Nidhugg). A loop that re-reads a word until it
   * changes would make the search infinite; this makes it one step that is enabled or not.
   */
  *awaitValue(addr: number, pred: (value: bigint) => boolean, label: string | null = null): Steps<bigint> {
    const op = this.refill(OpKind.Await, addr, label);
    op.pred = pred;
    op.n = 1;
    return yield op;
  }

  /**
   * `awaitRange` blocks until `cond` holds, where `cond` reads only the `words` words from `addr`
   * on (through `cpu.mem`): a spin-assume over several words, such as Peterson's `flag[j] == 0 ||
   * turn == i` with the three words side by side. Returns the first word.
   */
  *awaitRange(addr: number, words: number, cond: () => boolean, label: string | null = null): Steps<bigint> {
    const op = this.refill(OpKind.Await, addr, label);
    op.pred = cond;
    op.n = words;
    return yield op;
  }

  /** `alloc` allocates a zeroed frame in `state`; `tag` names it in traces. */
  *alloc(state: FrameState, tag: string, label: string | null = null): Steps<number> {
    const op = this.refill(OpKind.Alloc, 0, label);
    op.n = state;
    op.tag = tag;
    return Number(yield op);
  }

  /** `free` frees frame `frame`: it is poisoned and its generation changes. */
  *free(frame: number, label: string | null = null): Steps<void> {
    yield this.refill(OpKind.Free, frame, label);
  }

  /** `choose` lets the scheduler pick a value in [0, n): every value is explored. */
  *choose(n: number, label: string | null = null): Steps<number> {
    const op = this.refill(OpKind.Choose, 0, label);
    op.n = n;
    return Number(yield op);
  }

  /** `fence` is a visible step with no memory effect (a barrier, a TLB flush). */
  *fence(label: string | null = null): Steps<void> {
    yield this.refill(OpKind.Fence, 0, label);
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
    return op;
  }
}
