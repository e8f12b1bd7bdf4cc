import type { CpuSet } from '../engine/cpu-set.js';
import type { Outcome } from '../engine/outcome.js';
import { isValueStep, ScheduleError, type Scheduler, stepValue } from '../engine/scheduling.js';
import type { TraceStep } from '../engine/trace.js';
import type { Violation } from '../engine/violation.js';

/** `ReplayError` says a schedule does not fit the program it is replayed on. */
export class ReplayError extends ScheduleError {
  override name = 'ReplayError';
}

/**
 * `ReplayScheduler` follows a recorded schedule, choice by choice, for one execution. A choice
 * that names a CPU that cannot run, or a schedule that ends early, means the schedule belongs to
 * another model or variant: it says so instead of guessing.
 */
export class ReplayScheduler implements Scheduler {
  readonly exhausted = false;
  private pos = 0;
  private runs = 0;

  constructor(readonly choices: readonly number[]) {}

  startExecution(): boolean {
    if (this.runs++ > 0) return false;
    this.pos = 0;
    return true;
  }

  pickCpu(enabled: CpuSet): number {
    const s = this.take('CPU');
    if (isValueStep(s)) {
      throw new ReplayError(
        `schedule step ${this.pos - 1} is a data choice (value ${stepValue(s)}), but the model asks for a CPU there: the schedule does not fit this model`,
      );
    }
    const c = s;
    if (c >= enabled.capacity || !enabled.has(c)) {
      throw new ReplayError(
        `schedule step ${this.pos - 1} picks cpu${c}, which cannot run there: the schedule does not fit this model`,
      );
    }
    return c;
  }

  pickValue(n: number): number {
    // a v1 token does not tag its steps: an untagged step is taken as the value it names
    const v = stepValue(this.take('value'));
    if (v >= n)
      throw new ReplayError(
        `schedule step ${this.pos - 1} picks value ${v} of ${n}: the schedule does not fit this model`,
      );
    return v;
  }

  endExecution(): void {}

  private take(what: string): number {
    if (this.pos >= this.choices.length) {
      throw new ReplayError(
        `the schedule ended after ${this.choices.length} choices, but the model asked for another ${what}: the schedule does not fit this model`,
      );
    }
    return this.choices[this.pos++];
  }
}

/** `Traced` is a replayed execution: its trace, its violation, and its preemptions. */
export interface Traced {
  trace: TraceStep[];
  violation: Violation | null;
  preemptions: number;
}

/** `Tracer` is an executor that can run one execution with tracing on: inline or threads. */
export interface Tracer {
  run(scheduler: Scheduler, trace: TraceStep[] | null): Outcome;
}

/** `traceSchedule` replays `choices` with tracing on, on the inline executor or on threads. */
export function traceSchedule(exec: Tracer, choices: readonly number[]): Traced {
  const sched = new ReplayScheduler(choices);
  sched.startExecution();
  const trace: TraceStep[] = [];
  const o = exec.run(sched, trace);
  return { trace, violation: o.violation, preemptions: o.preemptions };
}
