import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { arm64 } from '../../src/kernel/arm64/arch.js';
import { set_memory_ro } from '../../src/kernel/arm64/pageattr.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { vmap_try_huge_pmd } from '../../src/kernel/vmalloc.js';
import { defineModel } from '../../src/model/define.js';
import { WALKER_NAMES } from './lib/walkers.js';

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
 * Abstractions: `walkers` CPUs each change the permissions of `range` pages (one and one by
 * default), side by side; split_kernel_leaf_mapping (a no-op for a range
 * mapped by PTEs) is left out; TLB flushes are visible steps without effect.
 */
const VMALLOC = 0xffff800080000000n; // pgd[256] pud[2] pmd[0]
const PAGE = 0x1000n;
const PMD_SIZE = 0x200000n;

function build(overlap: boolean, walkers: number, range: number): Program {
  const names = WALKER_NAMES.slice(0, walkers);
  const kb = new KernelBuilder(arm64(), { cpus: [names[0], 'B', ...names.slice(1)], frames: 8 });
  const pages = BigInt(walkers * range);
  for (let i = 0n; i < pages; i++) {
    kb.map(VMALLOC + i * PAGE, 1, 0x90000000n + i * PAGE, { names: { 1: 'pte0' } });
    kb.map(VMALLOC + PMD_SIZE + i * PAGE, 1, 0x90200000n + i * PAGE, { names: { 1: 'pte1' } });
  }
  const target = overlap ? VMALLOC : VMALLOC + PMD_SIZE;
  const pmdp = kb.entry(kb.table(VMALLOC, 2), VMALLOC, 2);
  const k = kb.k;
  const walker = (name: string, i: number) => ({
    name,
    *run(c: Cpu) {
      yield* set_memory_ro(c, k, target + BigInt(i * range) * PAGE, range);
    },
  });
  return kb.program([
    walker(names[0], 0),
    {
      name: 'B',
      *run(c: Cpu) {
        c.enter('__vmap_pages_range');
        yield* vmap_try_huge_pmd(c, k, pmdp, VMALLOC, VMALLOC + PMD_SIZE, 0xa0000000n, 21n);
        c.leave();
      },
    },
    ...names.slice(1).map((name, i) => walker(name, i + 1)),
  ]);
}

export default defineModel({
  name: 'lockless-walk-vs-free',
  summary: 'arm64 lockless permission change (pageattr) over a range whose PTE table another CPU frees',
  params: {
    walkers: { default: 1, min: 1, max: 3, summary: 'CPUs that change permissions with a lockless walk' },
    range: { default: 1, min: 1, max: 2, summary: 'pages each of them changes' },
  },
  variants: {
    buggy: {
      summary: `set_memory_ro on a page that vmap_try_huge_pmd's pmd_free_pte_page frees the table of (4096 bytes inside its 2 MiB)`,
      expect: { violation: 'lockless-precondition' },
      strategy: 'dpor',
      build: ({ walkers, range }) => build(true, walkers, range),
    },
    fixed: {
      summary:
        'the permission change owns its range: it lies in the next 2 MiB, which the huge mapping leaves alone',
      expect: 'clean',
      strategy: 'dpor',
      build: ({ walkers, range }) => build(false, walkers, range),
    },
  },
});
