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
  // soak runs the sc memory model only: its CPUs race on real threads, with no store buffers to flush
  const { program, mem, model, cpu } = loaded;
  const o = d.soak!;
  const ctl = new Int32Array(d.control);
  const n = program.cpus.length;
  const id = d.cpu;
  const base = slotBase(id);
  const record = recordBase(n);
  const oracles = program.oracles;
  const rng = seedrandom.alea(`${o.seed}:cpu${id}`);
  const performed = new Op();
  const aborted = () => Atomics.load(ctl, H_FAILED) !== 0 || Atomics.load(ctl, H_ABORT) !== 0;

  /** spins `k` times on a word nobody writes: a delay that keeps the thread on its core */
  const spin = (k: number) => {
    for (let i = 0; i < k; i++) Atomics.load(ctl, H_ABORT);
  };

  /** acquires a lock word of the control buffer (0 free, 1 held) */
  const acquire = (index: number): boolean => {
    for (let tries = 0; ; tries++) {
      // compare-exchange is a sequentially consistent read-modify-write: the winner sees every
      // write made by the previous holder before its releasing store
      if (Atomics.compareExchange(ctl, index, 0, 1) === 0) return true;
      if (Atomics.load(ctl, H_ABORT) !== 0) return false;
      if (tries > 100) Atomics.wait(ctl, index, 1, BACKOFF_MS);
    }
  };
  const release = (index: number) => {
    Atomics.store(ctl, index, 0);
    Atomics.notify(ctl, index, 1);
  };

  /** reports the iteration's first violation (later ones in the same iteration are dropped) */
  const fail = (e: unknown, iteration: number) => {
    if (Atomics.compareExchange(ctl, H_FAILED, 0, id + 1) !== 0) return;
    let choices: number[] | null = null;
    if (o.record) {
      const len = Atomics.load(ctl, H_SEQ_LEN);
      choices = Array.from(ctl.subarray(record, record + len));
    }
    const msg: SoakMessage = {
      kind: 'violation',
      violation: failureOf(e, cpu).failure,
      iteration,
      cpu: id,
      choices,
    };
    d.port.postMessage(msg);
  };

  /** gives the iteration up as stalled (unless something else already ended it) */
  const stall = (waits: string, iteration: number) => {
    if (Atomics.compareExchange(ctl, H_FAILED, 0, id + 1) !== 0) return;
    const msg: SoakMessage = { kind: 'stall', waits, iteration, cpu: id };
    d.port.postMessage(msg);
  };

  /** whether `op` can go now (the inline executor's enabledness), evaluated on live memory */
  const enabled = (op: Op): boolean => {
    if (op.kind === OpKind.Lock) return mem.load(op.addr) === 0n;
    if (op.kind === OpKind.ReadLock) return mem.load(op.addr) >= 0n;
    if (op.kind === OpKind.Await) return op.pred!(mem.load(op.addr));
    return true;
  };

  /** true when every CPU that has not finished this iteration is waiting */
  const allWaiting = (iteration: number): boolean => {
    for (let c = 0; c < n; c++) {
      const b = slotBase(c);
      if (Atomics.load(ctl, b + S_DONE_ITER) === iteration) continue;
      if (Atomics.load(ctl, b + S_WAITING) === 0) return false;
    }
    return true;
  };

  /** what every unfinished CPU of the iteration waits for (when all of them wait) */
  const waits = (iteration: number): SoakWait[] => {
    const out: SoakWait[] = [];
    for (let c = 0; c < n; c++) {
      const b = slotBase(c);
      if (Atomics.load(ctl, b + S_DONE_ITER) === iteration) continue;
      const kind = Atomics.load(ctl, b + S_WAITING) - 1;
      const task = c === id ? cpu.task : program.cpus[c].name;
      out.push({ cpu: c, task, kind, addr: Atomics.load(ctl, b + S_WAIT_ADDR) });
    }
    return out;
  };

  /**
   * looks at the waits of an iteration in which every CPU has waited `waited` ms, under the
   * sequencing lock (no CPU steps meanwhile): a lock cycle is a deadlock, waits that have lasted
   * SOAK_STALL_MS without one are a stall. True when the iteration is over for this CPU.
   */
  const judgeWaits = (iteration: number, waited: number): boolean => {
    if (!acquire(H_SEQ_LOCK)) return true;
    try {
      if (aborted()) return true;
      if (!allWaiting(iteration)) return false;
      const w = waits(iteration);
      const word = (a: number) => mem.load(a);
      const name = (a: number) => program.symbols.addrName(a);
      const cycle = lockCycle(w, word, name);
      if (cycle !== null) {
        fail(new Violation('deadlock', `${cycle} (found on real threads)`), iteration);
        return true;
      }
      if (waited < SOAK_STALL_MS) return false;
      stall(describeWaits(w, word, name), iteration);
      return true;
    } finally {
      release(H_SEQ_LOCK);
    }
  };

  /** performs `op` concurrently (no --record): locks by compare-exchange; null if it must wait */
  const performFree = (op: Op): bigint | null => {
    switch (op.kind) {
      case OpKind.Lock: {
        const mine = BigInt(-(id + 1));
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
          if (v <= 0n) return performOp(mem, model, id, cpu.task, op, program.symbols, false);
          if (mem.cas(op.addr, v, v - 1n) === v) return 0n;
        }
      }
      case OpKind.Await: {
        const v = mem.load(op.addr);
        return op.pred!(v) ? v : null;
      }
      case OpKind.Alloc:
      case OpKind.Free: {
        if (!acquire(H_ALLOC_LOCK)) return null;
        try {
          const choice =
            op.kind === OpKind.Alloc ? Math.floor(rng() * Math.max(1, mem.allocChoices(op.src))) : 0;
          return performOp(mem, model, id, cpu.task, op, program.symbols, false, choice);
        } finally {
          release(H_ALLOC_LOCK);
        }
      }
      default:
        return performOp(mem, model, id, cpu.task, op, program.symbols, false);
    }
  };

  const runIteration = (iteration: number) => {
    cpu.reset();
    let gen: Steps<unknown>;
    let r: IteratorResult<unknown, unknown>;
    // --record: programs start in CPU order, as the inline executor starts them
    if (o.record) {
      while (Atomics.load(ctl, H_STARTED) !== id) {
        if (aborted()) return;
        Atomics.wait(ctl, H_STARTED, Atomics.load(ctl, H_STARTED), BACKOFF_MS);
      }
    }
    try {
      gen = program.cpus[id].run(cpu);
      r = gen.next(0n);
    } catch (e) {
      fail(e, iteration);
      return;
    } finally {
      if (o.record) {
        Atomics.add(ctl, H_STARTED, 1);
        Atomics.notify(ctl, H_STARTED);
      }
    }
    let steps = 0;
    while (!r.done) {
      const op = cpu.op;
      if (rng() < 0.5) spin(Math.floor(rng() * o.delayMax));
      let waitingSince = 0;
      let lastLook = 0;
      let result: bigint | null = null;
      let locked = false;
      for (;;) {
        if (aborted()) return;
        if (!acquire(H_SEQ_LOCK)) return;
        locked = true;
        // checked under the lock: a CPU that failed set H_FAILED while holding it
        if (aborted()) {
          release(H_SEQ_LOCK);
          return;
        }
        let go: boolean;
        try {
          if (o.record) go = enabled(op);
          else {
            result = performFree(op);
            go = result !== null;
          }
        } catch (e) {
          fail(e, iteration);
          if (locked) release(H_SEQ_LOCK);
          return;
        }
        if (go) break;
        if (locked) {
          release(H_SEQ_LOCK);
          locked = false;
        }
        // waiting: a lock held elsewhere, or a condition that does not hold yet
        Atomics.store(ctl, base + S_WAIT_ADDR, op.addr);
        Atomics.store(ctl, base + S_WAITING, op.kind + 1);
        const now = performance.now();
        if (waitingSince === 0) {
          waitingSince = now;
          lastLook = now;
        } else if (now - lastLook > DEADLOCK_MS && allWaiting(iteration)) {
          lastLook = now;
          if (judgeWaits(iteration, now - waitingSince)) {
            Atomics.store(ctl, base + S_WAITING, 0);
            return;
          }
        }
        Atomics.wait(ctl, H_ABORT, 0, BACKOFF_MS);
      }
      Atomics.store(ctl, base + S_WAITING, 0);
      try {
        if (o.record) {
          const len = Atomics.load(ctl, H_SEQ_LEN);
          if (len + 2 > o.recordCap) throw stepLimit(o.maxSteps);
          ctl[record + len] = id;
          let extra = 0;
          let value = 0;
          // a data choice is recorded as the step driver makes it: a Choose's value, and the
          // frame of an allocation when more than one would differ
          const n =
            op.kind === OpKind.Choose
              ? op.n
              : op.kind === OpKind.Alloc && mem.allocMode === 'any'
                ? mem.allocChoices(op.src)
                : 0;
          if (n > 1 || op.kind === OpKind.Choose) {
            value = Math.floor(rng() * n);
            ctl[record + len + 1] = valueStep(value);
            extra = 1;
          }
          Atomics.store(ctl, H_SEQ_LEN, len + 1 + extra);
          result =
            op.kind === OpKind.Choose
              ? BigInt(value)
              : performOp(mem, model, id, cpu.task, op, program.symbols, false, value);
        } else if (op.kind === OpKind.Choose) result = BigInt(Math.floor(rng() * op.n));
        // as inline: the CPU refills its Op as it runs on, so oracles get a copy of this one
        performed.copyFrom(op);
        r = gen.next(result!);
        for (let k = 0; k < oracles.length; k++) oracles[k].afterStep?.(mem, cpu, performed, result!);
        if (++steps >= o.maxSteps) throw stepLimit(o.maxSteps);
      } catch (e) {
        fail(e, iteration);
        return;
      } finally {
        if (locked) release(H_SEQ_LOCK);
      }
    }
  };

  /** the end barrier: the last CPU checks the end of the execution and starts the next one */
  const finish = (iteration: number) => {
    Atomics.store(ctl, base + S_DONE_ITER, iteration);
    if (Atomics.add(ctl, H_FINISHED, 1) + 1 < n) return;
    if (Atomics.load(ctl, H_FAILED) === 0 && Atomics.load(ctl, H_ABORT) === 0) {
      try {
        for (let k = 0; k < oracles.length; k++) oracles[k].atEnd?.(mem);
      } catch (e) {
        cpu.stack.length = 0;
        fail(e, iteration);
      }
    }
    mem.resetAll();
    Atomics.store(ctl, H_FINISHED, 0);
    Atomics.store(ctl, H_FAILED, 0);
    Atomics.store(ctl, H_SEQ_LEN, 0);
    Atomics.store(ctl, H_STARTED, 0);
    // the release: every reset above is visible to a CPU that sees the new iteration number
    Atomics.add(ctl, H_GO, 1);
    Atomics.notify(ctl, H_GO);
  };

  let iteration = 0;
  for (;;) {
    while (Atomics.load(ctl, H_GO) === iteration && Atomics.load(ctl, H_ABORT) === 0) {
      Atomics.wait(ctl, H_GO, iteration, 100);
    }
    if (Atomics.load(ctl, H_ABORT) !== 0) return;
    iteration = Atomics.load(ctl, H_GO);
    runIteration(iteration);
    finish(iteration);
  }
}

function stepLimit(maxSteps: number): Violation {
  return new Violation(
    'step-limit',
    `execution exceeded ${maxSteps} steps (--max-steps). This is usually a spin loop that makes no progress: wait with cpu.awaitValue() (spin-assume) instead of re-reading in a loop`,
  );
}
