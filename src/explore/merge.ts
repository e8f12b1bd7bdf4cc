import { isDeepStrictEqual } from 'node:util';
import { Execution } from '../engine/execution.js';
import { ModelError, type Target } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import type { SearchResult, StopReason } from './found.js';
import { emptyTally, foldResult } from './ledger.js';
import { defaultSearchOptions, type SearchOptions } from './options.js';
import { reportTally, unitSpecOf } from './parallel.js';
import { runUnit } from './parallel-unit.js';
import { budgetOf, searchResult, strategyOf } from './search.js';
import type { ShardPart } from './shard.js';
import { planShards } from './shard-plan.js';

/** `shardOptions` are the search options every shard of a search ran with. */
export function shardOptions(part: ShardPart): SearchOptions {
  const r = part.run;
  return {
    ...defaultSearchOptions(),
    strategy: r.strategy,
    strategyOptions: r.strategyOptions,
    seed: r.seed,
    budget: r.budget ?? Number.POSITIVE_INFINITY,
    maxSteps: r.maxSteps,
    keepGoing: r.keepGoing,
    minimize: r.minimize,
  };
}

/** `partsProblem` says why `parts` are not the whole set of shards of one search, or null. */
export function partsProblem(name: string, parts: readonly ShardPart[]): string | null {
  if (parts.length === 0) return `${name}: no shard reports`;
  const count = parts[0].count;
  const seen = new Set<number>();
  for (const p of parts) {
    if (p.count !== count) return `${name}: the reports are shards of ${count} and of ${p.count}`;
    if (!isDeepStrictEqual(p.run, parts[0].run) || p.positions !== parts[0].positions)
      return `${name}: shard ${p.index}/${count} ran with other settings than shard ${parts[0].index}/${count}`;
    if (seen.has(p.index)) return `${name}: shard ${p.index}/${count} is there twice`;
    seen.add(p.index);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length)
    return `${name}: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing`;
  return null;
}

/**
 * `mergeShards` puts a sharded search back together: it folds the shards' positions in the
 * plan's order, stopping where one search would have stopped (the first violation without
 * keep-going, the budget), so executions, steps, counts and the first sighting of each bug are
 * those of one search, however the work was split. The plan is computed again (it is
 * deterministic); the one position that runs past the budget is run again here, capped. A
 * position that a shard did not reach (its time ran out, it was interrupted) ends the merged
 * search with that reason.
 */
export async function mergeShards(target: Target, parts: readonly ShardPart[]): Promise<SearchResult> {
  const started = performance.now();
  const name = `${target.model.def.name}:${target.variantName}`;
  const problem = partsProblem(name, parts);
  if (problem) throw new ModelError(problem);
  const opts = shardOptions(parts[0]);
  const exec = new Execution(buildProgram(target), opts.maxSteps);
  const strategy = await strategyOf(target, opts);
  const budget = budgetOf(target, opts, strategy);
  const spec = unitSpecOf(target, opts, { kind: 'whole' }, budget);
  const plan = planShards(spec, strategy, exec, budget, parts[0].count);
  if (plan.length !== parts[0].positions)
    throw new ModelError(
      `${name}: the shards planned ${parts[0].positions} positions, this model plans ${plan.length}: is it the same version?`,
    );
  const results = new Map<number, (typeof parts)[number]['units'][number]['result']>();
  for (const p of parts) for (const u of p.units) results.set(u.position, u.result);
  const cut = parts.find((p) => p.stoppedBy === 'time' || p.stoppedBy === 'interrupted')?.stoppedBy;
  const tally = emptyTally();
  let stoppedBy: StopReason | null = null;
  for (let position = 0; position < plan.length && stoppedBy === null; position++) {
    let r = results.get(position);
    if (!r) {
      stoppedBy = cut ?? 'interrupted';
      break;
    }
    if (tally.executions + r.executions > budget) {
      // one search stops inside this position: run it again up to the budget
      const left = budget - tally.executions;
      const work = plan[position].work;
      if (!work) throw new ModelError(`${name}: a planning execution ran past the budget`);
      r = runUnit({ ...spec, work, maxExecutions: left, sliceMs: 0 }, strategy, exec, { ctl: null, slot: 0 });
    }
    foldResult(tally, r);
    if (r.stoppedAtViolation) stoppedBy = 'violation';
    else if (tally.executions >= budget) stoppedBy = 'budget';
    else if (plan[position].work?.kind === 'whole') stoppedBy = r.exhausted ? 'complete' : 'budget';
  }
  stoppedBy ??= strategy.split === 'subtrees' ? 'complete' : 'budget';
  return searchResult(
    target,
    strategy,
    reportTally(target, exec, opts, tally),
    {
      kernel: exec.program.kernel === true,
      executions: tally.executions,
      pruned: tally.statistics.pruned ?? 0,
      violatingExecutions: tally.violating,
      steps: tally.steps,
      // the sharded run's wall time, had its shards run side by side, plus the merge's own
      seconds: Math.max(...parts.map((p) => p.seconds)) + (performance.now() - started) / 1000,
      stoppedBy,
      budget,
    },
    opts,
  );
}
