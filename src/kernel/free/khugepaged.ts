import type { Cpu, Steps } from '../../engine/cpu.js';
import type { PteMapContext } from '../pte-offset-map.js';
import { call_rcu } from '../rcu.js';
import { readEntry, tableOf } from '../walk/access.js';
import { flush_tlb_kernel_range, free_pgtable_page } from './free-table.js';

/**
 * `pte_free_defer` (arch/x86/mm/pgtable.c, mm/pgtable-generic.c): free a PTE table that lockless
 * pte_offset_map() users may still hold, after an RCU grace period (call_rcu -> pte_free_now).
 */
export function* pte_free_defer(c: Cpu, ctx: PteMapContext, frame: number): Steps {
  c.enter('pte_free_defer');
  yield* call_rcu(c, ctx.rcu, 'pte_free_now', free_pgtable_page(c, ctx.w, frame, 'pagetable_dtor_free'));
  c.leave();
}

/** `pte_free` frees a PTE table at once: wrong for a table lockless readers may hold. */
export function* pte_free(c: Cpu, ctx: PteMapContext, frame: number): Steps {
  c.enter('pte_free');
  yield* free_pgtable_page(c, ctx.w, frame, 'pagetable_dtor_free');
  c.leave();
}

/** `CollapseLocks` are the locks retract_page_tables takes: pmd_lock and the PTE table's lock. */
export interface CollapseLocks {
  /** pmd_lockptr(mm, pmd): mm->page_table_lock (no split PMD locks in the model) */
  pml: number;
}

/**
 * `retract_page_tables` (mm/khugepaged.c), for one pmd of a file THP: with pmd_lock and the PTE
 * lock held, `pmdp_collapse_flush` clears the pmd (pmdp_huge_get_and_clear, one atomic step)
 * and flushes the TLB; then the locks are dropped and the detached PTE table is freed with
 * pte_free_defer (or, with `rcuFree` false, at once with pte_free).
 */
export function* retract_page_tables(
  c: Cpu,
  ctx: PteMapContext,
  l: CollapseLocks,
  pmdp: number,
  rcuFree = true,
): Steps {
  c.enter('retract_page_tables');
  const w = ctx.w;
  yield c.lock(l.pml, 'pmd_lock');
  const pmd = yield* readEntry(c, w, pmdp, 2, 'pte_lockptr(mm, pmd)');
  if (!w.fmt.table(pmd, 2)) {
    yield c.unlock(l.pml, 'spin_unlock(pml)');
    return c.leave();
  }
  const table = tableOf(c, w, pmd, 1, pmdp) >>> 12;
  const ptl = ctx.ptlOf(table);
  yield c.lock(ptl, 'spin_lock_nested(ptl)');
  c.enter('pmdp_collapse_flush');
  // the pmd only changes under pml, which this CPU holds, so the value read above is current
  yield c.cas(pmdp, c.mem.load(pmdp), 0n, 'pmdp_huge_get_and_clear');
  yield* flush_tlb_kernel_range(c, w, 'flush_tlb_range');
  c.leave();
  yield c.unlock(ptl, 'spin_unlock(ptl)');
  yield c.unlock(l.pml, 'spin_unlock(pml)');
  if (rcuFree) yield* pte_free_defer(c, ctx, table);
  else yield* pte_free(c, ctx, table);
  c.leave();
}
