import type { Cpu, Steps } from '../../engine/cpu.js';
import { FrameState } from '../../machine/frame-state.js';
import { entryAddr, readEntry, tableOf, writeEntry } from '../access.js';
import { spin_lock, spin_unlock } from '../locks.js';
import type { KernelMachine } from '../machine.js';
import { __add_pages, __remove_pages } from '../memory-hotplug.js';
import { alloc_pgtable } from '../pgalloc.js';
import { foldedBelow, pgd_offset_k } from '../pgtable.js';
import { kernel_physical_mapping_remove } from './hotremove.js';
import { sync_global_pgds } from './sync.js';
import { x86Of } from './x86-arch.js';

/**
 * x86-64 memory hot-add (arch/x86/mm/init_64.c): `arch_add_memory` maps the new physical range
 * in the direct map (init_memory_mapping -> kernel_physical_mapping_init), then adds its pages
 * (add_pages -> __add_pages, which populates the vmemmap). The direct-map tables are built
 * bottom up: each `phys_p?d_init` fills a table allocated with alloc_low_page() before the entry
 * that points to it is populated, under init_mm.page_table_lock; a new top-level entry makes
 * __kernel_physical_mapping_init end with sync_global_pgds().
 *
 * Page sizes (split_mem_range): 2 MiB pages for the 2 MiB-aligned middle of the range, 4 KiB
 * pages for the rest; 1 GiB pages (direct_gbpages) are not used.
 */

const PMD = 1n << 21n;
const PUD = 1n << 30n;
/** `PG_LEVEL_2M` in page_size_mask */
const MASK_2M = 1 << 2;

function va(k: KernelMachine, pa: bigint): bigint {
  return BigInt.asUintN(64, k.arch.pageOffset + pa);
}

/** `phys_pte_init`: a 4 KiB leaf for each page of [paddr, end) in the PTE table, reusing present ones. */
function* phys_pte_init(c: Cpu, k: KernelMachine, table: number, paddr: bigint, end: bigint): Steps {
  c.enter('phys_pte_init');
  for (let p = paddr; p < end; p += 4096n) {
    const ptep = entryAddr(k, table, va(k, p), 1);
    if (!k.fmt.none(yield* readEntry(c, k, ptep, 1, 'pte_none(*pte)'))) continue;
    yield* writeEntry(c, k, ptep, 1, k.fmt.mkLeaf(p, 1), 'set_pte_init');
  }
  c.leave();
}

/** `phys_pmd_init`: per 2 MiB of [paddr, end): descend into an existing PTE table, set a 2 MiB leaf, or build a new PTE table and populate it. */
function* phys_pmd_init(
  c: Cpu,
  k: KernelMachine,
  table: number,
  paddr: bigint,
  end: bigint,
  mask: number,
): Steps {
  c.enter('phys_pmd_init');
  for (let p = paddr, next: bigint; p < end; p = next) {
    next = (p & ~(PMD - 1n)) + PMD;
    const pmdp = entryAddr(k, table, va(k, p), 2);
    const stop = next < end ? next : end;
    const pmd = yield* readEntry(c, k, pmdp, 2, 'pmd_none(*pmd)');
    if (!k.fmt.none(pmd)) {
      if (!k.fmt.leaf(pmd, 2)) {
        yield spin_lock(c, k.initMm.pageTableLock);
        const pte = tableOf(c, k, yield* readEntry(c, k, pmdp, 2, 'pmd_page_vaddr(*pmd)'), 1, pmdp);
        yield* phys_pte_init(c, k, pte, p, stop);
        yield spin_unlock(c, k.initMm.pageTableLock);
      }
      continue;
    }
    if (mask & MASK_2M) {
      yield spin_lock(c, k.initMm.pageTableLock);
      yield* writeEntry(c, k, pmdp, 2, k.fmt.mkLeaf(p, 2), 'set_pmd_init');
      yield spin_unlock(c, k.initMm.pageTableLock);
      continue;
    }
    const pte = yield* alloc_pgtable(c, FrameState.Pte, 'pte', 'alloc_low_page');
    yield* phys_pte_init(c, k, pte * 4096, p, stop);
    yield spin_lock(c, k.initMm.pageTableLock);
    yield* writeEntry(c, k, pmdp, 2, k.fmt.mkTable(BigInt(pte * 4096), 2), 'pmd_populate_kernel_init');
    yield spin_unlock(c, k.initMm.pageTableLock);
  }
  c.leave();
}

/** `phys_pud_init`: per 1 GiB of [paddr, end): descend into an existing PMD table, or build a new one and populate it. */
function* phys_pud_init(
  c: Cpu,
  k: KernelMachine,
  table: number,
  paddr: bigint,
  end: bigint,
  mask: number,
): Steps {
  c.enter('phys_pud_init');
  for (let p = paddr, next: bigint; p < end; p = next) {
    next = (p & ~(PUD - 1n)) + PUD;
    const pudp = entryAddr(k, table, va(k, p), 3);
    const stop = next < end ? next : end;
    const pud = yield* readEntry(c, k, pudp, 3, 'pud_none(*pud)');
    if (!k.fmt.none(pud)) {
      if (!k.fmt.leaf(yield* readEntry(c, k, pudp, 3, 'pud_leaf(*pud)'), 3)) {
        const pmd = tableOf(c, k, yield* readEntry(c, k, pudp, 3, 'pmd_offset(pud, 0)'), 2, pudp);
        yield* phys_pmd_init(c, k, pmd, p, stop, mask);
      }
      continue;
    }
    const pmd = yield* alloc_pgtable(c, FrameState.Pmd, 'pmd', 'alloc_low_page');
    yield* phys_pmd_init(c, k, pmd * 4096, p, stop, mask);
    yield spin_lock(c, k.initMm.pageTableLock);
    yield* writeEntry(c, k, pudp, 3, k.fmt.mkTable(BigInt(pmd * 4096), 3), 'pud_populate_init');
    yield spin_unlock(c, k.initMm.pageTableLock);
  }
  c.leave();
}

/** `phys_p4d_init`: with 4 levels the "P4D table" is the PUD table (phys_pud_init); with 5, per P4D entry as one level up. */
function* phys_p4d_init(
  c: Cpu,
  k: KernelMachine,
  table: number,
  paddr: bigint,
  end: bigint,
  mask: number,
): Steps {
  c.enter('phys_p4d_init');
  if (x86Of(k).levels === 4) {
    yield* phys_pud_init(c, k, table, paddr, end, mask);
    return c.leave();
  }
  const span = 1n << 39n;
  for (let p = paddr, next: bigint; p < end; p = next) {
    next = (p & ~(span - 1n)) + span;
    const p4dp = entryAddr(k, table, va(k, p), 4);
    const stop = next < end ? next : end;
    const p4d = yield* readEntry(c, k, p4dp, 4, 'p4d_none(*p4d)');
    if (!k.fmt.none(p4d)) {
      const pud = tableOf(c, k, yield* readEntry(c, k, p4dp, 4, 'pud_offset(p4d, 0)'), 3, p4dp);
      yield* phys_pud_init(c, k, pud, p, stop, mask);
      continue;
    }
    const pud = yield* alloc_pgtable(c, FrameState.Pud, 'pud', 'alloc_low_page');
    yield* phys_pud_init(c, k, pud * 4096, p, stop, mask);
    yield spin_lock(c, k.initMm.pageTableLock);
    yield* writeEntry(c, k, p4dp, 4, k.fmt.mkTable(BigInt(pud * 4096), 4), 'p4d_populate_init');
    yield spin_unlock(c, k.initMm.pageTableLock);
  }
  c.leave();
}

/**
 * `__kernel_physical_mapping_init`: for each top-level slot of the direct map of [paddr, end):
 * descend into the table a present slot points to, or allocate one (alloc_low_page), fill it
 * (phys_p4d_init) and populate the slot under init_mm.page_table_lock (pgd_populate_init with 5
 * levels, p4d_populate_init of the folded P4D with 4). A new slot makes it end with
 * sync_global_pgds(vaddr_start, vaddr_end - 1).
 */
export function* kernel_physical_mapping_init(
  c: Cpu,
  k: KernelMachine,
  paddr: bigint,
  end: bigint,
  mask: number,
): Steps {
  c.enter('__kernel_physical_mapping_init');
  const top = k.fmt.levels;
  const span = 1n << k.fmt.shift(top);
  let changed = false;
  for (let p = paddr, next: bigint; p < end; p = next) {
    next = (va(k, p) & ~(span - 1n)) + span - k.arch.pageOffset;
    const pgdp = pgd_offset_k(k, c.mem, va(k, p));
    const stop = next < end ? next : end;
    const pgd = yield* readEntry(c, k, pgdp, top, 'pgd_val(*pgd)');
    if (!k.fmt.none(pgd)) {
      const p4d = tableOf(c, k, yield* readEntry(c, k, pgdp, top, 'pgd_page_vaddr(*pgd)'), top - 1, pgdp);
      yield* phys_p4d_init(c, k, p4d, p, stop, mask);
      continue;
    }
    const l5 = !foldedBelow(k, 'pgd');
    const t = yield* alloc_pgtable(
      c,
      l5 ? FrameState.P4d : FrameState.Pud,
      l5 ? 'p4d' : 'pud',
      'alloc_low_page',
    );
    yield* phys_p4d_init(c, k, t * 4096, p, stop, mask);
    yield spin_lock(c, k.initMm.pageTableLock);
    yield* writeEntry(
      c,
      k,
      pgdp,
      top,
      k.fmt.mkTable(BigInt(t * 4096), top),
      l5 ? 'pgd_populate_init' : 'p4d_populate_init',
    );
    yield spin_unlock(c, k.initMm.pageTableLock);
    changed = true;
  }
  if (changed) yield* sync_global_pgds(c, k, va(k, paddr), va(k, end) - 1n);
  c.leave();
}

/**
 * `init_memory_mapping` (arch/x86/mm/init.c): split [start, end) by page size (split_mem_range:
 * 4 KiB head, 2 MiB-aligned middle in 2 MiB pages, 4 KiB tail) and map each part.
 */
export function* init_memory_mapping(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.enter('init_memory_mapping');
  const mid = (start + PMD - 1n) & ~(PMD - 1n);
  const tail = end & ~(PMD - 1n);
  const parts: [bigint, bigint, number][] =
    mid < tail
      ? [
          [start, mid, 0],
          [mid, tail, MASK_2M],
          [tail, end, 0],
        ]
      : [[start, end, 0]];
  for (const [s, e, mask] of parts) if (s < e) yield* kernel_physical_mapping_init(c, k, s, e, mask);
  c.leave();
}

/**
 * `arch_add_memory` (init_64.c): init_memory_mapping(start, start + size), then add_pages ->
 * __add_pages (update_end_of_memory_vars only moves max_pfn). Run it under add_memory.
 */
export function* arch_add_memory(c: Cpu, k: KernelMachine, start: bigint, size: bigint): Steps {
  c.enter('arch_add_memory');
  yield* init_memory_mapping(c, k, start, start + size);
  c.enter('add_pages');
  yield* __add_pages(c, k, start >> 12n, size >> 12n);
  c.leave();
  c.leave();
}

/**
 * `arch_remove_memory` (init_64.c): __remove_pages (the memmap of the sections, through
 * vmemmap_free), then kernel_physical_mapping_remove of the direct map. Run it under
 * try_remove_memory.
 */
export function* arch_remove_memory(c: Cpu, k: KernelMachine, start: bigint, size: bigint): Steps {
  c.enter('arch_remove_memory');
  yield* __remove_pages(c, k, start >> 12n, size >> 12n);
  yield* kernel_physical_mapping_remove(c, k, start, start + size);
  c.leave();
}
