import { describe, expect, it } from 'vitest';
import { Ledger, mergeResults } from '../../src/explore/ledger.js';
import type { UnitResult, UnitSighting } from '../../src/explore/parallel-unit.js';
import { dfs } from '../../src/scheduler/dfs.js';

function sighting(key: string, count: number, first: number): UnitSighting {
  return {
    key,
    kind: 'assertion',
    message: key,
    headline: [],
    cpu: 0,
    kernelStack: [],
    detail: '',
    choices: [0],
    preemptions: 0,
    count,
    first,
  };
}

function result(executions: number, sightings: UnitSighting[], rest: UnitResult['rest'] = null): UnitResult {
  return {
    executions,
    steps: 10 * executions,
    violating: sightings.reduce((a, s) => a + s.count, 0),
    sightings,
    rest,
    stoppedAtViolation: false,
    exhausted: false,
    depth: 0,
    statistics: { pruned: 1 },
  };
}

describe('Ledger: settled units behind a running one (a search without a budget)', () => {
  it('mergeResults is running one result then the other: counts add, a new sighting is placed after the first', () => {
    const m = mergeResults(
      result(5, [sighting('a', 2, 1)]),
      result(7, [sighting('a', 1, 0), sighting('b', 3, 4)]),
    );
    expect(m.executions).toBe(12);
    expect(m.steps).toBe(120);
    expect(m.violating).toBe(6);
    expect(m.statistics).toEqual({ pruned: 2 });
    expect(m.sightings.map((s) => [s.key, s.count, s.first])).toEqual([
      ['a', 3, 1],
      ['b', 3, 9],
    ]);
  });

  it('merges the settled nodes behind the head into one and folds them as it would have folded each', () => {
    const ledger = new Ledger(
      dfs,
      Number.POSITIVE_INFINITY,
      [{ kind: 'dfs', prefixes: [[0], [1], [2], [3]] }],
      () => {},
    );
    const [root] = ledger.nodes;
    ledger.take(root);
    // the root unit yields at once and hands back its four subtrees, cut in four pieces
    ledger.settle(root, result(1, [], { kind: 'dfs', prefixes: [[0], [1], [2], [3]] }), 4);
    ledger.fold();
    expect(ledger.nodes.map((n) => n.state)).toEqual(['queued', 'queued', 'queued', 'queued']);
    const [a, b, c, d] = ledger.nodes;
    for (const n of [a, b, c, d]) ledger.take(n);
    // b, c, d settle while a still runs: they become one node that holds no prefixes
    ledger.settle(c, result(20, [sighting('x', 1, 3)]), 1);
    ledger.settle(b, result(10, [sighting('x', 2, 5)]), 1);
    ledger.settle(d, result(30, [sighting('y', 1, 0)]), 1);
    expect(ledger.nodes).toHaveLength(2);
    expect(ledger.nodes[1].result?.executions).toBe(60);
    expect(ledger.nodes[1].work).toEqual({ kind: 'dfs', prefixes: [] });
    ledger.settle(a, result(4, []), 1);
    ledger.fold();
    expect(ledger.tally.executions).toBe(65);
    expect([...ledger.tally.seen.entries()].map(([k, s]) => [k, s.count, s.first])).toEqual([
      ['x', 3, 10],
      ['y', 1, 35],
    ]);
    expect(ledger.stoppedBy).toBe('complete');
  });
});
