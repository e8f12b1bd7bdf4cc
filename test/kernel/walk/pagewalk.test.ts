import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PMD_SIZE } from '../../../src/arch/arm64/pgtable.js';
import type { Cpu } from '../../../src/engine/cpu.js';
import { arm64 } from '../../../src/kernel/arm64/arch.js';
import { set_memory_ro } from '../../../src/kernel/arm64/pageattr.js';
import { KernelBuilder } from '../../../src/kernel/machine-builder.js';
import { walk_kernel_page_table_range } from '../../../src/kernel/pagewalk.js';
import { ptdump_walk_pgd } from '../../../src/kernel/ptdump.js';
import { runTraced } from './solo.js';

const BASE = 0xffff000040000000n;

function tables(cpus = ['A']) {
  const k = new KernelBuilder(arm64(), { cpus: cpus, frames: 8 });
  k.map(BASE, 1, 0x80000000n);
  k.map(BASE + PMD_SIZE, 2, 0x80200000n);
  return k;
}

describe('mm/pagewalk.c walkers', () => {
  it('ptdump_walk_pgd reads each pud and pmd several times: none, entry callback, leaf, present, descend', () => {
    const k = tables();
    const range = { start: BASE, end: BASE + PAGE_SIZE };
    const prog = k.program([
      {
        name: 'A',
        run: (c: Cpu) => ptdump_walk_pgd(c, k.k, [range]),
      },
    ]);
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(lines).toEqual([
      '0 ptdump_walk_pgd get_online_mems mem_hotplug_lock',
      '0 ptdump_walk_pgd mmap_write_lock init_mm.mmap_lock',
      '0 walk_kernel_page_table_range pgd_none_or_clear_bad(pgd) swapper_pg_dir[0] -> 0x0000000000002003',
      '0 walk_pud_range pud_offset(p4d) swapper_pg_dir[0] -> 0x0000000000002003',
      '0 walk_pud_range pud_none(*pud) pud[1] -> 0x0000000000003003',
      '0 walk_pud_range pud_leaf(*pud) pud[1] -> 0x0000000000003003',
      '0 walk_pud_range pud_present(*pud) pud[1] -> 0x0000000000003003',
      '0 walk_pmd_range pmd_offset(pud) pud[1] -> 0x0000000000003003',
      '0 walk_pmd_range pmd_none(*pmd) pmd[0] -> 0x0000000000004003',
      '0 ptdump_pmd_entry READ_ONCE(*pmd) pmd[0] -> 0x0000000000004003',
      '0 walk_pmd_range pmd_leaf(*pmd) pmd[0] -> 0x0000000000004003',
      '0 walk_pmd_range pmd_present(*pmd) pmd[0] -> 0x0000000000004003',
      '0 walk_pte_range pte_offset_kernel(pmd) pmd[0] -> 0x0000000000004003',
      '0 ptdump_pte_entry ptep_get_lockless(pte) pte[0] -> 0x0060000080000403',
      '0 ptdump_walk_pgd mmap_write_unlock init_mm.mmap_lock',
      '0 ptdump_walk_pgd put_online_mems mem_hotplug_lock',
    ]);
  });

  it('a block pmd stops the descent after pmd_leaf', () => {
    const k = tables();
    const range = { start: BASE + PMD_SIZE, end: BASE + PMD_SIZE + PAGE_SIZE };
    const prog = k.program([
      {
        name: 'A',
        run: (c: Cpu) => ptdump_walk_pgd(c, k.k, [range]),
      },
    ]);
    const { lines } = runTraced(prog);
    expect(lines.filter((l) => l.includes('pmd[1]')).map((l) => l.split(' ')[2])).toEqual([
      'pmd_none(*pmd)',
      'READ_ONCE(*pmd)',
      'pmd_leaf(*pmd)',
    ]);
  });

  it('walk_kernel_page_table_range asserts init_mm.mmap_lock is held', () => {
    const k = tables();
    const ops = { name: 'test' };
    const prog = k.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield* walk_kernel_page_table_range(c, k.k, BASE, BASE + PAGE_SIZE, ops, k.pgdAddr, null);
        },
      },
    ]);
    expect(runTraced(prog).o.violation?.message).toBe(
      'cpu0 A: walk_kernel_page_table_range without init_mm.mmap_lock (mmap_assert_locked)',
    );
  });

  it('set_memory_ro rewrites the PTE through a lockless walk registered in ghost state', () => {
    const k = tables();
    const prog = k.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield* set_memory_ro(c, k.k, BASE, 1);
        },
      },
    ]);
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(lines[0]).toBe(
      '0 walk_kernel_page_table_range_lockless ghost: lockless walk begins ghost.lockless_walk[A].start = 0xffff000040000000',
    );
    expect(lines.slice(-4)).toEqual([
      '0 pageattr_pte_entry __ptep_get(pte) pte[0] -> 0x0060000080000403',
      '0 pageattr_pte_entry __set_pte pte[0] 0x0060000080000403 -> 0x0060000080000483',
      '0 walk_kernel_page_table_range_lockless ghost: lockless walk ends ghost.lockless_walk[A].start = 0',
      '0 __change_memory_common flush_tlb_kernel_range hw_walk_in_flight[A] -> 0',
    ]);
  });
});
