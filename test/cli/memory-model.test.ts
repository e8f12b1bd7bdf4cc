import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/json.js';
import { encodeToken } from '../../src/scheduler/token.js';
import { pagerace } from '../helpers/cli.js';

// `--memory-model` end to end: what a report of a weak-memory bug shows, that its token names the
// model and replays the same trace, and that bad input is one line and exit 2.
describe('pagerace check --memory-model', () => {
  it('mp:po under arm64: the outcome is reached, the trace shows the flushes and the stale read, and the model state', () => {
    const r = pagerace(['check', 'mp:po', '--memory-model', 'arm64', '--no-out']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const start = lines.indexOf('Interleaving, 0 preemptions, 6 steps:');
    expect(lines.slice(0, 2)).toEqual([
      '== mp:po@arm64: litmus-outcome (expected)',
      'litmus-outcome: MP: exists (1:r0=1 /\\ 1:r1=0) is reachable',
    ]);
    expect(lines.slice(start + 1, start + 18)).toEqual([
      '  cpu0 P0           store  x = 1',
      '  cpu0 P0           store  y = 1',
      '  cpu0 P0  [sb]     flush  x = 1',
      '  cpu0 P0  [sb]     flush  y = 1',
      '  cpu1 P1           load   y -> 1',
      '  cpu1 P1           load   x -> 0 (not the newest)',
      'Memory model at step 5 (cpu1 P1):',
      '  pending stores (oldest first; * may become visible next):',
      '    cpu0 P0: (empty)',
      '    cpu1 P1: (empty)',
      '  views (timestamps of the visible writes below):',
      '    cpu0 P0: vrOld 0, vwOld 2, vrNew 0, vRel 0',
      '    cpu1 P1: vrOld 2, vwOld 0, vrNew 0, vRel 0',
      '  visible writes, in the order they became visible:',
      '    1  cpu0 P0  x = 1',
      '    2  cpu0 P0  y = 1',
      'Seen in 1 execution; first at execution 10.',
    ]);
    const token = lines.find((l) => l.startsWith('Replay: pagerace replay '))!.slice(24);
    expect(token.startsWith('v2.')).toBe(true);
    const back = pagerace(['replay', token]);
    expect(back.code).toBe(1);
    const replayed = back.stdout.split('\n');
    expect(replayed[0]).toBe('Replaying mp:po under arm64, 6 steps, 0 preemptions');
    expect(replayed.slice(2, 8)).toEqual(lines.slice(start + 1, start + 7));
  });

  it('without --memory-model a litmus variant is checked under sc and every model its expectations name', () => {
    const r = pagerace(['check', 'sb', '--no-out', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.results.map((x) => [x.variant, x.memoryModel, x.verdict, x.executions, x.matches])).toEqual(
      [
        ['po', 'sc', 'clean', 3, true],
        ['po', 'tso', 'violation', 1, true],
        ['po', 'arm64', 'violation', 1, true],
        ['mbs', 'sc', 'clean', 3, true],
        ['mbs', 'tso', 'clean', 3, true],
        ['mbs', 'arm64', 'clean', 6, true],
      ],
    );
  });

  it('PAGERACE_MEMORY_MODEL picks the model; the flag wins; list shows the expectations under each', () => {
    const env = pagerace(['check', 'sb:po', '--no-out'], { PAGERACE_MEMORY_MODEL: 'tso' });
    expect(env.code).toBe(0);
    expect(env.stdout).toContain('== sb:po@tso: litmus-outcome (expected)');
    const flag = pagerace(['check', 'sb:po', '--no-out', '--memory-model', 'sc'], {
      PAGERACE_MEMORY_MODEL: 'tso',
    });
    expect(flag.stdout.trimEnd().split('\n').pop()).toMatch(
      /^sb:po: clean after 3 executions \(dpor, complete, [0-9.]+s\)$/,
    );
    const list = pagerace(['list']);
    expect(list.stdout).toContain(`${' '.repeat(31)}under sc; tso: litmus-outcome, arm64: litmus-outcome`);
  });

  it('a bad --memory-model, or a token naming a model this pagerace does not have, is one line and exit 2', () => {
    const bad = pagerace(['check', 'sb:po', '--memory-model', 'pso', '--no-out']);
    expect([bad.code, bad.stderr.trimEnd().split('\n')]).toEqual([
      2,
      ["pagerace: --memory-model must be sc, tso, arm64, got 'pso'"],
    ]);
    const token = encodeToken({
      model: 'sb',
      variant: 'po',
      maxSteps: 100000,
      choices: [0],
      settings: { 'memory-model': 'pso' },
    });
    const r = pagerace(['replay', token]);
    expect([r.code, r.stderr.trimEnd().split('\n')]).toEqual([
      2,
      ["pagerace: the token names memory model 'pso', which this pagerace does not have"],
    ]);
  });
});
