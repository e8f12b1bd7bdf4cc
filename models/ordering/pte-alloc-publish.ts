import { mkPageDesc, PAGE_SIZE } from '../../src/arch/arm64/pgtable.js';
import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { arm64 } from '../../src/kernel/arm64/arch.js';
import { __set_pte } from '../../src/kernel/arm64/set-pte.js';
import { BAD_ENTRY } from '../../src/kernel/kinds.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { __pte_alloc_kernel } from '../../src/kernel/memory.js';
import { vmalloc_to_page } from '../../src/kernel/vmalloc-to-page.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { POISON_FREE } from '../../src/machine/physical-memory.js';
import { defineModel } from '../../src/model/define.js';

/**
 * pte-alloc-publish (arm64). CPU A maps the first page of a fresh 2 MiB vmalloc region:
 * vmap_pte_range -> __pte_alloc_kernel allocates the PTE table (a zeroed page: clear_page) and
 * publishes it in the pmd, then sets the pte. CPU B looks up a page of the same region without a
 * lock, vmalloc_to_page, which reads the pmd and then, through it, the pte. The page the table
 * comes from held something before (a freed page, 0x6b poison): only its zeroing makes the
 * table's entries none.
 *
 * The kernel's order (mm/memory.c, __pte_alloc_kernel: "smp_wmb(); /* See comment in
 * pmd_install() *\/") makes the zeroing visible before the pmd; the reader's address dependency
 * (pmd -> pte) does the rest. Without the smp_wmb an arm64 CPU may make the pmd visible first, and
 * B reads the table's old contents as a pte: a `bad-entry`. On x86 smp_wmb() is only a compiler
 * barrier because TSO keeps stores in order, so the same code is clean there; under sc, too.
 *
 * Abstractions: one pmd, one pte; the lookup reads each level once; the region's lock
 * (vmap_area_lock) and the pte's page are left out.
 */
const VMALLOC = 0xffff800080000000n; // pgd[256] pud[2] pmd[0]
const PA = 0x90000000n;
const PTE = mkPageDesc(PA);

function build(smpWmb: boolean): Program {
  const kb = new KernelBuilder(arm64(), { cpus: ['A', 'B'], frames: 8, bugs: { pteAllocNoWmb: !smpWmb } });
  const pmdp = kb.entry(kb.table(VMALLOC, 2), VMALLOC, 2);
  // the lowest free frame is the one the PTE table is allocated from: it was freed before
  let next = 1;
  while (kb.m.memory.state(next) !== FrameState.Free) next++;
  kb.m.memory.fill(next * PAGE_SIZE_N, 512, POISON_FREE);
  const index = Number((VMALLOC >> 12n) & 511n);
  const k = kb.k;
  return kb.program([
    {
      name: 'A',
      *run(c: Cpu) {
        yield* c.call(
          'vmap_pte_range',
          (function* () {
            yield* __pte_alloc_kernel(c, k, pmdp);
            const table = Number(k.fmt.addr(c.mem.load(pmdp)));
            yield* __set_pte(c, k, table + 8 * index, PTE);
          })(),
        );
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        const pa = yield* vmalloc_to_page(c, k, VMALLOC);
        if (pa !== null && pa !== PA) {
          c.fail(
            BAD_ENTRY,
            `${k.ghost.cpuName(c.id)} in vmalloc_to_page read a pte of the new PTE table that was never written: the page's old contents, because the table's zeroing was not visible when the pmd that publishes it was`,
            [
              `BUG: vmalloc_to_page(${`0x${VMALLOC.toString(16)}`}) returned physical 0x${pa.toString(16)}, which nothing maps`,
              'the PTE table was visible (pmd) before its clear_page() (no smp_wmb() in __pte_alloc_kernel)',
            ],
          );
        }
      },
    },
  ]);
}
const PAGE_SIZE_N = Number(PAGE_SIZE);

export default defineModel({
  name: 'pte-alloc-publish',
  summary: 'a lockless vmalloc_to_page racing __pte_alloc_kernel, with and without its smp_wmb()',
  variants: {
    'no-wmb': {
      summary:
        '__pte_alloc_kernel publishes the new PTE table without smp_wmb(): arm64 lets the pmd become visible before the zeroing',
      memoryModel: 'arm64',
      expect: { violation: 'bad-entry' },
      expectUnder: { sc: 'clean', tso: 'clean' },
      strategy: 'dpor',
      build: () => build(false),
    },
    wmb: {
      summary: '__pte_alloc_kernel as in mm/memory.c: smp_wmb() before pmd_populate_kernel',
      memoryModel: 'arm64',
      expect: 'clean',
      expectUnder: { sc: 'clean', tso: 'clean' },
      strategy: 'dpor',
      build: () => build(true),
    },
  },
});
