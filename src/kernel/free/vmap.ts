import type { Cpu, Steps } from '../../engine/cpu.js';
import { readEntry, tableOf, type WalkContext, writeEntry } from '../walk/access.js';
import { assertNoLocklessWalk } from '../walk/lockless.js';
import { flush_tlb_kernel_range, free_pgtable_page } from './free-table.js';

/**
 * `pmd_free_pte_page` (arch/arm64/mm/mmu.c) frees the PTE table under `pmdp` so that vmalloc can
 * put a huge mapping there: read the pmd, pmd_clear, flush the table walk cache, free the table.
 * With `ptdumpLock` (arm64_ptdump_lock_key, fa93b45fd397) an empty mmap_read_lock(&init_mm)
 * section between the flush and the free waits out a ptdump walk that still holds the old pointer.
 */
export function* pmd_free_pte_page(
  c: Cpu,
  w: WalkContext,
  pmdp: number,
  addr: bigint,
  ptdumpLock: { mmapLock: number } | null = null,
): Steps<number> {
  c.enter('pmd_free_pte_page');
  const pmd = yield* readEntry(c, w, pmdp, 2, 'READ_ONCE(*pmdp)');
  if (!w.fmt.table(pmd, 2)) return c.leave(1);
  const table = tableOf(c, w, pmd, 1, pmdp);
  const lo = addr & ~((1n << w.fmt.shift(2)) - 1n);
  const hi = lo + (1n << w.fmt.shift(2));
  yield* assertNoLocklessWalk(c, w, lo, hi, 'pmd_clear');
  yield* writeEntry(c, w, pmdp, 2, 0n, 'pmd_clear');
  yield* flush_tlb_kernel_range(c, w, '__flush_tlb_kernel_pgtable');
  if (ptdumpLock) {
    yield c.readLock(ptdumpLock.mmapLock, 'mmap_read_lock');
    yield c.readUnlock(ptdumpLock.mmapLock, 'mmap_read_unlock');
  }
  yield* assertNoLocklessWalk(c, w, lo, hi, `free ${w.ghost.frameName(table >>> 12)}`);
  yield* free_pgtable_page(c, w, table >>> 12, 'pte_free_kernel');
  return c.leave(1);
}

/**
 * `vmap_try_huge_pmd` (mm/vmalloc.c): a present pmd's PTE table is freed with pmd_free_pte_page,
 * then the pmd is set to a block (pmd_set_huge).
 */
export function* vmap_try_huge_pmd(
  c: Cpu,
  w: WalkContext,
  pmdp: number,
  addr: bigint,
  pa: bigint,
): Steps<number> {
  c.enter('vmap_try_huge_pmd');
  const pmd = yield* readEntry(c, w, pmdp, 2, 'pmd_present(*pmd)');
  if (w.fmt.present(pmd, 2)) {
    if (!(yield* pmd_free_pte_page(c, w, pmdp, addr))) return c.leave(0);
  }
  yield* writeEntry(c, w, pmdp, 2, w.fmt.mkLeaf(pa, 2), 'pmd_set_huge');
  return c.leave(1);
}
