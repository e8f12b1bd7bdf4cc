import type { Cpu, Steps } from '../../engine/cpu.js';
import { entryAddr, readEntry, tableOf, type WalkContext, writeEntry } from '../walk/access.js';
import { addrEnd } from '../walk/format.js';
import { assertNoLocklessWalk } from '../walk/lockless.js';
import { flush_tlb_kernel_range, free_pgtable_page } from './free-table.js';

/**
 * arm64 memory hot-remove of the linear map (arch/arm64/mm/mmu.c): `__remove_pgd_mapping` runs
 * `unmap_hotplug_range` (clear every leaf, flushing each) and then `free_empty_tables` (free
 * each table whose 512 entries are all none: clear the entry pointing to it, flush, free). It runs
 * under mem_hotplug_lock held for write (arch_remove_memory) and takes no init_mm lock.
 */

/** `tableEmpty` is whether all 512 entries of `table` are none (a zero word is none in every format) */
function tableEmpty(c: Cpu, w: WalkContext, table: number): boolean {
  const first = c.mem.firstNonZero(table, 512);
  if (first < 0) return true;
  for (let i = first; i < 512; i++) if (!w.fmt.none(c.mem.load(table + 8 * i))) return false;
  return true;
}

function span(w: WalkContext, level: number): bigint {
  return 1n << w.fmt.shift(level);
}

/** `unmap_hotplug_pte_range`: read each PTE, clear it, flush its page. */
function* unmap_hotplug_pte_range(c: Cpu, w: WalkContext, pmdp: number, addr: bigint, end: bigint): Steps {
  c.enter('unmap_hotplug_pte_range');
  do {
    const pmd = yield* readEntry(c, w, pmdp, 2, 'pte_offset_kernel(pmd)');
    const ptep = entryAddr(w, tableOf(c, w, pmd, 1, pmdp), addr, 1);
    const pte = yield* readEntry(c, w, ptep, 1, '__ptep_get(ptep)');
    if (!w.fmt.none(pte)) {
      yield* assertNoLocklessWalk(c, w, addr, addr + span(w, 1), 'clear a pte');
      yield* writeEntry(c, w, ptep, 1, 0n, '__pte_clear');
      yield* flush_tlb_kernel_range(c, w);
    }
    addr += span(w, 1);
  } while (addr < end);
  c.leave();
}

/** `unmap_hotplug_pmd_range`: blocks are cleared here, tables are descended. */
function* unmap_hotplug_pmd_range(c: Cpu, w: WalkContext, pudp: number, addr: bigint, end: bigint): Steps {
  c.enter('unmap_hotplug_pmd_range');
  do {
    const next = addrEnd(w.fmt, addr, end, 2);
    const pud = yield* readEntry(c, w, pudp, 3, 'pmd_offset(pud)');
    const pmdp = entryAddr(w, tableOf(c, w, pud, 2, pudp), addr, 2);
    const pmd = yield* readEntry(c, w, pmdp, 2, 'READ_ONCE(*pmdp)');
    if (!w.fmt.none(pmd)) {
      if (w.fmt.leaf(pmd, 2)) {
        yield* assertNoLocklessWalk(c, w, addr, next, 'clear a pmd block');
        yield* writeEntry(c, w, pmdp, 2, 0n, 'pmd_clear');
        yield* flush_tlb_kernel_range(c, w);
      } else {
        yield* unmap_hotplug_pte_range(c, w, pmdp, addr, next);
      }
    }
    addr = next;
  } while (addr < end);
  c.leave();
}

/** `unmap_hotplug_range`: from the PGD (the P4D is folded) down to every leaf of [addr, end). */
export function* unmap_hotplug_range(c: Cpu, w: WalkContext, pgd: number, addr: bigint, end: bigint): Steps {
  c.enter('unmap_hotplug_range');
  do {
    const next = addrEnd(w.fmt, addr, end, 4);
    const pgdp = entryAddr(w, pgd, addr, 4);
    const pgdv = yield* readEntry(c, w, pgdp, 4, 'READ_ONCE(*pgdp)');
    if (!w.fmt.none(pgdv)) {
      let a = addr;
      do {
        const pnext = addrEnd(w.fmt, a, next, 3);
        const p4d = yield* readEntry(c, w, pgdp, 4, 'pud_offset(p4d)');
        const pudp = entryAddr(w, tableOf(c, w, p4d, 3, pgdp), a, 3);
        const pud = yield* readEntry(c, w, pudp, 3, 'READ_ONCE(*pudp)');
        if (!w.fmt.none(pud) && !w.fmt.leaf(pud, 3)) {
          yield* unmap_hotplug_pmd_range(c, w, pudp, a, pnext);
        }
        a = pnext;
      } while (a < next);
    }
    addr = next;
  } while (addr < end);
  c.leave();
}

/**
 * `free_empty_pte_table`: check the range's PTEs are none (a WARN_ON sanity check), then whether
 * the whole table is empty: all 512 entries, read here in one step; if so pmd_clear, flush the
 * table walk cache (__flush_tlb_kernel_pgtable), and free the table. Clear, flush, free: a walker
 * that holds the pointer from before the clear still reads a freed frame.
 */
function* free_empty_pte_table(c: Cpu, w: WalkContext, pmdp: number, addr: bigint, end: bigint): Steps {
  c.enter('free_empty_pte_table');
  const start = addr;
  const pmd = yield* readEntry(c, w, pmdp, 2, 'pte_offset_kernel(pmdp, 0)');
  const table = tableOf(c, w, pmd, 1, pmdp);
  do {
    const pte = yield* readEntry(c, w, entryAddr(w, table, addr, 1), 1, '__ptep_get(ptep)');
    if (!w.fmt.none(pte))
      c.fail('kernel-bug', `WARN_ON(!pte_none(pte)) in free_empty_pte_table on ${w.ghost.cpuName(c.id)}`);
    addr += span(w, 1);
  } while (addr < end);
  yield c.awaitRange(table, 512, () => true, 'pte_none(__ptep_get(&ptep[i])) x512');
  if (!tableEmpty(c, w, table)) return c.leave();
  const lo = start & ~(span(w, 2) - 1n);
  yield* assertNoLocklessWalk(c, w, lo, lo + span(w, 2), `free ${w.ghost.frameName(table >>> 12)}`);
  yield* writeEntry(c, w, pmdp, 2, 0n, 'pmd_clear');
  yield* flush_tlb_kernel_range(c, w, '__flush_tlb_kernel_pgtable');
  yield* free_pgtable_page(c, w, table >>> 12, 'free_hotplug_pgtable_page');
  c.leave();
}

/**
 * `free_empty_pmd_table`: for each present pmd of the range, free_empty_pte_table; then if the
 * whole pmd table is empty, pud_clear, flush, free it.
 */
function* free_empty_pmd_table(c: Cpu, w: WalkContext, pudp: number, addr: bigint, end: bigint): Steps {
  c.enter('free_empty_pmd_table');
  const start = addr;
  const pud = yield* readEntry(c, w, pudp, 3, 'pmd_offset(pudp, 0)');
  const table = tableOf(c, w, pud, 2, pudp);
  do {
    const next = addrEnd(w.fmt, addr, end, 2);
    const pmdp = entryAddr(w, table, addr, 2);
    const pmd = yield* readEntry(c, w, pmdp, 2, 'READ_ONCE(*pmdp)');
    if (!w.fmt.none(pmd) && w.fmt.table(pmd, 2)) {
      yield* free_empty_pte_table(c, w, pmdp, addr, next);
    }
    addr = next;
  } while (addr < end);
  yield c.awaitRange(table, 512, () => true, 'pmd_none(READ_ONCE(pmdp[i])) x512');
  if (!tableEmpty(c, w, table)) return c.leave();
  const lo = start & ~(span(w, 3) - 1n);
  yield* assertNoLocklessWalk(c, w, lo, lo + span(w, 3), `free ${w.ghost.frameName(table >>> 12)}`);
  yield* writeEntry(c, w, pudp, 3, 0n, 'pud_clear');
  yield* flush_tlb_kernel_range(c, w, '__flush_tlb_kernel_pgtable');
  yield* free_pgtable_page(c, w, table >>> 12, 'free_hotplug_pgtable_page');
  c.leave();
}

/**
 * `free_empty_tables` frees the tables of [addr, end) left empty by unmap_hotplug_range. The
 * PUD and PGD levels are not freed by the models (their tables stay shared with other memory).
 */
export function* free_empty_tables(c: Cpu, w: WalkContext, pgd: number, addr: bigint, end: bigint): Steps {
  c.enter('free_empty_tables');
  const pgdp = entryAddr(w, pgd, addr, 4);
  const pgdv = yield* readEntry(c, w, pgdp, 4, 'READ_ONCE(*pgdp)');
  if (w.fmt.none(pgdv)) return c.leave();
  const pudp = entryAddr(w, tableOf(c, w, pgdv, 3, pgdp), addr, 3);
  const pud = yield* readEntry(c, w, pudp, 3, 'READ_ONCE(*pudp)');
  if (w.fmt.none(pud) || !w.fmt.table(pud, 3)) return c.leave();
  yield* free_empty_pmd_table(c, w, pudp, addr, end);
  c.leave();
}

/**
 * `arch_remove_memory` (arch/arm64/mm/mmu.c) is `__remove_pgd_mapping`: unmap_hotplug_range +
 * free_empty_tables over the linear map of the removed memory. Run it under `try_remove_memory`.
 */
export function* arch_remove_memory(c: Cpu, w: WalkContext, pgd: number, start: bigint, end: bigint): Steps {
  c.enter('__remove_pgd_mapping');
  yield* unmap_hotplug_range(c, w, pgd, start, end);
  yield* free_empty_tables(c, w, pgd, start, end);
  c.leave();
}
