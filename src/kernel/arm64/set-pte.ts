import type { Cpu, Steps } from '../../engine/cpu.js';
import { writeEntry } from '../access.js';
import { dsb_ishst, isb } from '../barrier.js';
import type { KernelMachine } from '../machine.js';

/**
 * arm64's pte stores (arch/arm64/include/asm/pgtable.h), with the barriers a valid kernel entry
 * carries so that the table walker sees it: `dsb(ishst); isb()` (emit_pte_barriers: "The dsb
 * makes the store visible to the table walker. The isb ensures that any previous speculative
 * "invalid translation" marker that is in the CPU's pipeline gets cleared"). The table levels'
 * stores (set_pmd, set_pud, ...) carry the same barriers in the generic populate
 * (src/kernel/pgalloc.ts). Nothing orders a store before an earlier one: that is what callers'
 * barriers do.
 */

/** `__set_pte_nosync`: WRITE_ONCE(*ptep, pte), the barriers left to the caller. */
export function* __set_pte_nosync(c: Cpu, k: KernelMachine, ptep: number, pte: bigint): Steps {
  yield* writeEntry(c, k, ptep, 1, pte, '__set_pte_nosync');
}

/** `__set_pte`: __set_pte_nosync, then __set_pte_complete's barriers for a valid kernel pte. */
export function* __set_pte(c: Cpu, k: KernelMachine, ptep: number, pte: bigint): Steps {
  yield* writeEntry(c, k, ptep, 1, pte, '__set_pte');
  if ((pte & 1n) !== 0n) {
    yield dsb_ishst(c);
    yield isb(c);
  }
}
