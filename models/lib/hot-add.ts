import type { PagingLevels } from '../../src/arch/x86-64/paging.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { KernelBuilder } from '../../src/kernel/builder.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import { mem_hotplug_begin, mem_hotplug_done } from '../../src/kernel/locks.js';
import { __populate_section_memmap, memmap_init_zone_device } from '../../src/kernel/mm-init.js';
import { kernelOracles } from '../../src/kernel/oracles/index.js';
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
 * `HotAdd` is the scenario both vmemmap models share: CPU A hot-adds a pmem range (populating its
 * vmemmap under mem_hotplug_lock) and publishes it; CPU B, another task with its own PGD, then
 * initializes the first new struct page through its own CR3. Tasks: init_mm, A, B.
 */
export interface HotAdd {
  /** first pfn of the hot-added range */
  startPfn: bigint;
  nrPages: bigint;
  /** the compound-devmap path (vmemmap_populate_compound_pages) instead of x86 vmemmap_populate */
  compound: boolean;
  /** the kernel functions A's hot-add runs inside, outermost first */
  callers: readonly string[];
}

/**
 * CPU A: populate the range's vmemmap under mem_hotplug_lock, then publish the pgmap, inside the
 * kernel functions `h.callers` (it enters their frames itself).
 */
function* populator(c: Cpu, k: Kernel, h: HotAdd, p: Placement, ready: number): Steps {
  for (const fn of h.callers) c.enter(fn);
  yield* mem_hotplug_begin(c, k);
  yield* __populate_section_memmap(c, k, h.startPfn, h.nrPages, p.vmemmapBase, h.compound);
  yield* mem_hotplug_done(c, k);
  yield c.store(ready, 1n, 'pgmap ready');
  for (let i = 0; i < h.callers.length; i++) c.leave();
}

/** CPU B: once the pgmap is published, initialize the first new struct page. */
function* initializer(c: Cpu, k: Kernel, h: HotAdd, p: Placement, ready: number): Steps {
  yield c.awaitValue(ready, (v) => v === 1n, 'wait pgmap');
  yield* memmap_init_zone_device(c, k, h.startPfn, 1n, p.vmemmapBase);
}

/** `hotAddProgram` builds the scenario for one paging mode and landing, on the buggy or fixed kernel. */
export function hotAddProgram(h: HotAdd, levels: PagingLevels, landing: Landing, buggy: boolean): Program {
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
      { name: 'A', run: (c: Cpu) => populator(c, k, h, p, ready) },
      { name: 'B', run: (c: Cpu) => initializer(c, k, h, p, ready) },
    ],
    kernelOracles(k),
  );
}

/** `hotAddVariants` names `buggy-` and `fixed-` variants for every paging mode and landing. */
export function hotAddVariants(
  variant: (levels: PagingLevels, landing: Landing, buggy: boolean) => Variant,
): Record<string, Variant> {
  const variants: Record<string, Variant> = {};
  for (const kind of ['buggy', 'fixed'] as const) {
    for (const levels of PAGING_MODES) {
      for (const landing of LANDINGS) {
        variants[`${kind}-${configName(levels, landing)}`] = variant(levels, landing, kind === 'buggy');
      }
    }
  }
  return variants;
}
