import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { readEntry, tableOf, writeEntry } from '../../src/kernel/access.js';
import { hardware_walk } from '../../src/kernel/hw-access.js';
import type { KernelMachine } from '../../src/kernel/machine.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { free_pgtable_page } from '../../src/kernel/pgalloc.js';
import { x86_64 } from '../../src/kernel/x86/arch.js';
import { pmd_free_pte_page } from '../../src/kernel/x86/pgtable.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { defineModel } from '../../src/model/define.js';

/**
 * free-before-flush (x86-64). CPU B maps a 2 MiB ioremap range with a huge pmd where a PTE
 * table was (vmap_try_huge_pmd → pmd_free_pte_page, arch/x86/mm/pgtable.c): it clears the pmd
 * and frees the PTE table. CPU A's MMU walked the range before (A's earlier accesses, done by
 * the time B starts) and walks it again, as speculation and prefetch may at any time; its
 * paging-structure cache can still hold the pmd entry that points to the PTE table, so the
 * walk continues into a page that is free or already reused. Before 5e0fb5df2ee8 the free came
 * right after pmd_clear; the fix flushes (flush_tlb_kernel_range: INVLPG on every CPU, which
 * drops every paging-structure-cache entry) between the clear and the free.
 *
 * Abstractions: one PTE table with `pages` mapped pages; A's second walk is a walk without an
 * access (no fault); the pmd_set_huge that follows the free is left out.
 */
const VA = 0xffffc90000000000n; // VMALLOC_START, 4-level
const FIX = '5e0fb5df2ee8 ("x86/mm: Add TLB purge to free pmd/pte page interfaces")';

/** `pmd_free_pte_page` before 5e0fb5df2ee8: pmd_clear, then free the PTE table, no flush */
function* pmd_free_pte_page_noflush(c: Cpu, k: KernelMachine, pmdp: number): Steps<number> {
  c.enter('pmd_free_pte_page');
  const pmd = yield* readEntry(c, k, pmdp, 2, 'pmd_page_vaddr(*pmd)');
  const pte = tableOf(c, k, pmd, 1, pmdp) >>> 12;
  yield* writeEntry(c, k, pmdp, 2, 0n, 'pmd_clear');
  yield* free_pgtable_page(c, k, pte, 'free_page');
  return c.leave(1);
}

function build(flush: boolean, pages: number): Program {
  const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A', 'B'], frames: 10 + pages });
  const k = kb.k;
  for (let i = 0; i < pages; i++) {
    const page = kb.m.frame(FrameState.Data, `ioremap page ${i}`);
    kb.map(VA + BigInt(i) * 0x1000n, 1, k.page_to_phys(page));
  }
  const pmdp = kb.entry(kb.table(VA, 2), VA, 2);
  const walked = kb.m.word('A walked');
  const freed = kb.m.word('B freed');
  return kb.program([
    {
      name: 'A',
      *run(c: Cpu) {
        c.enter('speculative walk');
        for (let i = 0; i < pages; i++) yield* hardware_walk(c, k, kb.pgdAddr, VA + BigInt(i) * 0x1000n);
        yield c.store(walked, 1n, 'earlier accesses done');
        yield c.awaitValue(freed, (v) => v === 1n, 'later');
        yield* hardware_walk(c, k, kb.pgdAddr, VA);
        c.leave();
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        yield c.awaitValue(walked, (v) => v === 1n, 'after A');
        c.enter('vmap_try_huge_pmd');
        if (flush) yield* pmd_free_pte_page(c, k, pmdp, VA);
        else yield* pmd_free_pte_page_noflush(c, k, pmdp);
        c.leave();
        yield c.store(freed, 1n, 'done');
      },
    },
  ]);
}

export default defineModel({
  name: 'free-before-flush',
  summary:
    "x86 pmd_free_pte_page frees the PTE table while another CPU's paging-structure cache still points to it",
  params: {
    pages: { default: 1, min: 1, max: 4, summary: 'mapped pages under the PTE table that A walked' },
  },
  variants: {
    buggy: {
      summary: 'pmd_clear, then free the PTE table, no flush (before 5e0fb5df2ee8)',
      expect: { violation: 'stale-translation' },
      strategy: 'dpor',
      commits: { fixed: [FIX] },
      build: ({ pages }) => build(false, pages),
    },
    fixed: {
      summary: 'pmd_clear, flush_tlb_kernel_range (INVLPG drops the paging-structure caches), free',
      expect: 'clean',
      strategy: 'dpor',
      commits: { fixed: [FIX] },
      build: ({ pages }) => build(true, pages),
    },
  },
});
