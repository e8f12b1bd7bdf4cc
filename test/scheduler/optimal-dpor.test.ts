import { describe, expect, it } from 'vitest';
import { MachineBuilder } from '../../src/engine/builder.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import { OptimalDporScheduler } from '../../src/scheduler/optimal-dpor.js';
import { SourceDporScheduler } from '../../src/scheduler/source-dpor.js';
import { explore, program, steps } from '../helpers/programs.js';

/** `kPairs` is k pairs of CPUs, each pair contending for its own lock around its own counter. */
function kPairs(k: number) {
  const m = new MachineBuilder(1);
  const locks = Array.from({ length: k }, (_, i) => m.word(`lock${i}`));
  const data = Array.from({ length: k }, (_, i) => m.word(`data${i}`));
  return m.program(
    Array.from({ length: 2 * k }, (_, i) => ({
      name: `P${i}`,
      *run(c: Cpu): Steps {
        const pair = i >> 1;
        yield c.lock(locks[pair]);
        const v = yield c.load(data[pair]);
        yield c.store(data[pair], v + 1n);
        yield c.unlock(locks[pair]);
      },
    })),
  );
}

function optimal(prog: ReturnType<typeof kPairs>, words: number[] = []) {
  const s = new OptimalDporScheduler();
  const t = explore(prog, s, words);
  return { ...t, pruned: s.pruned, fallbacks: s.fallbacks, exhausted: s.exhausted };
}

describe('OptimalDporScheduler: one execution per Mazurkiewicz trace, none blocked by its sleep set', () => {
  it('explores independent CPUs once', () => {
    const r = optimal(program(['a', 'b', 'c'], [steps(3), steps(3), steps(3)]));
    expect(r).toMatchObject({ executions: 1, pruned: 0, exhausted: true });
  });

  // issue 14: source-DPOR also runs 0, 4, 28, 148, 716, ... sleep-set-blocked executions
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])('k-pairs, k = %i: 2^k executions, nothing pruned', (k) => {
    const r = optimal(kPairs(k));
    expect(r).toMatchObject({ executions: 2 ** k, pruned: 0, fallbacks: 0, exhausted: true });
  });

  it('k-pairs, k = 4: source-DPOR explores the same 16 traces and prunes 148 executions', () => {
    const s = new SourceDporScheduler();
    expect(explore(kPairs(4), s).executions).toBe(16);
    expect(s.pruned).toBe(148);
  });

  it('a data choice is an event: 2 values x 2 CPUs x both orders of the stores = 8 executions', () => {
    // P0 chooses inside a critical section, P1 outside it: the values are independent of the
    // order, so no choice may be explored in only one of the orders
    const m = new MachineBuilder(1);
    const w = m.word('w');
    const lock = m.word('lock');
    const prog = m.program([
      {
        name: 'P0',
        *run(c: Cpu): Steps {
          yield c.lock(lock);
          const v = yield c.choose(2);
          yield c.store(w, v + 1n);
          yield c.unlock(lock);
        },
      },
      {
        name: 'P1',
        *run(c: Cpu): Steps {
          const v = yield c.choose(2);
          yield c.store(w, v + 3n);
        },
      },
    ]);
    const r = optimal(prog);
    expect(r).toMatchObject({ executions: 8, pruned: 0, fallbacks: 0 });
  });

  it('an await that only a write lets through is not tried before that write', () => {
    const m = new MachineBuilder(1);
    const x = m.word('x');
    const prog = m.program([
      {
        name: 'A',
        *run(c: Cpu): Steps {
          yield c.store(x, 1n);
        },
      },
      {
        name: 'B',
        *run(c: Cpu): Steps {
          yield c.awaitValue(x, (v) => v === 1n);
        },
      },
    ]);
    expect(optimal(prog)).toMatchObject({ executions: 1, pruned: 0, fallbacks: 0 });
  });

  it('a CPU blocked on an await races with the write that blocked it (Flanagan-Godefroid pending steps)', () => {
    // A writes x = 1, 0, 1; B waits for x == 0: B before A, B between the second and third
    // write, or B blocked for good after the third (a deadlock): three traces
    const m = new MachineBuilder(1);
    const x = m.word('x');
    const prog = m.program([
      {
        name: 'A',
        *run(c: Cpu): Steps {
          yield c.store(x, 1n);
          yield c.store(x, 0n);
          yield c.store(x, 1n);
        },
      },
      {
        name: 'B',
        *run(c: Cpu): Steps {
          yield c.awaitValue(x, (v) => v === 0n);
        },
      },
    ]);
    const r = optimal(prog);
    expect(r).toMatchObject({ executions: 3, pruned: 0, fallbacks: 0 });
    expect([...r.violations.keys()].map((k) => k.split(':')[0])).toEqual(['deadlock']);
  });

  it('a CPU blocked on a lock held to the end races with the acquisition that blocked it', () => {
    // each CPU takes the lock and never gives it back: whoever comes second waits forever
    const m = new MachineBuilder(1);
    const lock = m.word('lock');
    const hold = (name: string) => ({
      name,
      *run(c: Cpu): Steps {
        yield c.lock(lock);
      },
    });
    const r = optimal(m.program([hold('A'), hold('B')]));
    expect(r).toMatchObject({ executions: 2, pruned: 0, fallbacks: 0 });
    expect([...r.violations.values()]).toEqual([1, 1]);
  });

  it('readers of a shared lock and a writer: every order of the lock operations once', () => {
    // two readers and a writer of one rwsem: lock operations on one word are all dependent (they
    // write it), so each of the 14 interleavings that respect the lock is its own trace
    const m = new MachineBuilder(1);
    const sem = m.word('sem');
    const reader = (name: string) => ({
      name,
      *run(c: Cpu): Steps {
        yield c.readLock(sem);
        yield c.readUnlock(sem);
      },
    });
    const prog = m.program([
      reader('R0'),
      reader('R1'),
      {
        name: 'W',
        *run(c: Cpu): Steps {
          yield c.lock(sem);
          yield c.unlock(sem);
        },
      },
    ]);
    expect(optimal(prog)).toMatchObject({ executions: 14, pruned: 0, fallbacks: 0, exhausted: true });
  });
});
