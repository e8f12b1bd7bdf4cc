import type { PagingLevels } from '../../src/arch/x86-64/paging.js';
import { defineModel, type Variant } from '../../src/model/define.js';
import { COMMITS } from '../lib/commits.js';
import { HOT_ADD_PARAMS, type HotAdd, hotAddProgram, hotAddVariants } from '../lib/hot-add.js';
import { type Landing, PMEM_PFN, placement } from '../lib/x86-placement.js';

/**
 * `vmemmap-access-before-sync`: 8d400913c231 made x86 vmemmap_populate memset partly used 2 MiB
 * vmemmap blocks through their vmemmap address (vmemmap_set_pmd -> vmemmap_use_new_sub_pmd)
 * before the sync_global_pgds() at its end; on a task whose PGD lacks the new top-level entry
 * that is the vmemmap_set_pmd oops quoted in 6659d0279980. CPU A hot-adds a section's worth of
 * struct pages starting one subsection into a slot; CPU B (another task) then initializes the
 * first struct page. Tasks: init_mm, A, B by default; `tasks` and `sections` size it (models/lib/hot-add.ts).
 *
 * Abstracted: a 2 MiB block is one frame (offsets fold modulo 4 KiB, see hw_access); each memset
 * is its first 8-byte store; the base-page fallback when a block allocation fails is not modelled.
 */

/**
 * The hot-added range starts one subsection (512 pfns, 32 KiB of struct pages) into the slot and
 * spans a section's worth of struct pages (2 MiB): x86 vmemmap_populate takes the 2 MiB-block path,
 * and the first block is only partly used, so vmemmap_use_new_sub_pmd() memsets through the
 * vmemmap before sync_global_pgds() runs.
 */
const START_PFN = PMEM_PFN + 512n;
const NR_PAGES = 32768n;

/** `HOT_ADD` is this model's range and populate path. */
const HOT_ADD: HotAdd = { startPfn: START_PFN, nrPages: NR_PAGES, compound: false, callers: ['add_pages'] };

function variant(levels: PagingLevels, landing: Landing, buggy: boolean): Variant<typeof HOT_ADD_PARAMS> {
  const p = placement(levels, landing);
  const first = (p.page + 512n * 64n).toString(16);
  let summary: string;
  if (!buggy) {
    summary = `${levels}-level, range from ${first} in ${landing === 'fresh' ? 'fresh' : 'present'} slot ${p.slot}: the top-level entry is synced inside ${levels === 5 ? 'pgd_populate_kernel' : 'p4d_populate_kernel'}, before any memset`;
  } else if (landing === 'fresh') {
    summary = `${levels}-level, range from ${first} in fresh slot ${p.slot}: A's sub-PMD memset writes through A's PGD before sync_global_pgds and faults`;
  } else {
    summary = `${levels}-level, range from ${first} in slot ${p.slot}, present since boot: A's PGD already has the slot and the new tables are shared, so the early memset is harmless and the buggy kernel is clean`;
  }
  return {
    summary,
    expect: buggy && landing === 'fresh' ? { violation: 'page-fault' } : 'clean',
    strategy: 'dpor',
    commits: { introduced: COMMITS.subPmd, fixed: [COMMITS.populateKernel, COMMITS.archSync] },
    build: (n) => hotAddProgram(HOT_ADD, n, levels, landing, buggy),
  };
}

export default defineModel({
  params: HOT_ADD_PARAMS,
  name: 'vmemmap-access-before-sync',
  summary:
    'x86 vmemmap_populate memsets the unused part of a new 2 MiB vmemmap block through the vmemmap address before sync_global_pgds (the vmemmap_set_pmd oops)',
  variants: hotAddVariants(variant),
});
