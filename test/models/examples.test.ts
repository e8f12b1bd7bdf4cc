import { describe, expect, it } from 'vitest';
import { defaultSearchOptions, type SearchOptions } from '../../src/explore/options.js';
import { search } from '../../src/explore/search.js';
import type { StrategyName } from '../../src/model/define.js';
import { loadModel, selectVariants } from '../../src/model/load.js';

async function check(spec: string, strategy: StrategyName, more: Partial<SearchOptions> = {}) {
  const [name, variant] = spec.split(':');
  const [target] = selectVariants(await loadModel(name), variant);
  return search(target, { ...defaultSearchOptions(), strategy, keepGoing: true, ...more });
}

// The textbook programs, with exact counts: plain DFS counts interleavings, DPOR counts
// Mazurkiewicz traces (orders of dependent operations).
describe('models/examples', () => {
  it.each([
    ['lost-update:buggy', 'dfs', 6, 4, 'violation'],
    ['lost-update:buggy', 'dpor', 4, 2, 'violation'],
    ['lost-update:fixed', 'dfs', 6, 0, 'clean'],
    ['lost-update:locked', 'dfs', 2, 0, 'clean'],
    ['lock-order:buggy', 'dfs', 6, 2, 'violation'],
    ['lock-order:buggy', 'dpor', 3, 1, 'violation'],
    ['lock-order:fixed', 'dfs', 2, 0, 'clean'],
    ['peterson:correct', 'dfs', 36, 0, 'clean'],
    ['peterson:correct', 'dpor', 4, 0, 'clean'],
    ['peterson:check-then-raise', 'dfs', 362, 16, 'violation'],
  ] as const)('%s under %s: %i executions, %i violating, %s', async (spec, strategy, executions, violating, verdict) => {
    const r = await check(spec, strategy);
    expect(r).toMatchObject({
      executions,
      violatingExecutions: violating,
      verdict,
      complete: true,
      matches: true,
    });
  });

  it('lost-update:buggy reports its bug once, minimized to one preemption', async () => {
    const r = await check('lost-update:buggy', 'dfs');
    expect(r.violations.map((v) => [v.kind, v.message, v.count, v.preemptions])).toEqual([
      ['assertion', 'counter is 1 after two increments, expected 2', 4, 1],
    ]);
  });

  it('lock-order:buggy names both waiters and holders', async () => {
    const r = await check('lock-order:buggy', 'dpor');
    expect(r.violations[0].message).toBe(
      'cpu0 A waits in take_a_then_b for lock_b held by cpu1 B; cpu1 B waits in take_b_then_a for lock_a held by cpu0 A',
    );
  });

  it('random search with seed 1 finds lost-update:buggy at the same execution every time', async () => {
    const a = await check('lost-update:buggy', 'random', { seed: '1', budget: 20, keepGoing: false });
    const b = await check('lost-update:buggy', 'random', { seed: '1', budget: 20, keepGoing: false });
    expect(a.violations[0].firstExecution).toBe(b.violations[0].firstExecution);
    expect(a.violations[0].token).toBe(b.violations[0].token);
    expect(a.executions).toBe(a.violations[0].firstExecution + 1);
  });

  it('pct finds the ABBA deadlock', async () => {
    const r = await check('lock-order:buggy', 'pct', { seed: '3', budget: 200, keepGoing: false });
    expect(r.verdict).toBe('violation');
    expect(r.violations[0].kind).toBe('deadlock');
  });

  it('bounded search explores its bound, which is no proof of clean', async () => {
    const fixed = await check('lost-update:fixed', 'bounded', { strategyOptions: { preemptions: 1 } });
    expect(fixed).toMatchObject({
      executions: 4,
      verdict: 'unknown',
      complete: false,
      stoppedBy: 'bound',
      matches: true,
    });
    const buggy = await check('lost-update:buggy', 'bounded', { strategyOptions: { preemptions: 1 } });
    expect(buggy).toMatchObject({
      executions: 4,
      violatingExecutions: 2,
      verdict: 'violation',
      stoppedBy: 'bound',
    });
  });
});
