import type { CpuSet } from './cpu-set.js';
import type { Footprint } from './footprint.js';

/**
 * `MAX_CPUS` is how many CPUs a program may have: enabled sets are `CpuSet` bitmaps of any size,
 * and this bound only keeps per-CPU tables (vector clocks, priorities) small. SCTBench-style
 * programs have up to 100 threads.
 */
export const MAX_CPUS = 128;

/**
 * `SchedulingView` is what a scheduler may look at while choosing: how many CPUs there are and
 * what each one's pending operation touches (for partial-order reduction).
 */
export interface SchedulingView {
  readonly cpuCount: number;
  /** fills `out` with the footprint of `cpu`'s pending operation */
  footprint(cpu: number, out: Footprint): void;
  /** true once `cpu` has finished its program */
  finished(cpu: number): boolean;
  /** whether `cpu`'s pending operation can be performed now (a lock it waits for is free, ...) */
  isEnabled(cpu: number): boolean;
  /** copies the `len` bytes of memory at `addr` into `out` from `at` (what a write overwrites) */
  readBytes(addr: number, len: number, out: Uint8Array, at: number): void;
  /**
   * whether `cpu`'s pending Await would hold if the `len` bytes at `addr` were `bytes` from `at`
   * instead (memory is left as it was): could the await have gone before the write that put
   * today's bytes there?
   */
  awaitHoldsWith(cpu: number, addr: number, len: number, bytes: Uint8Array, at: number): boolean;
}

/**
 * `Scheduler` is the policy that decides who runs (shuttle's `Scheduler` trait): it starts
 * executions until its search is over, picks the next CPU among the enabled ones, and supplies
 * data choices. The engine only steps CPUs; every decision it makes comes from here, and the
 * sequence of decisions is the schedule that a replay token carries.
 */
export interface Scheduler {
  /** `startExecution` begins the next execution; false when the search is over. */
  startExecution(): boolean;
  /**
   * `pickCpu` chooses the CPU to step. `enabled` holds the CPUs that can step (never empty; the
   * executor reuses it, so a scheduler that keeps it must copy it); `current` is the CPU that
   * stepped last (-1 at the start). Returns a CPU index, or -1 to abandon an execution that can
   * only repeat explored behaviour (sleep-set blocked).
   */
  pickCpu(enabled: CpuSet, current: number, view: SchedulingView): number;
  /** `pickValue` chooses a data value in [0, n). */
  pickValue(n: number): number;
  /** `endExecution` is called once the execution has ended, however it ended. */
  endExecution(): void;
  /**
   * `repeated` is true, after `endExecution`, when the execution just run only repeats one the
   * search counts elsewhere: a pass of iterative bounding re-running a schedule of a smaller
   * bound, PCT's probe runs that measure the execution length. The search neither counts it nor
   * reports what it found.
   */
  readonly repeated?: boolean;
  /** `exhausted` is true when the search ended because every execution was explored. */
  readonly exhausted: boolean;
  /**
   * `continueAfterViolation` asks the executor to halt only the violating CPU and run the others
   * on, as partial-order reduction needs (see `runSteps`).
   */
  readonly continueAfterViolation?: boolean;
  /**
   * `causalChoices` is, for a run that went on past its first violation, the schedule of the
   * current execution projected onto the causal past of step `step` (the steps that happen
   * before it, in their order): an interleaving in which that step comes before everything it
   * does not depend on. Null when one of the `avoid` steps (earlier violations) is in that past.
   * Step -1 is the program's start.
   */
  causalChoices?(step: number, avoid: readonly number[]): number[] | null;
  /** `pending` is how many unexplored branches an exhaustive search knows of now (progress). */
  pending?(): number;
  /** `statistics` are counters a search sums over its units and reports (`pruned`: dpor). */
  statistics?(): Readonly<Record<string, number>>;
}

/**
 * A schedule is a list of steps, each a CPU choice or a data choice (shuttle's
 * `ScheduleStep::Task | Random`). Both are numbers: a CPU choice is the CPU's index (>= 0), a data
 * choice of value v is stored as `~v` (< 0), so a schedule says of each step what it is and a
 * replay that does not fit can name the kind it expected.
 */
export type ScheduleStep = number;

/** `valueStep` is the schedule step that chooses data value `v`. */
export function valueStep(v: number): ScheduleStep {
  return ~v;
}

/** `isValueStep` says whether a schedule step is a data choice (else it is a CPU choice). */
export function isValueStep(s: ScheduleStep): boolean {
  return s < 0;
}

/** `stepValue` is the value of a data step, or the CPU of a CPU step. */
export function stepValue(s: ScheduleStep): number {
  return s < 0 ? ~s : s;
}

/**
 * `ScheduleError` is a scheduler that cannot go on: a replayed schedule that does not fit the
 * program, or a program that offers different choices on replay (it is not deterministic). The
 * executor lets it through instead of blaming the model's step.
 */
const SCHEDULE_ERROR = Symbol.for('pagerace.ScheduleError');

export class ScheduleError extends Error {
  /** `instanceof ScheduleError` holds across copies of this module, as for `Violation`. */
  static override [Symbol.hasInstance](x: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: a subclass (ReplayError) keeps the ordinary prototype check
    if (this !== ScheduleError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return (
      typeof x === 'object' && x !== null && (x as { [SCHEDULE_ERROR]?: unknown })[SCHEDULE_ERROR] === true
    );
  }

  readonly [SCHEDULE_ERROR] = true;
  override name = 'ScheduleError';
}
