import type { Execution } from '../engine/execution.js';
import { BoundedScheduler } from '../scheduler/bounded.js';

/** `MINIMIZE_BUDGET` bounds the executions spent minimizing one violation. */
export const MINIMIZE_BUDGET = 20_000;

/** `Schedule` is a recorded schedule and the preemptions it makes. */
export interface Schedule {
  choices: number[];
  preemptions: number;
}

/**
 * `minimize` looks for an interleaving with fewer preemptions that raises the same bug (same
 * violation key), by iterative context bounding: all executions with 0 preemptions, then 1, and so
 * on below what was found. The first hit has the fewest preemptions possible, and because it
 * does not depend on how the bug was first found, every search that finds the bug reports the
 * same interleaving. Past `budget` executions it keeps the best found so far.
 */
export function minimize(exec: Execution, key: string, found: Schedule, budget = MINIMIZE_BUDGET): Schedule {
  if (found.preemptions === 0) return found;
  const s = new BoundedScheduler(found.preemptions - 1);
  for (let spent = 0; spent < budget && s.startExecution(); spent++) {
    const o = exec.run(s);
    s.endExecution();
    if (!s.repeated && o.violation?.key === key)
      return { choices: exec.choices.slice(0, o.cut), preemptions: o.preemptions };
  }
  return found;
}
