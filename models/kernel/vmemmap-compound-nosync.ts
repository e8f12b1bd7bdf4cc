import type { PagingLevels } from '../../src/arch/x86-64/paging.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { KernelBuilder } from '../../src/kernel/builder.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import { mem_hotplug_begin, mem_hotplug_done } from '../../src/kernel/locks.js';
import { __populate_section_memmap, memmap_init_zone_device } from '../../src/kernel/mm-init.js';
import { kernelOracles } from '../../src/kernel/oracles/index.js';
import { defineModel, type Variant } from '../../src/model/define.js';
import { COMMITS } from '../lib/commits.js';
import {
  applyBoot,
  configName,
  LANDINGS,
  type Landing,
  PAGING_MODES,
  type Placement,
  PMEM_PFN,
  placement,
} from '../lib/x86-placement.js';

/**
 * `vmemmap-compound-nosync`: the 2025 pmem boot oops (seeds/000, 001). CPU A hot-adds a 2 MiB
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

/**
 * CPU A hot-adds the pmem (memremap_pages -> pagemap_range): under mem_hotplug_lock it populates
 * the section's vmemmap through the compound-devmap path, then publishes the pgmap.
 */
function* populator(c: Cpu, k: Kernel, p: Placement, ready: number): Steps {
  yield* mem_hotplug_begin(c, k);
  yield* c.call(
    '__populate_section_memmap',
    __populate_section_memmap(c, k, PMEM_PFN, NR_PAGES, p.vmemmapBase, true),
  );
  yield* mem_hotplug_done(c, k);
  yield* c.store(ready, 1n, 'pgmap ready');
}

/** CPU B, another task, initializes the new struct pages once the pgmap is published. */
function* initializer(c: Cpu, k: Kernel, p: Placement, ready: number): Steps {
  yield* c.awaitValue(ready, (v) => v === 1n, 'wait pgmap');
  yield* c.call('memmap_init_zone_device', memmap_init_zone_device(c, k, PMEM_PFN, 1n, p.vmemmapBase));
}

function build(levels: PagingLevels, landing: Landing, buggy: boolean): Program {
  const p = placement(levels, landing);
  const kb = new KernelBuilder({ levels, frames: 16, bugs: { noPopulateKernelSync: buggy } });
  applyBoot(kb, p);
  const a = kb.task('A');
  const b = kb.task('B');
  const ready = kb.m.word('pgmap_ready');
  kb.cpu(a);
  kb.cpu(b);
  const k = kb.k;
  return kb.program(
    [
      {
        name: 'A',
        run: (c: Cpu) => c.call('memremap_pages', c.call('pagemap_range', populator(c, k, p, ready))),
      },
      { name: 'B', run: (c: Cpu) => initializer(c, k, p, ready) },
    ],
    kernelOracles(k),
  );
}

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
    build: () => build(levels, landing, buggy),
  };
}

const variants: Record<string, Variant> = {};
for (const kind of ['buggy', 'fixed'] as const) {
  for (const levels of PAGING_MODES) {
    for (const landing of LANDINGS)
      variants[`${kind}-${configName(levels, landing)}`] = variant(levels, landing, kind === 'buggy');
  }
}

export default defineModel({
  name: 'vmemmap-compound-nosync',
  summary:
    'compound-devmap vmemmap populate installs a new top-level entry in init_mm only; another task initializing the struct pages faults (the 2025 pmem boot oops)',
  variants,
});
