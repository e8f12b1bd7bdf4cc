import {
  PGTBL_P4D_MODIFIED,
  PGTBL_PGD_MODIFIED,
  PGTBL_PMD_MODIFIED,
  PGTBL_PTE_MODIFIED,
  PGTBL_PUD_MODIFIED,
} from '../arch/pgtbl-mask.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { childEntry, readEntry, writeEntry } from './access.js';
import { KERNEL_BUG } from './kinds.js';
import type { KernelMachine } from './machine.js';
import {
  type PgtblMask,
  p4d_alloc_track,
  pmd_alloc_track,
  pte_alloc_kernel_track,
  pud_alloc_track,
} from './pgalloc-track.js';
import { foldedBelow, levelNumber, pgd_offset_k, pXdAddrEnd, type Upper } from './pgtable.js';

/**
 * mm/vmalloc.c: mapping and unmapping kernel virtual ranges (vmalloc, vmap, ioremap) in init_mm.
 * The walk allocates missing tables with the `*_alloc_track` helpers, which note in a
 * `pgtbl_mod_mask` which levels they modified; at the end, if the mask meets the architecture's
 * ARCH_PAGE_TABLE_SYNC_MASK, arch_sync_kernel_mappings(start, end) makes the new top-level
 * entries visible in every PGD (x86-64: sync_global_pgds). The mutant `bugs.vmallocNoSync`
 * forgets that call, as the 2020 x86-32 vmalloc-sync bugs did.
 *
 * Page-sized and 2 MiB mappings are modelled (1 GiB and P4D-sized ones are not: the models' ranges
 * are small), on x86-64 and arm64; `set_pte_at` is a plain store of the whole entry.
 */

const PMD_SHIFT = 21n;
const PMD_SIZE = 1n << PMD_SHIFT;

/** the end of a walk: sync if the mask asks for it (the `if (mask & ARCH_PAGE_TABLE_SYNC_MASK)` of every walker) */
function* syncIfNeeded(c: Cpu, k: KernelMachine, start: bigint, end: bigint, mask: PgtblMask): Steps {
  if (k.bugs.vmallocNoSync || (mask.bits & k.arch.syncMask) === 0) return;
  yield* k.arch.arch_sync_kernel_mappings(c, k, start, end);
}

/** `vmap_pte_range`: a PTE for each page of [addr, end), mapping phys_addr on (BUG_ON a PTE already there). */
function* vmap_pte_range(
  c: Cpu,
  k: KernelMachine,
  pmdp: number,
  addr: bigint,
  end: bigint,
  phys: bigint,
  mask: PgtblMask,
): Steps<number> {
  c.enter('vmap_pte_range');
  let pte = yield* pte_alloc_kernel_track(c, k, pmdp, addr, mask);
  if (pte < 0) return c.leave(-1);
  for (; addr !== end; addr += 4096n, phys += 4096n, pte += 8) {
    if (!k.fmt.none(yield* readEntry(c, k, pte, 1, 'ptep_get(pte)'))) {
      c.fail(KERNEL_BUG, `vmap_pte_range: BUG_ON(!pte_none(ptep_get(pte))) at ${k.arch.formatVa(addr)}`, [
        'kernel BUG at mm/vmalloc.c!',
      ]);
    }
    yield* writeEntry(c, k, pte, 1, k.fmt.mkLeaf(phys, 1), 'set_pte_at');
  }
  mask.bits |= PGTBL_PTE_MODIFIED;
  return c.leave(0);
}

/**
 * `vmap_try_huge_pmd`: map [addr, end) with one 2 MiB leaf when the range, its alignment and
 * `maxPageShift` allow it; a present pmd's PTE table is first freed with the arch's
 * pmd_free_pte_page. pmd_set_huge() is one store of the leaf (the arch's own check of the old
 * entry is not modelled). Returns 1 when mapped.
 */
export function* vmap_try_huge_pmd(
  c: Cpu,
  k: KernelMachine,
  pmdp: number,
  addr: bigint,
  end: bigint,
  phys: bigint,
  maxPageShift: bigint,
): Steps<number> {
  if (maxPageShift < PMD_SHIFT || end - addr !== PMD_SIZE) return 0;
  if (addr % PMD_SIZE !== 0n || phys % PMD_SIZE !== 0n) return 0;
  c.enter('vmap_try_huge_pmd');
  const pmd = yield* readEntry(c, k, pmdp, 2, 'pmd_present(*pmd)');
  if (k.fmt.present(pmd, 2)) {
    if (!(yield* k.arch.pmd_free_pte_page(c, k, pmdp, addr))) return c.leave(0);
  }
  yield* writeEntry(c, k, pmdp, 2, k.fmt.mkLeaf(phys, 2), 'pmd_set_huge');
  return c.leave(1);
}

function* vmap_pmd_range(
  c: Cpu,
  k: KernelMachine,
  pudp: number,
  addr: bigint,
  end: bigint,
  phys: bigint,
  maxPageShift: bigint,
  mask: PgtblMask,
): Steps<number> {
  c.enter('vmap_pmd_range');
  let pmd = yield* pmd_alloc_track(c, k, k.initMm, pudp, addr, mask);
  if (pmd < 0) return c.leave(-1);
  for (let next: bigint; addr !== end; pmd += 8, phys += next - addr, addr = next) {
    next = pXdAddrEnd(k, 'pmd', addr, end);
    if (yield* vmap_try_huge_pmd(c, k, pmd, addr, next, phys, maxPageShift)) {
      mask.bits |= PGTBL_PMD_MODIFIED;
      continue;
    }
    if (yield* vmap_pte_range(c, k, pmd, addr, next, phys, mask)) return c.leave(-1);
  }
  return c.leave(0);
}

function* vmap_pud_range(
  c: Cpu,
  k: KernelMachine,
  p4dp: number,
  addr: bigint,
  end: bigint,
  phys: bigint,
  maxPageShift: bigint,
  mask: PgtblMask,
): Steps<number> {
  c.enter('vmap_pud_range');
  let pud = yield* pud_alloc_track(c, k, k.initMm, p4dp, addr, mask);
  if (pud < 0) return c.leave(-1);
  for (let next: bigint; addr !== end; pud += 8, phys += next - addr, addr = next) {
    next = pXdAddrEnd(k, 'pud', addr, end);
    if (yield* vmap_pmd_range(c, k, pud, addr, next, phys, maxPageShift, mask)) return c.leave(-1);
  }
  return c.leave(0);
}

function* vmap_p4d_range(
  c: Cpu,
  k: KernelMachine,
  pgdp: number,
  addr: bigint,
  end: bigint,
  phys: bigint,
  maxPageShift: bigint,
  mask: PgtblMask,
): Steps<number> {
  c.enter('vmap_p4d_range');
  let p4d = yield* p4d_alloc_track(c, k, k.initMm, pgdp, addr, mask);
  if (p4d < 0) return c.leave(-1);
  for (let next: bigint; addr !== end; p4d += 8, phys += next - addr, addr = next) {
    next = pXdAddrEnd(k, 'p4d', addr, end);
    if (yield* vmap_pud_range(c, k, p4d, addr, next, phys, maxPageShift, mask)) return c.leave(-1);
  }
  return c.leave(0);
}

/**
 * `vmap_range_noflush`: map [addr, end) to physical memory from `phys` on (ioremap_page_range,
 * huge vmalloc), page by page or in 2 MiB leaves up to 2^`maxPageShift`; then
 * arch_sync_kernel_mappings() if the walk modified a level ARCH_PAGE_TABLE_SYNC_MASK names.
 */
export function* vmap_range_noflush(
  c: Cpu,
  k: KernelMachine,
  addr: bigint,
  end: bigint,
  phys: bigint,
  maxPageShift = 12n,
): Steps<number> {
  c.enter('vmap_range_noflush');
  const start = addr;
  const mask: PgtblMask = { bits: 0 };
  let pgd = pgd_offset_k(k, c.mem, addr);
  let err = 0;
  for (let next: bigint; addr !== end; pgd += 8, phys += next - addr, addr = next) {
    next = pXdAddrEnd(k, 'pgd', addr, end);
    err = yield* vmap_p4d_range(c, k, pgd, addr, next, phys, maxPageShift, mask);
    if (err) break;
  }
  yield* syncIfNeeded(c, k, start, end, mask);
  return c.leave(err);
}

function* vmap_pages_pte_range(
  c: Cpu,
  k: KernelMachine,
  pmdp: number,
  addr: bigint,
  end: bigint,
  pages: readonly number[],
  nr: { i: number },
  mask: PgtblMask,
): Steps<number> {
  c.enter('vmap_pages_pte_range');
  let pte = yield* pte_alloc_kernel_track(c, k, pmdp, addr, mask);
  if (pte < 0) return c.leave(-1);
  for (; addr !== end; addr += 4096n, pte += 8) {
    if (!k.fmt.none(yield* readEntry(c, k, pte, 1, 'ptep_get(pte)'))) return c.leave(-16); // WARN_ON: -EBUSY
    const page = pages[nr.i++];
    yield* writeEntry(c, k, pte, 1, k.fmt.mkLeaf(k.page_to_phys(page), 1), 'set_pte_at');
  }
  mask.bits |= PGTBL_PTE_MODIFIED;
  return c.leave(0);
}

/** one level of vmap_pages_range's walk: the table below `parent` (allocated if missing), then each entry's subrange */
function* vmap_pages_level(
  c: Cpu,
  k: KernelMachine,
  name: Exclude<Upper, 'pgd'>,
  parent: number,
  addr: bigint,
  end: bigint,
  pages: readonly number[],
  nr: { i: number },
  mask: PgtblMask,
): Steps<number> {
  c.enter(`vmap_pages_${name}_range`);
  const track = name === 'p4d' ? p4d_alloc_track : name === 'pud' ? pud_alloc_track : pmd_alloc_track;
  let p = yield* track(c, k, k.initMm, parent, addr, mask);
  if (p < 0) return c.leave(-1);
  for (let next: bigint; addr !== end; p += 8, addr = next) {
    next = pXdAddrEnd(k, name, addr, end);
    const err =
      name === 'pmd'
        ? yield* vmap_pages_pte_range(c, k, p, addr, next, pages, nr, mask)
        : yield* vmap_pages_level(c, k, name === 'p4d' ? 'pud' : 'pmd', p, addr, next, pages, nr, mask);
    if (err) return c.leave(err);
  }
  return c.leave(0);
}

/**
 * `vmap_pages_range_noflush` (__vmap_pages_range_noflush -> vmap_small_pages_range_noflush): map
 * the frames `pages` at [addr, end), one per page, allocating missing tables; note a bad PGD
 * entry in the mask; then arch_sync_kernel_mappings() if the mask meets ARCH_PAGE_TABLE_SYNC_MASK.
 */
export function* vmap_pages_range_noflush(
  c: Cpu,
  k: KernelMachine,
  addr: bigint,
  end: bigint,
  pages: readonly number[],
): Steps<number> {
  c.enter('vmap_small_pages_range_noflush');
  const start = addr;
  const mask: PgtblMask = { bits: 0 };
  const nr = { i: 0 };
  const top = k.fmt.levels;
  let pgd = pgd_offset_k(k, c.mem, addr);
  for (let next: bigint; addr !== end; pgd += 8, addr = next) {
    next = pXdAddrEnd(k, 'pgd', addr, end);
    if (!foldedBelow(k, 'pgd') && k.fmt.bad(yield* readEntry(c, k, pgd, top, 'pgd_bad(*pgd)'), top))
      mask.bits |= PGTBL_PGD_MODIFIED;
    const err = yield* vmap_pages_level(c, k, 'p4d', pgd, addr, next, pages, nr, mask);
    if (err) return c.leave(err);
  }
  yield* syncIfNeeded(c, k, start, end, mask);
  return c.leave(0);
}

/**
 * `ptep_get_and_clear` of init_mm: an atomic exchange with 0 (x86 xchg, arm64 ldxr/stxr), modelled
 * as a read and a compare-and-exchange retried until no other CPU changed the PTE in between.
 */
function* ptep_get_and_clear(c: Cpu, k: KernelMachine, pte: number): Steps<bigint> {
  for (;;) {
    const old = yield* readEntry(c, k, pte, 1, 'ptep_get_and_clear');
    const was = yield c.cas(pte, old, 0n, 'ptep_get_and_clear');
    if (was === old) return old;
  }
}

function* vunmap_pte_range(
  c: Cpu,
  k: KernelMachine,
  pmdp: number,
  pmd: bigint,
  addr: bigint,
  end: bigint,
  mask: PgtblMask,
): Steps {
  c.enter('vunmap_pte_range');
  let pte = childEntry(c, k, 'pte', pmdp, pmd, addr);
  for (; addr !== end; addr += 4096n, pte += 8) {
    const ptent = yield* ptep_get_and_clear(c, k, pte);
    if (!k.fmt.none(ptent) && !k.fmt.present(ptent, 1))
      c.fail(
        KERNEL_BUG,
        `vunmap_pte_range: WARN_ON(!pte_none(ptent) && !pte_present(ptent)) at ${k.arch.formatVa(addr)}`,
      );
  }
  mask.bits |= PGTBL_PTE_MODIFIED;
  c.leave();
}

/** `p?d_clear_huge`: a leaf at this level is cleared (returns true), anything else is left. */
function* clearHuge(c: Cpu, k: KernelMachine, p: number, level: number, name: string): Steps<boolean> {
  if (!k.fmt.leaf(yield* readEntry(c, k, p, level, `${name}_clear_huge(${name})`), level)) return false;
  yield* writeEntry(c, k, p, level, 0n, `${name}_clear`);
  return true;
}

/** one level of vunmap's walk (pud or pmd): clear a huge leaf, note a bad entry, skip a none one, descend */
function* vunmap_level(
  c: Cpu,
  k: KernelMachine,
  name: 'pud' | 'pmd',
  p: number,
  addr: bigint,
  end: bigint,
  mask: PgtblMask,
): Steps {
  c.enter(`vunmap_${name}_range`);
  const level = levelNumber(k, name);
  const bit = name === 'pud' ? PGTBL_PUD_MODIFIED : PGTBL_PMD_MODIFIED;
  for (let next: bigint; addr !== end; p += 8, addr = next) {
    next = pXdAddrEnd(k, name, addr, end);
    const cleared = yield* clearHuge(c, k, p, level, name);
    if (cleared || k.fmt.bad(yield* readEntry(c, k, p, level, `${name}_bad(*${name})`), level))
      mask.bits |= bit;
    if (cleared) continue;
    const e = yield* readEntry(c, k, p, level, `${name}_none_or_clear_bad(${name})`);
    if (k.fmt.none(e)) continue;
    if (k.fmt.bad(e, level)) {
      yield* writeEntry(c, k, p, level, 0n, `${name}_clear_bad(${name})`);
      continue;
    }
    if (name === 'pud')
      yield* vunmap_level(c, k, 'pmd', childEntry(c, k, 'pmd', p, e, addr), addr, next, mask);
    else yield* vunmap_pte_range(c, k, p, e, addr, next, mask);
  }
  c.leave();
}

/**
 * `vunmap_range_noflush` (__vunmap_range_noflush): clear every PTE and huge leaf of [start, end)
 * in init_mm without flushing (the caller flushes, or the lazy purge does later); the tables stay.
 * Then arch_sync_kernel_mappings() if the mask meets ARCH_PAGE_TABLE_SYNC_MASK (only a bad upper
 * entry cleared on the way can make it so).
 */
export function* vunmap_range_noflush(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.enter('vunmap_range_noflush');
  const mask: PgtblMask = { bits: 0 };
  const top = k.fmt.levels;
  let pgd = pgd_offset_k(k, c.mem, start);
  for (let addr = start, next: bigint; addr !== end; pgd += 8, addr = next) {
    next = pXdAddrEnd(k, 'pgd', addr, end);
    let p4d = pgd;
    if (!foldedBelow(k, 'pgd')) {
      const e = yield* readEntry(c, k, pgd, top, 'pgd_none_or_clear_bad(pgd)');
      if (k.fmt.bad(e, top)) mask.bits |= PGTBL_PGD_MODIFIED;
      if (k.fmt.none(e) || k.fmt.bad(e, top)) continue;
      p4d = childEntry(c, k, 'p4d', pgd, e, addr);
    }
    // vunmap_p4d_range: p4d_clear_huge is a no-op (no P4D leaves), then the same for the P4D entry
    c.enter('vunmap_p4d_range');
    const level = levelNumber(k, 'p4d');
    const e = yield* readEntry(c, k, p4d, level, 'p4d_none_or_clear_bad(p4d)');
    if (k.fmt.bad(e, level)) mask.bits |= PGTBL_P4D_MODIFIED;
    if (!k.fmt.none(e) && !k.fmt.bad(e, level)) {
      yield* vunmap_level(c, k, 'pud', childEntry(c, k, 'pud', p4d, e, addr), addr, next, mask);
    }
    c.leave();
  }
  yield* syncIfNeeded(c, k, start, end, mask);
  c.leave();
}
