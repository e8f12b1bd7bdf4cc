import { DEFAULT_MAX_STEPS } from '../engine/execution.js';
import type { StrategyName } from '../model/define.js';

/**
 * `SearchOptions` configures one search. Each setting has a command-line flag and an environment
 * variable (read by the CLI, flag wins): PAGERACE_EXECUTOR, PAGERACE_WORKERS, PAGERACE_STRATEGY, PAGERACE_SEED, PAGERACE_BUDGET,
 * PAGERACE_TIME, PAGERACE_MAX_STEPS, PAGERACE_PCT_DEPTH, PAGERACE_PREEMPTIONS.
 */
export interface SearchOptions {
  /** the strategy; undefined takes the variant's own (`Variant.strategy`), else dfs */
  strategy?: StrategyName;
  /** seed of random and pct: execution i is seeded by `${seed}:${i}` */
  seed: string;
  /** executions to run at most; Infinity runs until the space is explored */
  budget: number;
  /** wall-clock limit in milliseconds; Infinity for none */
  timeMs: number;
  /** steps one execution may take (`step-limit` beyond) */
  maxSteps: number;
  /** report every distinct violation instead of stopping at the first */
  keepGoing: boolean;
  /** PCT bug depth */
  pctDepth: number;
  /** preemption bound of the `bounded` strategy */
  preemptionBound: number;
  /** minimize each violation's interleaving before reporting it */
  minimize: boolean;
  /** where the executions run: `inline` (all CPUs in one thread) or `threads` (one worker per
   * CPU behind an Atomics turnstile; a search then runs on one explorer, the CLI's thread) */
  executor?: 'inline' | 'threads';
}

/** `RANDOM_BUDGET` is the default number of executions of random and pct searches. */
export const RANDOM_BUDGET = 10_000;

/** `defaultSearchOptions` is what `pagerace check` uses when nothing is said. */
export function defaultSearchOptions(): SearchOptions {
  return {
    seed: '0',
    budget: Number.POSITIVE_INFINITY,
    timeMs: Number.POSITIVE_INFINITY,
    maxSteps: DEFAULT_MAX_STEPS,
    keepGoing: false,
    pctDepth: 3,
    preemptionBound: 2,
    minimize: true,
  };
}
