import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/json.js';
import { pagerace, type RunningCli, startPagerace } from '../helpers/cli.js';

const INTERLEAVE = 'src/bench/models/interleave.ts';
/** a search that runs until it is stopped: random executions of interleave:small-lost, kept going */
const LONG = [`${INTERLEAVE}:small-lost`, '--strategy', 'random', '--budget', '100000000', '--keep-going'];
/**
 * three variants under plain DFS: lost-update:buggy prints its report at once, then the search of
 * fork-vs-sync:fixed-l4-fresh runs for minutes (it does not finish under DFS), then one more
 */
const THREE = ['lost-update:buggy', 'fork-vs-sync:fixed-l4-fresh', 'lost-update:fixed', '--strategy', 'dfs'];

const running: RunningCli[] = [];
afterEach(() => {
  // a test that failed must not leave its CLI running
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});
function start(args: string[]): RunningCli {
  const cli = startPagerace(args);
  running.push(cli);
  return cli;
}

function readReport(out: string): Report {
  const [dir] = readdirSync(out);
  return JSON.parse(readFileSync(join(out, dir, 'report.json'), 'utf8')) as Report;
}

describe('issue 8: signals and pipes', () => {
  it('Ctrl-C (SIGINT): exit 130 after writing the report; the variant not started is listed as not run: interrupted', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-'));
    // lost-update:buggy prints its report first: by then the long search is under way
    const cli = start(['check', ...THREE, '--out', out]);
    await cli.printed('pagerace replay v');
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(cli.stderr()).toBe('pagerace: interrupted; the report holds what was found so far\n');
    const report = readReport(out);
    expect([report.interrupted, report.signal, report.exitCode]).toEqual([true, 'SIGINT', 130]);
    const [first, second, third] = report.results;
    expect([first.verdict, first.conclusion]).toEqual(['violation', 'ok']);
    // the long search was stopped, or the signal came before it started
    expect(second.stoppedBy === 'interrupted' || second.stoppedBy === 'not-run').toBe(true);
    expect([third.model, third.variant, third.verdict, third.reason]).toEqual([
      'lost-update',
      'fixed',
      'not run',
      'interrupted',
    ]);
    expect(cli.stdout()).toMatch(/^lost-update:fixed +clean +not run: interrupted +not-run .* NOT RUN$/m);
  });

  it('SIGTERM (timeout, CI, docker stop): exit 143, the partial report written and --json on stdout', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-'));
    // the SIGTERM comes when the 6th unit starts (a test hook), so during the search
    const r = pagerace(['check', ...LONG, '--workers', '2', '--json', '--out', out], {
      PAGERACE_TEST_SIGNAL_AT: 'SIGTERM:6',
    });
    expect(r.code).toBe(143);
    const cli = { stderr: () => r.stderr, stdout: () => r.stdout };
    expect(cli.stderr()).toBe('pagerace: terminated (SIGTERM); the report holds what was found so far\n');
    const printed = JSON.parse(cli.stdout()) as Report;
    expect([printed.signal, printed.exitCode]).toEqual(['SIGTERM', 143]);
    // the expected assertion was found before the stop: proven, however the search ended
    expect(printed.results[0]).toMatchObject({ stoppedBy: 'interrupted', conclusion: 'ok' });
    expect(readReport(out)).toEqual(printed);
  });

  it('--executor threads honours SIGTERM too: exit 143 with the report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-'));
    const cli = start(['check', ...THREE, '--executor', 'threads', '--out', out]);
    await cli.printed('pagerace replay v');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(143);
    const report = readReport(out);
    expect([report.signal, report.exitCode]).toEqual(['SIGTERM', 143]);
    expect(report.results.map((x) => x.reason)).toEqual([null, 'interrupted', 'interrupted']);
  });

  it('--executor threads honours the stall watchdog: one line and exit 2, the other variants still reported', () => {
    const r = pagerace(
      ['check', 'test/fixtures/models/spins.ts', 'lost-update:buggy', '--executor', 'threads', '--no-out'],
      { PAGERACE_STALL: '1s' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^pagerace: \/.*\/test\/fixtures\/models\/spins.ts:default finished no execution in 1s: a CPU program probably loops without yielding \(every shared access must be a yield of an operation; PAGERACE_STALL sets the limit\)\n$/,
    );
    expect(r.stdout).toContain('== lost-update:buggy: assertion (expected)');
    expect(r.stdout).toMatch(/^spins:default +clean +not run: model error/m);
  });

  it("check ... | head -1: no EPIPE stack, the report is still written, the exit code is the run's", async () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-'));
    const cli = start(['check', 'lost-update', 'peterson', 'lock-order', '--out', out]);
    // head -1: read the first line, then close the pipe
    await cli.printed('\n');
    cli.child.stdout.destroy();
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toBe('');
    expect(readReport(out).results.map((x) => x.conclusion)).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
    ]);
  });
});
