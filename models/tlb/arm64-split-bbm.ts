import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { writeEntry } from '../../src/kernel/access.js';
import { arm64 } from '../../src/kernel/arm64/arch.js';
import { hw_access } from '../../src/kernel/hw-access.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { alloc_pgtable } from '../../src/kernel/pgalloc.js';
import { flush_tlb_kernel_range } from '../../src/kernel/tlb.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { defineModel } from '../../src/model/define.js';

/**
 * arm64-split-bbm (arm64 4K/48-bit). CPU A reads kernel memory mapped by a 2 MiB block of the
 * linear map, so its TLB holds the block entry. CPU B then splits the block into a PTE table
 * (split_kernel_leaf_mapping → split_pmd, arch/arm64/mm/mmu.c, as __change_memory_common does
 * before changing the permissions of part of a block): it fills a new PTE table mapping the same
 * memory and writes the table entry over the live block. Without BBML2_NOABORT
 * (system_supports_bbml2_noabort()), the Arm ARM requires break-before-make: a valid block
 * replaced by a valid table while A's TLB still holds the block lets A hit two conflicting
 * translations (a TLB conflict abort, or either translation). Fixed: the BBM sequence (pmd_clear,
 * flush_tlb_kernel_range of the block, then the table), or CPUs declared to support BBML2_NOABORT,
 * which is what lets the kernel split live kernel mappings at all.
 *
 * Abstractions: the new PTE table maps only the page A used (one PTE written before the table is
 * published); A's access happens before the split starts (no access during the break).
 */
const VA = 0xffff000080000000n; // the linear map: a 2 MiB block
const BLOCK = 0x200000n;

function build(bbm: boolean, bbml2: boolean): Program {
  const kb = new KernelBuilder(arm64({ bbml2NoAbort: bbml2 }), { cpus: ['A', 'B'], frames: 12 });
  const k = kb.k;
  const frame = kb.m.frame(FrameState.Data, 'block');
  kb.map(VA, 2, k.page_to_phys(frame));
  const pmdp = kb.entry(kb.table(VA, 2), VA, 2);
  const done = kb.m.word('A done');
  return kb.program([
    {
      name: 'A',
      *run(c: Cpu) {
        c.enter('reader');
        yield* hw_access(c, k, VA + 0x10n, 'read', 8);
        c.leave();
        yield c.store(done, 1n, 'done');
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        yield c.awaitValue(done, (v) => v === 1n, 'after A');
        c.enter('split_kernel_leaf_mapping');
        c.enter('split_pmd');
        const pte = yield* alloc_pgtable(c, FrameState.Pte, 'pte', 'pte_alloc_one_kernel');
        yield* writeEntry(c, k, pte * 4096, 1, k.fmt.mkLeaf(k.page_to_phys(frame), 1), '__set_pte');
        if (bbm) {
          yield* writeEntry(c, k, pmdp, 2, 0n, 'pmd_clear');
          yield* flush_tlb_kernel_range(c, k, VA, VA + BLOCK);
        }
        yield* writeEntry(c, k, pmdp, 2, k.fmt.mkTable(k.page_to_phys(pte), 2), '__pmd_populate');
        c.leave();
        c.leave();
      },
    },
  ]);
}

export default defineModel({
  name: 'arm64-split-bbm',
  summary: 'arm64 splits a live block into a table without break-before-make on CPUs without BBML2_NOABORT',
  variants: {
    buggy: {
      summary: 'the table entry written over the live block, no BBML2_NOABORT',
      expect: { violation: 'break-before-make' },
      strategy: 'dpor',
      build: () => build(false, false),
    },
    'fixed-bbm': {
      summary: 'pmd_clear, flush_tlb_kernel_range (TLBI VAALE1IS + DSB ISH), then the table entry',
      expect: 'clean',
      strategy: 'dpor',
      build: () => build(true, false),
    },
    'fixed-bbml2': {
      summary: 'the CPUs support BBML2_NOABORT: the block may become a table directly',
      expect: 'clean',
      strategy: 'dpor',
      build: () => build(false, true),
    },
  },
});
