import { describe, expect, it } from 'vitest';
import { BoundedScheduler } from '../../src/scheduler/bounded.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';
import { SourceDporScheduler } from '../../src/scheduler/source-dpor.js';
import { explore, program, steps } from '../helpers/programs.js';

// Exact execution counts, as shuttle's basic/dfs.rs asserts them: n CPUs of k independent steps
// have (nk)! / (k!)^n interleavings.
describe('DfsScheduler (plain, exhaustive)', () => {
  it.each([
    [2, 2, 6],
    [2, 3, 20],
    [3, 2, 90],
    [2, 5, 252],
  ])('%i CPUs x %i steps: %i executions', (cpus, k, expected) => {
    const prog = program(
      ['a', 'b', 'c'],
      Array.from({ length: cpus }, () => steps(k)),
    );
    const s = new DfsScheduler();
    expect(explore(prog, s).executions).toBe(expected);
    expect(s.exhausted).toBe(true);
  });

  it('explores only the subtree below a prefix', () => {
    const prog = program(['a', 'b'], [steps(2), steps(2)]);
    // prefix [1]: cpu1 first, then C(3,1) = 3 ways to place its second step
    expect(explore(prog, new DfsScheduler([1])).executions).toBe(3);
    expect(explore(prog, new DfsScheduler([0])).executions).toBe(3);
  });
});

describe('DporScheduler', () => {
  it('explores independent CPUs once', () => {
    const prog = program(['a', 'b', 'c'], [steps(3), steps(3), steps(3)]);
    const s = new SourceDporScheduler();
    const t = explore(prog, s);
    expect(t.executions).toBe(1);
    expect(s.exhausted).toBe(true);
  });
});

describe('BoundedScheduler (iterative context bounding)', () => {
  it.each([
    // 2 CPUs x 2 steps: 0 preemptions = 2 (run one CPU to the end, then the other); 1 = 4; 2 = all 6
    [0, 2],
    [1, 4],
    [2, 6],
  ])('bound %i: %i executions', (bound, expected) => {
    const prog = program(['a', 'b'], [steps(2), steps(2)]);
    expect(explore(prog, new BoundedScheduler(bound)).executions).toBe(expected);
  });
});
