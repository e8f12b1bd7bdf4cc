import type { Cpu, Steps } from '../../engine/cpu.js';
import { entryAddr, readEntry, tableOf, writeEntry } from '../access.js';
import { assertNoLocklessWalk } from '../lockless.js';
import { spin_lock, spin_unlock } from '../locks.js';
import type { KernelMachine } from '../machine.js';
import { free_pgtable_page } from '../pgalloc.js';
import { foldedBelow, levelNumber, pgd_offset_k, pXdAddrEnd } from '../pgtable.js';
import { flush_tlb_all } from '../tlb.js';
import { vmemmap_pmd_is_unused } from './vmemmap.js';
import { x86Of } from './x86-arch.js';

/**
 * x86-64 memory hot-remove (arch/x86/mm/init_64.c): `remove_pagetable(start, end, direct)` walks
 * init_mm's tables under mem_hotplug_lock (writer), clears PTEs and huge PMD/PUD leaves under
 * init_mm.page_table_lock, and frees each PTE, PMD (and with 5-level paging PUD) table whose 512
 * entries are all none. Unlike arm64, `free_p?d_table` FREES the page first and only then takes
 * the lock and clears the entry that pointed to it. The TLB is flushed once per PTE table
 * (remove_pte_table) and once at the end. Top-level entries are never cleared: the P4D/PUD
 * tables under them stay (4-level: PUD tables are not freed; 5-level: P4D tables are not).
 * For the vmemmap (`direct` false) the mapped pages are freed too.
 *
 * Entries are read as often as the C code dereferences them; the 512-entry emptiness scans are
 * one step each.
 */

/** phys_addr below this is the boot identity mapping, which remove_pte_table leaves alone */
const BOOT_IDENTITY_END = 0x40000000n;

/** `free_pagetable` (init_64.c) frees a table page or a mapped page (no bootmem or altmap here). */
function* free_pagetable(c: Cpu, k: KernelMachine, frame: number): Steps {
  c.enter('free_pagetable');
  yield* free_pgtable_page(c, k, frame, 'free_pages');
  c.leave();
}

/** `free_hugepage_table` (init_64.c): free a 2 MiB vmemmap block (one frame in the model). */
function* free_hugepage_table(c: Cpu, k: KernelMachine, frame: number): Steps {
  c.enter('free_hugepage_table');
  yield* free_pagetable(c, k, frame);
  c.leave();
}

/**
 * `free_p?d_table` (free_pte_table, free_pmd_table, free_pud_table): if all 512 entries of the
 * table at `level` are none (one step here), free the table page, THEN lock, clear the entry at
 * `parent` that points to it, unlock. Between the free and the clear the entry points to a free
 * page. `va` is an address the table maps (for the lockless-walk check).
 */
function* free_table(
  c: Cpu,
  k: KernelMachine,
  fn: string,
  table: number,
  parent: number,
  level: number,
  va: bigint,
): Steps {
  c.enter(fn);
  const names = ['', 'pte', 'pmd', 'pud', 'p4d'];
  yield c.awaitRange(table, 512, () => true, `${names[level]}_none(*${names[level]}) x512`);
  if (c.mem.firstNonZero(table, 512) >= 0) return c.leave();
  const span = 1n << k.fmt.shift(level + 1);
  const lo = va & ~(span - 1n);
  yield* assertNoLocklessWalk(c, k, lo, lo + span, `free ${k.ghost.frameName(table >>> 12)}`);
  const up = yield* readEntry(c, k, parent, level + 1, `${names[level + 1]}_page(*${names[level + 1]})`);
  yield* free_pagetable(c, k, tableOf(c, k, up, level, parent) >>> 12);
  yield spin_lock(c, k.initMm.pageTableLock);
  yield* writeEntry(c, k, parent, level + 1, 0n, `${names[level + 1]}_clear`);
  yield spin_unlock(c, k.initMm.pageTableLock);
  c.leave();
}

/** `remove_pte_table`: clear each present PTE of [addr, end) under the lock (freeing its page unless `direct`); flush_tlb_all. */
function* remove_pte_table(
  c: Cpu,
  k: KernelMachine,
  table: number,
  addr: bigint,
  end: bigint,
  direct: boolean,
): Steps {
  c.enter('remove_pte_table');
  let pte = entryAddr(k, table, addr, 1);
  for (; addr < end; addr += 4096n, pte += 8) {
    if (!k.fmt.present(yield* readEntry(c, k, pte, 1, 'pte_present(*pte)'), 1)) continue;
    const val = yield* readEntry(c, k, pte, 1, 'pte_val(*pte)');
    // phys_addr = pte_val(*pte) + (addr & PAGE_MASK), as init_64.c computes it
    const phys = BigInt.asUintN(64, BigInt.asUintN(64, val) + (addr & ~0xfffn));
    if (phys < BOOT_IDENTITY_END) return c.leave();
    if (!direct) {
      const page = yield* readEntry(c, k, pte, 1, 'pte_page(*pte)');
      yield* free_pagetable(c, k, Number(k.fmt.addr(page) >> 12n));
    }
    yield* assertNoLocklessWalk(c, k, addr, addr + 4096n, 'clear a pte');
    yield spin_lock(c, k.initMm.pageTableLock);
    yield* writeEntry(c, k, pte, 1, 0n, 'pte_clear');
    yield spin_unlock(c, k.initMm.pageTableLock);
  }
  yield* flush_tlb_all(c, k);
  c.leave();
}

/**
 * `remove_pmd_table`: a 2 MiB leaf covering a whole block is cleared under the lock (and freed
 * unless `direct`); one only partly removed is freed and cleared when the vmemmap block is unused
 * (vmemmap_pmd_is_unused); a PTE table is descended (remove_pte_table), then free_pte_table.
 */
function* remove_pmd_table(
  c: Cpu,
  k: KernelMachine,
  table: number,
  addr: bigint,
  end: bigint,
  direct: boolean,
): Steps {
  c.enter('remove_pmd_table');
  for (let next: bigint; addr < end; addr = next) {
    next = pXdAddrEnd(k, 'pmd', addr, end);
    const pmdp = entryAddr(k, table, addr, 2);
    if (!k.fmt.present(yield* readEntry(c, k, pmdp, 2, 'pmd_present(*pmd)'), 2)) continue;
    if (k.fmt.leaf(yield* readEntry(c, k, pmdp, 2, 'pmd_leaf(*pmd)'), 2)) {
      const whole = addr % (1n << 21n) === 0n && next % (1n << 21n) === 0n;
      let block = -1;
      if (!whole || !direct)
        block = Number(k.fmt.addr(yield* readEntry(c, k, pmdp, 2, 'pmd_page(*pmd)')) >> 12n);
      if (!whole && !vmemmap_pmd_is_unused(c, block)) continue;
      if (!direct || !whole) yield* free_hugepage_table(c, k, block);
      yield* assertNoLocklessWalk(c, k, addr, next, 'clear a pmd leaf');
      yield spin_lock(c, k.initMm.pageTableLock);
      yield* writeEntry(c, k, pmdp, 2, 0n, 'pmd_clear');
      yield spin_unlock(c, k.initMm.pageTableLock);
      continue;
    }
    const pmd = yield* readEntry(c, k, pmdp, 2, 'pmd_page_vaddr(*pmd)');
    const pte = tableOf(c, k, pmd, 1, pmdp);
    yield* remove_pte_table(c, k, pte, addr, next, direct);
    yield* free_table(c, k, 'free_pte_table', pte, pmdp, 1, addr);
  }
  c.leave();
}

/** `remove_pud_table`: a 1 GiB leaf covering the whole range is cleared; a PMD table is descended, then free_pmd_table. */
function* remove_pud_table(
  c: Cpu,
  k: KernelMachine,
  table: number,
  addr: bigint,
  end: bigint,
  direct: boolean,
): Steps {
  c.enter('remove_pud_table');
  for (let next: bigint; addr < end; addr = next) {
    next = pXdAddrEnd(k, 'pud', addr, end);
    const pudp = entryAddr(k, table, addr, 3);
    if (!k.fmt.present(yield* readEntry(c, k, pudp, 3, 'pud_present(*pud)'), 3)) continue;
    const leaf = k.fmt.leaf(yield* readEntry(c, k, pudp, 3, 'pud_leaf(*pud)'), 3);
    if (leaf && addr % (1n << 30n) === 0n && next % (1n << 30n) === 0n) {
      yield spin_lock(c, k.initMm.pageTableLock);
      yield* writeEntry(c, k, pudp, 3, 0n, 'pud_clear');
      yield spin_unlock(c, k.initMm.pageTableLock);
      continue;
    }
    const pmdTable = tableOf(c, k, yield* readEntry(c, k, pudp, 3, 'pmd_offset(pud, 0)'), 2, pudp);
    yield* remove_pmd_table(c, k, pmdTable, addr, next, direct);
    yield* free_table(c, k, 'free_pmd_table', pmdTable, pudp, 2, addr);
  }
  c.leave();
}

/**
 * `remove_p4d_table`: for each present P4D entry, remove_pud_table below it; with 5-level paging
 * free_pud_table too ("For 4-level page tables we do not want to free PUDs, but in the 5-level
 * case we should free them"). With the P4D folded, `p4dp` is the PGD slot itself.
 */
function* remove_p4d_table(
  c: Cpu,
  k: KernelMachine,
  p4dp: number,
  addr: bigint,
  end: bigint,
  direct: boolean,
): Steps {
  c.enter('remove_p4d_table');
  const l5 = x86Of(k).levels === 5;
  const level = levelNumber(k, 'p4d');
  for (let next: bigint; addr < end; addr = next, p4dp += 8) {
    next = pXdAddrEnd(k, 'p4d', addr, end);
    if (!k.fmt.present(yield* readEntry(c, k, p4dp, level, 'p4d_present(*p4d)'), level)) continue;
    const pudTable = tableOf(c, k, yield* readEntry(c, k, p4dp, level, 'pud_offset(p4d, 0)'), 3, p4dp);
    yield* remove_pud_table(c, k, pudTable, addr, next, direct);
    if (l5) yield* free_table(c, k, 'free_pud_table', pudTable, p4dp, 3, addr);
  }
  c.leave();
}

/**
 * `remove_pagetable` (init_64.c): for each top-level slot of [start, end) present in init_mm
 * (pgd_present() is always true with the P4D folded: nothing is read), remove_p4d_table; then
 * flush_tlb_all().
 */
export function* remove_pagetable(
  c: Cpu,
  k: KernelMachine,
  start: bigint,
  end: bigint,
  direct: boolean,
): Steps {
  c.enter('remove_pagetable');
  for (let addr = start, next: bigint; addr < end; addr = next) {
    next = pXdAddrEnd(k, 'pgd', addr, end);
    const pgdp = pgd_offset_k(k, c.mem, addr);
    let p4dp = pgdp;
    if (!foldedBelow(k, 'pgd')) {
      if (!k.fmt.present(yield* readEntry(c, k, pgdp, k.fmt.levels, 'pgd_present(*pgd)'), k.fmt.levels))
        continue;
      const pgd = yield* readEntry(c, k, pgdp, k.fmt.levels, 'p4d_offset(pgd, 0)');
      p4dp = entryAddr(k, tableOf(c, k, pgd, 4, pgdp), addr, 4);
    }
    yield* remove_p4d_table(c, k, p4dp, addr, next, direct);
  }
  yield* flush_tlb_all(c, k);
  c.leave();
}

/**
 * `vmemmap_free` (init_64.c): remove_pagetable(start, end, false): the struct pages of a removed
 * section go, with their pages and blocks. Reached from __remove_pages -> sparse_remove_section.
 */
export function* vmemmap_free(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.enter('vmemmap_free');
  yield* remove_pagetable(c, k, start, end, false);
  c.leave();
}

/** `kernel_physical_mapping_remove` (init_64.c): remove_pagetable(__va(start), __va(end), true). */
export function* kernel_physical_mapping_remove(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.enter('kernel_physical_mapping_remove');
  const va = (p: bigint) => BigInt.asUintN(64, k.arch.pageOffset + p);
  yield* remove_pagetable(c, k, va(start), va(end), true);
  c.leave();
}
