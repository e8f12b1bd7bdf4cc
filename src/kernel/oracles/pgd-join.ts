import { OpKind } from '../../engine/op.js';
import type { Oracle } from '../../engine/program.js';
import { Violation } from '../../engine/violation.js';
import { INCOMPLETE_CLONE, SYNC_POSTCONDITION } from '../kinds.js';
import type { KernelMachine } from '../machine.js';
import { ghostPgdList } from '../x86/pgd-list.js';
import { isSynced } from './sync-postcondition.js';

function hex(e: bigint): string {
  return `0x${BigInt.asUintN(64, e).toString(16).padStart(16, '0')}`;
}

/**
 * `pgdJoinOracle` watches a PGD become reachable on pgd_list (the store `prev->next = new` with
 * `prev` the head or a listed PGD) and checks:
 * - I4: its clone of the kernel half is complete (`incomplete-clone`);
 * - I2 for PGDs added after a sync: every slot whose sync has returned is equal to init_mm's
 *   (`sync-postcondition`).
 */
export function pgdJoinOracle(k: KernelMachine): Oracle {
  return {
    name: 'I4 complete clone and I2 on joining pgd_list',
    afterStep(mem, _cpu, op) {
      if (op.kind !== OpKind.Store) return;
      // a join stores into the list head or an entry's next: cheap tests on the address first
      const prev = op.addr === k.pgdListHead ? null : k.mmOfLru(op.addr);
      if (op.addr !== k.pgdListHead && !prev) return;
      const joined = k.mmOfLru(k.__pa(op.value));
      if (!joined) return;
      const load = (a: number) => mem.load(a);
      if (prev && !ghostPgdList(k, load).includes(prev)) return;
      if (mem.load(joined.cloneDone) !== 1n) {
        throw new Violation(
          INCOMPLETE_CLONE,
          `${joined.name}.pgd joined pgd_list before pgd_ctor finished cloning the kernel half`,
        );
      }
      const pgd = k.pgdOf(joined, load);
      const initPgd = k.pgdOf(k.initMm, load);
      for (let i = k.arch.kernelPgdBoundary; i < k.fmt.ptrs(k.fmt.levels); i++) {
        if (!isSynced(k, mem, i)) continue;
        const e = mem.load(pgd + i * 8);
        const ref = mem.load(initPgd + i * 8);
        if (e !== ref) {
          throw new Violation(
            SYNC_POSTCONDITION,
            `${joined.name}.pgd joined pgd_list after the sync of slot ${i} returned, with ${joined.name}.pgd[${i}] = ${hex(e)}, init_mm.pgd[${i}] = ${hex(ref)}`,
          );
        }
      }
    },
  };
}
