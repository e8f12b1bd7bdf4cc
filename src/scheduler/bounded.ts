import type { CpuSet } from '../engine/cpu-set.js';
import { BoundedPass, IterativeBound } from './iterative-bound.js';
import { optionValue, type StrategyDescriptor } from './strategy.js';

/**
 * `PreemptionPass` is depth-first search with a preemption bound: it explores every execution
 * with at most `bound` preemptions (switches away from a CPU that could have gone on), trying
 * "let the current CPU continue" before any switch.
 */
class PreemptionPass extends BoundedPass {
  pickCpu(enabled: CpuSet, current: number): number {
    const canContinue = current >= 0 && enabled.has(current);
    if (!canContinue) return enabled.nth(this.decide(enabled.size));
    if (this.spentSoFar >= this.bound) {
      this.decide(1);
      return current;
    }
    // option 0 continues the current CPU; option k > 0 switches to the k-th other enabled CPU
    const k = this.decide(enabled.size);
    if (k === 0) return current;
    this.spentSoFar++;
    const other = enabled.nth(k - 1);
    return other < current ? other : enabled.nth(k);
  }
}

/**
 * `BoundedScheduler` is iterative context bounding (Musuvathi and Qadeer, "Iterative Context
 * Bounding for Systematic Testing of Multithreaded Programs", PLDI 2007): every execution with no
 * preemption, then every one with exactly one, ... up to `bound`. Most bugs need few preemptions,
 * and the first failing execution it finds has the fewest possible, which is why the minimizer
 * uses it.
 */
export class BoundedScheduler extends IterativeBound {
  constructor(bound: number) {
    super(bound, (b) => new PreemptionPass(b));
  }
}

/** `bounded` is exhaustive search within a preemption bound: it never proves `clean`. */
export const bounded: StrategyDescriptor = {
  name: 'bounded',
  summary: 'every interleaving with at most N preemptions, fewest first (iterative context bounding)',
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
