import type { Cpu, Steps } from '../engine/cpu.js';
import { mem_hotplug_begin, mem_hotplug_done } from './locks.js';
import type { KernelMachine } from './machine.js';
import { __populate_section_memmap } from './mm-init.js';
import { PAGES_PER_SECTION, pfn_to_page, STRUCT_PAGE_SIZE } from './struct-page.js';

/**
 * mm/memory_hotplug.c and mm/sparse.c, the generic half of memory hot-add and hot-remove. The
 * architecture maps and unmaps the memory (`arch_add_memory`, `arch_remove_memory`, reached
 * through `k.arch`), the generic code adds and removes its sections' memmap.
 */

/** the chunks of [pfn, pfn + nr) that each lie in one section (SECTION_ALIGN_UP steps) */
function* sectionChunks(pfn: bigint, nr: bigint): Generator<[bigint, bigint]> {
  const end = pfn + nr;
  for (let p = pfn; p < end; ) {
    const next = (p / PAGES_PER_SECTION + 1n) * PAGES_PER_SECTION;
    const stop = next < end ? next : end;
    yield [p, stop - p];
    p = stop;
  }
}

/**
 * `__add_pages` (mm/memory_hotplug.c): for each section of [pfn, pfn + nr), sparse_add_section
 * -> section_activate -> populate_section_memmap, that is __populate_section_memmap and the
 * arch's vmemmap_populate. The struct pages are initialized later, when the memory is onlined.
 */
export function* __add_pages(c: Cpu, k: KernelMachine, pfn: bigint, nr: bigint): Steps {
  c.enter('__add_pages');
  for (const [p, n] of sectionChunks(pfn, nr)) {
    c.enter('sparse_add_section');
    yield* __populate_section_memmap(c, k, p, n, k.vmemmapBase, false);
    c.leave();
  }
  c.leave();
}

/**
 * `__remove_pages` (mm/memory_hotplug.c): for each section of [pfn, pfn + nr),
 * sparse_remove_section -> section_deactivate -> depopulate_section_memmap, that is the arch's
 * vmemmap_free of the section's struct pages.
 */
export function* __remove_pages(c: Cpu, k: KernelMachine, pfn: bigint, nr: bigint): Steps {
  c.enter('__remove_pages');
  for (const [p, n] of sectionChunks(pfn, nr)) {
    c.enter('sparse_remove_section');
    const start = pfn_to_page(p, k.vmemmapBase);
    yield* k.arch.vmemmap_free(c, k, start, start + n * STRUCT_PAGE_SIZE);
    c.leave();
  }
  c.leave();
}

/**
 * `add_memory` (mm/memory_hotplug.c, via add_memory_resource): under mem_hotplug_begin() the
 * architecture maps physical [start, start + size) and adds its pages (arch_add_memory), then
 * mem_hotplug_done().
 */
export function* add_memory(c: Cpu, k: KernelMachine, start: bigint, size: bigint): Steps {
  c.enter('add_memory_resource');
  yield mem_hotplug_begin(c, k);
  yield* k.arch.arch_add_memory(c, k, start, size);
  yield mem_hotplug_done(c, k);
  c.leave();
}

/**
 * `try_remove_memory` (mm/memory_hotplug.c) is the generic half of memory hot-remove: under
 * mem_hotplug_begin() the architecture removes the pages of physical [start, start + size) and
 * unmaps it, freeing the page tables left empty (arch_remove_memory), then mem_hotplug_done().
 */
export function* try_remove_memory(c: Cpu, k: KernelMachine, start: bigint, size: bigint): Steps {
  c.enter('try_remove_memory');
  yield mem_hotplug_begin(c, k);
  yield* k.arch.arch_remove_memory(c, k, start, size);
  yield mem_hotplug_done(c, k);
  c.leave();
}
