import { PAGE_REFCOUNT_OFFSET } from '../../src/arch/x86-64/layout.js';
import type { PagingLevels } from '../../src/arch/x86-64/paging.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import type { ViolationKind } from '../../src/engine/violation.js';
import { KernelBuilder } from '../../src/kernel/builder.js';
import { hw_access } from '../../src/kernel/hw-access.js';
import type { Kernel, KernelBugs, MmInfo } from '../../src/kernel/kernel.js';
import { mem_hotplug_begin, mem_hotplug_done } from '../../src/kernel/locks.js';
import { __populate_section_memmap } from '../../src/kernel/mm-init.js';
import { kernelOracles } from '../../src/kernel/oracles/index.js';
import { pgd_alloc, pgd_free } from '../../src/kernel/pgtable.js';
import { switch_mm } from '../../src/kernel/sched.js';
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
 * `fork-vs-sync`: a hot-add on CPU A installs and syncs a new top-level entry (compound populate
 * with the fixed p?d_populate_kernel) while CPU B forks (pgd_alloc: clone of init_mm's kernel
 * half and pgd_list_add in one pgd_lock section); the child C then runs on B's CPU and reads
 * the new struct page through its own PGD. The exit variants add B's exit after the fork: the
 * last mmdrop frees B's PGD (pgd_free: pgd_list_del under pgd_lock) while the sync may walk
 * pgd_list. Tasks: init_mm, A, B, C.
 *
 * Mainline is clean in every interleaving; each mutant of its locking is caught. Abstracted as in
 * vmemmap-compound-nosync; the mm structs themselves are never freed.
 */

/**
 * CPU A hot-adds pmem: populate (whose p?d_populate_kernel syncs) under mem_hotplug_lock, then
 * publish; it runs as memremap_pages -> pagemap_range (it enters both frames).
 */
function* populator(c: Cpu, k: Kernel, p: Placement, ready: number): Steps {
  c.enter('memremap_pages');
  c.enter('pagemap_range');
  yield* mem_hotplug_begin(c, k);
  yield* __populate_section_memmap(c, k, PMEM_PFN, 512n, p.vmemmapBase, true);
  yield* mem_hotplug_done(c, k);
  yield c.store(ready, 1n, 'pgmap ready');
  c.leave();
  c.leave();
}

/**
 * CPU B forks: dup_mm -> mm_init -> mm_alloc_pgd -> pgd_alloc for the child C; then C runs on
 * this CPU (switch_mm) and, once the pmem is published, reads the new struct page's refcount
 * through its own PGD (page_ref_count). With `parent` (the exit variants) B has exited meanwhile:
 * the last mmdrop of B's mm, on this CPU after the switch, frees B's PGD (pgd_free).
 */
function* forker(
  c: Cpu,
  k: Kernel,
  child: MmInfo,
  parent: MmInfo | null,
  p: Placement,
  ready: number,
): Steps {
  yield* c.call('dup_mm', c.call('mm_alloc_pgd', pgd_alloc(c, k, child)));
  yield* switch_mm(c, k, child);
  if (parent) yield* c.call('mmdrop', c.call('__mmdrop', c.call('mm_free_pgd', pgd_free(c, k, parent))));
  yield c.awaitValue(ready, (v) => v === 1n, 'wait pgmap');
  yield* c.call('page_ref_count', hw_access(c, k, p.page + PAGE_REFCOUNT_OFFSET, 'read', 4));
}

function build(levels: PagingLevels, landing: Landing, bugs: KernelBugs, exit: boolean): Program {
  const p = placement(levels, landing);
  const kb = new KernelBuilder({ levels, frames: 16, bugs });
  applyBoot(kb, p);
  const a = kb.task('A');
  const b = kb.task('B');
  const child = kb.futureTask('C');
  const ready = kb.m.word('pgmap_ready');
  kb.cpu(a);
  kb.cpu(b);
  const k = kb.k;
  return kb.program(
    [
      { name: 'A', run: (c: Cpu) => populator(c, k, p, ready) },
      { name: 'B', run: (c: Cpu) => forker(c, k, child, exit ? b : null, p, ready) },
    ],
    kernelOracles(k),
  );
}

/** `Mutant` is one way to break the kernel's order; `fixed` is mainline. */
interface Mutant {
  name: string;
  bugs: KernelBugs;
  /** B exits after forking: its PGD is unlinked and freed while the sync may walk pgd_list */
  exit?: boolean;
  /** what a fresh slot gives */
  fresh: ViolationKind | null;
  what: string;
  why: string;
  commits: { introduced: string; fixed: string[] };
}

const MUTANTS: Mutant[] = [
  {
    name: 'fixed',
    bugs: {},
    fresh: null,
    what: 'mainline order: pgd_alloc clones and joins pgd_list in one pgd_lock section, sync walks the list under pgd_lock after the store',
    why: 'either C is cloned after the store, or C is on pgd_list before the sync takes pgd_lock',
    commits: { introduced: COMMITS.compoundDevmaps, fixed: [COMMITS.populateKernel, COMMITS.archSync] },
  },
  {
    name: 'mutant-join-outside-lock',
    bugs: { forkJoinsOutsideLock: true },
    fresh: 'sync-postcondition',
    what: 'mutant: pgd_alloc clones under pgd_lock but links the PGD on pgd_list after dropping it',
    why: 'C can be cloned before the store and linked after the sync walked the list: it joins without the slot',
    commits: {
      introduced: 'none: a mutant of pgd_alloc (arch/x86/mm/pgtable.c)',
      fixed: ['mainline pgd_alloc: pgd_ctor (clone + pgd_list_add) under pgd_lock'],
    },
  },
  {
    name: 'mutant-sync-without-lock',
    bugs: { syncWithoutLock: true },
    fresh: 'sync-postcondition',
    what: 'mutant: sync_global_pgds walks pgd_list without pgd_lock',
    why: "the sync can walk the list while the fork's clone (made before the store) is not linked yet",
    commits: {
      introduced: 'none: a mutant of sync_global_pgds (arch/x86/mm/init_64.c)',
      fixed: [COMMITS.syncGlobalPgds],
    },
  },
  {
    name: 'mutant-sync-before-store',
    bugs: { syncBeforeStore: true },
    fresh: 'sync-postcondition',
    what: 'mutant: p?d_populate_kernel calls arch_sync_kernel_mappings before it stores the entry',
    why: 'the sync finds the init_mm slot none and skips it, so p4d_populate_kernel returns with A and B lacking the entry',
    commits: {
      introduced: 'none: a mutant of p4d_populate_kernel/pgd_populate_kernel (include/linux/pgalloc.h)',
      fixed: [COMMITS.populateKernel],
    },
  },
  {
    name: 'fixed-exit',
    bugs: {},
    exit: true,
    fresh: null,
    what: 'B exits after the fork: pgd_free unlinks its PGD under pgd_lock and frees it while the sync may walk pgd_list',
    why: 'the sync either syncs B before pgd_dtor takes pgd_lock or never sees B; it never touches the freed page',
    commits: { introduced: COMMITS.compoundDevmaps, fixed: [COMMITS.populateKernel, COMMITS.archSync] },
  },
  {
    name: 'mutant-exit-without-lock',
    bugs: { exitWithoutLock: true },
    exit: true,
    fresh: 'kernel-bug',
    what: 'mutant: B exits after the fork and pgd_dtor unlinks its PGD without pgd_lock',
    why: "the sync can stand on B's entry when B is unlinked: it follows B's poisoned lru.next (a general protection fault, found first) or touches B's freed PGD (use-after-free)",
    commits: {
      introduced: 'none: a mutant of pgd_dtor (arch/x86/mm/pgtable.c)',
      fixed: ['mainline pgd_dtor: pgd_list_del under pgd_lock'],
    },
  },
];

function variant(m: Mutant, levels: PagingLevels, landing: Landing): Variant {
  const p = placement(levels, landing);
  const expectKind = landing === 'fresh' ? m.fresh : null;
  const outcome =
    landing === 'present'
      ? `slot ${p.slot} is present since boot and cloned into every PGD, so nothing is synced and the variant is clean`
      : expectKind === null
        ? `clean in every interleaving: ${m.why}`
        : `${expectKind}: ${m.why}`;
  return {
    summary: `${levels}-level, ${landing} slot ${p.slot}; ${m.what}; ${outcome}`,
    expect: expectKind === null ? 'clean' : { violation: expectKind },
    strategy: 'dpor',
    commits: m.commits,
    build: () => build(levels, landing, m.bugs, m.exit === true),
  };
}

const variants: Record<string, Variant> = {};
for (const m of MUTANTS) {
  for (const levels of PAGING_MODES) {
    for (const landing of LANDINGS)
      variants[`${m.name}-${configName(levels, landing)}`] = variant(m, levels, landing);
  }
}

export default defineModel({
  name: 'fork-vs-sync',
  summary:
    'a hot-add populates and syncs a top-level entry while another CPU forks; the child touches the new struct pages. Mainline is clean in every interleaving; mutants of the locking are caught',
  variants,
});
