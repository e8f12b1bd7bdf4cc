import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  formatProgressLine,
  ProgressLines,
  progressInterval,
  remainingMs,
} from '../../src/cli/progress-lines.js';
import { pagerace } from '../helpers/cli.js';

const PROGRESS =
  /^pagerace: progress [\w:-]+: \d+ (executions|iterations), \d+\/s, \d+ distinct violations?(, depth \d+)?(, frontier \d+)?, elapsed [\d.ms]+(, remaining [\d.ms]+)?$/;
const DONE =
  /^pagerace: done [\w:-]+: \d+ (executions|iterations), \d+\/s, \d+ distinct violations?(, depth \d+)?, elapsed [\d.ms]+$/;

describe('progress lines (TLC-style, for CI logs)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('say executions, rate, distinct violations, depth, frontier, elapsed and remaining; the last says done', () => {
    const f = {
      unit: 'executions' as const,
      count: 45211,
      violations: 1,
      elapsedMs: 10_000,
      depth: 87,
      frontier: 120,
      remainingMs: 50_000,
    };
    expect(formatProgressLine('fork-vs-sync:fixed', f, false)).toBe(
      'pagerace: progress fork-vs-sync:fixed: 45211 executions, 4521/s, 1 distinct violation, depth 87, frontier 120, elapsed 10s, remaining 50s',
    );
    expect(formatProgressLine('fork-vs-sync:fixed', f, true)).toBe(
      'pagerace: done fork-vs-sync:fixed: 45211 executions, 4521/s, 1 distinct violation, depth 87, elapsed 10s',
    );
    expect(
      formatProgressLine('x:y', { unit: 'iterations', count: 0, violations: 2, elapsedMs: 0 }, false),
    ).toBe('pagerace: progress x:y: 0 iterations, 0/s, 2 distinct violations, elapsed 0.000s');
  });

  it('remaining time: to the time limit, or at the current rate to the budget, whichever is sooner', () => {
    expect(remainingMs(100, 1000, Infinity, Infinity)).toBeUndefined();
    expect(remainingMs(100, 1000, Infinity, 60_000)).toBe(59_000);
    expect(remainingMs(100, 1000, 1000, Infinity)).toBe(9000);
    expect(remainingMs(100, 1000, 1000, 5000)).toBe(4000);
    expect(remainingMs(0, 1000, 1000, Infinity)).toBeUndefined();
  });

  it('one line per interval of the run’s own elapsed time, then the last line', () => {
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((l: string) => printed.push(l));
    const lines = new ProgressLines(10_000);
    lines.start('m:v');
    const at = (elapsedMs: number, count: number) =>
      lines.update({ unit: 'executions', count, violations: 0, elapsedMs });
    at(200, 1);
    at(9_999, 2);
    at(10_000, 3);
    at(15_000, 4);
    at(21_000, 5);
    lines.finish({ count: 6, elapsedMs: 22_000 });
    expect(printed).toEqual([
      'pagerace: progress m:v: 3 executions, 0/s, 0 distinct violations, elapsed 10s',
      'pagerace: progress m:v: 5 executions, 0/s, 0 distinct violations, elapsed 21s',
      'pagerace: done m:v: 6 executions, 0/s, 0 distinct violations, elapsed 22s',
    ]);
  });

  it('PAGERACE_PROGRESS_INTERVAL sets the interval; 10s by default', () => {
    expect(progressInterval({})).toBe(10_000);
    expect(progressInterval({ PAGERACE_PROGRESS_INTERVAL: '500ms' })).toBe(500);
    expect(progressInterval({ PAGERACE_PROGRESS_INTERVAL: '0' })).toBe(0);
    expect(() => progressInterval({ PAGERACE_PROGRESS_INTERVAL: 'soon' })).toThrow(
      "PAGERACE_PROGRESS_INTERVAL takes a duration like 30s, 10m or 2h, got 'soon'",
    );
  });

  it('check without a terminal (auto): lines on stderr, each of the format, and a done line per variant', () => {
    const r = pagerace(
      ['check', 'lost-update:buggy', '--strategy', 'random', '--budget', '3000', '--keep-going', '--no-out'],
      { PAGERACE_PROGRESS: 'auto', PAGERACE_PROGRESS_INTERVAL: '0', PAGERACE_WORKERS: '1' },
    );
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(PROGRESS);
    // a budget bounds the search: once it has a rate, the lines say what remains
    expect(lines.slice(0, -1).some((l) => /, remaining [\d.ms]+$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(DONE);
    expect(lines.at(-1)).toMatch(
      /^pagerace: done lost-update:buggy: 3000 executions, \d+\/s, 1 distinct violation, depth [45], /,
    );
  });

  it('a dfs search tells its frontier; --progress never prints nothing', () => {
    const args = ['check', 'peterson:correct', '--strategy', 'dfs', '--no-out', '--workers', '1'];
    const r = pagerace([...args, '--progress', 'lines'], {
      PAGERACE_PROGRESS_INTERVAL: '0',
      PAGERACE_PROGRESS: '',
    });
    const lines = r.stderr.trimEnd().split('\n');
    for (const l of lines.slice(0, -1)) expect(l).toMatch(PROGRESS);
    expect(lines.some((l) => /, frontier \d+,/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(
      /^pagerace: done peterson:correct: 36 executions, \d+\/s, 0 distinct violations, depth \d+, elapsed /,
    );
    expect(pagerace([...args, '--progress', 'never'], { PAGERACE_PROGRESS_INTERVAL: '0' }).stderr).toBe('');
  });

  it('soak without a terminal: iterations, rate, distinct violations, elapsed and remaining of the duration', () => {
    const r = pagerace(
      ['soak', 'lost-update:locked', '--duration', '1s', '--no-out', '--progress', 'lines'],
      {
        PAGERACE_PROGRESS_INTERVAL: '0',
      },
    );
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines.slice(0, -1))
      expect(l).toMatch(
        /^pagerace: progress lost-update:locked: \d+ iterations, \d+\/s, 0 distinct violations, elapsed [\d.ms]+, remaining [\d.ms]+$/,
      );
    expect(lines.at(-1)).toMatch(
      /^pagerace: done lost-update:locked: \d+ iterations, \d+\/s, 0 distinct violations, elapsed [\d.ms]+$/,
    );
  });

  it('--progress takes never, auto or lines', () => {
    expect(pagerace(['check', 'lost-update:buggy', '--progress', 'sometimes', '--no-out'])).toMatchObject({
      code: 2,
      stderr: "pagerace: --progress must be never, auto or lines, got 'sometimes'\n",
    });
  });
});
