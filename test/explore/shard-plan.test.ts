import { describe, expect, it } from 'vitest';
import { Execution } from '../../src/engine/execution.js';
import { emptyTally, foldResult, type Tally } from '../../src/explore/ledger.js';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { unitSpecOf } from '../../src/explore/parallel.js';
import { runUnit } from '../../src/explore/parallel-unit.js';
import { planShards, shardOf } from '../../src/explore/shard-plan.js';
import { buildProgram, loadTarget } from '../../src/model/target.js';
import { bundledStrategy } from '../../src/scheduler/registry.js';

const NO_CONTROL = { ctl: null, slot: 0 };

/** a tally's counts and, per distinct violation, how often and first where it was seen */
function summary(t: Tally) {
  return {
    executions: t.executions,
    steps: t.steps,
    violating: t.violating,
    seen: [...t.seen.values()].map((x) => [x.s.key, x.count, x.first, x.s.choices.join(',')]),
  };
}

/**
 * the search of `model:variant` under `strategy` in one unit, and the same search as the plan of
 * `count` shards, every position run on its own and folded in plan order
 */
async function both(
  model: string,
  variant: string,
  strategy: string,
  count: number,
  keepGoing: boolean,
  budget = Number.POSITIVE_INFINITY,
) {
  const target = await loadTarget({ model, variant, settings: {} });
  const desc = bundledStrategy(strategy)!;
  const opts = { ...defaultSearchOptions(), strategy, keepGoing, seed: '9' };
  const exec = new Execution(buildProgram(target), opts.maxSteps);
  const whole = emptyTally();
  const first =
    desc.split === 'subtrees'
      ? { kind: 'dfs' as const, prefixes: [[]] }
      : { kind: 'range' as const, first: 0, end: budget };
  foldResult(
    whole,
    runUnit({ ...unitSpecOf(target, opts, first, budget), sliceMs: 0 }, desc, exec, NO_CONTROL),
  );
  const spec = unitSpecOf(target, opts, { kind: 'whole' }, budget);
  const plan = planShards(spec, desc, exec, budget, count);
  const sharded = emptyTally();
  const owners = new Set<number>();
  for (let p = 0; p < plan.length; p++) {
    owners.add(shardOf(plan, p, count));
    const item = plan[p];
    const r = item.done ?? runUnit({ ...spec, work: item.work!, sliceMs: 0 }, desc, exec, NO_CONTROL);
    foldResult(sharded, r);
    if (r.stoppedAtViolation) break;
  }
  return { whole: summary(whole), sharded: summary(sharded), positions: plan.length, owners: owners.size };
}

describe('planShards: folding the plan in order is the one search', () => {
  // at 5 shards (20 positions wanted) the planning runs all of the 36-execution tree itself:
  // every execution is a planning one, shard 0's
  it.each([
    [1, 1],
    [2, 2],
    [3, 3],
    [5, 1],
  ])('peterson:correct, DFS, %i shards: the same 36 executions and steps, on %i shards', async (n, owners) => {
    const r = await both('peterson', 'correct', 'dfs', n, false);
    expect(r.sharded).toEqual(r.whole);
    expect(r.whole.executions).toBe(36);
    expect(r.owners).toBe(owners);
  });

  it.each([
    2, 4,
  ])('peterson:check-then-raise, DFS with keep-going, %i shards: the same sightings, counts and first executions', async (n) => {
    const r = await both('peterson', 'check-then-raise', 'dfs', n, true);
    expect(r.sharded).toEqual(r.whole);
    expect(r.whole.seen.length).toBeGreaterThan(0);
  });

  it('lost-update:buggy, DFS stopping at its violation: the plan ends at the violating position', async () => {
    const r = await both('lost-update', 'buggy', 'dfs', 3, false);
    expect(r.sharded).toEqual(r.whole);
    expect(r.whole.executions).toBe(2);
  });

  it.each([
    ['random', 3],
    ['pct', 2],
  ])('lost-update:buggy, %s over 300 executions, %i shards: the same violating executions', async (strategy, n) => {
    const r = await both('lost-update', 'buggy', strategy as string, n as number, true, 300);
    expect(r.sharded).toEqual(r.whole);
    expect(r.positions).toBe(4 * (n as number));
    expect(r.whole.executions).toBe(300);
  });
});
