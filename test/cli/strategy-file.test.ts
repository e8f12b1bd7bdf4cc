import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/json.js';
import { pagerace } from '../helpers/cli.js';

const TOY = 'test/fixtures/strategies/reverse-dfs.ts';

describe('a strategy is one file (docs/ARCHITECTURE.md, "add a strategy")', () => {
  it.each([
    1, 2,
  ])('reverse-dfs from its file explores lost-update:buggy exhaustively on %i explorer worker(s)', (workers) => {
    const r = pagerace([
      'check',
      'lost-update:buggy',
      '--strategy',
      TOY,
      '--keep-going',
      '--workers',
      String(workers),
      '--json',
      '--no-out',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [res] = (JSON.parse(r.stdout) as Report).results;
    expect(res).toMatchObject({
      strategy: 'reverse-dfs',
      verdict: 'violation',
      complete: true,
      executions: 6,
      violatingExecutions: 4,
      matches: true,
    });
  });

  it('a strategy file without a descriptor is one line and exit 2', () => {
    const r = pagerace(['check', 'lost-update:buggy', '--strategy', 'test/fixtures/models/no-default.ts']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'pagerace: strategy file test/fixtures/models/no-default.ts: its default export must be a StrategyDescriptor',
    );
  });
});
