import type { CpuSet } from '../engine/cpu-set.js';
import type { Scheduler } from '../engine/scheduling.js';
import { CountedTree } from './decision-tree.js';
import type { StrategyDescriptor } from './strategy.js';

/**
 * `DfsScheduler` explores every execution exactly once, depth first, with no reduction: at each
 * decision it takes the options in order (CPUs by index, values from 0) and backtracks to the
 * deepest decision that has an untried option. For two CPUs of two steps each it explores
 * C(4,2) = 6 executions.
 *
 * A `prefix` of option indices fixes the first decisions, so one scheduler explores just the
 * subtree below it (a unit of parallel exploration).
 */
export class DfsScheduler extends CountedTree implements Scheduler {
  pickCpu(enabled: CpuSet): number {
    return enabled.nth(this.decide(enabled.size));
  }

  pickValue(n: number): number {
    return this.decide(n);
  }
}

/** `dfs` is plain exhaustive depth-first search. */
export const dfs: StrategyDescriptor = {
  name: 'dfs',
  summary: 'every interleaving, depth first, no reduction',
  exhaustive: true,
  options: [],
  split: 'subtrees',
  create: (unit) => new DfsScheduler(unit.prefix),
};
