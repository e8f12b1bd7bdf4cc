import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceStep } from '../../src/engine/trace.js';
import type { Report } from '../../src/report/json.js';
import { pagerace } from '../helpers/cli.js';

describe('pagerace check and replay, end to end', () => {
  it('lost-update:buggy under dfs --keep-going: 6 executions, complete, 4 violating; the token replays to the same trace', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-'));
    const r = pagerace([
      'check',
      'lost-update:buggy',
      '--strategy',
      'dfs',
      '--keep-going',
      '--json',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.pagerace).toBe(1);
    const [res] = report.results;
    expect(res).toMatchObject({
      model: 'lost-update',
      variant: 'buggy',
      expect: 'violation',
      verdict: 'violation',
      complete: true,
      executions: 6,
      violatingExecutions: 4,
      steps: 24,
      matches: true,
    });
    expect(res.violations).toHaveLength(1);
    const v = res.violations[0];
    expect(v).toMatchObject({
      kind: 'assertion',
      message: 'counter is 1 after two increments, expected 2',
      cpu: -1,
      preemptions: 1,
      count: 4,
    });
    expect(v.trace.map((s) => `${s.cpu} ${s.op} ${s.addr} ${s.value}`)).toEqual([
      '0 load counter -> 0',
      '1 load counter -> 0',
      '1 store counter = 1',
      '0 store counter = 1',
    ]);

    // the run folder holds the same report, and trace.txt
    const [run] = readdirSync(out);
    expect(run).toMatch(/^\d{8}-\d{6}-lost-update_buggy$/);
    const written = JSON.parse(readFileSync(join(out, run, 'report.json'), 'utf8')) as Report;
    expect(written.results[0].violations[0].token).toBe(v.token);
    expect(readFileSync(join(out, run, 'trace.txt'), 'utf8')).toContain(`Replay: pagerace replay ${v.token}`);

    const replay = pagerace(['replay', v.token, '--json']);
    expect(replay.code).toBe(1);
    const back = JSON.parse(replay.stdout) as { replay: { trace: TraceStep[]; violation: { kind: string } } };
    expect(back.replay.violation.kind).toBe('assertion');
    expect(back.replay.trace).toEqual(v.trace);
  });

  it('parses the printed text report of a failing run, replays the printed token, and gets the same trace', () => {
    const r = pagerace(['check', 'peterson:check-then-raise', '--strategy', 'dpor', '--no-out']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const token = /^Replay: pagerace replay (v1\.\S+)$/.exec(
      lines.find((l) => l.startsWith('Replay: ')) ?? '',
    )?.[1];
    expect(token).toBeDefined();
    const start = lines.findIndex((l) => l.startsWith('Interleaving, '));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith('  '));
    const printed = lines.slice(start + 1, end);
    expect(printed.at(-1)).toMatch(/<-- assertion$/);

    const replay = pagerace(['replay', token!]);
    expect(replay.code).toBe(1);
    const out = replay.stdout.split('\n');
    expect(out[0]).toBe(`Replaying peterson:check-then-raise, ${printed.length} steps, 2 preemptions`);
    expect(out[1]).toBe('assertion: two CPUs are in the critical section at once');
    expect(out.slice(2, 2 + printed.length)).toEqual(printed);
  });

  it('prints one row per variant, exits 0 when every variant is as expected', () => {
    const r = pagerace(['check', 'lost-update', 'lock-order', '--no-out']);
    expect(r.code).toBe(0);
    const table = r.stdout.split('\n').filter((l) => /^(model:variant|lost-update:|lock-order:)/.test(l));
    expect(table.map((l) => l.split(/\s+/).slice(0, 6).join(' '))).toEqual([
      'model:variant expected verdict search strategy executions',
      'lost-update:buggy assertion assertion violation dfs 2',
      'lost-update:fixed clean clean complete dfs 6',
      'lost-update:locked clean clean complete dfs 2',
      'lock-order:buggy deadlock deadlock violation dfs 3',
      'lock-order:fixed clean clean complete dfs 2',
    ]);
  });

  it('exits 1 when an expected violation is missed (a budget too small to find it)', () => {
    const r = pagerace([
      'check',
      'lost-update:buggy',
      '--strategy',
      'dfs',
      '--budget',
      '1',
      '--json',
      '--no-out',
    ]);
    expect(r.code).toBe(1);
    const res = (JSON.parse(r.stdout) as Report).results[0];
    expect(res).toMatchObject({
      verdict: 'unknown',
      complete: false,
      executions: 1,
      stoppedBy: 'budget',
      matches: false,
    });
  });

  it('random search is reproducible: the same seed gives the same report', () => {
    const run = () => {
      const r = pagerace([
        'check',
        'lost-update:buggy',
        '--strategy',
        'random',
        '--seed',
        's1',
        '--budget',
        '50',
        '--keep-going',
        '--json',
        '--no-out',
      ]);
      const res = (JSON.parse(r.stdout) as Report).results[0];
      return {
        executions: res.executions,
        violating: res.violatingExecutions,
        first: res.violations[0].firstExecution,
        token: res.violations[0].token,
      };
    };
    const a = run();
    expect(a.executions).toBe(50);
    expect(run()).toEqual(a);
  });
});
