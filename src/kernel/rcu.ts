import type { Cpu, Steps } from '../engine/cpu.js';
import type { MachineBuilder } from '../model/builder.js';

/**
 * `Rcu` is RCU for the models (kernel/rcu/): one word per CPU counts that CPU's read-side
 * critical sections: odd while inside one (rcu_read_lock stores n + 1, rcu_read_unlock n + 2).
 * A grace period (synchronize_rcu) snapshots every other CPU's word and waits, with a
 * spin-assume (awaitValue), until each CPU that was inside a section has left it, i.e. its word
 * changed. Readers that enter after the snapshot are not waited for, as in the kernel. Nesting is
 * not modelled (a CPU is in at most one section).
 */
export class Rcu {
  readonly readers: number;

  constructor(
    m: MachineBuilder,
    readonly cpus: number,
  ) {
    this.readers = m.word('rcu.reader[cpu0]');
    for (let i = 1; i < cpus; i++) m.word(`rcu.reader[cpu${i}]`);
  }

  reader(cpu: number): number {
    return this.readers + 8 * cpu;
  }
}

/** `rcu_read_lock` enters a read-side critical section (one store to this CPU's reader word). */
export function* rcu_read_lock(c: Cpu, rcu: Rcu): Steps {
  const w = rcu.reader(c.id);
  const n = c.mem.load(w); // only this CPU writes its word
  if ((n & 1n) === 1n) c.fail('model-error', `cpu${c.id}: nested rcu_read_lock is not modelled`);
  yield c.store(w, n + 1n, 'rcu_read_lock');
}

/** `rcu_read_unlock` leaves the read-side critical section. */
export function* rcu_read_unlock(c: Cpu, rcu: Rcu): Steps {
  const w = rcu.reader(c.id);
  const n = c.mem.load(w);
  if ((n & 1n) === 0n)
    c.fail('assertion', `cpu${c.id}: rcu_read_unlock outside a read-side critical section`);
  yield c.store(w, n + 1n, 'rcu_read_unlock');
}

/**
 * `synchronize_rcu` waits for a grace period: every CPU that is inside a read-side section when
 * it starts has left that section when it returns.
 */
export function* synchronize_rcu(c: Cpu, rcu: Rcu): Steps {
  c.enter('synchronize_rcu');
  for (let i = 0; i < rcu.cpus; i++) {
    if (i === c.id) continue;
    const seen = yield c.load(rcu.reader(i), 'rcu: snapshot reader');
    if ((seen & 1n) === 1n) {
      yield c.awaitValue(rcu.reader(i), (v) => v !== seen, 'rcu: wait for reader to leave');
    }
  }
  c.leave();
}

/**
 * `call_rcu` runs `callback` after a grace period. The model runs it on the calling CPU: the
 * caller waits out the grace period and then runs the callback, so nothing the caller does after
 * call_rcu overlaps the callback (a real callback runs later, from softirq, on any CPU).
 */
export function* call_rcu(c: Cpu, rcu: Rcu, fn: string, callback: Steps): Steps {
  c.enter('call_rcu');
  yield* synchronize_rcu(c, rcu);
  c.enter(fn);
  yield* callback;
  c.leave();
  c.leave();
}
