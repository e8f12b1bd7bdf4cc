import { PAE_NX, PAE_PSE, PAE_TABLE } from '../../src/arch/x86-pae/pgtable.js';
import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { x86_pae } from '../../src/kernel/x86/arch.js';
import {
  native_pmd_clear,
  native_set_pmd,
  pmd_read_plain,
  pmdp_get_lockless,
  TornReadWatch,
} from '../../src/kernel/x86/pae.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { defineModel } from '../../src/model/define.js';
import { WALKER_NAMES } from './lib/walkers.js';

/**
 * pae-torn-read (x86-32 PAE). A PMD maps a 2 MiB page above 4 GiB with NX, so both halves of the
 * entry are non-zero. CPU B replaces it with a PTE table: pmd_clear (low half, then high half),
 * then set_pmd (one 64-bit cmpxchg8b). CPU A reads the pmd locklessly. A plain 64-bit read is two
 * 32-bit loads: the low half of the old huge entry with the high half of the new table entry is a
 * 2 MiB mapping of physical 0x200000 that the pmd never held. pmdp_get_lockless re-reads the low
 * half and retries until it is stable, and only ever returns a value the entry held.
 *
 * Abstractions: the pmd is init_mm's for a kernel address, read by `walkers` CPUs (one by
 * default); what a reader does with the value is not modelled.
 */
const OLD = PAE_NX | 0x100200000n | PAE_PSE | 0x63n; // huge: high 0x80000001, low 0x002000e3
const TABLE_PA = 0x4003000n; // frame 3
/** the kernel address whose pmd is watched: pgd[3] (the kernel PDPTE), pmd[0] */
const KERNEL_VA = 0xc0000000n;
const NEW = TABLE_PA | PAE_TABLE; // high 0, low 0x04003067

function build(lockless: boolean, walkers: number): Program {
  const names = WALKER_NAMES.slice(0, walkers);
  const kb = new KernelBuilder(x86_pae(), { cpus: [names[0], 'B', ...names.slice(1)], frames: 4 });
  const pmd = kb.table(KERNEL_VA, 'pmd');
  kb.frame(FrameState.Pte, 'pte'); // the PTE table the collapse installs, at TABLE_PA
  const entry = kb.entry(pmd, KERNEL_VA, 'pmd');
  kb.m.memory.store(entry, BigInt.asIntN(64, OLD));
  const watch = new TornReadWatch(kb, entry, 'pmd[0]');
  watch.init(kb.m.memory);
  const reader = (name: string) => ({
    name,
    *run(c: Cpu) {
      yield* c.call('pte_offset_map', lockless ? pmdp_get_lockless(c, watch) : pmd_read_plain(c, watch));
    },
  });
  return kb.program([
    reader(names[0]),
    {
      name: 'B',
      *run(c: Cpu) {
        c.enter('collapse_pte_mapped_thp');
        yield* native_pmd_clear(c, watch);
        yield* native_set_pmd(c, watch, NEW);
        c.leave();
      },
    },
    ...names.slice(1).map(reader),
  ]);
}

export default defineModel({
  name: 'pae-torn-read',
  summary: 'a 32-bit reader of a 64-bit PAE pmd sees the low half of one value and the high half of another',
  params: { walkers: { default: 1, min: 1, max: 3, summary: 'CPUs that read the pmd locklessly' } },
  variants: {
    buggy: {
      summary: 'READ_ONCE(*pmdp): two 32-bit loads, low then high, no recheck',
      expect: { violation: 'torn-read' },
      strategy: 'dpor',
      commits: { fixed: ['024d232ae4fc ("mm: Fix pmd_read_atomic()")'] },
      build: ({ walkers }) => build(false, walkers),
    },
    fixed: {
      summary: 'pmdp_get_lockless: low, high, low again; retry while the low half changed',
      expect: 'clean',
      strategy: 'dpor',
      commits: { fixed: ['024d232ae4fc ("mm: Fix pmd_read_atomic()")'] },
      build: ({ walkers }) => build(true, walkers),
    },
  },
});
