import type { Cpu, Steps } from '../engine/cpu.js';
import { FrameState } from '../machine/frame-state.js';
import type { KernelMachine } from './machine.js';
import { p4d_populate_kernel, pgd_populate_kernel, pmd_populate_kernel, pud_populate } from './pgalloc.js';
import { type EntryRef, foldedBelow, levelNumber, offset, pgd_offset_k, pXdAddrEnd } from './pgtable.js';

/**
 * mm/sparse-vmemmap.c: populating the vmemmap, the virtual array of struct pages, level by level
 * in init_mm, for every architecture (each arch's vmemmap_populate chooses base pages or 2 MiB
 * blocks and supplies vmemmap_set_pmd / vmemmap_check_pmd). Each populate step returns the entry
 * it ended on; the next level's p?d_offset uses the value as the inlined kernel code does.
 */

/**
 * `vmemmap_pgd_populate`: pgd_offset_k(addr); if none, allocate a zeroed P4D page and
 * pgd_populate_kernel(). With the P4D folded pgd_none() is constant 0, so nothing is read and the
 * folded P4D slot is handled one level down.
 */
export function* vmemmap_pgd_populate(c: Cpu, k: KernelMachine, addr: bigint): Steps<EntryRef> {
  c.enter('vmemmap_pgd_populate');
  const pgd = pgd_offset_k(k, c.mem, addr);
  if (foldedBelow(k, 'pgd')) return c.leave({ addr: pgd, value: 0n });
  let e = yield c.load(pgd, 'pgd_none');
  if (k.fmt.none(e)) {
    const p4d = Number(yield c.alloc(FrameState.P4d, 'p4d', 'vmemmap_alloc_block_zero'));
    yield* pgd_populate_kernel(c, k, addr, pgd, p4d);
    e = k.fmt.mkTable(BigInt(p4d * 4096), levelNumber(k, 'pgd'));
  }
  return c.leave({ addr: pgd, value: e });
}

/**
 * `vmemmap_p4d_populate`: p4d_offset(pgd, addr) (the PGD slot itself with the P4D folded); if
 * none, allocate a zeroed PUD page and p4d_populate_kernel().
 */
export function* vmemmap_p4d_populate(
  c: Cpu,
  k: KernelMachine,
  pgd: EntryRef,
  addr: bigint,
): Steps<EntryRef> {
  c.enter('vmemmap_p4d_populate');
  const p4d = offset(k, 'p4d', pgd, addr);
  let e = yield c.load(p4d, 'p4d_none');
  if (k.fmt.none(e)) {
    const pud = Number(yield c.alloc(FrameState.Pud, 'pud', 'vmemmap_alloc_block_zero'));
    yield* p4d_populate_kernel(c, k, addr, p4d, pud);
    e = k.fmt.mkTable(BigInt(pud * 4096), levelNumber(k, 'p4d'));
  }
  return c.leave({ addr: p4d, value: e });
}

/** `vmemmap_pud_populate`: if the PUD entry is none, allocate a PMD page and pud_populate(). */
export function* vmemmap_pud_populate(
  c: Cpu,
  k: KernelMachine,
  p4d: EntryRef,
  addr: bigint,
): Steps<EntryRef> {
  c.enter('vmemmap_pud_populate');
  const pud = offset(k, 'pud', p4d, addr);
  let e = yield c.load(pud, 'pud_none');
  if (k.fmt.none(e)) {
    const pmd = Number(yield c.alloc(FrameState.Pmd, 'pmd', 'vmemmap_alloc_block_zero'));
    yield* pud_populate(c, k, pud, pmd);
    e = k.fmt.mkTable(BigInt(pmd * 4096), levelNumber(k, 'pud'));
  }
  return c.leave({ addr: pud, value: e });
}

/** `vmemmap_pmd_populate`: if the PMD entry is none, allocate a PTE page and pmd_populate_kernel(). */
export function* vmemmap_pmd_populate(
  c: Cpu,
  k: KernelMachine,
  pud: EntryRef,
  addr: bigint,
): Steps<EntryRef> {
  c.enter('vmemmap_pmd_populate');
  const pmd = offset(k, 'pmd', pud, addr);
  let e = yield c.load(pmd, 'pmd_none');
  if (k.fmt.none(e)) {
    const pte = Number(yield c.alloc(FrameState.Pte, 'pte', 'vmemmap_alloc_block_zero'));
    yield* pmd_populate_kernel(c, k, pmd, pte);
    e = k.fmt.mkTable(BigInt(pte * 4096), levelNumber(k, 'pmd'));
  }
  return c.leave({ addr: pmd, value: e });
}

/**
 * `vmemmap_pte_populate`: if the PTE is none, allocate a page for the struct pages
 * (vmemmap_alloc_block_buf) and set_pte_at(PAGE_KERNEL).
 */
export function* vmemmap_pte_populate(
  c: Cpu,
  k: KernelMachine,
  pmd: EntryRef,
  addr: bigint,
): Steps<EntryRef> {
  c.enter('vmemmap_pte_populate');
  const pte = offset(k, 'pte', pmd, addr);
  let e = yield c.load(pte, 'pte_none');
  if (k.fmt.none(e)) {
    const page = Number(yield c.alloc(FrameState.Data, 'vmemmap', 'vmemmap_alloc_block_buf'));
    e = k.fmt.mkLeaf(k.page_to_phys(page), 1);
    yield c.store(pte, e, 'set_pte_at');
  }
  return c.leave({ addr: pte, value: e });
}

/** `vmemmap_populate_address`: populate every level for one vmemmap page. */
export function* vmemmap_populate_address(c: Cpu, k: KernelMachine, addr: bigint): Steps<EntryRef> {
  c.enter('vmemmap_populate_address');
  const pgd = yield* vmemmap_pgd_populate(c, k, addr);
  const p4d = yield* vmemmap_p4d_populate(c, k, pgd, addr);
  const pud = yield* vmemmap_pud_populate(c, k, p4d, addr);
  const pmd = yield* vmemmap_pmd_populate(c, k, pud, addr);
  return c.leave(yield* vmemmap_pte_populate(c, k, pmd, addr));
}

/** `vmemmap_populate_basepages` (via vmemmap_populate_range): 4 KiB pages for [start, end). */
export function* vmemmap_populate_basepages(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.enter('vmemmap_populate_basepages');
  for (let addr = start; addr < end; addr += 4096n) {
    yield* vmemmap_populate_address(c, k, addr);
  }
  c.leave();
}

/**
 * `vmemmap_populate_compound_pages` (4917f55b4ef9 "mm/sparse-vmemmap: improve memory savings
 * for compound devmaps"): for a compound devmap only the head page's vmemmap page (and one tail
 * page, whose page the rest reuse) are populated. The model populates the head page's vmemmap
 * page; the tail pages and the reuse add PTEs under the same top-level entry, so they change
 * nothing about syncing and are left out. The path never calls an arch sync itself: before
 * f2d2f9598ebb its top-level entry reached init_mm only.
 */
export function* vmemmap_populate_compound_pages(
  c: Cpu,
  k: KernelMachine,
  start: bigint,
  _end: bigint,
): Steps {
  c.enter('vmemmap_populate_compound_pages');
  yield* vmemmap_populate_address(c, k, start);
  c.leave();
}

/**
 * `vmemmap_populate_hugepages`: for each 2 MiB of [start, end), populate down to the PUD, and if
 * the PMD is none, allocate a 2 MiB block and the arch's vmemmap_set_pmd(); an existing leaf goes
 * through vmemmap_check_pmd(). (The base-page fallback when the block allocation fails is not
 * modelled: allocation does not fail here.)
 */
export function* vmemmap_populate_hugepages(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.enter('vmemmap_populate_hugepages');
  for (let addr = start, next = start; addr < end; addr = next) {
    next = pXdAddrEnd(k, 'pmd', addr, end);
    const pgd = yield* vmemmap_pgd_populate(c, k, addr);
    const p4d = yield* vmemmap_p4d_populate(c, k, pgd, addr);
    const pud = yield* vmemmap_pud_populate(c, k, p4d, addr);
    const pmd = offset(k, 'pmd', pud, addr);
    const e = yield c.load(pmd, 'pmd_none');
    if (k.fmt.none(e)) {
      const block = Number(yield c.alloc(FrameState.Data, 'vmemmap block', 'vmemmap_alloc_block_buf'));
      yield* k.arch.vmemmap_set_pmd(c, k, pmd, block, addr, next);
      continue;
    }
    if (yield* k.arch.vmemmap_check_pmd(c, k, e, addr, next)) continue;
    yield* vmemmap_populate_basepages(c, k, addr, next);
  }
  c.leave();
}
