import { mkTableDesc } from '../arch/arm64/pgtable.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { dsb_ishst, isb } from './barrier.js';
import { type WalkContext, writeEntry } from './walk/access.js';

/**
 * arm64's table stores (arch/arm64/include/asm/pgtable.h), with the barriers they carry so that
 * the table walker sees them: a valid kernel entry is followed by `dsb(ishst); isb()`
 * (emit_pte_barriers: "The dsb makes the store visible to the table walker. The isb ensures that
 * any previous speculative "invalid translation" marker that is in the CPU's pipeline gets
 * cleared"). Nothing orders a store before an earlier one: that is what callers' barriers do.
 */

/** `set_pmd`: WRITE_ONCE(*pmdp, pmd); if (pmd_valid(pmd)) { dsb(ishst); isb(); } */
export function* set_pmd(c: Cpu, w: WalkContext, pmdp: number, pmd: bigint): Steps {
  yield* writeEntry(c, w, pmdp, 2, pmd, 'set_pmd');
  if ((pmd & 1n) !== 0n) {
    yield dsb_ishst(c);
    yield isb(c);
  }
}

/** `pmd_populate_kernel` -> `__pmd_populate(pmdp, __pa(ptep), PMD_TYPE_TABLE)`: set_pmd of a table descriptor. */
export function* pmd_populate_kernel(c: Cpu, w: WalkContext, pmdp: number, table: number): Steps {
  yield* set_pmd(c, w, pmdp, mkTableDesc(BigInt(table)));
}

/** `__set_pte_nosync`: WRITE_ONCE(*ptep, pte), the barriers left to the caller. */
export function* __set_pte_nosync(c: Cpu, w: WalkContext, ptep: number, pte: bigint): Steps {
  yield* writeEntry(c, w, ptep, 1, pte, '__set_pte_nosync');
}

/** `__set_pte`: __set_pte_nosync, then __set_pte_complete's barriers for a valid kernel pte. */
export function* __set_pte(c: Cpu, w: WalkContext, ptep: number, pte: bigint): Steps {
  yield* writeEntry(c, w, ptep, 1, pte, '__set_pte');
  if ((pte & 1n) !== 0n) {
    yield dsb_ishst(c);
    yield isb(c);
  }
}
