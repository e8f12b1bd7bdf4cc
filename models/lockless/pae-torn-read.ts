import { PAE_NX, PAE_PSE, PAE_TABLE } from '../../src/arch/x86-pae/pgtable.js';
import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import {
  native_pmd_clear,
  native_set_pmd,
  pmd_read_plain,
  pmdp_get_lockless,
  TornReadWatch,
} from '../../src/kernel/walk/pae.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { MachineBuilder } from '../../src/model/builder.js';
import { defineModel } from '../../src/model/define.js';

/**
 * pae-torn-read (x86-32 PAE). A PMD maps a 2 MiB page above 4 GiB with NX, so both halves of the
 * entry are non-zero. CPU B replaces it with a PTE table: pmd_clear (low half, then high half),
 * then set_pmd (one 64-bit cmpxchg8b). CPU A reads the pmd locklessly. A plain 64-bit read is two
 * 32-bit loads: the low half of the old huge entry with the high half of the new table entry is a
 * 2 MiB mapping of physical 0x200000 that the pmd never held. pmdp_get_lockless re-reads the low
 * half and retries until it is stable, and only ever returns a value the entry held.
 *
 * Abstractions: only the one pmd is modelled; what the reader does with the value is not.
 */
const OLD = PAE_NX | 0x100200000n | PAE_PSE | 0x63n; // huge: high 0x80000001, low 0x002000e3
const TABLE_PA = 0x4003000n;
const NEW = TABLE_PA | PAE_TABLE; // high 0, low 0x04003067

function build(lockless: boolean): Program {
  const m = new MachineBuilder(3);
  const pmd = m.frame(FrameState.Pmd, 'pmd');
  const entry = m.frameAddr(pmd, 0);
  m.memory.store(entry, BigInt.asIntN(64, OLD));
  const watch = new TornReadWatch(m, entry, 'pmd[0]');
  watch.init(m.memory);
  return m.program([
    {
      name: 'A',
      *run(c: Cpu) {
        yield* c.call('pte_offset_map', lockless ? pmdp_get_lockless(c, watch) : pmd_read_plain(c, watch));
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        c.enter('collapse_pte_mapped_thp');
        yield* native_pmd_clear(c, watch);
        yield* native_set_pmd(c, watch, NEW);
        c.leave();
      },
    },
  ]);
}

export default defineModel({
  name: 'pae-torn-read',
  summary: 'a 32-bit reader of a 64-bit PAE pmd sees the low half of one value and the high half of another',
  variants: {
    buggy: {
      summary: 'READ_ONCE(*pmdp): two 32-bit loads, low then high, no recheck',
      expect: { violation: 'torn-read' },
      strategy: 'dpor',
      commits: { fixed: ['024d232ae4fc ("mm: Fix pmd_read_atomic()")'] },
      build: () => build(false),
    },
    fixed: {
      summary: 'pmdp_get_lockless: low, high, low again; retry while the low half changed',
      expect: 'clean',
      strategy: 'dpor',
      commits: { fixed: ['024d232ae4fc ("mm: Fix pmd_read_atomic()")'] },
      build: () => build(true),
    },
  },
});
