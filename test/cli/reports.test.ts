import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/json.js';
import { pagerace } from '../helpers/cli.js';

describe('issue 8: reports', () => {
  it('a step-limit report collapses the loop: the same 2 steps repeated 49,998 times, in text and JSON', () => {
    const spec = 'test/fixtures/models/spin-reads.ts';
    const text = pagerace(['check', spec, '--no-out']);
    expect(text.code).toBe(1);
    const lines = text.stdout.split('\n');
    const at = lines.indexOf('Interleaving, 0 preemptions, 100000 steps:');
    expect(lines.slice(at + 1, at + 7)).toEqual([
      '  cpu0 A   wait_for_flag load   flag -> 0',
      '  cpu0 A   wait_for_flag store  tries = 1',
      '  ... the same 2 steps repeated 49,998 times ...',
      '  cpu0 A   wait_for_flag load   flag -> 0',
      '  cpu0 A   wait_for_flag store  tries = 1',
      'Seen in 1 execution; first at execution 0.',
    ]);
    const r = pagerace(['check', spec, '--json', '--no-out']);
    const trace = (JSON.parse(r.stdout) as Report).results[0].violations[0].trace;
    expect(trace.map((s) => [s.step, s.op, s.repeat ?? null])).toEqual([
      [0, 'load', null],
      [1, 'store', null],
      [2, 'repeat', { steps: 2, times: 49_998 }],
      [99_998, 'load', null],
      [99_999, 'store', null],
    ]);
    // replay collapses the same way
    const token = /^Replay: pagerace replay (\S+)$/m.exec(text.stdout)![1];
    const replay = pagerace(['replay', token, '--model', spec]);
    expect(replay.code).toBe(1);
    expect(replay.stdout.split('\n')[0]).toBe('Replaying spin-reads:default, 100000 steps, 0 preemptions');
    expect(replay.stdout).toContain('\n  ... the same 2 steps repeated 49,998 times ...\n');
  });

  it('fork-vs-sync:mutant-sync-before-store-l4-fresh --strategy dpor --keep-going: exit 0, and every token replays (exit 1)', () => {
    const r = pagerace([
      'check',
      'fork-vs-sync:mutant-sync-before-store-l4-fresh',
      '--strategy',
      'dpor',
      '--keep-going',
      '--json',
      '--no-out',
    ]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const res = (JSON.parse(r.stdout) as Report).results[0];
    expect([res.verdict, res.complete, res.executions, res.conclusion]).toEqual(['violation', true, 4, 'ok']);
    expect(res.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([
      'sync-postcondition: p4d_populate_kernel(ffffe70000000000) returned but B.pgd[462] = 0x0000000000000000, init_mm.pgd[462] = 0x0000000004004067',
      'sync-postcondition: p4d_populate_kernel(ffffe70000000000) returned but B.pgd[462] = 0x0000000000000000, init_mm.pgd[462] = 0x0000000004005067',
    ]);
    for (const v of res.violations) {
      const replay = pagerace(['replay', v.token]);
      expect(replay.code).toBe(1);
      expect(replay.stdout.split('\n')[1]).toBe(`sync-postcondition: ${v.message}`);
    }
  });
});
