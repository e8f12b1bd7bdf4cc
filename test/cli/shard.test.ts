import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/json.js';
import { pagerace, startPagerace } from '../helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pagerace-shard-'));
  dirs.push(d);
  return d;
}

/** the one run folder `pagerace check --out DIR` made */
function runFolder(out: string): string {
  const [run] = readdirSync(out);
  return join(out, run);
}

/** a report's results without what may differ between two runs of one search: the times */
function untimedResults(report: Report): unknown[] {
  return report.results.map(({ seconds: _s, ...r }) => r);
}

/**
 * runs `check ARGS --shard i/n` as n processes side by side, each into its own run folder, and
 * returns their exit codes, reports and folders
 */
async function shards(args: string[], n: number) {
  const out = tempDir();
  const runs = Array.from({ length: n }, (_, i) =>
    startPagerace(['check', ...args, '--shard', `${i}/${n}`, '--json', '--out', join(out, `s${i}`)]),
  );
  const codes = await Promise.all(runs.map((r) => r.exited));
  const folders = runs.map((_, i) => runFolder(join(out, `s${i}`)));
  const reports = runs.map((r) => JSON.parse(r.stdout()) as Report);
  return { codes, folders, reports };
}

const INTERLEAVE = 'src/bench/models/interleave.ts';

describe('pagerace check --shard i/n and pagerace merge', () => {
  // DFS subtrees (a clean complete search, a search that stops at its violation), DPOR as one
  // whole unit, a model file, and litmus rows under tso and arm64
  const models = [
    'peterson',
    'lost-update',
    'fork-vs-sync:fixed-l4-fresh',
    `${INTERLEAVE}:small-lost`,
    'mp:po',
  ];

  it('three shards as separate processes merge into the report one run gives: the same counts, violations, traces and tokens', async () => {
    const single = pagerace(['check', ...models, '--json', '--no-out']);
    const { codes, folders, reports } = await shards(models, 3);
    // a shard proves nothing alone: the clean rows of each are inconclusive, so it exits 3
    expect(codes).toEqual([3, 3, 3]);
    const row = reports[1].results.find((r) => r.variant === 'correct');
    expect([row?.verdict, row?.reason, row?.conclusion]).toEqual(['unknown', 'shard 1/3', 'inconclusive']);
    const merged = pagerace(['merge', ...folders, '--model', INTERLEAVE, '--json', '--no-out']);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(single.code);
    expect(single.code).toBe(0);
    expect(untimedResults(JSON.parse(merged.stdout))).toEqual(untimedResults(JSON.parse(single.stdout)));
  });

  it('a random search cut by its budget inside a shard merges to the same first violation and counts', async () => {
    const args = ['lost-update:buggy', 'peterson:check-then-raise', '--strategy', 'random', '--seed', '5'];
    const run = [...args, '--budget', '250', '--keep-going'];
    const single = pagerace(['check', ...run, '--json', '--no-out']);
    const { codes, folders } = await shards(run, 2);
    expect(codes).toEqual([0, 0]);
    const merged = pagerace(['merge', ...folders, '--json', '--no-out']);
    const m = JSON.parse(merged.stdout) as Report;
    expect(m.results.map((r) => [r.variant, r.executions, r.violatingExecutions, r.stoppedBy])).toEqual(
      (JSON.parse(single.stdout) as Report).results.map((r) => [
        r.variant,
        250,
        r.violatingExecutions,
        'budget',
      ]),
    );
    expect(untimedResults(m)).toEqual(untimedResults(JSON.parse(single.stdout)));
  });

  it('merge writes a run folder of its own and prints the table', async () => {
    const { folders } = await shards(['peterson:correct'], 2);
    const out = tempDir();
    const merged = pagerace(['merge', ...folders, '--out', out]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(
      /^peterson:correct: clean after 36 executions \(dfs, complete, [\d.]+s\)$/m,
    );
    expect(merged.stdout).toContain(`Report: ${join(runFolder(out), 'report.json')}`);
    const written = JSON.parse(readFileSync(join(runFolder(out), 'report.json'), 'utf8')) as Report;
    expect(written.results.map((r) => [r.variant, r.verdict, r.executions])).toEqual([
      ['correct', 'clean', 36],
    ]);
  });

  it('refuses shards that do not make one search, one line each, exit 2', async () => {
    const { folders } = await shards(['peterson:correct'], 3);
    const missing = pagerace(['merge', folders[0], folders[2], '--no-out']);
    expect([missing.code, missing.stderr]).toEqual([2, 'pagerace: peterson:correct: shard 1/3 missing\n']);
    const twice = pagerace(['merge', folders[0], folders[0], folders[1], '--no-out']);
    expect([twice.code, twice.stderr]).toEqual([2, 'pagerace: peterson:correct: shard 0/3 is there twice\n']);
    const whole = tempDir();
    pagerace(['check', 'peterson:correct', '--out', whole]);
    const notShard = pagerace(['merge', runFolder(whole), '--no-out']);
    expect(notShard.code).toBe(2);
    expect(notShard.stderr).toBe(
      `pagerace: ${runFolder(whole)}: peterson:correct is not a shard (run check with --shard i/n)\n`,
    );
    const nothing = pagerace(['merge', join(whole, 'nope'), '--no-out']);
    expect([nothing.code, nothing.stderr]).toEqual([
      2,
      `pagerace: ${join(whole, 'nope')}: no report.json there (give the run folders of the shards)\n`,
    ]);
  });

  it('a model file is imported only when merge is given it', async () => {
    const { folders } = await shards([`${INTERLEAVE}:small-lost`], 2);
    const r = pagerace(['merge', ...folders, '--no-out']);
    expect([r.code, r.stderr]).toEqual([
      2,
      `pagerace: the shards checked the model file ${INTERLEAVE} (model interleave): pass it with --model ${INTERLEAVE}\n`,
    ]);
  });

  it.each([
    ['3/3', "--shard must be i/n with 0 <= i < n <= 10000 (shard i of n, from 0: 0/4 ... 3/4), got '3/3'"],
    ['1', "--shard must be i/n with 0 <= i < n <= 10000 (shard i of n, from 0: 0/4 ... 3/4), got '1'"],
    ['0/0', "--shard must be i/n with 0 <= i < n <= 10000 (shard i of n, from 0: 0/4 ... 3/4), got '0/0'"],
  ])('--shard %s is refused before anything runs', (shard, message) => {
    const r = pagerace(['check', 'peterson', '--shard', shard, '--no-out']);
    expect([r.code, r.stderr]).toEqual([2, `pagerace: ${message}\n`]);
  });

  it('--shard does not go with the threads executor', () => {
    const r = pagerace(['check', 'peterson', '--shard', '0/2', '--executor', 'threads', '--no-out']);
    expect([r.code, r.stderr]).toEqual([
      2,
      'pagerace: --shard splits the search across explorer workers: it does not go with --executor threads\n',
    ]);
  });
});
