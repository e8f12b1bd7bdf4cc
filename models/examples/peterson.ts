import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { MachineBuilder } from '../../src/model/builder.js';
import { defineModel } from '../../src/model/define.js';

/**
 * Peterson's mutual exclusion for two CPUs (G. L. Peterson, "Myths about the mutual exclusion
 * problem", IPL 1981), under sequential consistency. The busy-wait is a spin-assume over the three
 * words `flag[0]`, `flag[1]`, `turn`, laid out side by side.
 */
interface Words {
  flags: number;
  turn: number;
  inCs: number;
}

function* critical(c: Cpu, w: Words): Steps {
  c.enter('critical_section');
  const inside = yield c.load(w.inCs);
  c.assert(inside === 0n, 'two CPUs are in the critical section at once');
  yield c.store(w.inCs, 1n);
  yield c.store(w.inCs, 0n);
  c.leave();
}

function* peterson(c: Cpu, w: Words): Steps {
  c.enter('peterson_lock');
  const me = c.id;
  const other = 1 - me;
  const myFlag = w.flags + 8 * me;
  const otherFlag = w.flags + 8 * other;
  yield c.store(myFlag, 1n);
  yield c.store(w.turn, BigInt(other));
  yield c.awaitRange(w.flags, 3, () => c.mem.load(otherFlag) === 0n || c.mem.load(w.turn) === BigInt(me));
  yield* critical(c, w);
  yield c.store(myFlag, 0n);
  c.leave();
}

/** `checkThenRaise` looks at the other flag before raising its own: both can get in. */
function* checkThenRaise(c: Cpu, w: Words): Steps {
  c.enter('peterson_lock');
  const me = c.id;
  const otherFlag = w.flags + 8 * (1 - me);
  yield c.awaitValue(otherFlag, (v) => v === 0n);
  yield c.store(w.flags + 8 * me, 1n);
  yield* critical(c, w);
  yield c.store(w.flags + 8 * me, 0n);
  c.leave();
}

/** `build` runs `lock` (which enters its own `peterson_lock` frame) on two CPUs. */
function build(lock: (c: Cpu, w: Words) => Steps): Program {
  const m = new MachineBuilder(1);
  const flags = m.word('flag[0]');
  m.word('flag[1]');
  const turn = m.word('turn');
  const inCs = m.word('in_critical_section');
  const w = { flags, turn, inCs };
  const cpu = (name: string) => ({ name, run: (c: Cpu) => lock(c, w) });
  return m.program([cpu('A'), cpu('B')]);
}

export default defineModel({
  name: 'peterson',
  summary: "Peterson's mutual exclusion; checking the other flag before raising one's own breaks it",
  variants: {
    correct: {
      summary: 'raise own flag, give the turn away, wait',
      expect: 'clean',
      build: () => build(peterson),
    },
    'check-then-raise': {
      summary: "wait for the other flag to drop, then raise one's own",
      expect: { violation: 'assertion' },
      build: () => build(checkThenRaise),
    },
  },
});
