import { availableParallelism } from 'node:os';
import { DEFAULT_MAX_STEPS } from '../engine/driver.js';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import type { StrategyOptions } from '../scheduler/strategy.js';
import type { Shard } from './shard-plan.js';

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
  /** seed of random and pct: execution i is seeded by the seed's hash and i (scheduler/seeded-rng.ts) */
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
  /** how long a search may go without finishing an execution before it is given up (PAGERACE_STALL) */
  stallMs?: number;
  /** `--shard i/n`: explore only this shard's share of each search (`pagerace merge` joins them) */
  shard?: Shard;
}

// The defaults of the settings that are not a strategy's (those are in the strategy's
// descriptor, src/scheduler/), in one place: the CLI's help text reads them from here.

/** `DEFAULT_SEED` is `--seed` when not given (PAGERACE_SEED). */
export const DEFAULT_SEED = '0';
/** `DEFAULT_OUT` is where run folders go (`--out`). */
export const DEFAULT_OUT = 'results';
/** `MAX_WORKERS` bounds --workers: more explorer threads than this only costs memory. */
export const MAX_WORKERS = 256;
/**
 * `DEFAULT_STALL_MS` is how long a search may go without finishing an execution before it is
 * given up (PAGERACE_STALL): one execution of a bundled model takes well under a second, so ten
 * seconds without one means a CPU program loops without yielding.
 */
export const DEFAULT_STALL_MS = 10_000;
/** `DEFAULT_SOAK_MS`: soak's `--duration` when not given (PAGERACE_SOAK_DURATION). */
export const DEFAULT_SOAK_MS = 60_000;
/** `MAX_SOAK_CPUS` bounds soak's `--cpus` (PAGERACE_SOAK_CPUS). */
export const MAX_SOAK_CPUS = 1024;
export { DEFAULT_MAX_STEPS };

/** `defaultWorkers` is `--workers` when not given (PAGERACE_WORKERS): one per core. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/** `defaultSearchOptions` is what `pagerace check` uses when nothing is said. */
export function defaultSearchOptions(): SearchOptions {
  return {
    strategyOptions: {},
    seed: DEFAULT_SEED,
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

/** `formatLimit` prints a time limit the way it is typed: 500ms, 3s, 1.5s, 10m, 2h. */
export function formatLimit(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(3))}s`;
  return `${Number(ms.toFixed(3))}ms`;
}

/** `stallMessage` is how a search given up by the stall watchdog is reported. */
export function stallMessage(label: string, ms: number): string {
  return `${label} finished no execution in ${formatLimit(ms)}: a CPU program probably loops without yielding (every shared access must be a yield of an operation; PAGERACE_STALL sets the limit)`;
}
