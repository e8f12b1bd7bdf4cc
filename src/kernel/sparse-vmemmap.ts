import { __PAGE_KERNEL, entryNone, entryPfn, mkTableEntry, pfn_pte } from '../arch/x86-64/entry.js';
import {
  PAGE_SIZE,
  PMD_SIZE,
  p4d_index,
  pgd_index,
  pmd_index,
  pte_index,
  pud_index,
} from '../arch/x86-64/paging.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { FrameState } from '../machine/frame-state.js';
import type { Kernel } from './kernel.js';
import { p4d_populate_kernel, pgd_populate_kernel, pmd_populate_kernel, pud_populate } from './pgalloc.js';
import { frameAddr, frameToPfn, pfnToFrame } from './phys.js';
import { vmemmap_check_pmd, vmemmap_set_pmd } from './x86-vmemmap.js';

/**
 * `EntryRef` is a table entry a populate step ended on: its physical address and its value. The
 * next level's `p?d_offset` uses the value as the inlined kernel code does (no second read).
 */
export interface EntryRef {
  addr: number;
  value: bigint;
}

/** `tableAt` is the physical address of entry `index` of the table an entry points to. */
function tableAt(k: Kernel, e: bigint, index: number): number {
  return frameAddr(pfnToFrame(entryPfn(e), k.frames), index);
}

/**
 * `vmemmap_pgd_populate` (mm/sparse-vmemmap.c): pgd_offset_k(addr); if none, allocate a zeroed
 * P4D page and pgd_populate_kernel(). In 4-level paging pgd_none() is constant 0 (P4D folded),
 * so nothing is read and the folded P4D slot is handled one level down.
 */
export function* vmemmap_pgd_populate(c: Cpu, k: Kernel, addr: bigint): Steps<EntryRef> {
  c.enter('vmemmap_pgd_populate');
  const pgd = k.pgdOf(k.initMm, (a) => c.mem.load(a)) + pgd_index(addr, k.levels) * 8; // pgd_offset_k
  if (k.levels === 4) return c.leave({ addr: pgd, value: 0n });
  let e = yield c.load(pgd, 'pgd_none');
  if (entryNone(e)) {
    const p4d = Number(yield c.alloc(FrameState.P4d, 'p4d', 'vmemmap_alloc_block_zero'));
    yield* pgd_populate_kernel(c, k, addr, pgd, p4d);
    e = mkTableEntry(frameToPfn(p4d));
  }
  return c.leave({ addr: pgd, value: e });
}

/**
 * `vmemmap_p4d_populate` (mm/sparse-vmemmap.c): p4d_offset(pgd, addr) (the PGD slot itself in
 * 4-level paging); if none, allocate a zeroed PUD page and p4d_populate_kernel().
 */
export function* vmemmap_p4d_populate(c: Cpu, k: Kernel, pgd: EntryRef, addr: bigint): Steps<EntryRef> {
  c.enter('vmemmap_p4d_populate');
  const p4d = k.levels === 4 ? pgd.addr : tableAt(k, pgd.value, p4d_index(addr));
  let e = yield c.load(p4d, 'p4d_none');
  if (entryNone(e)) {
    const pud = Number(yield c.alloc(FrameState.Pud, 'pud', 'vmemmap_alloc_block_zero'));
    yield* p4d_populate_kernel(c, k, addr, p4d, pud);
    e = mkTableEntry(frameToPfn(pud));
  }
  return c.leave({ addr: p4d, value: e });
}

/** `vmemmap_pud_populate` (mm/sparse-vmemmap.c): if the PUD entry is none, allocate a PMD page and pud_populate(). */
export function* vmemmap_pud_populate(c: Cpu, k: Kernel, p4d: EntryRef, addr: bigint): Steps<EntryRef> {
  c.enter('vmemmap_pud_populate');
  const pud = tableAt(k, p4d.value, pud_index(addr));
  let e = yield c.load(pud, 'pud_none');
  if (entryNone(e)) {
    const pmd = Number(yield c.alloc(FrameState.Pmd, 'pmd', 'vmemmap_alloc_block_zero'));
    yield* pud_populate(c, k, pud, pmd);
    e = mkTableEntry(frameToPfn(pmd));
  }
  return c.leave({ addr: pud, value: e });
}

/** `vmemmap_pmd_populate` (mm/sparse-vmemmap.c): if the PMD entry is none, allocate a PTE page and pmd_populate_kernel(). */
export function* vmemmap_pmd_populate(c: Cpu, k: Kernel, pud: EntryRef, addr: bigint): Steps<EntryRef> {
  c.enter('vmemmap_pmd_populate');
  const pmd = tableAt(k, pud.value, pmd_index(addr));
  let e = yield c.load(pmd, 'pmd_none');
  if (entryNone(e)) {
    const pte = Number(yield c.alloc(FrameState.Pte, 'pte', 'vmemmap_alloc_block_zero'));
    yield* pmd_populate_kernel(c, k, pmd, pte);
    e = mkTableEntry(frameToPfn(pte));
  }
  return c.leave({ addr: pmd, value: e });
}

/**
 * `vmemmap_pte_populate` (mm/sparse-vmemmap.c): if the PTE is none, allocate a page for the
 * struct pages (vmemmap_alloc_block_buf) and set_pte_at(PAGE_KERNEL).
 */
export function* vmemmap_pte_populate(c: Cpu, k: Kernel, pmd: EntryRef, addr: bigint): Steps<EntryRef> {
  c.enter('vmemmap_pte_populate');
  const pte = tableAt(k, pmd.value, pte_index(addr));
  let e = yield c.load(pte, 'pte_none');
  if (entryNone(e)) {
    const page = Number(yield c.alloc(FrameState.Data, 'vmemmap', 'vmemmap_alloc_block_buf'));
    e = pfn_pte(frameToPfn(page), __PAGE_KERNEL);
    yield c.store(pte, e, 'set_pte_at');
  }
  return c.leave({ addr: pte, value: e });
}

/** `vmemmap_populate_address` (mm/sparse-vmemmap.c): populate every level for one vmemmap page. */
export function* vmemmap_populate_address(c: Cpu, k: Kernel, addr: bigint): Steps<EntryRef> {
  c.enter('vmemmap_populate_address');
  const pgd = yield* vmemmap_pgd_populate(c, k, addr);
  const p4d = yield* vmemmap_p4d_populate(c, k, pgd, addr);
  const pud = yield* vmemmap_pud_populate(c, k, p4d, addr);
  const pmd = yield* vmemmap_pmd_populate(c, k, pud, addr);
  return c.leave(yield* vmemmap_pte_populate(c, k, pmd, addr));
}

/** `vmemmap_populate_basepages` (mm/sparse-vmemmap.c, via vmemmap_populate_range): 4 KiB pages for [start, end). */
export function* vmemmap_populate_basepages(c: Cpu, k: Kernel, start: bigint, end: bigint): Steps {
  c.enter('vmemmap_populate_basepages');
  for (let addr = start; addr < end; addr += BigInt(PAGE_SIZE)) {
    yield* vmemmap_populate_address(c, k, addr);
  }
  c.leave();
}

/**
 * `vmemmap_populate_compound_pages` (mm/sparse-vmemmap.c, 4917f55b4ef9 "mm/sparse-vmemmap:
 * improve memory savings for compound devmaps"): for a compound devmap only the head page's
 * vmemmap page (and one tail page, whose page the rest reuse) are populated. The model populates
 * the head page's vmemmap page; the tail pages and the reuse add PTEs under the same top-level
 * entry, so they change nothing about syncing and are left out. The path never calls
 * sync_global_pgds: before f2d2f9598ebb its top-level entry reached init_mm only.
 */
export function* vmemmap_populate_compound_pages(c: Cpu, k: Kernel, start: bigint, _end: bigint): Steps {
  c.enter('vmemmap_populate_compound_pages');
  yield* vmemmap_populate_address(c, k, start);
  c.leave();
}

function pmdAddrEnd(addr: bigint, end: bigint): bigint {
  const boundary = (addr / PMD_SIZE + 1n) * PMD_SIZE;
  return boundary < end ? boundary : end;
}

/**
 * `vmemmap_populate_hugepages` (mm/sparse-vmemmap.c): for each 2 MiB of [start, end), populate
 * down to the PUD, and if the PMD is none, allocate a 2 MiB block and vmemmap_set_pmd(); an
 * existing leaf goes through vmemmap_check_pmd(). (The base-page fallback when the block
 * allocation fails is not modelled: allocation does not fail here.)
 */
export function* vmemmap_populate_hugepages(c: Cpu, k: Kernel, start: bigint, end: bigint): Steps {
  c.enter('vmemmap_populate_hugepages');
  for (let addr = start, next = start; addr < end; addr = next) {
    next = pmdAddrEnd(addr, end);
    const pgd = yield* vmemmap_pgd_populate(c, k, addr);
    const p4d = yield* vmemmap_p4d_populate(c, k, pgd, addr);
    const pud = yield* vmemmap_pud_populate(c, k, p4d, addr);
    const pmd = tableAt(k, pud.value, pmd_index(addr));
    const e = yield c.load(pmd, 'pmd_none');
    if (entryNone(e)) {
      const block = Number(yield c.alloc(FrameState.Data, 'vmemmap block', 'vmemmap_alloc_block_buf'));
      yield* vmemmap_set_pmd(c, k, pmd, block, addr, next);
      continue;
    }
    if (yield* vmemmap_check_pmd(c, k, e, addr, next)) continue;
    yield* vmemmap_populate_basepages(c, k, addr, next);
  }
  c.leave();
}
