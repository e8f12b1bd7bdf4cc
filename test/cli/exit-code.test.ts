import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/check.js';
import type { Conclusion, SearchResult } from '../../src/explore/found.js';
import { formatLimit } from '../../src/explore/options.js';

function result(conclusion: Conclusion, extra: Partial<SearchResult> = {}): SearchResult {
  return {
    model: 'm',
    variant: 'v',
    settings: {},
    kernel: false,
    memoryModel: 'sc',
    expect: 'clean',
    expectKind: null,
    verdict: 'clean',
    complete: true,
    strategy: 'dfs',
    executions: 1,
    pruned: 0,
    violatingExecutions: 0,
    steps: 1,
    seconds: 0,
    stoppedBy: 'complete',
    violations: [],
    matches: conclusion === 'ok' || conclusion === 'inconclusive',
    conclusion,
    reason: null,
    commits: {},
    ...extra,
  };
}

describe('exitCodeOf: the README exit-code table', () => {
  const ok = result('ok');
  const unknown = result('inconclusive', { verdict: 'unknown', reason: 'time limit 3s' });
  const mismatch = result('mismatch');
  const modelError = result('not run', { verdict: 'not run', reason: 'model error', error: 'boom' });
  const notRun = result('not run', { verdict: 'not run', reason: 'interrupted' });

  it.each([
    ['every variant proven', [ok, ok], 0],
    ['an inconclusive variant', [ok, unknown], 3],
    ['a variant not run', [ok, notRun], 3],
    ['a mismatch outranks inconclusive', [unknown, mismatch], 1],
    ['a model error outranks a mismatch', [mismatch, modelError], 2],
  ] as const)('%s: %j', (_, results, code) => {
    expect(exitCodeOf(results)).toBe(code);
  });

  it('failed workers: 2; a signal outranks everything: 130 (SIGINT), 143 (SIGTERM)', () => {
    expect(exitCodeOf([ok], { signal: null, failed: true })).toBe(2);
    expect(exitCodeOf([modelError], { signal: 'SIGINT', failed: true })).toBe(130);
    expect(exitCodeOf([ok], { signal: 'SIGTERM', failed: false })).toBe(143);
  });
});

describe('formatLimit prints a limit the way it is typed', () => {
  it.each([
    [500, '500ms'],
    [3000, '3s'],
    [1500, '1.5s'],
    [600_000, '10m'],
    [90_000, '90s'],
    [7_200_000, '2h'],
  ])('%i ms: %s', (ms, text) => {
    expect(formatLimit(ms)).toBe(text);
  });
});
