import type { CpuSet } from '../engine/cpu-set.js';
import type { Scheduler } from '../engine/scheduling.js';
import { CountedTree } from './decision-tree.js';
import { optionValue, type StrategyDescriptor } from './strategy.js';

/**
 * `BoundedScheduler` is depth-first search with a preemption bound (iterative context bounding,
 * Musuvathi and Qadeer, "Iterative Context Bounding for Systematic Testing of Multithreaded
 * Programs", PLDI 2007): it explores every execution with at most `bound` preemptions, trying
 * "let the current CPU continue" before any switch. Most bugs need few preemptions, and the first
 * failing execution it finds has the fewest possible, which is why the minimizer uses it.
 */
export class BoundedScheduler extends CountedTree implements Scheduler {
  private preemptions = 0;

  constructor(readonly bound: number) {
    super();
  }

  protected override beginExecution(): void {
    this.preemptions = 0;
  }

  pickCpu(enabled: CpuSet, current: number): number {
    const canContinue = current >= 0 && enabled.has(current);
    if (!canContinue) return enabled.nth(this.decide(enabled.size));
    if (this.preemptions >= this.bound) {
      this.decide(1);
      return current;
    }
    // option 0 continues the current CPU; option k > 0 switches to the k-th other enabled CPU
    const k = this.decide(enabled.size);
    if (k === 0) return current;
    this.preemptions++;
    const other = enabled.nth(k - 1);
    return other < current ? other : enabled.nth(k);
  }

  pickValue(n: number): number {
    return this.decide(n);
  }
}

/** `bounded` is exhaustive search within a preemption bound: it never proves `clean`. */
export const bounded: StrategyDescriptor = {
  name: 'bounded',
  summary: 'every interleaving with at most N preemptions (iterative context bounding)',
  exhaustive: false,
  options: [
    {
      key: 'preemptions',
      arg: 'n',
      env: 'PAGERACE_PREEMPTIONS',
      help: 'preemption bound of the bounded strategy',
      fallback: 2,
      min: 0,
    },
  ],
  split: 'whole',
  create: (unit) => new BoundedScheduler(optionValue(bounded, unit.options, 'preemptions')),
};
