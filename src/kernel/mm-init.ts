import { PAGE_REFCOUNT_OFFSET, pfn_to_page, STRUCT_PAGE_SIZE } from '../arch/x86-64/layout.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { hw_access } from './hw-access.js';
import type { Kernel } from './kernel.js';
import { vmemmap_populate_compound_pages } from './sparse-vmemmap.js';
import { vmemmap_populate } from './x86-vmemmap-populate.js';

/**
 * `__init_single_page` (mm/mm_init.c) initializes one struct page through its vmemmap address.
 * The model makes its first store only: set_page_count(page, 1) on `_refcount` at offset 0x34, the
 * access the oops of the mail names (ffffe70000000034, RIP __init_single_page+0x9).
 */
export function* __init_single_page(c: Cpu, k: Kernel, page: bigint): Steps {
  c.enter('__init_single_page');
  yield* hw_access(c, k, page + PAGE_REFCOUNT_OFFSET, 'write', 4, 1n);
  c.leave();
}

/** `__init_zone_device_page` (mm/mm_init.c): __init_single_page plus ZONE_DEVICE fields. */
export function* __init_zone_device_page(c: Cpu, k: Kernel, page: bigint): Steps {
  c.enter('__init_zone_device_page');
  yield* __init_single_page(c, k, page);
  c.leave();
}

/**
 * `memmap_init_zone_device` (mm/mm_init.c): initialize the struct page of every pfn of a
 * ZONE_DEVICE range (one per compound page: the tails are initialized from the head), through
 * the current CPU's PGD.
 */
export function* memmap_init_zone_device(
  c: Cpu,
  k: Kernel,
  startPfn: bigint,
  nrPages: bigint,
  vmemmapBase: bigint,
): Steps {
  c.enter('memmap_init_zone_device');
  for (let pfn = startPfn; pfn < startPfn + nrPages; pfn++) {
    const page = pfn_to_page(pfn, vmemmapBase);
    yield* __init_zone_device_page(c, k, page);
  }
  c.leave();
}

/**
 * `__populate_section_memmap` (mm/sparse-vmemmap.c): the vmemmap of [pfn, pfn + nrPages) is
 * [pfn_to_page(pfn), + nrPages * sizeof(struct page)); a compound devmap
 * (vmemmap_can_optimize) takes vmemmap_populate_compound_pages(), which never syncs top-level
 * entries; everything else takes the arch's vmemmap_populate(), which on x86 ends with
 * sync_global_pgds().
 */
export function* __populate_section_memmap(
  c: Cpu,
  k: Kernel,
  pfn: bigint,
  nrPages: bigint,
  vmemmapBase: bigint,
  compound: boolean,
): Steps {
  c.enter('__populate_section_memmap');
  const start = pfn_to_page(pfn, vmemmapBase);
  const end = start + nrPages * STRUCT_PAGE_SIZE;
  if (compound) yield* vmemmap_populate_compound_pages(c, k, start, end);
  else yield* vmemmap_populate(c, k, start, end);
  c.leave();
}
