import { isValueStep, type Scheduler } from './scheduling.js';
import type { Violation } from './violation.js';

/** `Outcome` is how one execution ended. */
export interface Outcome {
  violation: Violation | null;
  /** operations performed */
  steps: number;
  /** context switches away from a CPU that could have continued */
  preemptions: number;
  /** abandoned by the scheduler because it could only repeat explored behaviour */
  pruned: boolean;
  /** how many of `Execution.choices` lead up to the violation (all of them without one) */
  cut: number;
  /**
   * violations raised after the first one, in a run that went on past it (DPOR), each with the
   * schedule of an interleaving in which it comes first: the execution projected onto the
   * violating step's causal past. Violations that only happen after an earlier one are left out.
   */
  others?: readonly LaterViolation[];
}

/** `LaterViolation` is a violation found after the first in one execution, with its own schedule. */
export interface LaterViolation {
  violation: Violation;
  choices: number[];
  /** an upper bound on the preemptions of `choices` */
  preemptions: number;
}

/** `NO_OTHERS` is the `others` of an execution with at most one violation. */
export const NO_OTHERS: readonly LaterViolation[] = [];

/** counts switches to another CPU while the previous one still has steps left: a preemption bound */
function switchBound(choices: readonly number[], cpus: number): number {
  const last = new Array<number>(cpus).fill(-1);
  choices.forEach((c, i) => {
    if (!isValueStep(c)) last[c] = i;
  });
  let n = 0;
  for (let i = 1; i < choices.length; i++) {
    const prev = choices[i - 1];
    if (choices[i] !== prev && !isValueStep(prev) && last[prev] > i) n++;
  }
  return n;
}

/**
 * `ViolationLog` keeps the violations of one execution for an executor. Without
 * `continueAfterViolation` the first violation ends the run; with it (DPOR) the violating CPU
 * halts and the others run on, and each later violation is kept with the schedule of its causal
 * past (`Scheduler.causalChoices`), the interleaving in which it comes first. One log is reused
 * for every execution of an executor.
 */
export class ViolationLog {
  private firstViolation: Violation | null = null;
  private firstStep = -1;
  private cut = 0;
  private cutPreemptions = 0;
  private cutSteps = 0;
  private readonly later: { violation: Violation; step: number }[] = [];

  /** `reset` forgets the previous execution's violations. */
  reset(): void {
    this.firstViolation = null;
    this.firstStep = -1;
    if (this.later.length !== 0) this.later.length = 0;
  }

  /** `first` is the execution's first violation, if any. */
  get first(): Violation | null {
    return this.firstViolation;
  }

  /**
   * `note` records `v`, raised by the step at event index `step` (-1 before any), when the run had
   * made `choices` choices and `preemptions` preemptions in `steps` steps.
   */
  note(v: Violation, step: number, choices: number, preemptions: number, steps: number): void {
    if (this.firstViolation) {
      this.later.push({ violation: v, step });
      return;
    }
    this.firstViolation = v;
    this.firstStep = step;
    this.cut = choices;
    this.cutPreemptions = preemptions;
    this.cutSteps = steps;
  }

  /**
   * `outcome` ends the execution: with its first violation if one was noted (and the later ones
   * that can come first), else with `v`, raised now after `choices` choices, `preemptions`
   * preemptions and `steps` steps.
   */
  outcome(
    v: Violation,
    scheduler: Scheduler,
    cpus: number,
    choices: number,
    preemptions: number,
    steps: number,
  ): Outcome {
    const first = this.firstViolation;
    if (!first) return { violation: v, steps, preemptions, pruned: false, cut: choices, others: NO_OTHERS };
    const others: LaterViolation[] = [];
    const avoid = [this.firstStep];
    for (const l of this.later) {
      const projected = scheduler.causalChoices?.(l.step, avoid) ?? null;
      avoid.push(l.step);
      if (projected)
        others.push({
          violation: l.violation,
          choices: projected,
          preemptions: switchBound(projected, cpus),
        });
    }
    return {
      violation: first,
      steps: this.cutSteps,
      preemptions: this.cutPreemptions,
      pruned: false,
      cut: this.cut,
      others,
    };
  }
}
