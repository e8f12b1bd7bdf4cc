import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/json.js';
import { pagerace, ROOT } from '../helpers/cli.js';

/** A bad input gives one line on stderr, exit 2, and never a stack trace of pagerace itself. */
function expectOneLine(r: { code: number; stderr: string }, line: string) {
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toEqual([line]);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('bad input', () => {
  it('a missing model file', () => {
    expectOneLine(
      pagerace(['check', 'test/fixtures/models/nope.ts', '--no-out']),
      'pagerace: model file test/fixtures/models/nope.ts does not exist',
    );
  });

  it('an unknown bundled model', () => {
    const r = pagerace(['check', 'no-such-model', '--no-out']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^pagerace: no bundled model named 'no-such-model' \(known: .*lost-update.*\); give a file path to check your own\n$/,
    );
  });

  it("a model with a syntax error: the file, line, column (from 1) and the parser's reason", () => {
    expectOneLine(
      pagerace(['check', 'test/fixtures/models/syntax-error.ts', '--no-out']),
      'pagerace: model file test/fixtures/models/syntax-error.ts has a syntax error at test/fixtures/models/syntax-error.ts:2:1: Expected identifier but found end of file',
    );
    expectOneLine(
      pagerace(['check', 'test/fixtures/models/syntax-error-js.mjs', '--no-out']),
      "pagerace: model file test/fixtures/models/syntax-error-js.mjs has a syntax error at test/fixtures/models/syntax-error-js.mjs:3:12: Unexpected token ')'",
    );
  });

  it('a model file without a default export', () => {
    expectOneLine(
      pagerace(['check', 'test/fixtures/models/no-default.ts', '--no-out']),
      'pagerace: model file test/fixtures/models/no-default.ts has no default export: end it with export default defineModel({...})',
    );
  });

  it('a model that throws: the report shows the model error, one line on stderr says so, exit 2', () => {
    const r = pagerace(['check', 'test/fixtures/models/throws.ts', '--no-out']);
    expectOneLine(r, 'pagerace: model error in throws:default (cpu0 A, step 1): the model threw Error: boom');
    expect(r.stdout).toContain('== throws:default: model-error (NOT expected)');
    expect(r.stdout).toContain('cpu0 A in do_work');
    expect(r.stdout).not.toContain('RIP:');
  });

  it('a model that loops without yielding: one line and exit 2 after PAGERACE_STALL, its row not run, and the other variants still reported', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-'));
    const r = pagerace(['check', 'test/fixtures/models/spins.ts', 'lost-update:buggy', '--out', out], {
      PAGERACE_STALL: '1s',
    });
    expectOneLine(
      r,
      `pagerace: ${resolve(ROOT, 'test/fixtures/models/spins.ts')}:default finished no execution in 1s: a CPU program probably loops without yielding (every shared access must be a yield of an operation; PAGERACE_STALL sets the limit)`,
    );
    // several variants: one line per violation, the full report in the run folder
    expect(r.stdout).toContain(
      'lost-update:buggy: assertion (expected): counter is 1 after two increments, expected 2 [4 steps, 1 preemption] pagerace replay v1.',
    );
    const [run] = readdirSync(out);
    const report = JSON.parse(readFileSync(join(out, run, 'report.json'), 'utf8')) as Report;
    expect(report.results.map((x) => `${x.model}:${x.variant} ${x.verdict}: ${x.reason}`)).toEqual([
      'spins:default not run: model error',
      'lost-update:buggy violation: null',
    ]);
    expect(report.results[0].error).toBe(r.stderr.trimEnd().replace(/^pagerace: /, ''));
    expect(r.stdout).toMatch(/^spins:default +clean +not run: model error .* NOT RUN$/m);
  });

  it('an unknown flag', () => {
    expectOneLine(pagerace(['check', '--bogus']), "pagerace: unknown option '--bogus'");
  });

  it.each([
    [
      ['check', '--strategy', 'bfs'],
      "pagerace: --strategy must be one of dfs, dpor, source-dpor, random, pct, bounded, delay, or a strategy file, got 'bfs'",
    ],
    [['check', '--budget', 'ten'], "pagerace: --budget takes a whole number, got 'ten'"],
    [['check', '--time', 'soon'], "pagerace: --time takes a duration like 30s, 10m or 2h, got 'soon'"],
    [
      ['check', 'lost-update:nope'],
      "pagerace: model lost-update has no variant 'nope' (variants: buggy, fixed, locked)",
    ],
  ])('a bad value: %j', (args, line) => {
    expectOneLine(pagerace([...args, '--no-out']), line);
  });

  it('a corrupt token, and a token of another version', () => {
    expectOneLine(
      pagerace(['replay', 'v1.AQtsb3N0LXVwZGF0ZQVidWdneaCNBgMAAQECAAFSHNxk']),
      'pagerace: the token is corrupt (checksum mismatch): copy it again from the report',
    );
    expectOneLine(
      pagerace(['replay', 'v9.AAAA']),
      'pagerace: token version 9 is not supported: this pagerace reads v1 to v2 tokens',
    );
  });

  it('a well-formed token whose schedule does not fit the model', () => {
    // lost-update:buggy with a schedule that asks for cpu 5
    const r = pagerace(['replay', 'v1.AQtsb3N0LXVwZGF0ZQVidWdneaCNBgEFAdssHoQ']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'pagerace: schedule step 0 picks cpu5, which cannot run there: the schedule does not fit this model\n',
    );
  });
});
