import type { Scheduler } from '../engine/scheduling.js';
import type { StrategyName } from '../model/define.js';
import { BoundedScheduler } from '../scheduler/bounded.js';
import { DfsScheduler } from '../scheduler/dfs.js';
import { DporScheduler } from '../scheduler/dpor.js';
import { PctScheduler } from '../scheduler/pct.js';
import { RandomScheduler } from '../scheduler/random.js';
import type { SearchOptions } from './options.js';

/** `STRATEGIES` lists the strategies `--strategy` accepts. */
export const STRATEGIES: readonly StrategyName[] = ['dfs', 'dpor', 'random', 'pct', 'bounded'];

/** `isExhaustive` says whether a strategy can explore the whole space (and so prove `clean`). */
export function isExhaustive(strategy: StrategyName): boolean {
  return strategy === 'dfs' || strategy === 'dpor';
}

/** `makeScheduler` builds the scheduler of a whole (single-worker) search. */
export function makeScheduler(strategy: StrategyName, opts: SearchOptions): Scheduler {
  switch (strategy) {
    case 'dfs':
      return new DfsScheduler();
    case 'dpor':
      return new DporScheduler();
    case 'random':
      return new RandomScheduler(opts.seed);
    case 'pct':
      return new PctScheduler(opts.seed, opts.pctDepth);
    case 'bounded':
      return new BoundedScheduler(opts.preemptionBound);
  }
}
