import { pfn_to_page } from '../../src/arch/x86-64/layout.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { KernelBuilder } from '../../src/kernel/builder.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import { mem_hotplug_begin, mem_hotplug_done } from '../../src/kernel/locks.js';
import { __populate_section_memmap } from '../../src/kernel/mm-init.js';
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
 * so the sub-PMD memset runs); memsets are their first 8-byte store; no oracles beyond the
 * hardware walk's page fault (the kernel models' I2/I3 oracles watch the same code in
 * models/kernel).
 */
const NR_PAGES = 32768n;

/** `populator` is `__add_pages` of one section (it enters its own frame). */
function* populator(c: Cpu, k: Kernel, startPfn: bigint, vmemmapBase: bigint, locked: boolean): Steps {
  c.enter('__add_pages');
  if (locked) yield* mem_hotplug_begin(c, k);
  yield* __populate_section_memmap(c, k, startPfn, NR_PAGES, vmemmapBase, false);
  if (locked) yield* mem_hotplug_done(c, k);
  c.leave();
}

function build(locked: boolean): Program {
  const p = placement(4, 'fresh');
  const kb = new KernelBuilder({ levels: 4, frames: 16 });
  const a = kb.task('A');
  const b = kb.task('B');
  kb.cpu(a);
  kb.cpu(b);
  const k = kb.k;
  const startA = PMEM_PFN + 512n;
  const startB = PMEM_PFN + (1n << 24n) + 512n; // 1 GiB of struct pages further: another PUD entry
  if (pfn_to_page(startB, p.vmemmapBase) >> 39n !== pfn_to_page(startA, p.vmemmapBase) >> 39n) {
    throw new Error('two-populators: both sections must land in one top-level slot');
  }
  return kb.program([
    { name: 'A', run: (c: Cpu) => populator(c, k, startA, p.vmemmapBase, locked) },
    { name: 'B', run: (c: Cpu) => populator(c, k, startB, p.vmemmapBase, locked) },
  ]);
}

export default defineModel({
  name: 'two-populators',
  summary: 'two CPUs populate vmemmap in the same fresh top-level slot; the second skips the sync and faults',
  variants: {
    buggy: {
      summary: 'no mem_hotplug_lock: B sees slot 462 present before A synced it, and memsets through B.pgd',
      expect: { violation: 'page-fault' },
      strategy: 'dpor',
      build: () => build(false),
    },
    fixed: {
      summary: 'both hot-adds run under mem_hotplug_begin(): B populates only after A synced',
      expect: 'clean',
      strategy: 'dpor',
      build: () => build(true),
    },
  },
});
