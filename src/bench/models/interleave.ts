import { MachineBuilder } from '../../engine/builder.js';
import type { Cpu, Steps } from '../../engine/cpu.js';
import type { Program } from '../../engine/program.js';
import { Violation } from '../../engine/violation.js';
import { defineModel } from '../../model/define.js';

/**
 * `interleave` is the benchmark's (and the parallel tests') workload: `cpus` CPUs each make `ops`
 * accesses to one shared counter, alternately a load and a store of what it loaded plus one (a
 * plain, racy increment). With no reduction a complete DFS runs the multinomial
 * (cpus * ops)! / (ops!)^cpus executions: 34,650 for 3 x 4, 756,756 for 3 x 5 and 17,153,136
 * for 3 x 6, each of cpus * ops steps. It is not a bundled model: it is loaded by path.
 */
function* increment(c: Cpu, counter: number, ops: number): Steps {
  c.enter('increment');
  let v = 0n;
  for (let i = 0; i < ops; i++) {
    if (i % 2 === 0) v = yield c.load(counter);
    else yield c.store(counter, v + 1n);
  }
  c.leave();
}

/** `build` makes the program; `atLeast` is the smallest final counter the oracle accepts. */
function build(cpus: number, ops: number, atLeast: bigint): Program {
  const m = new MachineBuilder(1);
  const counter = m.word('counter');
  const names = ['A', 'B', 'C', 'D', 'E', 'F'];
  return m.program(
    names.slice(0, cpus).map((name) => ({
      name,
      run: (c: Cpu) => increment(c, counter, ops),
    })),
    [
      {
        name: 'enough increments counted',
        atEnd(mem) {
          const v = mem.load(counter);
          if (v < atLeast) throw new Violation('assertion', `counter is ${v}, expected at least ${atLeast}`);
        },
      },
    ],
  );
}

export default defineModel({
  name: 'interleave',
  summary: 'CPUs race plain increments of one counter (benchmark and parallel-search workload)',
  variants: {
    small: {
      summary: '3 CPUs x 4 accesses, 34,650 executions, clean',
      expect: 'clean',
      build: () => build(3, 4, 1n),
    },
    'small-lost': {
      summary: '3 CPUs x 4 accesses; four of the six increments lost',
      expect: { violation: 'assertion' },
      build: () => build(3, 4, 3n),
    },
    large: {
      summary: '3 CPUs x 5 accesses, 756,756 executions, clean',
      expect: 'clean',
      build: () => build(3, 5, 1n),
    },
    huge: {
      summary: '3 CPUs x 6 accesses, 17,153,136 executions, clean (the long search of the bench)',
      expect: 'clean',
      build: () => build(3, 6, 1n),
    },
  },
});
