import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { try_remove_memory } from '../../src/kernel/memory-hotplug.js';
import { ptdump_walk_pgd } from '../../src/kernel/ptdump.js';
import { x86_64 } from '../../src/kernel/x86/arch.js';
import { defineModel } from '../../src/model/define.js';
import { WALKER_NAMES } from './lib/walkers.js';

/**
 * x86-free-before-clear (x86-64). CPU B hot-removes memory: remove_pagetable clears the PTEs of
 * its direct-map range, then free_pte_table FREES the empty PTE table before it takes
 * init_mm.page_table_lock and clears the pmd. CPU A dumps the kernel page tables
 * (ptdump_walk_pgd, as /sys/kernel/debug/page_tables/kernel does on x86) over that range. Without
 * the hotplug lock the dump can read the pmd after the free and before pmd_clear, follow it to
 * the freed page and read it. Fixed by 59305202c67f, which takes get_online_mems() inside
 * ptdump_walk_pgd() for every architecture.
 *
 * Abstractions: `range` pages (two by default) of the direct map at 4 GiB under one PTE table,
 * `walkers` CPUs dumping (one by default); the PMD table keeps a
 * 2 MiB mapping of other memory so only the PTE table is freed; ptdump walks only this range;
 * TLB flushes are steps without effect; the 512-entry emptiness check is one step.
 */
const PHYS = 0x100000000n; // direct map at 0xffff888100000000: pgd[273] pud[4] pmd[0]
const PAGE = 0x1000n;

function build(getOnlineMems: boolean, walkers: number, range: number): Program {
  const names = WALKER_NAMES.slice(0, walkers);
  const kb = new KernelBuilder(x86_64({ levels: 4 }), {
    cpus: [names[0], 'B', ...names.slice(1)],
    frames: 10,
  });
  const base = BigInt.asUintN(64, kb.arch.pageOffset + PHYS);
  const pte = kb.table(base, 'pte');
  for (let i = 0n; i < BigInt(range); i++)
    kb.set(pte, base + i * PAGE, 1, kb.arch.fmt.mkLeaf(PHYS + i * PAGE, 1));
  const pmd = kb.table(base, 'pmd');
  kb.set(pmd, base + 0x200000n, 2, kb.arch.fmt.mkLeaf(PHYS + 0x200000n, 2)); // keeps the PMD table in use
  const dump = [{ start: base, end: base + BigInt(range) * PAGE }];
  const k = kb.k;
  const walker = (name: string) => ({ name, run: (c: Cpu) => ptdump_walk_pgd(c, k, dump, getOnlineMems) });
  return kb.program([
    walker(names[0]),
    { name: 'B', run: (c: Cpu) => try_remove_memory(c, k, PHYS, BigInt(range) * PAGE) },
    ...names.slice(1).map(walker),
  ]);
}

const FIX = '59305202c67f ("mm/ptdump: take the memory hotplug lock inside ptdump_walk_pgd()")';

export default defineModel({
  name: 'x86-free-before-clear',
  summary:
    'x86 free_pte_table frees the PTE table before pmd_clear; a walker without the hotplug lock reads it',
  params: {
    walkers: { default: 1, min: 1, max: 3, summary: 'CPUs that dump the kernel page tables' },
    range: { default: 2, min: 1, max: 8, summary: 'pages of the removed memory, under one PTE table' },
  },
  variants: {
    buggy: {
      summary: 'ptdump_walk_pgd holds only init_mm.mmap_lock; remove_pagetable runs under mem_hotplug_lock',
      expect: { violation: 'use-after-free' },
      strategy: 'dpor',
      commits: { fixed: [FIX] },
      build: ({ walkers, range }) => build(false, walkers, range),
    },
    fixed: {
      summary: 'ptdump_walk_pgd takes get_online_mems(): hot-remove cannot run during the walk',
      expect: 'clean',
      strategy: 'dpor',
      commits: { fixed: [FIX] },
      build: ({ walkers, range }) => build(true, walkers, range),
    },
  },
});
