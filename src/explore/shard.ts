import { Execution } from '../engine/execution.js';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import { MODEL_FILE_SETTING, type Target, tokenModel } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import type { StrategyDescriptor, StrategyOptions } from '../scheduler/strategy.js';
import type { SearchResult, StopReason } from './found.js';
import { emptyTally, foldResult, Ledger, type Tally } from './ledger.js';
import type { SearchOptions } from './options.js';
import { Coordinator, reportTally, unitSpecOf } from './parallel.js';
import type { ExplorerPool } from './parallel-pool.js';
import type { UnitResult } from './parallel-unit.js';
import { budgetOf, type SearchHooks, searchResult, strategyOf } from './search.js';
import { type PlanItem, planShards, type Shard, shardOf } from './shard-plan.js';
import { strategyRef } from './strategy-ref.js';

/** `ShardUnit` is the result of one plan position, as the shard that owns it ran it. */
export interface ShardUnit {
  position: number;
  result: UnitResult;
}

/**
 * `ShardRun` is what a merge needs to know of the search a shard belongs to: every shard of one
 * search must agree on it.
 */
export interface ShardRun {
  strategy: string;
  strategyOptions: StrategyOptions;
  seed: string;
  /** executions at most (null: unbounded) */
  budget: number | null;
  maxSteps: number;
  keepGoing: boolean;
  minimize: boolean;
}

/**
 * `ShardPart` is a shard's share of one variant's search, kept in its report so that `pagerace
 * merge` can put the shards back together: the plan's length, and the results of the positions
 * this shard owns, in order (it stops after a position that stops the search).
 */
export interface ShardPart {
  /** the model as a token names it: a bundled model's name, or a model file's own name */
  model: string;
  /** a model file's path relative to the working directory of the check (`tokenModel`) */
  modelFile?: string;
  variant: string;
  /** the settings that size the variant (`param.tasks`, `alloc`), as a token records them */
  settings?: Readonly<Record<string, string>>;
  memoryModel: MemoryModelName;
  index: number;
  count: number;
  /** positions in the plan */
  positions: number;
  run: ShardRun;
  units: ShardUnit[];
  /** the shard's own run time, seconds */
  seconds: number;
  /** how this shard's share ended: `complete` when it ran every position it owns */
  stoppedBy: StopReason;
}

/** `unitOfTally` is a ledger's folded search as one unit result, for a shard's report. */
export function unitOfTally(ledger: Ledger): UnitResult {
  const t = ledger.tally;
  return {
    executions: t.executions,
    steps: t.steps,
    violating: t.violating,
    sightings: [...t.seen.values()].map((x) => ({ ...x.s, count: x.count, first: x.first })),
    rest: null,
    stoppedAtViolation: ledger.stoppedBy === 'violation',
    exhausted: ledger.stoppedBy === 'complete',
    statistics: { ...t.statistics },
    depth: ledger.deepest,
  };
}

/** `shardRunOf` is the search settings a shard records. */
function shardRunOf(target: Target, opts: SearchOptions, budget: number): ShardRun {
  return {
    strategy: strategyRef(opts.strategy ?? target.variant.strategy ?? 'dfs'),
    strategyOptions: opts.strategyOptions,
    seed: opts.seed,
    budget: Number.isFinite(budget) ? budget : null,
    maxSteps: opts.maxSteps,
    keepGoing: opts.keepGoing,
    minimize: opts.minimize,
  };
}

/**
 * `shardSearch` explores shard `shard.index` of `shard.count` of a variant's search: every shard
 * computes the same plan (`planShards`), then explores the positions it owns, in order, each on
 * the explorer pool; shard 0 also owns the executions the planning ran. Its result row folds only
 * its own positions, so it proves nothing alone: it is `unknown` ("shard i/n") unless it found a
 * violation. The result carries the shard's part (`shard`); `pagerace merge` folds every shard's part into the result one search gives.
 */
export async function shardSearch(
  target: Target,
  opts: SearchOptions,
  pool: ExplorerPool,
  shard: Shard,
  hooks: SearchHooks = {},
): Promise<SearchResult> {
  const started = performance.now();
  const exec = new Execution(buildProgram(target), opts.maxSteps);
  const strategy = await strategyOf(target, opts);
  const budget = budgetOf(target, opts, strategy);
  const spec = unitSpecOf(target, opts, { kind: 'whole' }, budget);
  const plan = planShards(spec, strategy, exec, budget, shard.count);
  const units: ShardUnit[] = [];
  const coordinator = new Coordinator(target, opts, pool, hooks, started);
  let stoppedBy: StopReason = 'complete';
  for (let position = 0; position < plan.length && stoppedBy === 'complete'; position++) {
    if (shardOf(plan, position, shard.count) !== shard.index) continue;
    const item = plan[position];
    const r = item.done ?? (await runItem(item, strategy, budget, coordinator));
    if (typeof r === 'string') stoppedBy = r;
    else {
      units.push({ position, result: r });
      if (r.stoppedAtViolation) stoppedBy = 'violation';
    }
  }
  const failed = coordinator.failed();
  const tally = foldUnits(units.map((u) => u.result));
  const result = searchResult(
    target,
    strategy,
    reportTally(target, exec, opts, tally),
    {
      kernel: exec.program.kernel === true,
      executions: tally.executions,
      pruned: tally.statistics.pruned ?? 0,
      violatingExecutions: tally.violating,
      steps: tally.steps,
      seconds: (performance.now() - started) / 1000,
      stoppedBy: stoppedBy === 'complete' ? 'shard' : stoppedBy,
      budget,
      shard: `${shard.index}/${shard.count}`,
      ...(failed === null ? {} : { failure: failed }),
    },
    opts,
  );
  const named = tokenModel(target.model);
  const file = named.settings?.[MODEL_FILE_SETTING];
  const part: ShardPart = {
    model: named.model,
    ...(file === undefined ? {} : { modelFile: file }),
    variant: target.variantName,
    settings: target.settings,
    memoryModel: target.memoryModel,
    index: shard.index,
    count: shard.count,
    positions: plan.length,
    run: shardRunOf(target, opts, budget),
    units,
    seconds: result.seconds,
    stoppedBy,
  };
  return { ...result, shard: part };
}

/** runs one plan item on the pool; a stop reason when the search was cut short (time, Ctrl-C) */
async function runItem(
  item: PlanItem,
  strategy: StrategyDescriptor,
  budget: number,
  coordinator: Coordinator,
): Promise<UnitResult | StopReason> {
  const ledger = new Ledger(strategy, budget, [item.work!], (n) => coordinator.ask(n));
  await coordinator.drive(ledger);
  const stop = ledger.stoppedBy;
  if (stop === 'time' || stop === 'interrupted') return stop;
  return unitOfTally(ledger);
}

/** `foldUnits` folds unit results, in order, into one tally. */
export function foldUnits(results: readonly UnitResult[]): Tally {
  const t = emptyTally();
  for (const r of results) foldResult(t, r);
  return t;
}
