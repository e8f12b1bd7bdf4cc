import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/json.js';
import { pagerace } from '../helpers/cli.js';

/** the rows of the verdict table, without the time column */
const rows = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => /^\S+:\S+ {2}/.test(l))
    .map((l) =>
      l
        .replace(/ +\d+(\.\d+)?s {2}/, '  ')
        .split(/ {2,}/)
        .join(' | '),
    );

const json = (stdout: string) => JSON.parse(stdout) as Report;

describe('issue 8: exit codes and verdicts that can be trusted', () => {
  it('a clean variant whose search ran out of time is unknown with the reason, exit 3, never ok', () => {
    const r = pagerace([
      'check',
      'fork-vs-sync:fixed-l4-fresh',
      '--strategy',
      'dfs',
      '--time',
      '1s',
      '--no-out',
    ]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /^fork-vs-sync:fixed-l4-fresh: unknown after \d+ executions \(dfs, stopped by time limit 1s, [\d.]+s\)$/m,
    );
    expect(r.stdout).not.toMatch(/\bok\b/);
  });

  it('out of budget: unknown: budget 2 executions, INCONCLUSIVE, exit 3; an expected violation found within it is proven', () => {
    const r = pagerace([
      'check',
      'lost-update:fixed',
      'lost-update:buggy',
      '--strategy',
      'dfs',
      '--budget',
      '2',
      '--no-out',
    ]);
    expect(r.code).toBe(3);
    expect(rows(r.stdout)).toEqual([
      'model:variant | expected | verdict | search | strategy | executions | time',
      'lost-update:fixed | clean | unknown: budget 2 executions | budget | dfs | 2 | INCONCLUSIVE',
      'lost-update:buggy | assertion | assertion | violation | dfs | 2 | ok',
    ]);
  });

  it('a bounded search at its bound: unknown: preemption bound 1, exit 3; the JSON says inconclusive and why', () => {
    const r = pagerace([
      'check',
      'lost-update:fixed',
      '--strategy',
      'bounded',
      '--preemptions',
      '1',
      '--json',
      '--no-out',
    ]);
    expect(r.code).toBe(3);
    const report = json(r.stdout);
    expect(report.exitCode).toBe(3);
    expect(report.results[0]).toMatchObject({
      verdict: 'unknown',
      stoppedBy: 'bound',
      conclusion: 'inconclusive',
      reason: 'preemption bound 1',
      matches: true,
    });
  });

  it('an expected violation found by a search cut short by its budget is proven: exit 0', () => {
    const r = pagerace([
      'check',
      'lost-update:buggy',
      '--strategy',
      'dfs',
      '--budget',
      '2',
      '--keep-going',
      '--json',
      '--no-out',
    ]);
    expect(r.code).toBe(0);
    expect(json(r.stdout).results[0]).toMatchObject({
      verdict: 'violation',
      stoppedBy: 'budget',
      conclusion: 'ok',
      reason: null,
    });
  });

  it('a mismatch outranks an inconclusive variant: exit 1', () => {
    const r = pagerace([
      'check',
      'lost-update:fixed',
      'lost-update:buggy',
      '--strategy',
      'dfs',
      '--budget',
      '1',
      '--no-out',
    ]);
    expect(r.code).toBe(1);
    expect(rows(r.stdout).slice(1)).toEqual([
      'lost-update:fixed | clean | unknown: budget 1 execution | budget | dfs | 1 | INCONCLUSIVE',
      'lost-update:buggy | assertion | unknown: budget 1 execution | budget | dfs | 1 | MISMATCH',
    ]);
  });

  it('a program of MAX_CPUS (128) CPUs is checked; one more is a model error of that variant alone, listed as not run', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-'));
    const r = pagerace(['check', 'test/fixtures/models/many-cpus.ts', 'lost-update:buggy', '--out', out]);
    expect(r.code).toBe(2);
    const line =
      'many-cpus:over: the program has 129 CPUs; pagerace runs programs of 1 to 128 CPUs (MAX_CPUS)';
    expect(r.stderr).toBe(`pagerace: ${line}\n`);
    expect(rows(r.stdout).slice(1)).toEqual([
      'many-cpus:max | clean | clean | complete | dpor | 1 | ok',
      'many-cpus:over | clean | not run: model error | not-run | dpor | 0 | NOT RUN',
      'lost-update:buggy | assertion | assertion | violation | dfs | 2 | ok',
    ]);
    const [dir] = readdirSync(out);
    const report = JSON.parse(readFileSync(join(out, dir, 'report.json'), 'utf8')) as Report;
    expect(report.exitCode).toBe(2);
    expect(report.results[1]).toMatchObject({
      verdict: 'not run',
      conclusion: 'not run',
      reason: 'model error',
      error: line,
      executions: 0,
    });
  });

  it('the variants after a worker failure are listed as not run: worker failure, exit 2', () => {
    const r = pagerace(
      [
        'check',
        'src/bench/models/interleave.ts:small-lost',
        'lost-update:buggy',
        '--strategy',
        'random',
        '--budget',
        '100000',
        '--keep-going',
        '--workers',
        '1',
        '--json',
        '--no-out',
      ],
      { PAGERACE_TEST_EXPLORER_EXIT_AT: '2,3' },
    );
    expect(r.code).toBe(2);
    const report = json(r.stdout);
    expect(report.results.map((x) => `${x.model}:${x.variant} ${x.verdict} ${x.reason}`)).toEqual([
      'interleave:small-lost violation null',
      'lost-update:buggy not run worker failure',
    ]);
    expect(report.results[1].error).toBe(
      'the search stopped early: an explorer worker died twice on the same unit of work (worker exited with code: 70); the report holds what was found',
    );
  });
});
