import { describe, expect, it } from 'vitest';
import type { TraceStep } from '../../src/engine/trace.js';
import { tracedRaces } from '../../src/report/races.js';

function step(i: number, cpu: number, access: Partial<TraceStep>): TraceStep {
  return { step: i, cpu, task: `T${cpu}`, fn: 'f', op: 'op', addr: '', value: '', stack: ['f'], ...access };
}

const COUNTER: [number, number] = [64, 72];

describe('tracedRaces: the conflicting steps of different CPUs that nothing else orders', () => {
  it('lost-update (load A, load B, store B, store A): A.load-B.store and B.store-A.store race; B.load-A.store is ordered through B.store', () => {
    const trace = [
      step(0, 0, { read: COUNTER }),
      step(1, 1, { read: COUNTER }),
      step(2, 1, { write: COUNTER }),
      step(3, 0, { write: COUNTER }),
    ];
    expect(tracedRaces(trace)).toEqual([
      { first: 0, second: 2 },
      { first: 2, second: 3 },
    ]);
  });

  it('two reads never race; disjoint words never race; a fence touches nothing', () => {
    const trace = [
      step(0, 0, { read: COUNTER }),
      step(1, 1, { read: COUNTER }),
      step(2, 0, { write: [72, 80] }),
      step(3, 1, {}),
      step(4, 1, { write: [80, 88] }),
    ];
    expect(tracedRaces(trace)).toEqual([]);
  });

  it('a race already implied through a third CPU is not linked again', () => {
    // A writes x; B reads x then writes y; C reads y then reads x: C's read of x is ordered after
    // A's write through B, so only A-B and B-C are races
    const x: [number, number] = [0, 8];
    const y: [number, number] = [8, 16];
    const trace = [
      step(0, 0, { write: x }),
      step(1, 1, { read: x }),
      step(2, 1, { write: y }),
      step(3, 2, { read: y }),
      step(4, 2, { read: x }),
    ];
    expect(tracedRaces(trace)).toEqual([
      { first: 0, second: 1 },
      { first: 2, second: 3 },
    ]);
  });

  it('two uses of the frame allocator conflict whatever frames they touch', () => {
    const trace = [
      step(0, 0, { write: [4096, 8192], allocator: true }),
      step(1, 1, { write: [8192, 12288], allocator: true }),
    ];
    expect(tracedRaces(trace)).toEqual([{ first: 0, second: 1 }]);
  });
});
