import type { FrameState } from '../machine/frame-state.js';
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
 * memory exactly as that operation left it.
 */
export class Cpu {
  /** the task running on this CPU, as traces print it; a model may switch it */
  task: string;
  /** the kernel function stack: `enter()` pushes, `leave()` pops; left as is when a violation unwinds */
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

  load(addr: number, label: string | null = null): Op {
    return this.refill(OpKind.Load, addr, label);
  }

  store(addr: number, value: bigint, label: string | null = null): Op {
    const op = this.refill(OpKind.Store, addr, label);
    op.value = value;
    return op;
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
    return this.refill(OpKind.Load32, addr, label);
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
   * `alloc` allocates a zeroed frame in `state`; `tag` names it in traces. The result is the
   * frame number: `const f = Number(yield c.alloc(FrameState.Pud, 'pud'))`.
   */
  alloc(state: FrameState, tag: string, label: string | null = null): Op {
    const op = this.refill(OpKind.Alloc, 0, label);
    op.n = state;
    op.tag = tag;
    return op;
  }

  /** `free` frees frame `frame`: it is poisoned and its generation changes. */
  free(frame: number, label: string | null = null): Op {
    return this.refill(OpKind.Free, frame, label);
  }

  /** `choose` lets the scheduler pick a value in [0, n): every value is explored (`Number(yield c.choose(n))`). */
  choose(n: number, label: string | null = null): Op {
    const op = this.refill(OpKind.Choose, 0, label);
    op.n = n;
    return op;
  }

  /** `fence` is a visible step with no memory effect (a barrier, a TLB flush). */
  fence(label: string | null = null): Op {
    return this.refill(OpKind.Fence, 0, label);
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
