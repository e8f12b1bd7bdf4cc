import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_STEPS, DEFAULT_SEED, DEFAULT_SOAK_MS } from '../../src/explore/options.js';
import { pagerace, ROOT } from '../helpers/cli.js';

function expectOneLine(r: { code: number; stderr: string }, line: string) {
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toEqual([line]);
}

/** the help text with commander's line wrapping undone */
const unwrapped = (help: string) => help.replace(/\n {4,}/g, ' ');

describe('issue 8: flags and files', () => {
  it.each([
    [['--out', 'package.json'], 'pagerace: --out package.json is not a folder'],
    [['--out', ''], "pagerace: --out needs a folder, got ''"],
    [
      ['--out', '/dev/null/x'],
      'pagerace: --out /dev/null/x: cannot create the folder (ENOTDIR: not a directory)',
    ],
  ])('an unusable --out %j is refused before the search: one line, exit 2', (args, line) => {
    // plain DFS of this variant runs for minutes: the refusal comes first
    expectOneLine(pagerace(['check', 'fork-vs-sync:fixed-l4-fresh', '--strategy', 'dfs', ...args]), line);
  });

  it('soak refuses an unusable --out too, before it starts', () => {
    expectOneLine(
      pagerace(['soak', 'lost-update:buggy', '--out', 'package.json']),
      'pagerace: --out package.json is not a folder',
    );
  });

  it('--version prints the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = pagerace(['--version']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, `pagerace ${version}\n`, '']);
  });

  it("--seed '' (or PAGERACE_SEED='') is refused", () => {
    expectOneLine(
      pagerace(['check', 'lost-update:buggy', '--seed', '', '--no-out']),
      "pagerace: --seed needs a value, got ''",
    );
    expectOneLine(
      pagerace(['check', 'lost-update:buggy', '--no-out'], { PAGERACE_SEED: '' }),
      "pagerace: --seed needs a value, got ''",
    );
    expectOneLine(
      pagerace(['soak', 'lost-update:buggy', '--seed', '', '--no-out']),
      "pagerace: --seed needs a value, got ''",
    );
  });

  it('check --help: the defaults come from explore/options.ts and the descriptors, and the exit codes are listed', () => {
    const r = pagerace(['check', '--help']);
    expect(r.code).toBe(0);
    const help = unwrapped(r.stdout);
    expect(DEFAULT_MAX_STEPS).toBe(100_000);
    expect(DEFAULT_SEED).toBe('0');
    expect(help).toContain(
      'steps one execution may take before step-limit (default 100000) (env: PAGERACE_MAX_STEPS)',
    );
    expect(help).toContain('seed of random and pct searches (default 0) (env: PAGERACE_SEED)');
    expect(help).toContain(
      'executions to run at most (default: unbounded for dfs/dpor/source-dpor/bounded/delay, 10000 for random/pct) (env: PAGERACE_BUDGET)',
    );
    expect(help).toContain('(default results); refused before the search if it cannot be written');
    expect(help).not.toContain('(default: "results")');
    expect(r.stdout.slice(r.stdout.indexOf('Exit codes:'))).toBe(
      [
        'Exit codes:',
        '  0    every variant proven as it expects (its violation found, or clean after a complete search)',
        '  1    a mismatch: a violation that was not expected, or an expected one missed',
        '  2    usage or model error (one line on stderr)',
        '  3    inconclusive: some variant unknown (time, budget, preemption or delay bound ran out, or a',
        '       --shard share without a violation: it proves nothing until merged) or not run',
        '  130  interrupted by Ctrl-C (SIGINT), 143 by SIGTERM, after writing the partial report',
        '',
      ].join('\n'),
    );
  });

  it('replay --help and soak --help list their exit codes; soak shows its default duration', () => {
    const replay = pagerace(['replay', '--help']);
    expect(replay.stdout.slice(replay.stdout.indexOf('Exit codes:'))).toBe(
      [
        'Exit codes:',
        '  0    the execution ran clean',
        '  1    the execution raised a violation: the bug reproduced',
        '  2    the token cannot be used (corrupt, another model version, a model file not given)',
        '',
      ].join('\n'),
    );
    const soak = pagerace(['soak', '--help']);
    expect(DEFAULT_SOAK_MS).toBe(60_000);
    expect(unwrapped(soak.stdout)).toContain(
      'how long to run: 30s, 10m, 2h (default 1m) (env: PAGERACE_SOAK_DURATION)',
    );
    expect(soak.stdout).toContain(
      '  3    inconclusive: no iteration completed, or CPUs stalled without a proven deadlock\n',
    );
  });
});
