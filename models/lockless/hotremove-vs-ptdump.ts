import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { arm64 } from '../../src/kernel/arm64/arch.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { try_remove_memory } from '../../src/kernel/memory-hotplug.js';
import { ptdump_walk_pgd } from '../../src/kernel/ptdump.js';
import { defineModel } from '../../src/model/define.js';
import { WALKER_NAMES } from './lib/walkers.js';

/**
 * hotremove-vs-ptdump (arm64). CPU A dumps the kernel page tables (ptdump_walk_pgd over the
 * linear map of a memory block); CPU B hot-removes that block: unmap_hotplug_range clears its
 * PTEs, free_empty_tables clears the pmd and frees the now empty PTE table. Both take locks, but
 * not the same ones: ptdump holds init_mm's mmap_lock, hot-remove holds mem_hotplug_lock.
 * Before bf2b59f60ee1 the dump could read the PTE table after hot-remove freed it; the fix takes
 * get_online_mems() around the walk.
 *
 * Abstractions: the removed block is `range` pages (two by default) of the linear map under one
 * PTE table (a real block is a 128 MiB section); `walkers` CPUs dump; the pmd table keeps another entry (a block mapping of other
 * memory), so only the PTE table becomes empty; ptdump walks only the removed range; TLB
 * flushes are visible steps without effect; the 512-entry emptiness scan is one step.
 */
const PHYS = 0x40000000n; // linear map at 0xffff000040000000: pgd[0] pud[1] pmd[0]
const PAGE = 0x1000n;
const PMD_SIZE = 0x200000n;

function build(getOnlineMems: boolean, walkers: number, range: number): Program {
  const names = WALKER_NAMES.slice(0, walkers);
  const kb = new KernelBuilder(arm64(), { cpus: [names[0], 'B', ...names.slice(1)], frames: 8 });
  const base = BigInt.asUintN(64, kb.arch.pageOffset + PHYS);
  for (let i = 0n; i < BigInt(range); i++) kb.map(base + i * PAGE, 1, 0x80000000n + i * PAGE);
  kb.map(base + PMD_SIZE, 2, 0x80200000n); // keeps the pmd table in use
  const dump = [{ start: base, end: base + BigInt(range) * PAGE }];
  const k = kb.k;
  const walker = (name: string) => ({ name, run: (c: Cpu) => ptdump_walk_pgd(c, k, dump, getOnlineMems) });
  return kb.program([
    walker(names[0]),
    { name: 'B', run: (c: Cpu) => try_remove_memory(c, k, PHYS, BigInt(range) * PAGE) },
    ...names.slice(1).map(walker),
  ]);
}

export default defineModel({
  name: 'hotremove-vs-ptdump',
  summary: 'arm64 ptdump walks the linear map while memory hot-remove frees a PTE table under it',
  params: {
    walkers: { default: 1, min: 1, max: 3, summary: 'CPUs that dump the kernel page tables' },
    range: { default: 2, min: 1, max: 8, summary: 'pages of the removed memory, under one PTE table' },
  },
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
      build: ({ walkers, range }) => build(false, walkers, range),
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
      build: ({ walkers, range }) => build(true, walkers, range),
    },
  },
});
