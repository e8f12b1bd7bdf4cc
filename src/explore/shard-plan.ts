import type { Execution } from '../engine/execution.js';
import type { StrategyDescriptor } from '../scheduler/strategy.js';
import { RANGE_CHUNK } from './ledger.js';
import { runUnit, type UnitResult, type UnitSpec, type Work } from './parallel-unit.js';

/** `Shard` is one of `count` shares of a search: `--shard index/count`, index from 0. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * `PlanItem` is one position of a sharded search's plan, in the sequential search order: work
 * that one shard explores, or an execution the planning itself ran (`done`).
 */
export type PlanItem = { work: Work; done: null } | { work: null; done: UnitResult };

/** `ITEMS_PER_SHARD`: the plan cuts the search into about this many items per shard, for balance. */
export const ITEMS_PER_SHARD = 4;

/** `shardOf` is the shard that owns plan position `position` (planning executions belong to shard 0). */
export function shardOf(plan: readonly PlanItem[], position: number, count: number): number {
  let w = 0;
  for (let i = 0; i < position; i++) if (plan[i].work) w++;
  return plan[position].work ? w % count : 0;
}

function subtreeItem(prefix: number[]): PlanItem {
  return { work: { kind: 'dfs', prefixes: [prefix] }, done: null };
}

/**
 * `planSubtrees` cuts a `subtrees` search into at least `want` subtrees, deterministically: it
 * runs the first execution of the largest subtree left (the one below the shortest prefix, the
 * first of them in the order) and puts that execution, then the rest of the subtree as the
 * prefixes of its frontier, where the subtree was. The plan is the sequential order, so folding
 * its items' results in order gives the sequential search. A violation that stops the search
 * (without keep-going) ends the plan there.
 */
function planSubtrees(spec: UnitSpec, desc: StrategyDescriptor, exec: Execution, want: number): PlanItem[] {
  const items: PlanItem[] = [subtreeItem([])];
  let executions = 0;
  for (;;) {
    let k = -1;
    let works = 0;
    for (let i = 0; i < items.length; i++) {
      const w = items[i].work;
      if (w?.kind !== 'dfs') continue;
      works++;
      const kw = k < 0 ? null : items[k].work;
      if (k < 0 || (kw?.kind === 'dfs' && w.prefixes[0].length < kw.prefixes[0].length)) k = i;
    }
    if (k < 0 || works >= want || executions >= spec.maxExecutions) return items;
    const w = items[k].work!;
    const r = runUnit({ ...spec, work: w, maxExecutions: 1, sliceMs: 0 }, desc, exec, { ctl: null, slot: 0 });
    executions += r.executions;
    const rest = r.rest?.kind === 'dfs' ? r.rest.prefixes.map(subtreeItem) : [];
    items.splice(k, 1, { work: null, done: { ...r, rest: null } }, ...rest);
    if (r.stoppedAtViolation) {
      items.length = k + 1;
      return items;
    }
  }
}

/** `planRange` cuts executions 0..budget-1 into pieces (of whole chunks for a `chunks` strategy). */
function planRange(desc: StrategyDescriptor, budget: number, want: number): PlanItem[] {
  const unit = desc.split === 'chunks' ? (desc.chunk ?? RANGE_CHUNK) : 1;
  const units = Math.ceil(budget / unit);
  const pieces = Math.max(1, Math.min(want, units));
  const items: PlanItem[] = [];
  for (let i = 0; i < pieces; i++) {
    const first = Math.min(budget, Math.floor((units * i) / pieces) * unit);
    const end = Math.min(budget, Math.floor((units * (i + 1)) / pieces) * unit);
    if (end > first) items.push({ work: { kind: 'range', first, end }, done: null });
  }
  return items;
}

/**
 * `planShards` is the plan of a search cut into shards: the same for every shard and for the
 * merge, since it depends only on the model, the strategy, its options, the seed, the budget and
 * the number of shards. A strategy whose state does not split (`whole`) is one item: shard 0
 * runs it all.
 */
export function planShards(
  spec: UnitSpec,
  desc: StrategyDescriptor,
  exec: Execution,
  budget: number,
  count: number,
): PlanItem[] {
  const want = ITEMS_PER_SHARD * count;
  if (desc.split === 'subtrees') return planSubtrees({ ...spec, maxExecutions: budget }, desc, exec, want);
  if (desc.split === 'range' || desc.split === 'chunks') return planRange(desc, budget, want);
  return [{ work: { kind: 'whole' }, done: null }];
}
