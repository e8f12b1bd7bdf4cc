import type { Cpu, Steps } from '../../engine/cpu.js';
import { entryAddr, readEntry, tableOf, type WalkContext, writeEntry } from '../walk/access.js';
import { addrEnd } from '../walk/format.js';
import { assertNoLocklessWalk } from '../walk/lockless.js';
import { flush_tlb_kernel_range, free_pgtable_page } from './free-table.js';

/**
 * x86-64 memory hot-remove of the direct map (arch/x86/mm/init_64.c): `remove_pagetable` under
 * mem_hotplug_lock (writer) clears PTEs under init_mm.page_table_lock, and `free_pte_table` /
 * `free_pmd_table` free a table whose 512 entries are none. Unlike arm64 they FREE the page
 * first and only then take the lock and clear the entry that points to it; the TLB is flushed
 * once per PTE table (remove_pte_table) and once at the end (remove_pagetable). Top-level entries
 * are never cleared (4-level: PUD tables are not freed).
 */

/** `X86HotremoveLocks` are the locks remove_pagetable takes or runs under. */
export interface X86HotremoveLocks {
  memHotplugLock: number;
  /** init_mm.page_table_lock */
  pageTableLock: number;
}

const PAGE = 1n << 12n;
/** phys_addr below this is the boot identity mapping, which remove_pte_table leaves alone */
const BOOT_IDENTITY_END = 0x40000000n;

/** `free_pagetable` (init_64.c) frees a table page (the model has no bootmem / altmap cases). */
function* free_pagetable(c: Cpu, w: WalkContext, table: number): Steps {
  c.enter('free_pagetable');
  yield* free_pgtable_page(c, w, table >>> 12, 'free_pages');
  c.leave();
}

/**
 * `free_pte_table`: if all 512 PTEs are none (one step here), free the table page, THEN lock,
 * pmd_clear, unlock. Between the free and the clear the pmd points to a free page.
 */
function* free_pte_table(
  c: Cpu,
  w: WalkContext,
  l: X86HotremoveLocks,
  table: number,
  pmdp: number,
  va: bigint,
): Steps {
  c.enter('free_pte_table');
  yield c.awaitRange(table, 512, () => true, 'pte_none(*pte) x512');
  if (c.mem.firstNonZero(table, 512) >= 0) return c.leave();
  const lo = va & ~((1n << w.fmt.shift(2)) - 1n);
  yield* assertNoLocklessWalk(
    c,
    w,
    lo,
    lo + (1n << w.fmt.shift(2)),
    `free ${w.ghost.frameName(table >>> 12)}`,
  );
  const pmd = yield* readEntry(c, w, pmdp, 2, 'pmd_page(*pmd)');
  yield* free_pagetable(c, w, tableOf(c, w, pmd, 1, pmdp));
  yield c.lock(l.pageTableLock, 'spin_lock');
  yield* writeEntry(c, w, pmdp, 2, 0n, 'pmd_clear');
  yield c.unlock(l.pageTableLock, 'spin_unlock');
  c.leave();
}

/** `remove_pte_table`: clear each present PTE of [addr, end) under the lock; flush_tlb_all. */
function* remove_pte_table(
  c: Cpu,
  w: WalkContext,
  l: X86HotremoveLocks,
  table: number,
  addr: bigint,
  end: bigint,
): Steps {
  c.enter('remove_pte_table');
  let pte = entryAddr(w, table, addr, 1);
  for (; addr < end; addr += PAGE, pte += 8) {
    if (!w.fmt.present(yield* readEntry(c, w, pte, 1, 'pte_present(*pte)'), 1)) continue;
    const val = yield* readEntry(c, w, pte, 1, 'pte_val(*pte)');
    // phys_addr = pte_val(*pte) + (addr & PAGE_MASK), as init_64.c computes it
    const phys = BigInt.asUintN(64, BigInt.asUintN(64, val) + (addr & ~0xfffn));
    if (phys < BOOT_IDENTITY_END) return c.leave();
    yield* assertNoLocklessWalk(c, w, addr, addr + PAGE, 'clear a pte');
    yield c.lock(l.pageTableLock, 'spin_lock');
    yield* writeEntry(c, w, pte, 1, 0n, 'pte_clear');
    yield c.unlock(l.pageTableLock, 'spin_unlock');
  }
  yield* flush_tlb_kernel_range(c, w, 'flush_tlb_all');
  c.leave();
}

/** `remove_pmd_table`: descend into each present non-leaf pmd, then free_pte_table. */
function* remove_pmd_table(
  c: Cpu,
  w: WalkContext,
  l: X86HotremoveLocks,
  table: number,
  addr: bigint,
  end: bigint,
): Steps {
  c.enter('remove_pmd_table');
  for (let next: bigint; addr < end; addr = next) {
    next = addrEnd(w.fmt, addr, end, 2);
    const pmdp = entryAddr(w, table, addr, 2);
    if (!w.fmt.present(yield* readEntry(c, w, pmdp, 2, 'pmd_present(*pmd)'), 2)) continue;
    if (w.fmt.leaf(yield* readEntry(c, w, pmdp, 2, 'pmd_leaf(*pmd)'), 2)) continue; // 2 MiB: not modelled
    const pmd = yield* readEntry(c, w, pmdp, 2, 'pmd_page_vaddr(*pmd)');
    const pte = tableOf(c, w, pmd, 1, pmdp);
    yield* remove_pte_table(c, w, l, pte, addr, next);
    yield* free_pte_table(c, w, l, pte, pmdp, addr);
  }
  c.leave();
}

/**
 * `remove_pagetable` (init_64.c) for the direct map (`direct` = true) of [start, end) in 4-level
 * paging: PGD (= P4D) and PUD entries are read, PMD tables are descended; free_pmd_table is left
 * out (the models keep other mappings in the PMD table, so it would not free it).
 */
export function* remove_pagetable(
  c: Cpu,
  w: WalkContext,
  l: X86HotremoveLocks,
  pgd: number,
  start: bigint,
  end: bigint,
): Steps {
  c.enter('remove_pagetable');
  for (let addr = start, next: bigint; addr < end; addr = next) {
    next = addrEnd(w.fmt, addr, end, 4);
    const pgdp = entryAddr(w, pgd, addr, 4);
    if (!w.fmt.present(yield* readEntry(c, w, pgdp, 4, 'pgd_present(*pgd)'), 4)) continue;
    const p4d = yield* readEntry(c, w, pgdp, 4, 'p4d_present(*p4d)');
    if (!w.fmt.present(p4d, 4)) continue;
    const pudTable = tableOf(c, w, yield* readEntry(c, w, pgdp, 4, 'pud_offset(p4d, 0)'), 3, pgdp);
    for (let a = addr, pnext: bigint; a < next; a = pnext) {
      pnext = addrEnd(w.fmt, a, next, 3);
      const pudp = entryAddr(w, pudTable, a, 3);
      const pud = yield* readEntry(c, w, pudp, 3, 'pud_present(*pud)');
      if (!w.fmt.present(pud, 3) || w.fmt.leaf(pud, 3)) continue;
      const pmdTable = tableOf(c, w, yield* readEntry(c, w, pudp, 3, 'pmd_offset(pud, 0)'), 2, pudp);
      yield* remove_pmd_table(c, w, l, pmdTable, a, pnext);
    }
  }
  yield* flush_tlb_kernel_range(c, w, 'flush_tlb_all');
  c.leave();
}

/**
 * `arch_remove_memory` (arch/x86/mm/init_64.c) is `kernel_physical_mapping_remove` =
 * remove_pagetable(start, end, true) of the direct map. Run it under `try_remove_memory`.
 */
export function* arch_remove_memory_x86(
  c: Cpu,
  w: WalkContext,
  l: X86HotremoveLocks,
  pgd: number,
  start: bigint,
  end: bigint,
): Steps {
  c.enter('kernel_physical_mapping_remove');
  yield* remove_pagetable(c, w, l, pgd, start, end);
  c.leave();
}
