import type { PagingLevels } from '../../src/arch/x86-64/paging.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import type { ViolationKind } from '../../src/engine/violation.js';
import { hw_access } from '../../src/kernel/hw-access.js';
import { mem_hotplug_begin, mem_hotplug_done } from '../../src/kernel/locks.js';
import type { KernelBugs, KernelMachine, MmInfo } from '../../src/kernel/machine.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { __populate_section_memmap } from '../../src/kernel/mm-init.js';
import { switch_mm } from '../../src/kernel/sched.js';
import { PAGE_REFCOUNT_OFFSET } from '../../src/kernel/struct-page.js';
import { x86_64 } from '../../src/kernel/x86/arch.js';
import { defineModel, type Variant } from '../../src/model/define.js';
import type { ParamValues } from '../../src/model/params.js';
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
 * pgd_list. By default the tasks are init_mm, A, B and the child C; the parameters add tasks on
 * pgd_list (the sync takes each one's page_table_lock), forkers (each forks a child that then
 * touches the new struct page), exiting tasks (their PGDs are freed meanwhile: forkers exit after
 * their fork, other tasks just exit) and CPUs to run them on (0: one each).
 *
 * Mainline is clean in every interleaving; each mutant of its locking is caught. Abstracted as in
 * vmemmap-compound-nosync; the mm structs themselves are never freed.
 */

const PARAMS = {
  tasks: {
    default: 2,
    min: 2,
    max: 16,
    summary: 'tasks on pgd_list besides init_mm: A hot-adds, B, C, ... may fork or exit',
  },
  forkers: {
    default: 1,
    min: 0,
    max: 4,
    summary: 'tasks that fork a child while A populates and syncs (B first)',
  },
  exits: {
    default: 0,
    min: 0,
    max: 15,
    summary: 'tasks whose PGD is freed meanwhile (the forkers first, after their fork)',
  },
  cpus: {
    default: 0,
    min: 0,
    max: 16,
    summary: 'CPUs: 0 gives A one and each forking or exiting task one; fewer share them in turn',
  },
} as const;

type Size = ParamValues<typeof PARAMS>;

const NAMES = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * CPU A hot-adds pmem: populate (whose p?d_populate_kernel syncs) under mem_hotplug_lock, then
 * publish; it runs as memremap_pages -> pagemap_range (it enters both frames).
 */
function* populator(c: Cpu, k: KernelMachine, p: Placement, ready: number): Steps {
  c.enter('memremap_pages');
  c.enter('pagemap_range');
  yield mem_hotplug_begin(c, k);
  yield* __populate_section_memmap(c, k, PMEM_PFN, 512n, p.vmemmapBase, true);
  yield mem_hotplug_done(c, k);
  yield c.store(ready, 1n, 'pgmap ready');
  c.leave();
  c.leave();
}

/** `Actor` is one forking or exiting task: what its CPU does for it. */
interface Actor {
  task: MmInfo;
  /** the child it forks, or null for a task that only exits */
  child: MmInfo | null;
  /** its PGD is freed (the last mmdrop) */
  exits: boolean;
}

/**
 * A forker forks: dup_mm -> mm_init -> mm_alloc_pgd -> pgd_alloc for its child; then the child
 * runs on this CPU (switch_mm) and, once the pmem is published, reads the new struct page's
 * refcount through its own PGD (page_ref_count). An exiting forker has exited meanwhile: the last
 * mmdrop of its mm, on this CPU after the switch, frees its PGD (pgd_free). A task that only
 * exits has its PGD freed.
 */
function* act(c: Cpu, k: KernelMachine, a: Actor, p: Placement, ready: number): Steps {
  const drop = function* (mm: MmInfo): Steps {
    yield* c.call('mmdrop', c.call('__mmdrop', c.call('mm_free_pgd', k.arch.pgd_free(c, k, mm))));
  };
  if (!a.child) {
    yield* drop(a.task);
    return;
  }
  yield* c.call('dup_mm', c.call('mm_alloc_pgd', k.arch.pgd_alloc(c, k, a.child)));
  yield* switch_mm(c, k, a.child);
  if (a.exits) yield* drop(a.task);
  yield c.awaitValue(ready, (v) => v === 1n, 'wait pgmap');
  yield* c.call('page_ref_count', hw_access(c, k, p.page + PAGE_REFCOUNT_OFFSET, 'read', 4));
}

function build(levels: PagingLevels, landing: Landing, bugs: KernelBugs, n: Size): Program {
  if (n.forkers > n.tasks - 1) throw new Error(`forkers=${n.forkers} needs tasks=${n.forkers + 1} at least`);
  if (n.exits > n.tasks - 1) throw new Error(`exits=${n.exits} needs tasks=${n.exits + 1} at least`);
  const actors = n.forkers + Math.max(0, n.exits - n.forkers);
  const cpus = n.cpus === 0 ? 1 + actors : n.cpus;
  const fewest = Math.min(2, 1 + actors);
  if (cpus < fewest || cpus > 1 + actors) {
    throw new Error(
      `cpus=${n.cpus}: A and ${actors} forking or exiting tasks run on ${fewest === 1 + actors ? fewest : `${fewest} to ${1 + actors}`} CPU${1 + actors === 1 ? '' : 's'}`,
    );
  }
  const p = placement(levels, landing);
  const taskNames = NAMES.slice(0, n.tasks).split('');
  const childNames = NAMES.slice(n.tasks, n.tasks + n.forkers).split('');
  // CPU 0 is A's; CPU j runs the actors j, j + (cpus - 1), ... and is named after the first
  const cpuNames = ['A', ...taskNames.slice(1, cpus)];
  const kb = new KernelBuilder(x86_64({ levels }), {
    cpus: cpuNames,
    frames: Math.max(16, 12 + n.tasks + 2 * n.forkers),
    bugs,
    vmemmapBase: p.vmemmapBase,
  });
  applyBoot(kb, p);
  const tasks = taskNames.map((t) => kb.task(t));
  const children = childNames.map((t) => kb.futureTask(t));
  const ready = kb.word('pgmap_ready');
  const list: Actor[] = [];
  for (let i = 1; i <= actors; i++) {
    const child = i <= n.forkers ? children[i - 1] : null;
    list.push({ task: tasks[i], child, exits: i <= n.exits });
  }
  for (let j = 0; j < cpuNames.length; j++) kb.run(cpuNames[j], tasks[j]);
  const k = kb.k;
  return kb.program(
    cpuNames.map((name, j) =>
      j === 0
        ? { name, run: (c: Cpu) => populator(c, k, p, ready) }
        : {
            name,
            *run(c: Cpu) {
              for (let i = j - 1; i < list.length; i += cpus - 1) yield* act(c, k, list[i], p, ready);
            },
          },
    ),
  );
}

/** `Mutant` is one way to break the kernel's order; `fixed` is mainline. */
interface Mutant {
  name: string;
  bugs: KernelBugs;
  /** B exits after forking (the default exits=1): its PGD is unlinked and freed while the sync may walk pgd_list */
  exit?: boolean;
  /** what the variant needs of the parameters to show its bug */
  needs?: Variant<typeof PARAMS>['params'];
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
    needs: { forkers: { min: 1 } },
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
    needs: { forkers: { min: 1 } },
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

function variant(m: Mutant, levels: PagingLevels, landing: Landing): Variant<typeof PARAMS> {
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
    params: m.exit ? { ...m.needs, exits: { default: 1, min: 1 } } : m.needs,
    build: (n) => build(levels, landing, m.bugs, n),
  };
}

const variants: Record<string, Variant<typeof PARAMS>> = {};
for (const m of MUTANTS) {
  for (const levels of PAGING_MODES) {
    for (const landing of LANDINGS)
      variants[`${m.name}-${configName(levels, landing)}`] = variant(m, levels, landing);
  }
}

export default defineModel({
  name: 'fork-vs-sync',
  params: PARAMS,
  summary:
    'a hot-add populates and syncs a top-level entry while another CPU forks; the child touches the new struct pages. Mainline is clean in every interleaving; mutants of the locking are caught',
  variants,
});
