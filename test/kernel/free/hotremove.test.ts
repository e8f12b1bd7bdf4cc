import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PMD_SIZE } from '../../../src/arch/arm64/pgtable.js';
import type { Cpu } from '../../../src/engine/cpu.js';
import { arm64 } from '../../../src/kernel/arm64/arch.js';
import { KernelBuilder } from '../../../src/kernel/machine-builder.js';
import { try_remove_memory } from '../../../src/kernel/memory-hotplug.js';
import { vmap_try_huge_pmd } from '../../../src/kernel/vmalloc.js';
import { x86_64 } from '../../../src/kernel/x86/arch.js';
import { FrameState } from '../../../src/machine/frame-state.js';
import { runTraced } from '../walk/solo.js';

const ops = (lines: string[]) => lines.map((l) => l.split(' ').slice(1, 3).join(' '));

describe('freeing kernel page tables', () => {
  it('arm64 hot-remove clears the PTEs, then clears the pmd, flushes, and frees the empty PTE table', () => {
    const phys = 0x40000000n;
    const k = new KernelBuilder(arm64(), { cpus: ['B'], frames: 8 });
    const base = BigInt.asUintN(64, k.arch.pageOffset + phys);
    k.map(base, 1, 0x80000000n);
    k.map(base + PAGE_SIZE, 1, 0x80001000n);
    k.map(base + PMD_SIZE, 2, 0x80200000n);
    const pte = k.table(base, 1);
    const pmdp = k.entry(k.table(base, 2), base, 2);
    const prog = k.program([
      {
        name: 'B',
        run: (c: Cpu) => try_remove_memory(c, k.k, phys, 2n * PAGE_SIZE),
      },
    ]);
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    const tail = ops(lines).filter((l) => /clear|flush|free|hotplug/.test(l.split(' ')[1]));
    expect(tail).toEqual([
      'try_remove_memory mem_hotplug_begin',
      'unmap_hotplug_pte_range __pte_clear',
      'unmap_hotplug_pte_range flush_tlb_kernel_range',
      'unmap_hotplug_pte_range __pte_clear',
      'unmap_hotplug_pte_range flush_tlb_kernel_range',
      'free_empty_pte_table pmd_clear',
      'free_empty_pte_table __flush_tlb_kernel_pgtable',
      'free_empty_pte_table free_hotplug_pgtable_page',
      'try_remove_memory mem_hotplug_done',
    ]);
    expect(prog.memory.state(pte)).toBe(FrameState.Free);
    expect(prog.memory.load(pmdp)).toBe(0n);
  });

  it('x86 free_pte_table frees the PTE table before it takes the lock and clears the pmd', () => {
    const phys = 0x100000000n;
    const x = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['B'], frames: 8 });
    const base = BigInt.asUintN(64, x.arch.pageOffset + phys);
    const pte = x.table(base, 'pte');
    const pmd = x.table(base, 'pmd');
    x.set(pte, base, 1, x.arch.fmt.mkLeaf(phys, 1));
    x.set(pmd, base + 0x200000n, 2, x.arch.fmt.mkLeaf(phys + 0x200000n, 2)); // keeps the PMD table
    const prog = x.program([{ name: 'B', run: (c: Cpu) => try_remove_memory(c, x.k, phys, PAGE_SIZE) }]);
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(ops(lines).slice(-9)).toEqual([
      'free_pte_table ghost:',
      'free_pte_table pmd_page(*pmd)',
      'free_pagetable free_pages',
      'free_pte_table spin_lock',
      'free_pte_table pmd_clear',
      'free_pte_table spin_unlock',
      'free_pmd_table pmd_none(*pmd)',
      'remove_pagetable flush_tlb_all',
      'try_remove_memory mem_hotplug_done',
    ]);
    expect(prog.memory.state(pte)).toBe(FrameState.Free);
  });

  it('vmap_try_huge_pmd frees the PTE table (pmd_free_pte_page) and sets a block', () => {
    const va = 0xffff800080000000n;
    const k = new KernelBuilder(arm64(), { cpus: ['B'], frames: 8 });
    k.map(va, 1, 0x90000000n);
    const pte = k.table(va, 1);
    const pmdp = k.entry(k.table(va, 2), va, 2);
    const prog = k.program([
      {
        name: 'B',
        *run(c: Cpu) {
          yield* vmap_try_huge_pmd(c, k.k, pmdp, va, va + PMD_SIZE, 0xa0000000n, 21n);
        },
      },
    ]);
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(ops(lines).filter((l) => !l.includes('ghost'))).toEqual([
      'vmap_try_huge_pmd pmd_present(*pmd)',
      'pmd_free_pte_page READ_ONCE(*pmdp)',
      'pmd_free_pte_page pmd_clear',
      'pmd_free_pte_page __flush_tlb_kernel_pgtable',
      'pmd_free_pte_page pte_free_kernel',
      'vmap_try_huge_pmd pmd_set_huge',
    ]);
    expect(prog.memory.state(pte)).toBe(FrameState.Free);
    expect(BigInt.asUintN(64, prog.memory.load(pmdp)) & 3n).toBe(1n);
  });
});
