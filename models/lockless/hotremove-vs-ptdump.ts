import { PAGE_SIZE, PMD_SIZE } from '../../src/arch/arm64/pgtable.js';
import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { arch_remove_memory } from '../../src/kernel/free/arm64-hotremove.js';
import { try_remove_memory } from '../../src/kernel/free/memory-hotplug.js';
import { ptdump_walk_pgd } from '../../src/kernel/walk/ptdump.js';
import { defineModel } from '../../src/model/define.js';
import { KernelTables } from './lib/arm64-kernel.js';

/**
 * hotremove-vs-ptdump (arm64). CPU A dumps the kernel page tables (ptdump_walk_pgd over the
 * linear map of a memory block); CPU B hot-removes that block: unmap_hotplug_range clears its
 * PTEs, free_empty_tables clears the pmd and frees the now empty PTE table. Both take locks, but
 * not the same ones: ptdump holds init_mm's mmap_lock, hot-remove holds mem_hotplug_lock.
 * Before bf2b59f60ee1 the dump could read the PTE table after hot-remove freed it; the fix takes
 * get_online_mems() around the walk.
 *
 * Abstractions: the removed block is two pages of the linear map under one PTE table (a real
 * block is a 128 MiB section); the pmd table keeps another entry (a block mapping of other
 * memory), so only the PTE table becomes empty; ptdump walks only the removed range; TLB
 * flushes are visible steps without effect; the 512-entry emptiness scan is one step.
 */
const BASE = 0xffff000040000000n; // linear map, pgd[0] pud[1] pmd[0]

function build(getOnlineMems: boolean): Program {
  const k = new KernelTables(8, ['A', 'B']);
  k.map(BASE, 1, 0x80000000n);
  k.map(BASE + PAGE_SIZE, 1, 0x80001000n);
  k.map(BASE + PMD_SIZE, 2, 0x80200000n); // keeps the pmd table in use
  const range = { start: BASE, end: BASE + 2n * PAGE_SIZE };
  const locks = { mmapLock: k.mmapLock, memHotplugLock: k.memHotplugLock };
  return k.m.program([
    {
      name: 'A',
      run: (c: Cpu) => ptdump_walk_pgd(c, k.w, locks, [range], k.pgdAddr, getOnlineMems),
    },
    {
      name: 'B',
      run: (c: Cpu) =>
        try_remove_memory(c, locks, arch_remove_memory(c, k.w, k.pgdAddr, range.start, range.end)),
    },
  ]);
}

export default defineModel({
  name: 'hotremove-vs-ptdump',
  summary: 'arm64 ptdump walks the linear map while memory hot-remove frees a PTE table under it',
  variants: {
    buggy: {
      summary: 'ptdump_walk_pgd takes only mmap_write_lock(&init_mm); hot-remove does not take it',
      expect: { violation: 'use-after-free' },
      strategy: 'dpor',
      commits: {
        introduced: 'bbd6ec605c0f ("arm64/mm: Enable memory hot remove")',
        fixed: [
          'bf2b59f60ee1 ("arm64/mm: Hold memory hotplug lock while walking for kernel page table dump")',
        ],
      },
      build: () => build(false),
    },
    fixed: {
      summary: 'get_online_mems() around the walk excludes hot-remove (mem_hotplug_lock for read)',
      expect: 'clean',
      strategy: 'dpor',
      commits: {
        fixed: [
          'bf2b59f60ee1 ("arm64/mm: Hold memory hotplug lock while walking for kernel page table dump")',
        ],
      },
      build: () => build(true),
    },
  },
});
