import { PAGE_SIZE } from '../../src/arch/arm64/pgtable.js';
import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { arm64 } from '../../src/kernel/arm64/arch.js';
import { set_memory_ro } from '../../src/kernel/arm64/pageattr.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { vmalloc_to_page } from '../../src/kernel/vmalloc-to-page.js';
import { defineModel } from '../../src/model/define.js';

/**
 * plain-pte-read (arm64 tables; every memory model). CPU A looks up a vmalloc page with
 * vmalloc_to_page; CPU B makes the same page read-only (set_memory_ro -> the lockless pageattr
 * walk, which reads the pte and writes it back with the new permissions). Before "mm: ptep_get()
 * conversion" (Ryan Roberts, 2023, seed 004) vmalloc_to_page read the entry with a plain C
 * dereference, `pte = *ptep`, and used `*ptep` again for pte_page(): a plain access racing with
 * B's marked write, which LKMM calls a data race (the compiler may tear the read or fetch it
 * twice, and a pte that hardware or another CPU rewrites is volatile). KCSAN reports it; so does
 * pagerace, under every memory model. With `ptep_get()` (READ_ONCE) both accesses are marked:
 * clean.
 *
 * Abstractions: one page; set_memory_ro's TLB flush is one step; what A does with the page is
 * not modelled.
 */
const VMALLOC = 0xffff800080000000n; // pgd[256] pud[2] pmd[0]

function build(plainPte: boolean): Program {
  const kb = new KernelBuilder(arm64(), { cpus: ['A', 'B'], frames: 8, bugs: { plainPteRead: plainPte } });
  kb.map(VMALLOC, 1, 0x90000000n, { names: { 1: 'pte0' } });
  const k = kb.k;
  return kb.program([
    {
      name: 'A',
      *run(c: Cpu) {
        yield* vmalloc_to_page(c, k, VMALLOC);
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        yield* set_memory_ro(c, k, VMALLOC, 1);
      },
    },
  ]);
}

export default defineModel({
  name: 'plain-pte-read',
  summary: `vmalloc_to_page reading a pte plainly (pre-ptep_get) while set_memory_ro rewrites it (${PAGE_SIZE} bytes)`,
  variants: {
    plain: {
      summary: "pte = *ptep, then pte_page(*ptep): a plain read racing with the pageattr walk's write",
      expect: { violation: 'data-race' },
      expectUnder: { tso: { violation: 'data-race' }, arm64: { violation: 'data-race' } },
      strategy: 'dpor',
      build: () => build(true),
    },
    'ptep-get': {
      summary: 'pte = ptep_get(ptep): READ_ONCE, so both accesses are marked',
      expect: 'clean',
      expectUnder: { tso: 'clean', arm64: 'clean' },
      strategy: 'dpor',
      build: () => build(false),
    },
  },
});
