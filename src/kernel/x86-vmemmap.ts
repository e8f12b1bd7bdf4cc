import { entryLeaf, PAGE_KERNEL_LARGE, pfn_pte } from '../arch/x86-64/entry.js';
import { PMD_SIZE } from '../arch/x86-64/paging.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { hw_access } from './hw-access.js';
import type { Kernel } from './kernel.js';
import { frameToPfn } from './phys.js';

/** `PAGE_UNUSED` (arch/x86/mm/init_64.c): the byte marking unused struct page memory. */
export const PAGE_UNUSED = 0xfdfdfdfdfdfdfdfdn;

function alignDown(a: bigint, size: bigint): bigint {
  return (a / size) * size;
}

function aligned(a: bigint, size: bigint): boolean {
  return a % size === 0n;
}

/**
 * `vmemmap_flush_unused_pmd` (arch/x86/mm/init_64.c): if the last sub-PMD block left an unused
 * tail (`unused_pmd_start`), memset it to PAGE_UNUSED through its vmemmap address, and forget it.
 * Every memset in the model is its first 8-byte store: the page walk is what matters.
 */
export function* vmemmap_flush_unused_pmd(c: Cpu, k: Kernel): Steps {
  c.enter('vmemmap_flush_unused_pmd');
  const start = yield c.load(k.unusedPmdStart);
  if (start === 0n) return c.leave();
  c.enter('memset');
  yield* hw_access(c, k, BigInt.asUintN(64, start), 'write', 8, PAGE_UNUSED);
  c.leave();
  yield c.store(k.unusedPmdStart, 0n);
  c.leave();
}

/**
 * `__vmemmap_use_sub_pmd` (arch/x86/mm/init_64.c): memset(start, 0, sizeof(struct page)) through
 * the vmemmap address, i.e. through the current CPU's PGD. Before the sync fix this is the access
 * of the vmemmap_set_pmd oops in 6659d0279980.
 */
export function* __vmemmap_use_sub_pmd(c: Cpu, k: Kernel, start: bigint): Steps {
  c.enter('__vmemmap_use_sub_pmd');
  yield* hw_access(c, k, start, 'write', 8, 0n);
  c.leave();
}

/**
 * `vmemmap_use_sub_pmd` (arch/x86/mm/init_64.c): a range in an existing 2 MiB block is used again;
 * extend the remembered unused tail or flush it.
 */
export function* vmemmap_use_sub_pmd(c: Cpu, k: Kernel, start: bigint, end: bigint): Steps {
  c.enter('vmemmap_use_sub_pmd');
  const unused = yield c.load(k.unusedPmdStart);
  if (BigInt.asUintN(64, unused) === start) {
    yield c.store(k.unusedPmdStart, aligned(end, PMD_SIZE) ? 0n : BigInt.asIntN(64, end));
    return c.leave();
  }
  yield* vmemmap_flush_unused_pmd(c, k);
  yield* __vmemmap_use_sub_pmd(c, k, start);
  c.leave();
}

/**
 * `vmemmap_use_new_sub_pmd` (arch/x86/mm/init_64.c, 8d400913c231 "x86/vmemmap: handle unpopulated
 * sub-pmd ranges"): a new 2 MiB block is only partly used: mark the used struct page, memset the
 * unused head to PAGE_UNUSED, and remember an unused tail. All of it writes through vmemmap
 * addresses, before vmemmap_populate() reaches sync_global_pgds().
 */
export function* vmemmap_use_new_sub_pmd(c: Cpu, k: Kernel, start: bigint, end: bigint): Steps {
  c.enter('vmemmap_use_new_sub_pmd');
  const page = alignDown(start, PMD_SIZE);
  yield* vmemmap_flush_unused_pmd(c, k);
  yield* __vmemmap_use_sub_pmd(c, k, start);
  if (!aligned(start, PMD_SIZE)) {
    c.enter('memset');
    yield* hw_access(c, k, page, 'write', 8, PAGE_UNUSED);
    c.leave();
  }
  if (!aligned(end, PMD_SIZE)) yield c.store(k.unusedPmdStart, BigInt.asIntN(64, end));
  c.leave();
}

/**
 * `vmemmap_set_pmd` (arch/x86/mm/init_64.c): set_pmd(pmd, pfn_pte(block, PAGE_KERNEL_LARGE)),
 * then vmemmap_use_new_sub_pmd() when [addr, next) does not cover the whole block. `block` is the
 * frame that backs the 2 MiB block (frame granularity: see hw_access).
 */
export function* vmemmap_set_pmd(
  c: Cpu,
  k: Kernel,
  pmd: number,
  block: number,
  addr: bigint,
  next: bigint,
): Steps {
  c.enter('vmemmap_set_pmd');
  yield c.store(pmd, pfn_pte(frameToPfn(block), PAGE_KERNEL_LARGE), 'set_pmd');
  if (!aligned(addr, PMD_SIZE) || !aligned(next, PMD_SIZE)) {
    yield* vmemmap_use_new_sub_pmd(c, k, addr, next);
  }
  c.leave();
}

/**
 * `vmemmap_check_pmd` (arch/x86/mm/init_64.c): an existing PMD that is a 2 MiB leaf is reused
 * (vmemmap_verify is a warning only, not modelled); returns whether it was a leaf.
 */
export function* vmemmap_check_pmd(
  c: Cpu,
  k: Kernel,
  pmdValue: bigint,
  addr: bigint,
  next: bigint,
): Steps<boolean> {
  c.enter('vmemmap_check_pmd');
  if (!entryLeaf(pmdValue)) return c.leave(false);
  yield* vmemmap_use_sub_pmd(c, k, addr, next);
  return c.leave(true);
}
