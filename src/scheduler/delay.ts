import type { CpuSet } from '../engine/cpu-set.js';
import { BoundedPass, IterativeBound } from './iterative-bound.js';
import { optionValue, type StrategyDescriptor } from './strategy.js';

/**
 * `DelayPass` is depth-first search with a delay bound over a deterministic round-robin
 * scheduler: the CPU that ran last goes on while it can, else the next enabled CPU in index
 * order after it (cyclically). A delay skips the CPU that scheduler would run for the next one
 * in that order; `bound` delays at most per execution (several at one step skip several CPUs).
 */
class DelayPass extends BoundedPass {
  pickCpu(enabled: CpuSet, current: number): number {
    let base = current >= 0 && enabled.has(current) ? current : enabled.next(current + 1);
    if (base < 0) base = enabled.first();
    const skips = Math.min(this.bound - this.spentSoFar, enabled.size - 1);
    const j = this.decide(skips + 1);
    this.spentSoFar += j;
    return j === 0 ? base : enabled.nth((enabled.rank(base) + j) % enabled.size);
  }
}

/**
 * `DelayScheduler` is delay-bounded scheduling (Emmi, Qadeer and Rakamaric, "Delay-Bounded
 * Scheduling", POPL 2011), in the form Thomson, Donaldson and Betts compare with preemption
 * bounding ("Concurrency Testing Using Schedule Bounding: an Empirical Study", PPoPP 2014): every
 * execution of the round-robin scheduler with no delay, then with one, ... up to `bound`. Running
 * the k-th CPU after the round-robin one costs k delays where it costs one preemption, so d
 * delays allow about steps^d schedules whatever the number of CPUs (d preemptions allow about
 * (steps x CPUs)^d): a delay bound reaches further into long executions of many CPUs.
 */
export class DelayScheduler extends IterativeBound {
  constructor(bound: number) {
    super(bound, (b) => new DelayPass(b));
  }
}

/** `delay` is exhaustive search within a delay bound: it never proves `clean`. */
export const delay: StrategyDescriptor = {
  name: 'delay',
  summary: 'every round-robin schedule with at most N delays, fewest first (delay bounding)',
  exhaustive: false,
  options: [
    {
      key: 'delays',
      arg: 'n',
      env: 'PAGERACE_DELAYS',
      help: 'delay bound of the delay strategy',
      fallback: 2,
      min: 0,
    },
  ],
  split: 'whole',
  create: (unit) => new DelayScheduler(optionValue(delay, unit.options, 'delays')),
};
