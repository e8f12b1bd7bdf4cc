import { DEFAULT_MAX_STEPS } from '../engine/driver.js';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import type { StrategyOptions } from '../scheduler/strategy.js';

/**
 * `SearchOptions` configures one search. Each setting has a command-line flag and an environment
 * variable (read by the CLI, flag wins): PAGERACE_EXECUTOR, PAGERACE_WORKERS, PAGERACE_STRATEGY,
 * PAGERACE_SEED, PAGERACE_BUDGET, PAGERACE_TIME, PAGERACE_MAX_STEPS, PAGERACE_MEMORY_MODEL, and each strategy option's
 * own (PAGERACE_PCT_DEPTH, PAGERACE_PREEMPTIONS: see the strategy's descriptor).
 */
export interface SearchOptions {
  /** the strategy, a bundled name or a strategy file; undefined takes the variant's own, else dfs */
  strategy?: string;
  /** the strategy options the user set, by key (`pct-depth`); the descriptor supplies the rest */
  strategyOptions: StrategyOptions;
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
  /** minimize each violation's interleaving before reporting it */
  minimize: boolean;
  /** where the executions run: `inline` (all CPUs in one thread) or `threads` (one worker per
   * CPU behind an Atomics turnstile; a search then runs on one explorer, the CLI's thread) */
  executor?: 'inline' | 'threads';
  /** the memory model every variant runs under; undefined: each variant's own, and those its expectations name */
  memoryModel?: MemoryModelName;
}

/** `defaultSearchOptions` is what `pagerace check` uses when nothing is said. */
export function defaultSearchOptions(): SearchOptions {
  return {
    strategyOptions: {},
    seed: '0',
    budget: Number.POSITIVE_INFINITY,
    timeMs: Number.POSITIVE_INFINITY,
    maxSteps: DEFAULT_MAX_STEPS,
    keepGoing: false,
    minimize: true,
  };
}

/**
 * `SLICE_MS` is how long a search runs before it looks up: the in-thread search yields to the
 * event loop (progress, signals), and a unit of parallel exploration returns its remaining work
 * (so progress and work splitting flow).
 */
export const SLICE_MS = 200;
