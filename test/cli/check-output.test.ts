import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/json.js';
import { pagerace } from '../helpers/cli.js';

describe('pagerace check on many variants: the verdict table is what the terminal ends with', () => {
  it('one line per violation, then the table, then where the reports went; the full reports are in trace.txt', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-out-'));
    const r = pagerace(['check', 'lost-update', 'lock-order', '--out', out]);
    expect(r.code).toBe(0);
    const dir = join(out, readdirSync(out)[0]);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    const [lu, lo] = [report.results[0].violations[0], report.results[3].violations[0]];
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `lost-update:buggy: assertion (expected): counter is 1 after two increments, expected 2 [4 steps, 1 preemption] pagerace replay ${lu.token}`,
      `lock-order:buggy: deadlock (expected): cpu0 A waits in take_a_then_b for lock_b held by cpu1 B; cpu1 B waits in take_b_then_a for lock_a h… [2 steps, 1 preemption] pagerace replay ${lo.token}`,
      '',
    ]);
    expect(lines[3]).toMatch(/^model:variant\s+expected\s+verdict/);
    expect(lines.slice(4, 9).map((l) => l.split(/\s+/)[0])).toEqual([
      'lost-update:buggy',
      'lost-update:fixed',
      'lost-update:locked',
      'lock-order:buggy',
      'lock-order:fixed',
    ]);
    expect(lines.slice(9)).toEqual([
      `Report: ${join(dir, 'report.json')}`,
      `Traces: ${join(dir, 'trace.txt')}`,
      `Timelines: ${join(dir, 'index.html')}`,
    ]);
    expect(r.stdout).not.toContain('Interleaving');
    const trace = readFileSync(join(dir, 'trace.txt'), 'utf8');
    expect(trace).toContain(
      `== lost-update:buggy: assertion (expected)\nassertion: counter is 1 after two increments, expected 2\nInterleaving, `,
    );
    expect(trace).toContain(`Replay: pagerace replay ${lo.token}`);
  });

  it('--verbose prints every full report before the table, as before', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-out-'));
    const r = pagerace(['check', 'lost-update', 'lock-order', '--out', out, '--verbose']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('== lost-update:buggy: assertion (expected)');
    expect(lines.filter((l) => l.startsWith('Replay: pagerace replay v1.'))).toHaveLength(2);
    expect(lines.findIndex((l) => l.startsWith('model:variant'))).toBeGreaterThan(
      lines.map((l) => l.startsWith('Replay: ')).lastIndexOf(true),
    );
  });
});
