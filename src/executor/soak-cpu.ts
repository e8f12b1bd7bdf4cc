import seedrandom from 'seedrandom';
import type { Steps } from '../engine/cpu.js';
import { Op, OpKind } from '../engine/op.js';
import { performOp } from '../engine/perform.js';
import { valueStep } from '../engine/scheduling.js';
import { Violation } from '../engine/violation.js';
import { type CpuWorkerData, type Failure, failureOf, type LoadedCpu } from './cpu-thread.js';
import { describeWaits, lockCycle, type SoakWait } from './soak-deadlock.js';
import {
  H_ABORT,
  H_ALLOC_LOCK,
  H_FAILED,
  H_FINISHED,
  H_GO,
  H_SEQ_LEN,
  H_SEQ_LOCK,
  H_STARTED,
  recordBase,
  S_DONE_ITER,
  S_WAIT_ADDR,
  S_WAITING,
  slotBase,
} from './turnstile-layout.js';

/**
 * `DEADLOCK_MS`: when every unfinished CPU has waited this long, the lock-holder graph is read
 * (and again every DEADLOCK_MS): a cycle of waits on held locks is a deadlock.
 */
export const DEADLOCK_MS = 200;
/**
 * `SOAK_STALL_MS`: every unfinished CPU waiting this long, continuously, with no lock cycle among
 * them, is a stall: the iteration is given up and reported as such, never as a deadlock (a
 * machine under load can keep a thread that would go on from running for a while).
 */
export const SOAK_STALL_MS = 2000;
/** how long a CPU sleeps between two looks at a lock or condition it waits for */
const BACKOFF_MS = 1;

/**
 * `SoakMessage` is what a soak CPU posts about an iteration: its first violation, or that its
 * CPUs stalled (`waits` says what each waited for).
 */
export type SoakMessage =
  | {
      kind: 'violation';
      violation: Failure;
      iteration: number;
      cpu: number;
      /** --record: the schedule of the iteration up to and including the violating step */
      choices: number[] | null;
    }
  | { kind: 'stall'; waits: string; iteration: number; cpu: number };

/**
 * `runSoakCpu` is one free-running CPU of the soak executor. Each iteration it waits at the
 * start barrier (H_GO), runs its program from the start on the shared memory with seeded random
 * delays before operations, and arrives at the end barrier (H_FINISHED); the last CPU to arrive
 * runs the end-of-execution oracles, resets the memory and releases the next iteration.
 *
 * A step is what the inline executor runs atomically: the operation, the program up to its next
 * operation, the oracles' afterStep. Models rely on that (ghost state written between two yields,
 * oracles that read several words), so each step runs under the sequencing lock H_SEQ_LOCK; the
 * CPUs race for it after their random delays, and their programs' start-up and delays run in
 * parallel. (Running operations unlocked gave false torn-read reports on pae-torn-read:fixed:
 * a reader saw a half the writer had stored but not yet recorded in ghost state.) Locks are real:
 * without --record, Lock and ReadLock are compare-exchange loops on the lock word, and the frame
 * allocator has its own lock word. With --record, the CPU also appends its number (and a Choose's
 * value) to the record under the same lock: the record is then a schedule the inline executor
 * replays step for step.
 */
export function runSoakCpu(d: CpuWorkerData, loaded: LoadedCpu): void {
  new SoakCpu(d, loaded).run();
}

/** `Granted` is a step this CPU may now take, holding the sequencing lock: its result when already performed. */
interface Granted {
  result: bigint | null;
}

/** `SoakCpu` is the state of one soak CPU (`runSoakCpu`) and the named parts of its loop. */
class SoakCpu {
  // soak runs the sc memory model only: its CPUs race on real threads, with no store buffers to flush
  private readonly program: LoadedCpu['program'];
  private readonly mem: LoadedCpu['mem'];
  private readonly model: LoadedCpu['model'];
  private readonly cpu: LoadedCpu['cpu'];
  private readonly o: NonNullable<CpuWorkerData['soak']>;
  private readonly ctl: Int32Array;
  private readonly n: number;
  private readonly id: number;
  private readonly base: number;
  private readonly record: number;
  private readonly rng: () => number;
  private readonly performed = new Op();

  constructor(
    private readonly d: CpuWorkerData,
    loaded: LoadedCpu,
  ) {
    this.program = loaded.program;
    this.mem = loaded.mem;
    this.model = loaded.model;
    this.cpu = loaded.cpu;
    this.o = d.soak!;
    this.ctl = new Int32Array(d.control);
    this.n = this.program.cpus.length;
    this.id = d.cpu;
    this.base = slotBase(this.id);
    this.record = recordBase(this.n);
    this.rng = seedrandom.alea(`${this.o.seed}:cpu${this.id}`);
  }

  /** `run` takes part in iteration after iteration until the soak is aborted. */
  run(): void {
    const ctl = this.ctl;
    let iteration = 0;
    for (;;) {
      while (Atomics.load(ctl, H_GO) === iteration && Atomics.load(ctl, H_ABORT) === 0) {
        Atomics.wait(ctl, H_GO, iteration, 100);
      }
      if (Atomics.load(ctl, H_ABORT) !== 0) return;
      iteration = Atomics.load(ctl, H_GO);
      this.runIteration(iteration);
      this.finish(iteration);
    }
  }

  private aborted(): boolean {
    return Atomics.load(this.ctl, H_FAILED) !== 0 || Atomics.load(this.ctl, H_ABORT) !== 0;
  }

  /** spins `k` times on a word nobody writes: a delay that keeps the thread on its core */
  private spin(k: number): void {
    for (let i = 0; i < k; i++) Atomics.load(this.ctl, H_ABORT);
  }

  /** acquires a lock word of the control buffer (0 free, 1 held) */
  private acquire(index: number): boolean {
    const ctl = this.ctl;
    for (let tries = 0; ; tries++) {
      // compare-exchange is a sequentially consistent read-modify-write: the winner sees every
      // write made by the previous holder before its releasing store
      if (Atomics.compareExchange(ctl, index, 0, 1) === 0) return true;
      if (Atomics.load(ctl, H_ABORT) !== 0) return false;
      if (tries > 100) Atomics.wait(ctl, index, 1, BACKOFF_MS);
    }
  }

  private release(index: number): void {
    Atomics.store(this.ctl, index, 0);
    Atomics.notify(this.ctl, index, 1);
  }

  /** reports the iteration's first violation (later ones in the same iteration are dropped) */
  private fail(e: unknown, iteration: number): void {
    const ctl = this.ctl;
    if (Atomics.compareExchange(ctl, H_FAILED, 0, this.id + 1) !== 0) return;
    let choices: number[] | null = null;
    if (this.o.record) {
      const len = Atomics.load(ctl, H_SEQ_LEN);
      choices = Array.from(ctl.subarray(this.record, this.record + len));
    }
    const msg: SoakMessage = {
      kind: 'violation',
      violation: failureOf(e, this.cpu).failure,
      iteration,
      cpu: this.id,
      choices,
    };
    this.d.port.postMessage(msg);
  }

  /** gives the iteration up as stalled (unless something else already ended it) */
  private stall(waits: string, iteration: number): void {
    if (Atomics.compareExchange(this.ctl, H_FAILED, 0, this.id + 1) !== 0) return;
    const msg: SoakMessage = { kind: 'stall', waits, iteration, cpu: this.id };
    this.d.port.postMessage(msg);
  }

  /** whether `op` can go now (the inline executor's enabledness), evaluated on live memory */
  private enabled(op: Op): boolean {
    const mem = this.mem;
    if (op.kind === OpKind.Lock) return mem.load(op.addr) === 0n;
    if (op.kind === OpKind.ReadLock) return mem.load(op.addr) >= 0n;
    if (op.kind === OpKind.Await) return op.pred!(mem.load(op.addr));
    return true;
  }

  /** true when every CPU that has not finished this iteration is waiting */
  private allWaiting(iteration: number): boolean {
    const ctl = this.ctl;
    for (let c = 0; c < this.n; c++) {
      const b = slotBase(c);
      if (Atomics.load(ctl, b + S_DONE_ITER) === iteration) continue;
      if (Atomics.load(ctl, b + S_WAITING) === 0) return false;
    }
    return true;
  }

  /** what every unfinished CPU of the iteration waits for (when all of them wait) */
  private waits(iteration: number): SoakWait[] {
    const ctl = this.ctl;
    const out: SoakWait[] = [];
    for (let c = 0; c < this.n; c++) {
      const b = slotBase(c);
      if (Atomics.load(ctl, b + S_DONE_ITER) === iteration) continue;
      const kind = Atomics.load(ctl, b + S_WAITING) - 1;
      const task = c === this.id ? this.cpu.task : this.program.cpus[c].name;
      out.push({ cpu: c, task, kind, addr: Atomics.load(ctl, b + S_WAIT_ADDR) });
    }
    return out;
  }

  /**
   * looks at the waits of an iteration in which every CPU has waited `waited` ms, under the
   * sequencing lock (no CPU steps meanwhile): a lock cycle is a deadlock, waits that have lasted
   * SOAK_STALL_MS without one are a stall. True when the iteration is over for this CPU.
   */
  private judgeWaits(iteration: number, waited: number): boolean {
    if (!this.acquire(H_SEQ_LOCK)) return true;
    try {
      if (this.aborted()) return true;
      if (!this.allWaiting(iteration)) return false;
      const w = this.waits(iteration);
      const word = (a: number) => this.mem.load(a);
      const name = (a: number) => this.program.symbols.addrName(a);
      const cycle = lockCycle(w, word, name);
      if (cycle !== null) {
        this.fail(new Violation('deadlock', `${cycle} (found on real threads)`), iteration);
        return true;
      }
      if (waited < SOAK_STALL_MS) return false;
      this.stall(describeWaits(w, word, name), iteration);
      return true;
    } finally {
      this.release(H_SEQ_LOCK);
    }
  }

  /** performs `op` as the engine does (engine/perform.ts) */
  private perform(op: Op, choice = 0): bigint {
    return performOp(this.mem, this.model, this.id, this.cpu.task, op, this.program.symbols, false, choice);
  }

  /** performs `op` concurrently (no --record): locks by compare-exchange; null if it must wait */
  private performFree(op: Op): bigint | null {
    const mem = this.mem;
    switch (op.kind) {
      case OpKind.Lock: {
        const mine = BigInt(-(this.id + 1));
        return mem.cas(op.addr, 0n, mine) === 0n ? 0n : null;
      }
      case OpKind.ReadLock: {
        const v = mem.load(op.addr);
        if (v < 0n) return null;
        return mem.cas(op.addr, v, v + 1n) === v ? 0n : null;
      }
      case OpKind.ReadUnlock: {
        // the lock word counts readers (engine/perform.ts)
        for (;;) {
          const v = mem.load(op.addr);
          if (v <= 0n) return this.perform(op);
          if (mem.cas(op.addr, v, v - 1n) === v) return 0n;
        }
      }
      case OpKind.Await: {
        const v = mem.load(op.addr);
        return op.pred!(v) ? v : null;
      }
      case OpKind.Alloc:
      case OpKind.Free: {
        if (!this.acquire(H_ALLOC_LOCK)) return null;
        try {
          const choice =
            op.kind === OpKind.Alloc ? Math.floor(this.rng() * Math.max(1, mem.allocChoices(op.src))) : 0;
          return this.perform(op, choice);
        } finally {
          this.release(H_ALLOC_LOCK);
        }
      }
      default:
        return this.perform(op);
    }
  }

  /**
   * starts the CPU's program for `iteration` (with --record, in CPU order, as the inline
   * executor starts them) and runs it to its first operation; null when it failed or the
   * iteration is over
   */
  private startProgram(
    iteration: number,
  ): { gen: Steps<unknown>; r: IteratorResult<unknown, unknown> } | null {
    const ctl = this.ctl;
    const id = this.id;
    if (this.o.record) {
      while (Atomics.load(ctl, H_STARTED) !== id) {
        if (this.aborted()) return null;
        Atomics.wait(ctl, H_STARTED, Atomics.load(ctl, H_STARTED), BACKOFF_MS);
      }
    }
    try {
      const gen = this.program.cpus[id].run(this.cpu);
      return { gen, r: gen.next(0n) };
    } catch (e) {
      this.fail(e, iteration);
      return null;
    } finally {
      if (this.o.record) {
        Atomics.add(ctl, H_STARTED, 1);
        Atomics.notify(ctl, H_STARTED);
      }
    }
  }

  /**
   * waits until `op` may go: it holds the sequencing lock and the operation is enabled (without
   * --record, performed); while it waits it posts what for, and when every CPU waits, judges the
   * waits. Null when the iteration is over for this CPU (aborted, failed, deadlock, stall).
   */
  private awaitTurn(op: Op, iteration: number): Granted | null {
    const ctl = this.ctl;
    const base = this.base;
    let waitingSince = 0;
    let lastLook = 0;
    for (;;) {
      if (this.aborted()) return null;
      if (!this.acquire(H_SEQ_LOCK)) return null;
      // checked under the lock: a CPU that failed set H_FAILED while holding it
      if (this.aborted()) {
        this.release(H_SEQ_LOCK);
        return null;
      }
      let result: bigint | null = null;
      let go: boolean;
      try {
        if (this.o.record) go = this.enabled(op);
        else {
          result = this.performFree(op);
          go = result !== null;
        }
      } catch (e) {
        this.fail(e, iteration);
        this.release(H_SEQ_LOCK);
        return null;
      }
      if (go) {
        Atomics.store(ctl, base + S_WAITING, 0);
        return { result };
      }
      this.release(H_SEQ_LOCK);
      // waiting: a lock held elsewhere, or a condition that does not hold yet
      Atomics.store(ctl, base + S_WAIT_ADDR, op.addr);
      Atomics.store(ctl, base + S_WAITING, op.kind + 1);
      const now = performance.now();
      if (waitingSince === 0) {
        waitingSince = now;
        lastLook = now;
      } else if (now - lastLook > DEADLOCK_MS && this.allWaiting(iteration)) {
        lastLook = now;
        if (this.judgeWaits(iteration, now - waitingSince)) {
          Atomics.store(ctl, base + S_WAITING, 0);
          return null;
        }
      }
      Atomics.wait(ctl, H_ABORT, 0, BACKOFF_MS);
    }
  }

  /**
   * the step's result: with --record, the CPU's number (and a Choose's value) appended to the
   * record and the operation performed; without, a Choose's value (the rest was performed while
   * waiting for the turn)
   */
  private stepResult(op: Op, performed: bigint | null): bigint {
    const o = this.o;
    const ctl = this.ctl;
    if (o.record) {
      const len = Atomics.load(ctl, H_SEQ_LEN);
      if (len + 2 > o.recordCap) throw stepLimit(o.maxSteps);
      ctl[this.record + len] = this.id;
      let extra = 0;
      let value = 0;
      // a data choice is recorded as the step driver makes it: a Choose's value, and the frame of
      // an allocation when more than one would differ
      const mem = this.mem;
      const n =
        op.kind === OpKind.Choose
          ? op.n
          : op.kind === OpKind.Alloc && mem.allocMode === 'any'
            ? mem.allocChoices(op.src)
            : 0;
      if (n > 1 || op.kind === OpKind.Choose) {
        value = Math.floor(this.rng() * n);
        ctl[this.record + len + 1] = valueStep(value);
        extra = 1;
      }
      Atomics.store(ctl, H_SEQ_LEN, len + 1 + extra);
      return op.kind === OpKind.Choose ? BigInt(value) : this.perform(op, value);
    }
    if (op.kind === OpKind.Choose) return BigInt(Math.floor(this.rng() * op.n));
    return performed!;
  }

  /** runs this CPU's program once, step by step, each step under the sequencing lock */
  private runIteration(iteration: number): void {
    const cpu = this.cpu;
    const o = this.o;
    const oracles = this.program.oracles;
    cpu.reset();
    const started = this.startProgram(iteration);
    if (!started) return;
    const { gen } = started;
    let r = started.r;
    let steps = 0;
    while (!r.done) {
      const op = cpu.op;
      if (this.rng() < 0.5) this.spin(Math.floor(this.rng() * o.delayMax));
      const granted = this.awaitTurn(op, iteration);
      if (!granted) return;
      try {
        const result = this.stepResult(op, granted.result);
        // as inline: the CPU refills its Op as it runs on, so oracles get a copy of this one
        this.performed.copyFrom(op);
        r = gen.next(result);
        for (let k = 0; k < oracles.length; k++)
          oracles[k].afterStep?.(this.mem, cpu, this.performed, result);
        if (++steps >= o.maxSteps) throw stepLimit(o.maxSteps);
      } catch (e) {
        this.fail(e, iteration);
        return;
      } finally {
        this.release(H_SEQ_LOCK);
      }
    }
  }

  /** the end barrier: the last CPU checks the end of the execution and starts the next one */
  private finish(iteration: number): void {
    const ctl = this.ctl;
    Atomics.store(ctl, this.base + S_DONE_ITER, iteration);
    if (Atomics.add(ctl, H_FINISHED, 1) + 1 < this.n) return;
    if (Atomics.load(ctl, H_FAILED) === 0 && Atomics.load(ctl, H_ABORT) === 0) {
      try {
        for (const oracle of this.program.oracles) oracle.atEnd?.(this.mem);
      } catch (e) {
        this.cpu.stack.length = 0;
        this.fail(e, iteration);
      }
    }
    this.mem.resetAll();
    Atomics.store(ctl, H_FINISHED, 0);
    Atomics.store(ctl, H_FAILED, 0);
    Atomics.store(ctl, H_SEQ_LEN, 0);
    Atomics.store(ctl, H_STARTED, 0);
    // the release: every reset above is visible to a CPU that sees the new iteration number
    Atomics.add(ctl, H_GO, 1);
    Atomics.notify(ctl, H_GO);
  }
}

function stepLimit(maxSteps: number): Violation {
  return new Violation(
    'step-limit',
    `execution exceeded ${maxSteps} steps (--max-steps). This is usually a spin loop that makes no progress: wait with cpu.awaitValue() (spin-assume) instead of re-reading in a loop`,
  );
}
