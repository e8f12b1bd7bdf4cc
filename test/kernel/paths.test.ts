import { describe, expect, it } from 'vitest';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import { arm64 } from '../../src/kernel/arm64/arch.js';
import type { KernelBugs } from '../../src/kernel/machine.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { __pmd_alloc } from '../../src/kernel/memory.js';
import { add_memory, try_remove_memory } from '../../src/kernel/memory-hotplug.js';
import {
  vmap_pages_range_noflush,
  vmap_range_noflush,
  vunmap_range_noflush,
} from '../../src/kernel/vmalloc.js';
import { x86_64 } from '../../src/kernel/x86/arch.js';
import { remove_pagetable } from '../../src/kernel/x86/hotremove.js';
import { pgd_alloc, pgd_free } from '../../src/kernel/x86/pgtable.js';
import { vmemmap_populate } from '../../src/kernel/x86/vmemmap.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { dpor, runTraced } from './walk/solo.js';

/** the frames of the machine in each state, after a run */
function states(mem: { frames: number; state(f: number): FrameState }): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (let f = 1; f < mem.frames; f++) {
    const name = FrameState[mem.state(f)];
    out[name] = [...(out[name] ?? []), f];
  }
  return out;
}

describe('mm/memory.c: __pmd_alloc re-checks under the lock', () => {
  function twoAllocs(bugs: KernelBugs) {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A', 'B'], frames: 8, bugs });
    const va = 0xffffc90000000000n; // vmalloc: pgd[402] pud[0]
    const pud = kb.table(va, 'pud');
    const pudp = kb.entry(pud, va, 'pud');
    const k = kb.k;
    const alloc = (c: Cpu) => __pmd_alloc(c, k, k.initMm, pudp);
    return {
      prog: kb.program(
        [
          { name: 'A', run: alloc },
          { name: 'B', run: alloc },
        ],
        [],
      ),
      pudp,
    };
  }

  it('two CPUs allocating the same PMD table: one populates, the other frees its table', () => {
    const { prog, pudp } = twoAllocs({});
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(lines.filter((l) => /pud|pmd@|smp_wmb|free/.test(l))).toEqual([
      '0 __pmd_alloc pmd_alloc_one pmd@3 (pmd table)',
      '0 __pmd_alloc pud_present(*pud) pud[0] -> 0',
      '0 __pmd_alloc smp_wmb',
      '0 __pmd_alloc set_pud pud[0] = 0x0000000004003067',
      '1 __pmd_alloc pmd_alloc_one pmd@4 (pmd table)',
      '1 __pmd_alloc pud_present(*pud) pud[0] -> 0x0000000004003067',
      '1 __pmd_alloc pmd_free pmd@4',
    ]);
    expect(prog.memory.load(pudp)).toBe(0x4003067n);
    expect(dpor(prog).executions).toBe(4);
  });

  it('the mutant that populates without the re-check overwrites the first table: two PMD tables stay allocated', () => {
    const { prog } = twoAllocs({ allocWithoutRecheck: true });
    runTraced(prog);
    expect(states(prog.memory).Pmd).toEqual([3, 4]);
  });
});

describe('mm/vmalloc.c: the pgtbl_mod_mask / ARCH_PAGE_TABLE_SYNC_MASK protocol', () => {
  const VA = 0xffffc90000000000n; // a fresh vmalloc top-level slot (402) in 4-level paging

  function vmap(bugs: KernelBugs, body: (c: Cpu, kb: KernelBuilder) => Steps<unknown>) {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A'], frames: 12, bugs });
    kb.run('A', kb.task('A'));
    kb.task('B');
    return kb.program([{ name: 'A', run: (c: Cpu) => body(c, kb) }]);
  }

  it('vmap_range_noflush allocates the missing tables, notes PGTBL_P4D_MODIFIED and syncs the new slot into every PGD', () => {
    const prog = vmap({}, (c, kb) => vmap_range_noflush(c, kb.k, VA, VA + 0x2000n, 0x90000000n));
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(lines.filter((l) => /_alloc_one|set_p|sync_global_pgds_l4 set/.test(l))).toEqual([
      '0 __pud_alloc pud_alloc_one pud@4 (pud table)',
      '0 __pud_alloc set_p4d init_mm.pgd[402] = 0x0000000004004067',
      '0 __pmd_alloc pmd_alloc_one pmd@5 (pmd table)',
      '0 __pmd_alloc set_pud pud@4[0] = 0x0000000004005067',
      '0 __pte_alloc_kernel pte_alloc_one_kernel pte@6 (pte table)',
      '0 __pte_alloc_kernel set_pmd pmd@5[0] = 0x0000000004006067',
      '0 vmap_pte_range set_pte_at pte@6[0] = 0x8000000090000163',
      '0 vmap_pte_range set_pte_at pte@6[1] = 0x8000000090001163',
      '0 sync_global_pgds_l4 set_p4d B.pgd[402] = 0x0000000004004067',
      '0 sync_global_pgds_l4 set_p4d A.pgd[402] = 0x0000000004004067',
    ]);
  });

  it('the mutant that ignores the mask leaves the tasks without the slot (pgd-mismatch at the end)', () => {
    const prog = vmap({ vmallocNoSync: true }, (c, kb) =>
      vmap_range_noflush(c, kb.k, VA, VA + 0x1000n, 0x90000000n),
    );
    const { o } = runTraced(prog);
    expect([o.violation?.kind, o.violation?.message]).toEqual([
      'pgd-mismatch',
      'at the end, with no sync in flight, B.pgd[402] = 0x0000000000000000 but init_mm.pgd[402] = 0x0000000004004067',
    ]);
  });

  it('vmap_pages_range_noflush maps frames, vunmap_range_noflush clears the PTEs and keeps the tables', () => {
    const prog = vmap({}, function* (c, kb) {
      const pages = [
        Number(yield c.alloc(FrameState.Data, 'page')),
        Number(yield c.alloc(FrameState.Data, 'page')),
      ];
      yield* vmap_pages_range_noflush(c, kb.k, VA, VA + 0x2000n, pages);
      yield* vunmap_range_noflush(c, kb.k, VA, VA + 0x2000n);
    });
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(lines.filter((l) => /set_pte_at|ptep_get_and_clear/.test(l))).toEqual([
      '0 vmap_pages_pte_range set_pte_at pte@8[0] = 0x8000000004004163',
      '0 vmap_pages_pte_range set_pte_at pte@8[1] = 0x8000000004005163',
      '0 vunmap_pte_range ptep_get_and_clear pte@8[0] -> 0x8000000004004163',
      '0 vunmap_pte_range ptep_get_and_clear pte@8[0] 0x8000000004004163 -> 0',
      '0 vunmap_pte_range ptep_get_and_clear pte@8[1] -> 0x8000000004005163',
      '0 vunmap_pte_range ptep_get_and_clear pte@8[1] 0x8000000004005163 -> 0',
    ]);
    expect(states(prog.memory).Pte).toEqual([8]);
  });
});

describe('arch/x86/mm/init_64.c: memory hot-add and hot-remove at every level', () => {
  it('arch_add_memory builds the direct map bottom up, syncs the new top-level slot, populates the vmemmap', () => {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A'], frames: 16 });
    kb.run('A', kb.task('A'));
    const prog = kb.program([{ name: 'A', run: (c: Cpu) => add_memory(c, kb.k, 0x10000000000n, 0x2000n) }]);
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(
      lines.filter((l) => /set_pte_init|populate_init|populate_kernel_init|alloc_low_page|set_p4d A/.test(l)),
    ).toEqual([
      '0 __kernel_physical_mapping_init alloc_low_page pud@3 (pud table)',
      '0 phys_pud_init alloc_low_page pmd@4 (pmd table)',
      '0 phys_pmd_init alloc_low_page pte@5 (pte table)',
      '0 phys_pte_init set_pte_init pte@5[0] = 0x8000010000000163',
      '0 phys_pte_init set_pte_init pte@5[1] = 0x8000010000001163',
      '0 phys_pmd_init pmd_populate_kernel_init pmd@4[0] = 0x0000000004005067',
      '0 phys_pud_init pud_populate_init pud@3[0] = 0x0000000004004067',
      '0 __kernel_physical_mapping_init p4d_populate_init init_mm.pgd[275] = 0x0000000004003067',
      '0 sync_global_pgds_l4 set_p4d A.pgd[275] = 0x0000000004003067',
      '0 sync_global_pgds_l4 set_p4d A.pgd[468] = 0x0000000004006067',
    ]);
  });

  it('remove_pagetable frees the PTE and PMD tables it empties, 4-level keeps the PUD table and the top-level entry', () => {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A'], frames: 12 });
    const va = 0xffff888100000000n;
    const pte = kb.table(va, 'pte');
    kb.set(pte, va, 1, kb.arch.fmt.mkLeaf(0x100000000n, 1));
    const prog = kb.program([
      { name: 'A', run: (c: Cpu) => remove_pagetable(c, kb.k, va, va + 0x1000n, true) },
    ]);
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(lines.filter((l) => /free_pages|_clear /.test(l))).toEqual([
      '0 remove_pte_table pte_clear pte[0] = 0',
      '0 free_pagetable free_pages pte',
      '0 free_pte_table pmd_clear pmd[0] = 0',
      '0 free_pagetable free_pages pmd',
      '0 free_pmd_table pud_clear pud[4] = 0',
    ]);
    expect(states(prog.memory)).toMatchObject({ Pgd: [1], Pud: [2] });
  });

  it('with 5 levels free_pud_table frees the PUD table too and clears the P4D entry, never the PGD entry', () => {
    const kb = new KernelBuilder(x86_64({ levels: 5 }), { cpus: ['A'], frames: 12 });
    const va = 0xff11000100000000n;
    const pte = kb.table(va, 'pte');
    kb.set(pte, va, 1, kb.arch.fmt.mkLeaf(0x100000000n, 1));
    const prog = kb.program([
      { name: 'A', run: (c: Cpu) => remove_pagetable(c, kb.k, va, va + 0x1000n, true) },
    ]);
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(lines.filter((l) => /_clear /.test(l)).map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual([
      'remove_pte_table pte_clear',
      'free_pte_table pmd_clear',
      'free_pmd_table pud_clear',
      'free_pud_table p4d_clear',
    ]);
    expect(states(prog.memory)).toMatchObject({ Pgd: [1], P4d: [2] });
  });

  it('vmemmap_free (direct = false) frees the struct-page pages it unmaps, and their tables', () => {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A'], frames: 12 });
    const start = 0xffffea0004000000n;
    const k = kb.k;
    const prog = kb.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield* vmemmap_populate(c, k, start, start + 0x1000n);
          yield* k.arch.vmemmap_free(c, k, start, start + 0x1000n);
        },
      },
    ]);
    const { o } = runTraced(prog);
    expect(o.violation).toBeNull();
    // the PUD table under the new slot stays (4-level), the PMD, PTE tables and the page are freed
    expect(states(prog.memory)).toEqual({ Pgd: [1], Pud: [2], Free: [3, 4, 5, 6, 7, 8, 9, 10, 11] });
  });

  it('try_remove_memory after add_memory leaves the slots but no tables below them', () => {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A'], frames: 16 });
    const k = kb.k;
    const prog = kb.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield* add_memory(c, k, 0x10000000000n, 0x1000n);
          yield* try_remove_memory(c, k, 0x10000000000n, 0x1000n);
        },
      },
    ]);
    expect(runTraced(prog).o.violation).toBeNull();
    expect(states(prog.memory).Pud).toEqual([2, 5]);
    expect(states(prog.memory).Pte).toBeUndefined();
  });
});

describe('arch/x86/mm/pgtable.c: pgd_alloc and pgd_free with page-table isolation', () => {
  it('a PGD is two pages (the user copy after the kernel one); clone_pgd_range fills both; pgd_free frees both', () => {
    const kb = new KernelBuilder(x86_64({ levels: 4, pti: true }), { cpus: ['A'], frames: 8 });
    const child = kb.futureTask('C');
    const k = kb.k;
    const prog = kb.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield* pgd_alloc(c, k, child);
          yield* pgd_free(c, k, child);
        },
      },
    ]);
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(lines.filter((l) => /_pgd_alloc|clone_pgd_range|_pgd_free/.test(l))).toEqual([
      '0  _pgd_alloc C.pgd@4 (pgd table)',
      '0 pgd_ctor clone_pgd_range C.pgd@4[273] <- init_mm.pgd[273] (239 words)',
      '0 pgd_ctor clone_pgd_range (user copy) frame5[273] <- init_mm.pgd.user[273] (239 words)',
      '0  _pgd_free C.pgd@4',
    ]);
    expect(states(prog.memory)).toEqual({ Pgd: [1, 2], Free: [3, 4, 5, 6, 7] });
  });
});

describe('arch/arm64/mm/mmu.c: memory hot-add', () => {
  it('arch_add_memory publishes each table before filling it (top down), then populates the vmemmap', () => {
    const kb = new KernelBuilder(arm64(), { cpus: ['A'], frames: 16 });
    const prog = kb.program([{ name: 'A', run: (c: Cpu) => add_memory(c, kb.k, 0x80000000n, 0x2000n) }]);
    const { o, lines } = runTraced(prog);
    expect(o.violation).toBeNull();
    expect(lines.filter((l) => /alloc_init|init_pte|pgd_pgtable_alloc/.test(l)).slice(0, 8)).toEqual([
      '0 alloc_init_pud READ_ONCE(*p) swapper_pg_dir[0] -> 0',
      '0 alloc_init_pud pgd_pgtable_alloc_init_mm pud@2 (pud table)',
      '0 alloc_init_pud __p4d_populate swapper_pg_dir[0] = 0x0000000000002003',
      '0 alloc_init_pud READ_ONCE(*p) swapper_pg_dir[0] -> 0x0000000000002003',
      '0 alloc_init_cont_pmd READ_ONCE(*p) pud@2[2] -> 0',
      '0 alloc_init_cont_pmd pgd_pgtable_alloc_init_mm pmd@3 (pmd table)',
      '0 alloc_init_cont_pmd __pud_populate pud@2[2] = 0x0000000000003003',
      '0 alloc_init_cont_pmd READ_ONCE(*p) pud@2[2] -> 0x0000000000003003',
    ]);
    expect(lines.some((l) => l.includes('vmemmap_pte_populate set_pte_at'))).toBe(true);
  });
});
