import type { PagingLevels } from '../../src/arch/x86-64/paging.js';
import { defineModel, type Variant } from '../../src/model/define.js';
import { COMMITS } from '../lib/commits.js';
import { type HotAdd, hotAddProgram, hotAddVariants } from '../lib/hot-add.js';
import { type Landing, PMEM_PFN, placement } from '../lib/x86-placement.js';

/**
 * `vmemmap-compound-nosync`: the 2025 pmem boot oops (docs/scenarios.md). CPU A hot-adds a 2 MiB
 * compound devmap (memremap_pages -> pagemap_range -> __populate_section_memmap ->
 * vmemmap_populate_compound_pages) under mem_hotplug_lock and publishes it; CPU B, another task
 * with its own PGD, then initializes the struct page (memmap_init_zone_device ->
 * __init_single_page) through its own CR3. Tasks: init_mm, A, B.
 *
 * Abstracted: one struct page is initialized (its _refcount store, the oops address); only the
 * head page's vmemmap page is populated (tail pages and their reuse add PTEs under the same
 * top-level entry); the hand-off from the hot-add to the user of the pages is one flag
 * (`pgmap_ready`) that B waits for; memory is one frame per table and per vmemmap page.
 */

/** a 2 MiB compound devmap: one subsection of pmem, one head struct page */
const NR_PAGES = 512n;

/** `HOT_ADD` is this model's range and populate path. */
const HOT_ADD: HotAdd = {
  startPfn: PMEM_PFN,
  nrPages: NR_PAGES,
  compound: true,
  callers: ['memremap_pages', 'pagemap_range'],
};

function variant(levels: PagingLevels, landing: Landing, buggy: boolean): Variant {
  const p = placement(levels, landing);
  const where =
    landing === 'fresh'
      ? `struct pages at ${p.page.toString(16)}, the first bytes of top-level slot ${p.slot}, which no PGD has yet`
      : `struct pages at ${p.page.toString(16)}, in top-level slot ${p.slot} that init_mm and every task have had since boot`;
  let summary: string;
  if (!buggy) {
    summary = `${levels}-level, ${where}: ${levels === 5 ? 'pgd_populate_kernel' : 'p4d_populate_kernel'} syncs every PGD before B touches the pages`;
  } else if (landing === 'fresh') {
    summary = `${levels}-level, ${where}: compound populate installs the entry in init_mm only; B's write faults (PGD 0${levels === 4 ? ' P4D 0' : ''})`;
  } else {
    summary = `${levels}-level, ${where}: the new entries are below the top level, in tables every PGD shares, so nothing needs a sync and even the buggy kernel is clean`;
  }
  return {
    summary,
    expect: buggy && landing === 'fresh' ? { violation: 'page-fault' } : 'clean',
    strategy: 'dpor',
    commits: { introduced: COMMITS.compoundDevmaps, fixed: [COMMITS.populateKernel, COMMITS.archSync] },
    build: () => hotAddProgram(HOT_ADD, levels, landing, buggy),
  };
}

export default defineModel({
  name: 'vmemmap-compound-nosync',
  summary:
    'compound-devmap vmemmap populate installs a new top-level entry in init_mm only; another task initializing the struct pages faults (the 2025 pmem boot oops)',
  variants: hotAddVariants(variant),
});
