import { X86_64_L4 } from '../../src/arch/x86-64/format.js';
import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { try_remove_memory } from '../../src/kernel/free/memory-hotplug.js';
import { arch_remove_memory_x86 } from '../../src/kernel/free/x86-hotremove.js';
import { ptdump_walk_pgd } from '../../src/kernel/walk/ptdump.js';
import { defineModel } from '../../src/model/define.js';
import { X86Tables } from './lib/x86-kernel.js';

/**
 * x86-free-before-clear (x86-64). CPU B hot-removes memory: remove_pagetable clears the PTEs of
 * its direct-map range, then free_pte_table FREES the empty PTE table before it takes
 * init_mm.page_table_lock and clears the pmd. CPU A dumps the kernel page tables
 * (ptdump_walk_pgd, as /sys/kernel/debug/page_tables/kernel does on x86) over that range. Without
 * the hotplug lock the dump can read the pmd after the free and before pmd_clear, follow it to
 * the freed page and read it. Fixed by 59305202c67f, which takes get_online_mems() inside
 * ptdump_walk_pgd() for every architecture.
 *
 * Abstractions: two pages of the direct map at 4 GiB under one PTE table; the PMD table keeps a
 * 2 MiB mapping of other memory so only the PTE table is freed; ptdump walks only this range;
 * TLB flushes are steps without effect; the 512-entry emptiness check is one step.
 */
const BASE = 0xffff888100000000n; // direct map of PA 4 GiB: pgd[273] pud[4] pmd[0]
const PAGE = 0x1000n;

function build(getOnlineMems: boolean): Program {
  const x = new X86Tables(10, ['A', 'B']);
  const pte = x.tables(BASE, 'pte');
  x.set(pte, BASE, 1, X86_64_L4.mkLeaf(0x100000000n, 1));
  x.set(pte, BASE + PAGE, 1, X86_64_L4.mkLeaf(0x100001000n, 1));
  const pmd = x.tables(BASE, 'pmd');
  x.set(pmd, BASE + 0x200000n, 2, X86_64_L4.mkLeaf(0x100200000n, 2)); // keeps the PMD table in use
  x.kb.cpu(x.k.initMm);
  x.kb.cpu(x.k.initMm);
  const range = { start: BASE, end: BASE + 2n * PAGE };
  return x.kb.program([
    {
      name: 'A',
      *run(c: Cpu) {
        yield* ptdump_walk_pgd(
          c,
          x.w,
          { mmapLock: x.mmapLock, memHotplugLock: x.k.memHotplugLock },
          [range],
          x.pgdAddr,
          getOnlineMems,
        );
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        const locks = { memHotplugLock: x.k.memHotplugLock, pageTableLock: x.k.initMm.pageTableLock };
        yield* try_remove_memory(
          c,
          locks,
          arch_remove_memory_x86(c, x.w, locks, x.pgdAddr, range.start, range.end),
        );
      },
    },
  ]);
}

const FIX = '59305202c67f ("mm/ptdump: take the memory hotplug lock inside ptdump_walk_pgd()")';

export default defineModel({
  name: 'x86-free-before-clear',
  summary:
    'x86 free_pte_table frees the PTE table before pmd_clear; a walker without the hotplug lock reads it',
  variants: {
    buggy: {
      summary: 'ptdump_walk_pgd holds only init_mm.mmap_lock; remove_pagetable runs under mem_hotplug_lock',
      expect: { violation: 'use-after-free' },
      strategy: 'dpor',
      commits: { fixed: [FIX] },
      build: () => build(false),
    },
    fixed: {
      summary: 'ptdump_walk_pgd takes get_online_mems(): hot-remove cannot run during the walk',
      expect: 'clean',
      strategy: 'dpor',
      commits: { fixed: [FIX] },
      build: () => build(true),
    },
  },
});
