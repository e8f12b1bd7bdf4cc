import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { MachineBuilder } from '../../src/model/builder.js';
import { defineModel } from '../../src/model/define.js';

function* lockedPair(c: Cpu, first: number, second: number): Steps {
  yield* c.lock(first, 'spin_lock');
  yield* c.lock(second, 'spin_lock');
  yield* c.unlock(second, 'spin_unlock');
  yield* c.unlock(first, 'spin_unlock');
}

function build(inverted: boolean): Program {
  const m = new MachineBuilder(1);
  const a = m.word('lock_a');
  const b = m.word('lock_b');
  return m.program([
    { name: 'A', run: (c: Cpu) => c.call('take_a_then_b', lockedPair(c, a, b)) },
    {
      name: 'B',
      run: (c: Cpu) =>
        c.call(
          inverted ? 'take_b_then_a' : 'take_a_then_b',
          inverted ? lockedPair(c, b, a) : lockedPair(c, a, b),
        ),
    },
  ]);
}

export default defineModel({
  name: 'lock-order',
  summary: 'two CPUs take two locks; opposite orders deadlock (ABBA)',
  variants: {
    buggy: {
      summary: 'A takes lock_a then lock_b, B takes lock_b then lock_a',
      expect: { violation: 'deadlock' },
      build: () => build(true),
    },
    fixed: {
      summary: 'both take lock_a first',
      expect: 'clean',
      build: () => build(false),
    },
  },
});
