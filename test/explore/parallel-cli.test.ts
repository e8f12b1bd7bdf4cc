import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listBundledModels } from '../../src/model/load.js';
import type { Report } from '../../src/report/json.js';
import { pagerace, untimed } from '../helpers/cli.js';

const INTERLEAVE = 'src/bench/models/interleave.ts';

// vmemmap-compound-nosync is being written under models/kernel; it joins this test when it lands
const names = new Set((await listBundledModels()).map((m) => m.def.name));
const specs = ['lost-update:buggy', 'peterson', `${INTERLEAVE}:small-lost`];
if (names.has('vmemmap-compound-nosync')) specs.unshift('vmemmap-compound-nosync');

describe('pagerace check --workers', () => {
  it.each(specs)('check %s prints the same report with --workers 1 and --workers 2', (spec) => {
    const one = pagerace(['check', spec, '--workers', '1', '--no-out']);
    const two = pagerace(['check', spec, '--workers', '2', '--no-out']);
    expect(two.code).toBe(one.code);
    expect(untimed(two.stdout)).toBe(untimed(one.stdout));
    // bundled models print v1 tokens, model files v2 (their model-file setting)
    expect(one.stdout).toMatch(
      spec.startsWith(INTERLEAVE) ? /Replay: pagerace replay v2\./ : /Replay: pagerace replay v1\./,
    );
  });

  it.each([
    ['0', 'pagerace: --workers must be at least 1, got 0'],
    ['two', "pagerace: --workers takes a whole number, got 'two'"],
    ['100000', 'pagerace: --workers must be at most 256, got 100000'],
  ])('--workers %s is refused with one line and exit 2', (value, line) => {
    const r = pagerace(['check', 'lost-update:buggy', '--workers', value, '--no-out']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([line]);
  });

  it('a worker killed mid-run (PAGERACE_TEST_EXPLORER_EXIT_AT=2) is reported; the count is still exact', () => {
    const r = pagerace(['check', `${INTERLEAVE}:small`, '--workers', '2', '--no-out'], {
      PAGERACE_TEST_EXPLORER_EXIT_AT: '2',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'pagerace: an explorer worker died (worker exited with code: 70); its unit of work runs again on a fresh worker',
    );
    expect(r.stdout).toContain('interleave:small: clean after 34650 executions (dfs, complete');
  });

  it('Ctrl-C stops the workers, writes the report of what was found so far and exits 130', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-'));
    // the Ctrl-C comes when the 6th unit of 1000 executions starts (a test hook), so during the search
    const args = ['check', `${INTERLEAVE}:small-lost`, '--strategy', 'random', '--budget', '100000000'];
    const r = pagerace([...args, '--keep-going', '--workers', '2', '--out', out], {
      PAGERACE_TEST_SIGNAL_AT: 'SIGINT:6',
    });
    const { stderr, code } = r;
    expect(stderr).toContain('pagerace: interrupted; the report holds what was found so far');
    expect(code).toBe(130);
    const [dir] = readdirSync(out);
    const report = JSON.parse(readFileSync(join(out, dir, 'report.json'), 'utf8')) as Report;
    expect(report.interrupted).toBe(true);
    expect([report.signal, report.exitCode]).toEqual(['SIGINT', 130]);
    const [res] = report.results;
    expect(res.stoppedBy).toBe('interrupted');
    expect(res.violations.map((v) => v.kind)).toEqual(['assertion']);
    expect(res.executions).toBeGreaterThan(0);
  });
});

describe('a unit that kills two workers', () => {
  it('PAGERACE_TEST_EXPLORER_EXIT_AT=2,3 on one worker: reported, exit 2, the report keeps what was found', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-'));
    // random units are chunks of 1000 executions: the first runs, the second dies twice
    const args = ['check', `${INTERLEAVE}:small-lost`, '--strategy', 'random', '--budget', '100000'];
    const r = pagerace([...args, '--keep-going', '--workers', '1', '--out', out], {
      PAGERACE_TEST_EXPLORER_EXIT_AT: '2,3',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'pagerace: an explorer worker died (worker exited with code: 70); its unit of work runs again on a fresh worker',
    );
    expect(r.stderr).toContain(
      'pagerace: the search stopped early: an explorer worker died twice on the same unit of work (worker exited with code: 70); the report holds what was found',
    );
    const [dir] = readdirSync(out);
    const report = JSON.parse(readFileSync(join(out, dir, 'report.json'), 'utf8')) as Report;
    expect(report.interrupted).toBe(true);
    const [res] = report.results;
    expect(res.stoppedBy).toBe('interrupted');
    // the first unit ran before the deaths: its 1000 executions and violations are in the report
    expect(res.executions).toBe(1000);
    expect(res.violations.map((v) => v.kind)).toEqual(['assertion']);
  });
});
