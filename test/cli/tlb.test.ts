import { describe, expect, it } from 'vitest';
import { pagerace, untimed } from '../helpers/cli.js';

/** the interleaving's steps of the first violation printed */
function interleaving(stdout: string): string[] {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith('  cpu'));
  const end = lines.findIndex((l, i) => i > at && !l.startsWith('  cpu'));
  return lines.slice(at, end);
}

describe('--tlb', () => {
  it('a bad value is one line and exit 2', () => {
    const r = pagerace(['check', 'free-before-flush:buggy', '--tlb', 'maybe']);
    expect([r.code, r.stderr, r.stdout]).toEqual([2, "pagerace: --tlb must be on or off, got 'maybe'\n", '']);
  });

  it('off: the cacheless machine, recorded in the row; the buggy kernel looks clean: exit 1', () => {
    const r = pagerace(['check', 'free-before-flush:buggy', '--tlb', 'off']);
    expect(r.code).toBe(1);
    expect(untimed(r.stdout).split('\n')[0]).toBe(
      'free-before-flush:buggy (tlb=off): clean after 1 execution (dpor, complete)',
    );
  });

  it('on (the default): the stale translation is found; its token replays the same steps inline and on threads', () => {
    const r = pagerace(['check', 'free-before-flush:buggy']);
    expect(r.code).toBe(0);
    const token = /Replay: pagerace replay (v2\.\S+)/.exec(r.stdout)?.[1] ?? '';
    const steps = interleaving(r.stdout);
    expect(steps.slice(-2)).toEqual([
      '  cpu0 A   speculative walk  hw walk pmd pmd[0] -> 0',
      '  cpu0 A   speculative walk  tlb pmd 0 of 2   <-- stale-translation',
    ]);
    for (const executor of ['inline', 'threads']) {
      const replay = pagerace(['replay', token, '--executor', executor]);
      expect([executor, replay.code, interleaving(replay.stdout)]).toEqual([executor, 1, steps]);
    }
  });
});
