import type { PagingLevels } from '../../src/arch/x86-64/paging.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { mem_hotplug_begin, mem_hotplug_done } from '../../src/kernel/locks.js';
import type { KernelMachine } from '../../src/kernel/machine.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { __populate_section_memmap, memmap_init_zone_device } from '../../src/kernel/mm-init.js';
import { PAGES_PER_SECTION } from '../../src/kernel/struct-page.js';
import { x86_64 } from '../../src/kernel/x86/arch.js';
import type { Variant } from '../../src/model/define.js';
import {
  applyBoot,
  configName,
  LANDINGS,
  type Landing,
  PAGING_MODES,
  type Placement,
  placement,
} from './x86-placement.js';

/**
 * `HotAdd` is the scenario both vmemmap models share: CPU A hot-adds pmem (populating the vmemmap
 * of `sections` sections under mem_hotplug_lock) and publishes it; every other task, each on its
 * own CPU with its own PGD, then initializes the first new struct page of each section through
 * its own CR3. Tasks: init_mm, A, B, C, ...
 */
export interface HotAdd {
  /** first pfn of the hot-added range */
  startPfn: bigint;
  /** pages of each section the hot-add populates */
  nrPages: bigint;
  /** the compound-devmap path (vmemmap_populate_compound_pages) instead of x86 vmemmap_populate */
  compound: boolean;
  /** the kernel functions A's hot-add runs inside, outermost first */
  callers: readonly string[];
}

/** `HOT_ADD_PARAMS` size the vmemmap models: how many tasks, how many sections. */
export const HOT_ADD_PARAMS = {
  tasks: {
    default: 2,
    min: 2,
    max: 8,
    summary: 'tasks besides init_mm, each on its own CPU: A hot-adds, the others touch the new struct pages',
  },
  sections: {
    default: 1,
    min: 1,
    max: 4,
    summary: 'sections hot-added one after another, in one top-level slot',
  },
} as const;

/** `HotAddSize` is what the parameters set. */
export interface HotAddSize {
  tasks: number;
  sections: number;
}

const NAMES = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function sectionPfn(h: HotAdd, i: number): bigint {
  return h.startPfn + BigInt(i) * PAGES_PER_SECTION;
}

/**
 * CPU A: populate each section's vmemmap under mem_hotplug_lock, then publish the pgmap, inside the
 * kernel functions `h.callers` (it enters their frames itself).
 */
function* populator(c: Cpu, k: KernelMachine, h: HotAdd, n: HotAddSize, p: Placement, ready: number): Steps {
  for (const fn of h.callers) c.enter(fn);
  yield mem_hotplug_begin(c, k);
  for (let i = 0; i < n.sections; i++) {
    yield* __populate_section_memmap(c, k, sectionPfn(h, i), h.nrPages, p.vmemmapBase, h.compound);
  }
  yield mem_hotplug_done(c, k);
  yield c.store(ready, 1n, 'pgmap ready');
  for (let i = 0; i < h.callers.length; i++) c.leave();
}

/** every other CPU: once the pgmap is published, initialize the first new struct page of each section. */
function* initializer(
  c: Cpu,
  k: KernelMachine,
  h: HotAdd,
  n: HotAddSize,
  p: Placement,
  ready: number,
): Steps {
  yield c.awaitValue(ready, (v) => v === 1n, 'wait pgmap');
  for (let i = 0; i < n.sections; i++)
    yield* memmap_init_zone_device(c, k, sectionPfn(h, i), 1n, p.vmemmapBase);
}

/** `hotAddProgram` builds the scenario for one paging mode and landing, on the buggy or fixed kernel. */
export function hotAddProgram(
  h: HotAdd,
  n: HotAddSize,
  levels: PagingLevels,
  landing: Landing,
  buggy: boolean,
): Program {
  const p = placement(levels, landing);
  const names = NAMES.slice(0, n.tasks).split('');
  const kb = new KernelBuilder(x86_64({ levels }), {
    cpus: names,
    frames: 16 + 2 * (n.tasks - 2) + 4 * (n.sections - 1),
    bugs: { noPopulateKernelSync: buggy },
    vmemmapBase: p.vmemmapBase,
  });
  applyBoot(kb, p);
  for (const name of names) kb.run(name, kb.task(name));
  const ready = kb.word('pgmap_ready');
  const k = kb.k;
  return kb.program(
    names.map((name, i) =>
      i === 0
        ? { name, run: (c: Cpu) => populator(c, k, h, n, p, ready) }
        : { name, run: (c: Cpu) => initializer(c, k, h, n, p, ready) },
    ),
  );
}

/** `hotAddVariants` names `buggy-` and `fixed-` variants for every paging mode and landing. */
export function hotAddVariants(
  variant: (levels: PagingLevels, landing: Landing, buggy: boolean) => Variant<typeof HOT_ADD_PARAMS>,
): Record<string, Variant<typeof HOT_ADD_PARAMS>> {
  const variants: Record<string, Variant<typeof HOT_ADD_PARAMS>> = {};
  for (const kind of ['buggy', 'fixed'] as const) {
    for (const levels of PAGING_MODES) {
      for (const landing of LANDINGS) {
        variants[`${kind}-${configName(levels, landing)}`] = variant(levels, landing, kind === 'buggy');
      }
    }
  }
  return variants;
}
