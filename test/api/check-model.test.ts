import { describe, expect, it } from 'vitest';
import lostUpdate from '../../models/examples/lost-update.js';
import { checkModel } from '../../src/index.js';
import type { Report } from '../../src/report/json.js';
import { pagerace } from '../helpers/cli.js';

/** a report without its timings, the only thing that differs from run to run */
function untimed(r: Report): Report {
  return { ...r, results: r.results.map((x) => ({ ...x, seconds: 0 })) };
}

function cli(args: string[]): Report {
  const r = pagerace(['check', ...args, '--json', '--no-out']);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Report;
}

describe("checkModel: the CLI's JSON report, from a function", () => {
  it('lost-update by definition equals `pagerace check lost-update --json`, traces and tokens included', async () => {
    const api = await checkModel(lostUpdate);
    expect(api.results.map((r) => `${r.variant} ${r.verdict} ${r.executions}`)).toEqual([
      'buggy violation 2',
      'fixed clean 6',
      'locked clean 2',
    ]);
    expect(untimed(api)).toEqual(untimed(cli(['lost-update'])));
  });

  it('by name and variant, with the strategy and keep-going: equals the CLI with the same flags', async () => {
    const api = await checkModel('peterson:check-then-raise', { strategy: 'dpor', keepGoing: true });
    expect(untimed(api)).toEqual(
      untimed(cli(['peterson:check-then-raise', '--strategy', 'dpor', '--keep-going'])),
    );
  });

  it('pct on two explorer workers equals the CLI on two workers (pct chunks its work on workers)', async () => {
    const opts = { variant: 'buggy', strategy: 'pct', budget: 1500, keepGoing: true, workers: 2 };
    const api = await checkModel('lost-update', opts);
    const args = [
      'lost-update:buggy',
      '--strategy',
      'pct',
      '--budget',
      '1500',
      '--keep-going',
      '--workers',
      '2',
    ];
    expect(untimed(api)).toEqual(untimed(cli(args)));
  });

  it('a definition on workers needs its file; a bad variant is a ModelError naming the variants', async () => {
    const mine = { ...lostUpdate, name: 'my-lost-update' };
    await expect(checkModel(mine, { workers: 1 })).rejects.toThrow(
      'model my-lost-update: explorer workers load the model themselves; pass its file ({ file }) or check it with workers: 0',
    );
    await expect(checkModel(lostUpdate, { variant: 'nope' })).rejects.toThrow(
      "model lost-update has no variant 'nope' (variants: buggy, fixed, locked)",
    );
  });
});
