import type { Scheduler } from '../engine/scheduling.js';

/**
 * `StrategyOption` is one setting of a strategy, as the command line offers it: `--<key> <arg>`,
 * also read from `env`, a whole number of at least `min`, `fallback` when not given.
 */
export interface StrategyOption {
  /** the flag without its dashes (`pct-depth`); also the key in `StrategyOptions` */
  readonly key: string;
  readonly arg: string;
  readonly env: string;
  readonly help: string;
  readonly fallback: number;
  readonly min: number;
}

/** `StrategyOptions` are the strategy settings a user gave, by option key. */
export type StrategyOptions = Readonly<Record<string, number>>;

/**
 * `StrategyUnit` is the unit of work a scheduler is created for: the whole search, a DFS subtree
 * (`prefix`), or a range of executions (`first..end-1`, each seeded by its index).
 */
export interface StrategyUnit {
  readonly seed: string;
  readonly options: StrategyOptions;
  readonly prefix: readonly number[];
  readonly first: number;
  readonly end: number;
}

/**
 * `SubtreeScheduler` is a scheduler whose remaining work can be handed back as the prefixes of
 * the subtrees it has not explored yet (`CountedTree.frontier`).
 */
export interface SubtreeScheduler extends Scheduler {
  frontier(): number[][];
}

/**
 * How a strategy's work splits across explorer workers and shards:
 * - `subtrees`: its schedulers explore the subtree below a prefix and hand back a frontier;
 * - `range`: execution i depends only on the seed and i, so any range runs anywhere;
 * - `chunks`: ranges of `chunk` executions that must each run whole (a unit learns as it goes);
 * - `whole`: one scheduler explores everything (its state does not split).
 */
export type StrategySplit = 'subtrees' | 'range' | 'chunks' | 'whole';

/**
 * `StrategyDescriptor` is everything pagerace knows of a search strategy, in the strategy's own
 * file: adding a strategy is that file plus one line in `registry.ts` (or a file given to
 * `--strategy ./mine.ts`). The CLI's flags and help, the split of work across workers, and what
 * a finished search proves all come from here.
 */
export interface StrategyDescriptor {
  readonly name: string;
  /** one line for `--help` and the README */
  readonly summary: string;
  /** a search that runs out of executions explored the whole space: it can prove `clean` */
  readonly exhaustive: boolean;
  readonly options: readonly StrategyOption[];
  readonly split: StrategySplit;
  /** `chunks`: the executions of one unit */
  readonly chunk?: number;
  /** executions to run when no `--budget` is given; unbounded when absent */
  readonly defaultBudget?: number;
  /**
   * `underWeakMemory` names the bundled strategy that runs in this one's place under a memory
   * model with store buffers (tso, arm64), for a strategy that does not handle their flusher
   * agents; absent when it handles them
   */
  readonly underWeakMemory?: string;
  /** `create` makes the scheduler of one unit of work */
  create(unit: StrategyUnit): Scheduler;
}

/** `optionValue` is option `key` of `desc` as the user set it, else its fallback. */
export function optionValue(desc: StrategyDescriptor, options: StrategyOptions, key: string): number {
  const o = desc.options.find((x) => x.key === key);
  if (!o) throw new RangeError(`strategy ${desc.name} has no option ${key}`);
  return options[key] ?? o.fallback;
}

/** `wholeUnit` is the unit of a search that is not split. */
export function wholeUnit(seed: string, options: StrategyOptions): StrategyUnit {
  return { seed, options, prefix: [], first: 0, end: Number.POSITIVE_INFINITY };
}

/** `addStatistics` adds a scheduler's counters (`pruned`, ...) into `into`. */
export function addStatistics(into: Record<string, number>, sched: Scheduler): void {
  const stats = sched.statistics?.();
  if (!stats) return;
  for (const [k, v] of Object.entries(stats)) into[k] = (into[k] ?? 0) + v;
}
