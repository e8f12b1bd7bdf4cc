import { describe, expect, it } from 'vitest';
import { collapseRepeats, formatTrace, type TraceStep, traceSteps } from '../../src/engine/trace.js';

const step = (i: number, op: string, value = ''): TraceStep => ({
  step: i,
  cpu: 0,
  task: 'A',
  fn: 'f',
  stack: ['f'],
  op,
  addr: 'x',
  value,
});

describe('collapseRepeats', () => {
  it('a loop of one step: the first and last kept, the 98 between them one line', () => {
    const trace = Array.from({ length: 100 }, (_, i) => step(i, 'load', '-> 0'));
    const out = collapseRepeats(trace);
    expect(formatTrace(out)).toEqual([
      '  cpu0 A   f        load   x -> 0',
      '  ... the same step repeated 98 times ...',
      '  cpu0 A   f        load   x -> 0',
    ]);
    expect(traceSteps(out)).toBe(100);
  });

  it('what comes before and after the loop is kept as it is', () => {
    const loop = Array.from({ length: 30 }, (_, i) =>
      step(i + 1, i % 3 === 0 ? 'load' : 'store', String(i % 3)),
    );
    const trace = [step(0, 'lock'), ...loop, step(31, 'unlock', 'done')];
    const out = collapseRepeats(trace);
    expect(out.map((s) => s.repeat ?? s.op)).toEqual([
      'lock',
      'load',
      'store',
      'store',
      { steps: 3, times: 8 },
      'load',
      'store',
      'store',
      'unlock',
    ]);
    expect(out[4].step).toBe(4);
    expect(traceSteps(out)).toBe(trace.length);
  });

  it('short repeats (fewer than 10 hidden steps) and ordinary interleavings are left alone', () => {
    const double = Array.from({ length: 11 }, (_, i) => step(i, 'load', '-> 0'));
    expect(collapseRepeats(double).length).toBe(11);
    const distinct = Array.from({ length: 40 }, (_, i) => step(i, 'store', String(i)));
    expect(collapseRepeats(distinct)).toEqual(distinct);
  });
});
