import { ScheduleError, type Scheduler } from './scheduler.js';

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

  pickCpu(enabled: number): number {
    const c = this.take('CPU');
    if (!((enabled >>> c) & 1)) {
      throw new ReplayError(
        `schedule step ${this.pos - 1} picks cpu${c}, which cannot run there: the schedule does not fit this model`,
      );
    }
    return c;
  }

  pickValue(n: number): number {
    const v = this.take('value');
    if (v >= n)
      throw new ReplayError(
        `schedule step ${this.pos - 1} picks value ${v} of ${n}: the schedule does not fit this model`,
      );
    return v;
  }

  endExecution(): void {}

  /** `consumed` is true when the execution used the whole schedule. */
  get consumed(): boolean {
    return this.pos === this.choices.length;
  }

  private take(what: string): number {
    if (this.pos >= this.choices.length) {
      throw new ReplayError(
        `the schedule ended after ${this.choices.length} choices, but the model asked for another ${what}: the schedule does not fit this model`,
      );
    }
    return this.choices[this.pos++];
  }
}
