import { PAGE_SIZE, PMD_SIZE } from '../../src/arch/arm64/pgtable.js';
import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { vmap_try_huge_pmd } from '../../src/kernel/free/vmap.js';
import { set_memory_ro } from '../../src/kernel/walk/arm64-pageattr.js';
import { defineModel } from '../../src/model/define.js';
import { KernelTables } from './lib/arm64-kernel.js';

/**
 * lockless-walk-vs-free (arm64). CPU A changes the permissions of a vmalloc page:
 * set_memory_ro -> __change_memory_common -> walk_kernel_page_table_range_lockless with
 * pageattr_ops, which read-modify-writes the PTE. The lockless walk is allowed only because the
 * caller owns its range exclusively. CPU B maps a huge vmalloc area over the 2 MiB that contain
 * that page: vmap_try_huge_pmd -> pmd_free_pte_page clears the pmd, flushes, and frees the PTE
 * table. In the buggy variant the ranges overlap (A's caller no longer owns the page, e.g. it was
 * vfree'd under it): the checker reports the free inside the lockless walk's range. In the fixed
 * variant A's page lies in the next 2 MiB, which B does not touch.
 *
 * Abstractions: one page changes permissions; split_kernel_leaf_mapping (a no-op for a range
 * mapped by PTEs) is left out; TLB flushes are visible steps without effect.
 */
const VMALLOC = 0xffff800080000000n; // pgd[256] pud[2] pmd[0]

function build(overlap: boolean): Program {
  const k = new KernelTables(8, ['A', 'B']);
  k.map(VMALLOC, 1, 0x90000000n, { 1: 'pte0' });
  k.map(VMALLOC + PMD_SIZE, 1, 0x90200000n, { 1: 'pte1' });
  const target = overlap ? VMALLOC : VMALLOC + PMD_SIZE;
  const pmdp = k.entry(k.table(VMALLOC, 2), VMALLOC, 2);
  return k.m.program([
    {
      name: 'A',
      *run(c: Cpu) {
        yield* set_memory_ro(c, k.w, k.pgdAddr, target, 1);
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        c.enter('__vmap_pages_range');
        yield* vmap_try_huge_pmd(c, k.w, pmdp, VMALLOC, 0xa0000000n);
        c.leave();
      },
    },
  ]);
}

export default defineModel({
  name: 'lockless-walk-vs-free',
  summary: 'arm64 lockless permission change (pageattr) over a range whose PTE table another CPU frees',
  variants: {
    buggy: {
      summary: `set_memory_ro on a page that vmap_try_huge_pmd's pmd_free_pte_page frees the table of (${PAGE_SIZE} bytes inside its 2 MiB)`,
      expect: { violation: 'lockless-precondition' },
      strategy: 'dpor',
      build: () => build(true),
    },
    fixed: {
      summary:
        'the permission change owns its range: it lies in the next 2 MiB, which the huge mapping leaves alone',
      expect: 'clean',
      strategy: 'dpor',
      build: () => build(false),
    },
  },
});
