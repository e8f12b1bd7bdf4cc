import type { Cpu, Steps } from '../engine/cpu.js';
import { LOCKLESS_PRECONDITION } from './kinds.js';
import type { KernelMachine } from './machine.js';

function hex(v: bigint): string {
  return `0x${BigInt.asUintN(64, v).toString(16)}`;
}

/**
 * `locklessWalkBegin` marks a lockless walk of [start, end) in flight on CPU `c` (ghost state).
 * `end` is written first without a scheduling point; `start` with a real store, so partial-order
 * reduction orders it against every modifier's `assertNoLocklessWalk` (a real read of these words).
 */
export function* locklessWalkBegin(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.mem.store(k.ghost.locklessEnd(c.id), end);
  yield c.immediateStore(k.ghost.locklessStart(c.id), start, 'ghost: lockless walk begins');
}

/** `locklessWalkEnd` marks the end of CPU `c`'s lockless walk. */
export function* locklessWalkEnd(c: Cpu, k: KernelMachine): Steps {
  yield c.immediateStore(k.ghost.locklessStart(c.id), 0n, 'ghost: lockless walk ends');
}

/**
 * `assertNoLocklessWalk` is the lockless-precondition oracle (docs/invariants.md I6), called by code about
 * to free, split or clear page tables that map [lo, hi): no other CPU may be inside a lockless
 * walk of an overlapping range, since walk_kernel_page_table_range_lockless() is only allowed to a
 * caller with exclusive control of its range. It is one real read of the ghost registry (shown in
 * traces as `ghost: lockless walks?`), so the search orders it against walks beginning and ending.
 */
export function* assertNoLocklessWalk(c: Cpu, k: KernelMachine, lo: bigint, hi: bigint, what: string): Steps {
  const g = k.ghost;
  const n = k.cpus.length;
  yield c.awaitRange(g.lockless, 2 * n, () => true, 'ghost: lockless walks?');
  for (let cpu = 0; cpu < n; cpu++) {
    if (cpu === c.id) continue;
    const s = BigInt.asUintN(64, c.mem.load(g.locklessStart(cpu)));
    if (s === 0n) continue;
    const e = BigInt.asUintN(64, c.mem.load(g.locklessEnd(cpu)));
    if (s < hi && lo < e) {
      c.fail(
        LOCKLESS_PRECONDITION,
        `${g.cpuName(c.id)} in ${c.fn} is about to ${what} (mapping [${hex(lo)}, ${hex(hi)})) inside [${hex(s)}, ${hex(e)}), the range of ${g.cpuName(cpu)}'s lockless walk in flight`,
        [
          'WARNING: lockless kernel page-table walk without exclusive control of its range',
          `${g.cpuName(cpu)} walks [${hex(s)}, ${hex(e)}) with walk_kernel_page_table_range_lockless()`,
          `${g.cpuName(c.id)} in ${c.fn}: ${what}`,
        ],
      );
    }
  }
}
