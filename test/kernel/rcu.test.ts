import { describe, expect, it } from 'vitest';
import type { Cpu } from '../../src/engine/cpu.js';
import { call_rcu, Rcu, rcu_read_lock, rcu_read_unlock } from '../../src/kernel/rcu.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { MachineBuilder } from '../../src/model/builder.js';
import { dpor, runTraced } from './walk/solo.js';

/**
 * A reader finds the object through a published pointer and reads it twice inside a read-side
 * section; the writer unpublishes it and frees it with call_rcu.
 */
function program(readerLocks: boolean) {
  const m = new MachineBuilder(3);
  const t = m.frame(FrameState.Data, 'obj');
  const ptr = m.word('gp', BigInt(m.frameAddr(t)));
  const rcu = new Rcu(m, 2);
  const check = (c: Cpu) => {
    if (c.mem.state(t) === FrameState.Free) c.fail('use-after-free', 'reader read obj after it was freed');
  };
  return m.program([
    {
      name: 'R',
      *run(c: Cpu) {
        if (readerLocks) yield* rcu_read_lock(c, rcu);
        const p = Number(yield c.load(ptr, 'rcu_dereference(gp)'));
        if (p !== 0) {
          yield c.load(p, 'read obj');
          check(c);
          yield c.load(p, 'read obj');
          check(c);
        }
        if (readerLocks) yield* rcu_read_unlock(c, rcu);
      },
    },
    {
      name: 'W',
      *run(c: Cpu) {
        yield c.store(ptr, 0n, 'rcu_assign_pointer(gp, NULL)');
        yield* call_rcu(
          c,
          rcu,
          'free_obj',
          (function* () {
            yield c.free(t, 'kfree');
          })(),
        );
      },
    },
  ]);
}

describe('RCU', () => {
  it('the callback runs only after the reader has left its read-side section', () => {
    const r = dpor(program(true));
    expect(r.violations.size).toBe(0);
    expect(r.executions).toBe(5);
  });

  it('a reader outside any read-side section is not waited for', () => {
    const r = dpor(program(false));
    expect([...r.violations.keys()]).toEqual(['use-after-free: reader read obj after it was freed']);
  });

  it('synchronize_rcu snapshots the reader word and waits for it to change', () => {
    const { o, lines } = runTraced(program(true));
    expect(o.violation).toBeNull();
    expect(lines).toEqual([
      '0  rcu_read_lock rcu.reader[cpu0] = 1',
      '0  rcu_dereference(gp) gp -> 0x0000000000001000',
      '0  read obj obj[0] -> 0',
      '0  read obj obj[0] -> 0',
      '0  rcu_read_unlock rcu.reader[cpu0] = 2',
      '1  rcu_assign_pointer(gp, NULL) gp = 0',
      '1 synchronize_rcu rcu: snapshot reader rcu.reader[cpu0] -> 2',
      '1 free_obj kfree obj',
    ]);
  });
});
