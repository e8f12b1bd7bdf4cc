import { describe, expect, it } from 'vitest';
import { MachineBuilder } from '../../src/engine/builder.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import { Execution } from '../../src/engine/execution.js';
import type { Scheduler } from '../../src/engine/scheduling.js';
import { Violation } from '../../src/engine/violation.js';
import { BoundedScheduler } from '../../src/scheduler/bounded.js';
import { DelayScheduler } from '../../src/scheduler/delay.js';
import { PCT_PROBES, PctScheduler } from '../../src/scheduler/pct.js';
import { explore, program, steps } from '../helpers/programs.js';

/** the lost update: three CPUs load and store a counter; losing one needs one preemption */
function lostUpdate() {
  const m = new MachineBuilder(1);
  const counter = m.word('counter');
  const inc = (name: string) => ({
    name,
    *run(c: Cpu): Steps {
      const v = yield c.load(counter);
      yield c.store(counter, v + 1n);
    },
  });
  return m.program(
    [inc('A'), inc('B'), inc('C')],
    [
      {
        name: 'every increment counted',
        atEnd(mem) {
          if (mem.load(counter) !== 3n) throw new Violation('assertion', 'an increment was lost');
        },
      },
    ],
  );
}

/** runs `s` to the end on `prog`: per counted execution, what it spent and whether it failed */
function runAll(s: Scheduler, prog = lostUpdate()) {
  const exec = new Execution(prog);
  const out: { preemptions: number; violation: boolean }[] = [];
  while (s.startExecution()) {
    const o = exec.run(s);
    s.endExecution();
    if (s.repeated === true) continue;
    out.push({ preemptions: o.preemptions, violation: o.violation !== null });
  }
  return out;
}

describe('BoundedScheduler: iterative context bounding', () => {
  it('explores every schedule within the bound once, fewest preemptions first', () => {
    const runs = runAll(new BoundedScheduler(3));
    const spent = runs.map((r) => r.preemptions);
    expect(spent).toEqual([...spent].sort((a, b) => a - b));
    // 3 CPUs x 2 steps, each schedule once: the 90 interleavings, minus those needing 4 switches
    expect(runs.length).toBe(
      explore(program(['a', 'b', 'c'], [steps(2), steps(2), steps(2)]), new BoundedScheduler(3)).executions,
    );
  });

  it('a larger bound finds the bug at the same execution as a smaller one', () => {
    const first = (bound: number) => runAll(new BoundedScheduler(bound)).findIndex((r) => r.violation);
    const at = first(1);
    expect(at).toBeGreaterThan(0);
    expect([first(2), first(3), first(4)]).toEqual([at, at, at]);
  });

  it.each([
    [0, 6],
    [1, 24],
    [2, 60],
    [3, 90],
  ])('3 CPUs x 2 steps, %i preemptions: %i executions', (bound, expected) => {
    const prog = program(['a', 'b', 'c'], [steps(2), steps(2), steps(2)]);
    expect(explore(prog, new BoundedScheduler(bound)).executions).toBe(expected);
  });
});

describe('DelayScheduler: delay bounding over round robin', () => {
  it.each([
    [2, 0, 1],
    [2, 1, 3],
    [2, 2, 5],
    [2, 3, 6],
    [3, 0, 1],
    [3, 1, 5],
    [3, 2, 15],
    [3, 3, 30],
  ])('%i CPUs x 2 steps, %i delays: %i executions', (cpus, bound, expected) => {
    const prog = program(
      ['a', 'b', 'c'],
      Array.from({ length: cpus }, () => steps(2)),
    );
    expect(explore(prog, new DelayScheduler(bound)).executions).toBe(expected);
  });

  it('2 CPUs x 2 steps, one delay: round robin, then the delay at each step where it changes the schedule', () => {
    const exec = new Execution(program(['a', 'b'], [steps(2), steps(2)]));
    const s = new DelayScheduler(1);
    const seen: string[] = [];
    while (s.startExecution()) {
      exec.run(s);
      s.endExecution();
      if (!s.repeated) seen.push(exec.choices.join(''));
    }
    expect(seen).toEqual(['0011', '0110', '1100']);
  });

  it('a larger delay bound finds the bug at the same execution as a smaller one', () => {
    const first = (bound: number) => runAll(new DelayScheduler(bound)).findIndex((r) => r.violation);
    const at = first(1);
    expect(at).toBeGreaterThanOrEqual(0);
    expect([first(2), first(3)]).toEqual([at, at]);
  });
});

describe('PctScheduler: the execution length measured once', () => {
  it(`k is the longest of ${PCT_PROBES} random probe executions, which are not counted`, () => {
    const exec = new Execution(lostUpdate());
    const s = new PctScheduler('5', 3);
    let repeated = 0;
    for (let i = 0; i < PCT_PROBES + 3 && s.startExecution(); i++) {
      exec.run(s);
      s.endExecution();
      if (s.repeated) repeated++;
    }
    expect(repeated).toBe(PCT_PROBES);
    // every execution of this program takes 6 steps
    expect(s.estimatedLength).toBe(6);
  });

  it('execution i is the same whatever range it runs in', () => {
    const schedules = (first: number, end: number) => {
      const exec = new Execution(lostUpdate());
      const s = new PctScheduler('9', 2, first, end);
      const out: string[] = [];
      while (s.startExecution()) {
        exec.run(s);
        s.endExecution();
        if (!s.repeated) out.push(exec.choices.join(''));
      }
      return out;
    };
    const whole = schedules(0, 40);
    expect(whole).toHaveLength(40);
    expect([...schedules(0, 17), ...schedules(17, 23), ...schedules(23, 40)]).toEqual(whole);
  });
});
