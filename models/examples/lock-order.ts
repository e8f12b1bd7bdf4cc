import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { MachineBuilder } from '../../src/model/builder.js';
import { defineModel } from '../../src/model/define.js';

/** `lockedPair` is kernel function `fn`: take `first`, then `second`, release both. */
function* lockedPair(c: Cpu, fn: string, first: number, second: number): Steps {
  c.enter(fn);
  yield c.lock(first, 'spin_lock');
  yield c.lock(second, 'spin_lock');
  yield c.unlock(second, 'spin_unlock');
  yield c.unlock(first, 'spin_unlock');
  c.leave();
}

function build(inverted: boolean): Program {
  const m = new MachineBuilder(1);
  const a = m.word('lock_a');
  const b = m.word('lock_b');
  return m.program([
    { name: 'A', run: (c: Cpu) => lockedPair(c, 'take_a_then_b', a, b) },
    {
      name: 'B',
      run: (c: Cpu) =>
        inverted ? lockedPair(c, 'take_b_then_a', b, a) : lockedPair(c, 'take_a_then_b', a, b),
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
