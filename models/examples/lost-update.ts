import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { Violation } from '../../src/engine/violation.js';
import { MachineBuilder } from '../../src/model/builder.js';
import { defineModel } from '../../src/model/define.js';

/**
 * `Increment` is one CPU's way of adding 1 to the counter at `counter`, guarded by `lock`; each
 * is kernel function `increment` (it enters its own frame).
 */
type Increment = (c: Cpu, counter: number, lock: number) => Steps;

function build(increment: Increment): Program {
  const m = new MachineBuilder(1);
  const counter = m.word('counter');
  const lock = m.word('counter_lock');
  const cpu = (name: string) => ({ name, run: (c: Cpu) => increment(c, counter, lock) });
  return m.program(
    [cpu('A'), cpu('B')],
    [
      {
        name: 'both increments counted',
        atEnd(mem) {
          const v = mem.load(counter);
          if (v !== 2n) throw new Violation('assertion', `counter is ${v} after two increments, expected 2`);
        },
      },
    ],
  );
}

/** `plain` is `counter = counter + 1` as two separate accesses. */
function* plain(c: Cpu, counter: number): Steps {
  c.enter('increment');
  const v = yield c.load(counter);
  yield c.store(counter, v + 1n);
  c.leave();
}

/** `cmpxchgLoop` retries until its compare-exchange sees the value it read. */
function* cmpxchgLoop(c: Cpu, counter: number): Steps {
  c.enter('increment');
  let v = yield c.load(counter);
  for (;;) {
    const old = yield c.cas(counter, v, v + 1n);
    if (old === v) return c.leave();
    v = old;
  }
}

/** `locked` does the plain increment under a spinlock. */
function* locked(c: Cpu, counter: number, lock: number): Steps {
  c.enter('increment');
  yield c.lock(lock, 'spin_lock');
  const v = yield c.load(counter);
  yield c.store(counter, v + 1n);
  yield c.unlock(lock, 'spin_unlock');
  c.leave();
}

export default defineModel({
  name: 'lost-update',
  summary: 'two CPUs increment a shared counter; a plain load/store increment loses one',
  variants: {
    buggy: {
      summary: 'load then store: both CPUs can read 0 and both write 1',
      expect: { violation: 'assertion' },
      build: () => build(plain),
    },
    fixed: {
      summary: 'compare-exchange loop',
      expect: 'clean',
      build: () => build(cmpxchgLoop),
    },
    locked: {
      summary: 'load and store under a spinlock',
      expect: 'clean',
      build: () => build(locked),
    },
  },
});
