import { addrEnd } from '../../arch/format.js';
import type { Cpu, Steps } from '../../engine/cpu.js';
import { entryAddr, readEntry, tableOf, writeEntry } from '../access.js';
import { KERNEL_BUG } from '../kinds.js';
import { assertNoLocklessWalk } from '../lockless.js';
import type { KernelMachine } from '../machine.js';
import { __remove_pages } from '../memory-hotplug.js';
import { free_pgtable_page } from '../pgalloc.js';
import { __flush_tlb_kernel_pgtable, flush_tlb_kernel_range } from '../tlb.js';

/**
 * arm64 memory hot-remove of the linear map (arch/arm64/mm/mmu.c): `__remove_pgd_mapping` runs
 * `unmap_hotplug_range` (clear every leaf, flushing each) and then `free_empty_tables` (free
 * each table whose 512 entries are all none: clear the entry pointing to it, flush, free). It runs
 * under mem_hotplug_lock held for write (arch_remove_memory) and takes no init_mm lock.
 */

/** `tableEmpty` is whether all 512 entries of `table` are none (a zero word is none in every format) */
function tableEmpty(c: Cpu, k: KernelMachine, table: number): boolean {
  const first = c.mem.firstNonZero(table, 512);
  if (first < 0) return true;
  for (let i = first; i < 512; i++) if (!k.fmt.none(c.mem.load(table + 8 * i))) return false;
  return true;
}

function span(k: KernelMachine, level: number): bigint {
  return 1n << k.fmt.shift(level);
}

/** `free_hotplug_page_range`: free the page (frame) a cleared leaf mapped, when it is one of the machine's. */
function* free_hotplug_page_range(c: Cpu, k: KernelMachine, leaf: bigint): Steps {
  const f = Number(k.fmt.addr(leaf) >> 12n);
  if (f <= 0 || f >= c.mem.frames) return;
  c.enter('free_hotplug_page_range');
  yield* free_pgtable_page(c, k, f, 'free_pages');
  c.leave();
}

/** `unmap_hotplug_pte_range`: read each PTE, clear it, flush its page, free it when `freeMapped` (the vmemmap). */
function* unmap_hotplug_pte_range(
  c: Cpu,
  k: KernelMachine,
  pmdp: number,
  addr: bigint,
  end: bigint,
  freeMapped: boolean,
): Steps {
  c.enter('unmap_hotplug_pte_range');
  do {
    const pmd = yield* readEntry(c, k, pmdp, 2, 'pte_offset_kernel(pmd)');
    const ptep = entryAddr(k, tableOf(c, k, pmd, 1, pmdp), addr, 1);
    const pte = yield* readEntry(c, k, ptep, 1, '__ptep_get(ptep)');
    if (!k.fmt.none(pte)) {
      yield* assertNoLocklessWalk(c, k, addr, addr + span(k, 1), 'clear a pte');
      yield* writeEntry(c, k, ptep, 1, 0n, '__pte_clear');
      yield* flush_tlb_kernel_range(c, k, addr, addr + span(k, 1));
      if (freeMapped) yield* free_hotplug_page_range(c, k, pte);
    }
    addr += span(k, 1);
  } while (addr < end);
  c.leave();
}

/** `unmap_hotplug_pmd_range`: blocks are cleared here, tables are descended. */
function* unmap_hotplug_pmd_range(
  c: Cpu,
  k: KernelMachine,
  pudp: number,
  addr: bigint,
  end: bigint,
  freeMapped: boolean,
): Steps {
  c.enter('unmap_hotplug_pmd_range');
  do {
    const next = addrEnd(k.fmt, addr, end, 2);
    const pud = yield* readEntry(c, k, pudp, 3, 'pmd_offset(pud)');
    const pmdp = entryAddr(k, tableOf(c, k, pud, 2, pudp), addr, 2);
    const pmd = yield* readEntry(c, k, pmdp, 2, 'READ_ONCE(*pmdp)');
    if (!k.fmt.none(pmd)) {
      if (k.fmt.leaf(pmd, 2)) {
        yield* assertNoLocklessWalk(c, k, addr, next, 'clear a pmd block');
        yield* writeEntry(c, k, pmdp, 2, 0n, 'pmd_clear');
        yield* flush_tlb_kernel_range(c, k, addr, next);
        if (freeMapped) yield* free_hotplug_page_range(c, k, pmd);
      } else {
        yield* unmap_hotplug_pte_range(c, k, pmdp, addr, next, freeMapped);
      }
    }
    addr = next;
  } while (addr < end);
  c.leave();
}

/**
 * `unmap_hotplug_range`: from swapper_pg_dir (the P4D is folded) down to every leaf of
 * [addr, end): clear it, flush, and with `freeMapped` (the vmemmap) free the page it mapped.
 */
export function* unmap_hotplug_range(
  c: Cpu,
  k: KernelMachine,
  addr: bigint,
  end: bigint,
  freeMapped: boolean,
): Steps {
  c.enter('unmap_hotplug_range');
  const pgd = k.swapper(c.mem);
  do {
    const next = addrEnd(k.fmt, addr, end, 4);
    const pgdp = entryAddr(k, pgd, addr, 4);
    const pgdv = yield* readEntry(c, k, pgdp, 4, 'READ_ONCE(*pgdp)');
    if (!k.fmt.none(pgdv)) {
      let a = addr;
      do {
        const pnext = addrEnd(k.fmt, a, next, 3);
        const p4d = yield* readEntry(c, k, pgdp, 4, 'pud_offset(p4d)');
        const pudp = entryAddr(k, tableOf(c, k, p4d, 3, pgdp), a, 3);
        const pud = yield* readEntry(c, k, pudp, 3, 'READ_ONCE(*pudp)');
        if (!k.fmt.none(pud) && !k.fmt.leaf(pud, 3)) {
          yield* unmap_hotplug_pmd_range(c, k, pudp, a, pnext, freeMapped);
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
function* free_empty_pte_table(c: Cpu, k: KernelMachine, pmdp: number, addr: bigint, end: bigint): Steps {
  c.enter('free_empty_pte_table');
  const start = addr;
  const pmd = yield* readEntry(c, k, pmdp, 2, 'pte_offset_kernel(pmdp, 0)');
  const table = tableOf(c, k, pmd, 1, pmdp);
  do {
    const pte = yield* readEntry(c, k, entryAddr(k, table, addr, 1), 1, '__ptep_get(ptep)');
    if (!k.fmt.none(pte))
      c.fail(KERNEL_BUG, `WARN_ON(!pte_none(pte)) in free_empty_pte_table on ${k.ghost.cpuName(c.id)}`);
    addr += span(k, 1);
  } while (addr < end);
  yield c.awaitRange(table, 512, () => true, 'pte_none(__ptep_get(&ptep[i])) x512');
  if (!tableEmpty(c, k, table)) return c.leave();
  const lo = start & ~(span(k, 2) - 1n);
  yield* assertNoLocklessWalk(c, k, lo, lo + span(k, 2), `free ${k.ghost.frameName(table >>> 12)}`);
  yield* writeEntry(c, k, pmdp, 2, 0n, 'pmd_clear');
  yield* __flush_tlb_kernel_pgtable(c, k, start);
  yield* free_pgtable_page(c, k, table >>> 12, 'free_hotplug_pgtable_page');
  c.leave();
}

/**
 * `free_empty_pmd_table`: for each present pmd of the range, free_empty_pte_table; then if the
 * whole pmd table is empty, pud_clear, flush, free it.
 */
function* free_empty_pmd_table(c: Cpu, k: KernelMachine, pudp: number, addr: bigint, end: bigint): Steps {
  c.enter('free_empty_pmd_table');
  const start = addr;
  const pud = yield* readEntry(c, k, pudp, 3, 'pmd_offset(pudp, 0)');
  const table = tableOf(c, k, pud, 2, pudp);
  do {
    const next = addrEnd(k.fmt, addr, end, 2);
    const pmdp = entryAddr(k, table, addr, 2);
    const pmd = yield* readEntry(c, k, pmdp, 2, 'READ_ONCE(*pmdp)');
    if (!k.fmt.none(pmd) && k.fmt.table(pmd, 2)) {
      yield* free_empty_pte_table(c, k, pmdp, addr, next);
    }
    addr = next;
  } while (addr < end);
  yield c.awaitRange(table, 512, () => true, 'pmd_none(READ_ONCE(pmdp[i])) x512');
  if (!tableEmpty(c, k, table)) return c.leave();
  const lo = start & ~(span(k, 3) - 1n);
  yield* assertNoLocklessWalk(c, k, lo, lo + span(k, 3), `free ${k.ghost.frameName(table >>> 12)}`);
  yield* writeEntry(c, k, pudp, 3, 0n, 'pud_clear');
  yield* __flush_tlb_kernel_pgtable(c, k, start);
  yield* free_pgtable_page(c, k, table >>> 12, 'free_hotplug_pgtable_page');
  c.leave();
}

/**
 * `free_empty_tables` frees the tables of [addr, end) left empty by unmap_hotplug_range. The
 * PUD and PGD levels are not freed by the models (their tables stay shared with other memory).
 */
export function* free_empty_tables(c: Cpu, k: KernelMachine, addr: bigint, end: bigint): Steps {
  c.enter('free_empty_tables');
  const pgd = k.swapper(c.mem);
  const pgdp = entryAddr(k, pgd, addr, 4);
  const pgdv = yield* readEntry(c, k, pgdp, 4, 'READ_ONCE(*pgdp)');
  if (k.fmt.none(pgdv)) return c.leave();
  const pudp = entryAddr(k, tableOf(c, k, pgdv, 3, pgdp), addr, 3);
  const pud = yield* readEntry(c, k, pudp, 3, 'READ_ONCE(*pudp)');
  if (k.fmt.none(pud) || !k.fmt.table(pud, 3)) return c.leave();
  yield* free_empty_pmd_table(c, k, pudp, addr, end);
  c.leave();
}

/**
 * `__remove_pgd_mapping` (arch/arm64/mm/mmu.c): unmap_hotplug_range + free_empty_tables over the
 * linear map [start, start + size) (the mapped pages belong to the page allocator: not freed).
 */
export function* __remove_pgd_mapping(c: Cpu, k: KernelMachine, start: bigint, size: bigint): Steps {
  c.enter('__remove_pgd_mapping');
  yield* unmap_hotplug_range(c, k, start, start + size, false);
  yield* free_empty_tables(c, k, start, start + size);
  c.leave();
}

/**
 * `vmemmap_free` (arch/arm64/mm/mmu.c): unmap the struct pages of [start, end) freeing their
 * pages (unmap_hotplug_range with free_mapped), then free_empty_tables.
 */
export function* vmemmap_free(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.enter('vmemmap_free');
  yield* unmap_hotplug_range(c, k, start, end, true);
  yield* free_empty_tables(c, k, start, end);
  c.leave();
}

/**
 * `arch_remove_memory` (arch/arm64/mm/mmu.c): __remove_pages (the sections' memmap, through
 * vmemmap_free), then __remove_pgd_mapping of the linear map of physical [start, start + size).
 * Run it under try_remove_memory.
 */
export function* arch_remove_memory(c: Cpu, k: KernelMachine, start: bigint, size: bigint): Steps {
  c.enter('arch_remove_memory');
  yield* __remove_pages(c, k, start >> 12n, size >> 12n);
  yield* __remove_pgd_mapping(c, k, BigInt.asUintN(64, k.arch.pageOffset + start), size);
  c.leave();
}
