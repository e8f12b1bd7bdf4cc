import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { mem_hotplug_begin, mem_hotplug_done } from '../../src/kernel/locks.js';
import type { KernelMachine } from '../../src/kernel/machine.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { __populate_section_memmap } from '../../src/kernel/mm-init.js';
import { pfn_to_page } from '../../src/kernel/struct-page.js';
import { x86_64 } from '../../src/kernel/x86/arch.js';
import { defineModel } from '../../src/model/define.js';
import { PMEM_PFN, placement } from '../lib/x86-placement.js';

/**
 * two-populators (x86-64, 4-level, mainline populate with p4d_populate_kernel). Two CPUs, each
 * in its own task, hot-add a section of pmem whose struct pages land in the same fresh top-level
 * slot (462). p4d_populate_kernel syncs the slot only in the CPU that installs the entry. Without
 * mem_hotplug_lock, CPU B can see the entry CPU A has just stored, skip the populate and with it
 * the sync, and memset its new 2 MiB vmemmap block (vmemmap_use_new_sub_pmd) through its own
 * PGD, which does not have the slot yet: the kernel faults. The class is the one of the 2020
 * x86-32 vmalloc-sync bugs (a second mapper relying on a sync that the first one has not done
 * yet). Fixed: add_memory / memremap_pages run __add_pages under mem_hotplug_begin(), which the
 * sync-on-install design of p4d_populate_kernel (f2d2f9598ebb) relies on; no commit broke it, so
 * the variants name none.
 *
 * Abstractions: each CPU adds one section (2 MiB of struct pages, starting 32 KiB into a block,
 * so the sub-PMD memset runs); memsets are their first 8-byte store. `populators` adds CPUs
 * that each hot-add a section 1 GiB of struct pages further in the same slot.
 */
const NR_PAGES = 32768n;

/** `populator` is `__add_pages` of one section (it enters its own frame). */
function* populator(c: Cpu, k: KernelMachine, startPfn: bigint, vmemmapBase: bigint, locked: boolean): Steps {
  c.enter('__add_pages');
  if (locked) yield mem_hotplug_begin(c, k);
  yield* __populate_section_memmap(c, k, startPfn, NR_PAGES, vmemmapBase, false);
  if (locked) yield mem_hotplug_done(c, k);
  c.leave();
}

function build(locked: boolean, populators: number): Program {
  const p = placement(4, 'fresh');
  const names = 'ABCD'.slice(0, populators).split('');
  const kb = new KernelBuilder(x86_64({ levels: 4 }), {
    cpus: names,
    frames: 16 + 5 * (populators - 2),
    vmemmapBase: p.vmemmapBase,
  });
  for (const name of names) kb.run(name, kb.task(name));
  const k = kb.k;
  // each section 1 GiB of struct pages after the last: another PUD entry of the same top-level slot
  const starts = names.map((_, i) => PMEM_PFN + BigInt(i) * (1n << 24n) + 512n);
  for (const s of starts) {
    if (pfn_to_page(s, p.vmemmapBase) >> 39n !== pfn_to_page(starts[0], p.vmemmapBase) >> 39n) {
      throw new Error('two-populators: every section must land in one top-level slot');
    }
  }
  return kb.program(
    names.map((name, i) => ({ name, run: (c: Cpu) => populator(c, k, starts[i], p.vmemmapBase, locked) })),
  );
}

export default defineModel({
  name: 'two-populators',
  summary: 'two CPUs populate vmemmap in the same fresh top-level slot; the second skips the sync and faults',
  params: {
    populators: { default: 2, min: 2, max: 4, summary: 'CPUs that each hot-add a section in the slot' },
  },
  variants: {
    buggy: {
      summary: 'no mem_hotplug_lock: B sees slot 462 present before A synced it, and memsets through B.pgd',
      expect: { violation: 'page-fault' },
      strategy: 'dpor',
      build: ({ populators }) => build(false, populators),
    },
    fixed: {
      summary: 'both hot-adds run under mem_hotplug_begin(): B populates only after A synced',
      expect: 'clean',
      strategy: 'dpor',
      build: ({ populators }) => build(true, populators),
    },
  },
});
