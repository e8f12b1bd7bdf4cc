import type { Cpu, Steps } from '../engine/cpu.js';
import { readEntry, tableOf } from './access.js';
import type { KernelMachine, MmInfo } from './machine.js';
import { free_pgtable_page } from './pgalloc.js';
import { call_rcu } from './rcu.js';
import { flush_tlb_kernel_range } from './tlb.js';

/**
 * `pte_free_defer` (arch/x86/mm/pgtable.c, mm/pgtable-generic.c): free a PTE table that lockless
 * pte_offset_map() users may still hold, after an RCU grace period (call_rcu -> pte_free_now).
 */
export function* pte_free_defer(c: Cpu, k: KernelMachine, frame: number): Steps {
  c.enter('pte_free_defer');
  yield* call_rcu(c, k, 'pte_free_now', free_pgtable_page(c, k, frame, 'pagetable_dtor_free'));
  c.leave();
}

/** `pte_free` frees a PTE table at once: wrong for a table lockless readers may hold. */
export function* pte_free(c: Cpu, k: KernelMachine, frame: number): Steps {
  c.enter('pte_free');
  yield* free_pgtable_page(c, k, frame, 'pagetable_dtor_free');
  c.leave();
}

/**
 * `retract_page_tables` (mm/khugepaged.c), for one pmd of a file THP: with pmd_lock and the PTE
 * lock held, `pmdp_collapse_flush` clears the pmd (pmdp_huge_get_and_clear, one atomic step)
 * and flushes the TLB; then the locks are dropped and the detached PTE table is freed with
 * pte_free_defer (or, with `rcuFree` false, at once with pte_free). pmd_lock is `mm`'s
 * page_table_lock (no split PMD locks in the model); the PTE lock is the table's split lock.
 */
export function* retract_page_tables(
  c: Cpu,
  k: KernelMachine,
  mm: MmInfo,
  pmdp: number,
  rcuFree = true,
): Steps {
  c.enter('retract_page_tables');
  const pml = mm.pageTableLock;
  yield c.lock(pml, 'pmd_lock');
  const pmd = yield* readEntry(c, k, pmdp, 2, 'pte_lockptr(mm, pmd)');
  if (!k.fmt.table(pmd, 2)) {
    yield c.unlock(pml, 'spin_unlock(pml)');
    return c.leave();
  }
  const table = tableOf(c, k, pmd, 1, pmdp) >>> 12;
  const ptl = k.ptlOf(table);
  yield c.lock(ptl, 'spin_lock_nested(ptl)');
  c.enter('pmdp_collapse_flush');
  // the pmd only changes under pml, which this CPU holds, so the value read above is current
  yield c.cas(pmdp, c.mem.load(pmdp), 0n, 'pmdp_huge_get_and_clear');
  // flush_tlb_range(vma, haddr, haddr + HPAGE_PMD_SIZE): the model has no vma address here, so
  // every CPU flushes everything, a superset of the range
  yield* flush_tlb_kernel_range(c, k, 0n, -1n, 'flush_tlb_range');
  c.leave();
  yield c.unlock(ptl, 'spin_unlock(ptl)');
  yield c.unlock(pml, 'spin_unlock(pml)');
  if (rcuFree) yield* pte_free_defer(c, k, table);
  else yield* pte_free(c, k, table);
  c.leave();
}
