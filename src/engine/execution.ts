import type { PhysicalMemory } from '../machine/physical-memory.js';
import { ScheduleError, type Scheduler, type SchedulingView } from '../scheduler/scheduler.js';
import { Cpu, type Steps } from './cpu.js';
import { type Footprint, footprintOf } from './footprint.js';
import { Op, OpKind } from './op.js';
import { NO_OTHERS, type Outcome, ViolationLog } from './outcome.js';
import { lockEnabled, performOp } from './perform.js';
import type { Program } from './program.js';
import { describeStep, type TraceStep } from './trace.js';
import { StepCapture } from './trace-capture.js';
import { Violation } from './violation.js';

/** `DEFAULT_MAX_STEPS` bounds one execution (`--max-steps`, PAGERACE_MAX_STEPS). */
export const DEFAULT_MAX_STEPS = 100_000;
/** `MAX_CPUS`: enabled sets are 31-bit masks. */
export const MAX_CPUS = 31;

export type { LaterViolation, Outcome } from './outcome.js';

/**
 * `Execution` is the inline executor: all CPUs are generators in this thread, stepped one
 * operation at a time in the order the scheduler picks, on the program's PhysicalMemory.
 * It records the schedule (every choice, CPU and data) and, when asked, a full trace.
 *
 * The loop is the hot path of every search: it allocates nothing per step beyond what the
 * generators themselves do, and tracing is off unless a report needs the trace.
 */
export class Execution implements SchedulingView {
  readonly cpus: Cpu[];
  readonly cpuCount: number;
  /** the choices of the last execution: per step the CPU, followed by the value for a Choose */
  readonly choices: number[] = [];
  private readonly gens: Steps<unknown>[];
  private readonly done: Uint8Array;
  private readonly mem: PhysicalMemory;
  private trace: TraceStep[] | null = null;
  private readonly capture = new StepCapture();
  private step = 0;
  /** the violations of the current execution */
  private readonly log = new ViolationLog();
  /** the operation just performed, as afterStep oracles see it */
  private readonly performed = new Op();
  /** the CPU whose operation is being performed, -1 outside `perform` */
  private performing = -1;

  constructor(
    readonly program: Program,
    readonly maxSteps: number = DEFAULT_MAX_STEPS,
  ) {
    if (program.cpus.length < 1 || program.cpus.length > MAX_CPUS) {
      throw new RangeError(`a program needs 1..${MAX_CPUS} CPUs, got ${program.cpus.length}`);
    }
    this.mem = program.memory;
    this.cpuCount = program.cpus.length;
    this.cpus = program.cpus.map((p, i) => new Cpu(i, p.name, this.mem));
    this.gens = new Array(this.cpuCount);
    this.done = new Uint8Array(this.cpuCount);
  }

  footprint(cpu: number, out: Footprint): void {
    footprintOf(this.cpus[cpu].op, this.mem, out);
  }

  finished(cpu: number): boolean {
    return this.done[cpu] === 1;
  }

  /**
   * `run` performs one execution under `scheduler`. With `trace`, every step is appended to it;
   * the step that raised the violation is marked.
   *
   * Normally the execution ends at its first violation. A scheduler that asks for
   * `continueAfterViolation` (DPOR) gets a run in which the violating CPU halts and the others go
   * on: ending everything at a violation would make the violating step disable every other CPU,
   * which breaks the independence that partial-order reduction relies on. The outcome still
   * reports the first violation, with `cut` choices and `preemptions` counted up to it.
   */
  run(scheduler: Scheduler, trace: TraceStep[] | null = null): Outcome {
    const mem = this.mem;
    const cpus = this.cpus;
    const n = this.cpuCount;
    const oracles = this.program.oracles;
    const goOn = scheduler.continueAfterViolation === true && trace === null;
    this.trace = trace;
    this.choices.length = 0;
    this.step = 0;
    mem.reset();
    if (trace) this.program.symbols.resetExecution();
    let preemptions = 0;
    let current = -1;
    const log = this.log;
    log.reset();
    const stop = (v: Violation): Outcome =>
      log.outcome(v, scheduler, n, this.choices.length, preemptions, this.step);
    try {
      for (let i = 0; i < n; i++) {
        cpus[i].reset();
        this.done[i] = 0;
        this.gens[i] = this.program.cpus[i].run(cpus[i]);
      }
      for (let i = 0; i < n; i++) {
        try {
          this.advance(i, 0n);
        } catch (e) {
          const v = this.failed(e, i);
          if (!goOn) return stop(v);
          log.note(v, -1, this.choices.length, preemptions, this.step);
          this.done[i] = 1;
        }
      }
      for (;;) {
        let enabled = 0;
        let alive = 0;
        for (let i = 0; i < n; i++) {
          if (this.done[i] === 1) continue;
          alive++;
          if (this.isEnabled(cpus[i].op)) enabled |= 1 << i;
        }
        if (alive === 0) break;
        if (enabled === 0) return stop(this.deadlock());
        const c = scheduler.pickCpu(enabled, current, this);
        if (c < 0)
          return { violation: null, steps: this.step, preemptions, pruned: true, cut: 0, others: NO_OTHERS };
        this.choices.push(c);
        if (current >= 0 && c !== current && (enabled >>> current) & 1) preemptions++;
        current = c;
        const cpu = cpus[c];
        const op = cpu.op;
        try {
          this.performing = c;
          if (trace) this.capture.begin(mem, op);
          let result = performOp(mem, c, cpu.task, op, this.program.symbols, trace !== null);
          this.performing = -1;
          if (op.kind === OpKind.Choose) {
            const v = scheduler.pickValue(op.n);
            this.choices.push(v);
            result = BigInt(v);
          }
          if (trace) trace.push(this.traced(c, result));
          this.step++;
          if (oracles.length === 0) this.advance(c, result);
          else {
            // the CPU refills its Op with its next operation as it runs on: oracles get a copy
            const done = this.performed;
            done.copyFrom(op);
            this.advance(c, result);
            for (let k = 0; k < oracles.length; k++) oracles[k].afterStep?.(mem, cpu, done, result);
          }
        } catch (e) {
          const v = this.failed(e, c);
          if (!goOn) return stop(v);
          log.note(v, this.step - 1, this.choices.length, preemptions, this.step);
          this.done[c] = 1;
        }
        if (this.step >= this.maxSteps) return stop(this.stepLimit());
      }
      if (log.first) return stop(log.first);
      for (let k = 0; k < oracles.length; k++) oracles[k].atEnd?.(mem);
      return {
        violation: null,
        steps: this.step,
        preemptions,
        pruned: false,
        cut: this.choices.length,
        others: NO_OTHERS,
      };
    } catch (e) {
      return stop(this.failed(e, -1));
    } finally {
      this.trace = null;
    }
  }

  /**
   * turns what CPU `cpu` threw into a violation (marking the trace); a scheduler's own error (a
   * replay that does not fit, a nondeterministic model) is not the model's bug and is rethrown.
   */
  private failed(e: unknown, cpu: number): Violation {
    if (e instanceof ScheduleError) throw e;
    const trace = this.trace;
    if (this.performing >= 0) {
      // the operation itself failed (a double free, an unlock not held): it is the last step
      const c = this.cpus[this.performing];
      if (trace) trace.push(this.traced(c.id, 0n));
      this.step++;
      this.performing = -1;
    }
    const v = this.toViolation(e, cpu);
    if (trace && trace.length > 0 && v.cpu >= 0) trace[trace.length - 1].violation = v.kind;
    return v;
  }

  /** the trace record of CPU `c`'s operation, just performed with `result` */
  private traced(c: number, result: bigint): TraceStep {
    const cpu = this.cpus[c];
    const step = describeStep(this.step, c, cpu.task, cpu.fn, cpu.op, result, this.program.symbols);
    return this.capture.finish(step, this.program, cpu.stack);
  }

  /** resumes CPU `i` with `result` and runs it to its next operation */
  private advance(i: number, result: bigint): void {
    const r = this.gens[i].next(result);
    if (r.done) this.done[i] = 1;
  }

  private isEnabled(op: Op): boolean {
    return op.kind === OpKind.Await
      ? op.pred!(this.mem.load(op.addr))
      : lockEnabled(this.mem, op.kind, op.addr);
  }

  private holders(addr: number): string {
    const v = this.mem.load(addr);
    const names: string[] = [];
    if (v < 0n) {
      const c = this.cpus[Number(-v) - 1];
      names.push(`cpu${c.id} ${c.task}`);
    } else {
      for (const c of this.cpus) if ((v >> BigInt(c.id)) & 1n) names.push(`cpu${c.id} ${c.task}`);
    }
    return names.length ? `held by ${names.join(', ')}` : 'free';
  }

  private deadlock(): Violation {
    const waits: string[] = [];
    for (const c of this.cpus) {
      if (this.done[c.id] === 1) continue;
      const op = c.op;
      const what = this.program.symbols.addrName(op.addr);
      if (op.kind === OpKind.Await) {
        waits.push(
          `cpu${c.id} ${c.task} waits in ${c.fn || 'its program'} for ${what} to change (now ${this.mem.load(op.addr)})`,
        );
      } else {
        const how = op.kind === OpKind.ReadLock ? 'shared ' : '';
        waits.push(
          `cpu${c.id} ${c.task} waits in ${c.fn || 'its program'} for ${how}${what} ${this.holders(op.addr)}`,
        );
      }
    }
    return new Violation('deadlock', waits.join('; '));
  }

  private stepLimit(): Violation {
    return new Violation(
      'step-limit',
      `execution exceeded ${this.maxSteps} steps (--max-steps). This is usually a spin loop that makes no progress: wait with cpu.awaitValue() (spin-assume) instead of re-reading in a loop`,
    );
  }

  private toViolation(e: unknown, current: number): Violation {
    let v: Violation;
    if (e instanceof Violation) {
      v = e;
    } else {
      const err = e instanceof Error ? e : new Error(String(e));
      v = new Violation('model-error', `the model threw ${err.name}: ${err.message}`);
      v.detail = err.stack ?? '';
    }
    if (v.kind !== 'deadlock' && current >= 0 && v.cpu < 0) {
      v.cpu = current;
      v.kernelStack = this.cpus[current].stack.slice();
      if (v.kind === 'model-error')
        v.detail = `cpu${current} ${this.cpus[current].task}, step ${this.step}\n${v.detail}`;
    }
    return v;
  }
}
