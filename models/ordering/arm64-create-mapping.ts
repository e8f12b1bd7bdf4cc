import { mkPageDesc, PAGE_SIZE } from '../../src/arch/arm64/pgtable.js';
import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { readEntry } from '../../src/kernel/access.js';
import { arm64 } from '../../src/kernel/arm64/arch.js';
import { __set_pte_nosync } from '../../src/kernel/arm64/set-pte.js';
import { dsb_ishst, isb } from '../../src/kernel/barrier.js';
import { hardware_walk } from '../../src/kernel/hw-access.js';
import { BAD_ENTRY, KERNEL_BUG, PAGE_FAULT } from '../../src/kernel/kinds.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { pmd_populate_kernel } from '../../src/kernel/pgalloc.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { POISON_FREE } from '../../src/machine/physical-memory.js';
import { defineModel } from '../../src/model/define.js';

/**
 * arm64-create-mapping (arch/arm64/mm/mmu.c). CPU A creates a kernel mapping in a fresh 2 MiB
 * region, as alloc_init_cont_pte does: allocate a PTE table, init_clear_pgtable() it, publish it
 * in the pmd (__pmd_populate: set_pmd, whose dsb(ishst); isb() follow the store), write the pte
 * with __set_pte_nosync, and only then the barriers the pte needs; then A itself touches the new
 * address, which its MMU translates. CPU B's MMU walks the same address meanwhile (a speculative
 * walk: the hardware may walk any address the tables map).
 *
 * The kernel states both orders it needs in comments: init_clear_pgtable() "clear_page(table);
 * /* Ensure the zeroing is observed by page table walks. *\/ dsb(ishst);", and init_pte()
 * "Required barriers to make this visible to the table walker are deferred to the end of
 * alloc_init_cont_pte()" (the barriers of emit_pte_barriers, arch/arm64/include/asm/pgtable.h:
 * "The dsb makes the store visible to the table walker"). The table walker is another observer:
 * B's walk can read the table's old contents if the zeroing is not ordered before the pmd
 * (`no-clear-dsb`: `bad-entry`), and A's own walk can miss A's own pte if no dsb(ishst) follows
 * it (`no-pte-barriers`: a spurious translation fault, `page-fault`). x86 walks see a CPU's own
 * stores and TSO keeps stores in order: the same code is clean under tso and sc.
 *
 * Abstractions: one pte; the fixmap through which the table is written is left out (its own
 * barriers were what ordered the zeroing before this code had init_clear_pgtable); the frame the
 * table is allocated from held a freed page (0x6b poison).
 */
const VA = 0xffff800080000000n; // pgd[256] pud[2] pmd[0]
const PA = 0x90000000n;
const PTE = mkPageDesc(PA);

interface Barriers {
  clearDsb: boolean;
  pteBarriers: boolean;
}

function build(b: Barriers): Program {
  const kb = new KernelBuilder(arm64(), { cpus: ['A', 'B'], frames: 8 });
  const pmdp = kb.entry(kb.table(VA, 2), VA, 2);
  let next = 1;
  while (kb.m.memory.state(next) !== FrameState.Free) next++;
  kb.m.memory.fill(next * Number(PAGE_SIZE), 512, POISON_FREE);
  const index = Number((VA >> 12n) & 511n);
  const k = kb.k;
  const name = (c: Cpu) => k.ghost.cpuName(c.id);
  return kb.program([
    {
      name: 'A',
      *run(c: Cpu) {
        yield* c.call(
          'alloc_init_cont_pte',
          (function* () {
            const pmd = yield* readEntry(c, k, pmdp, 2, 'pmd = READ_ONCE(*pmdp)');
            if (!k.fmt.none(pmd)) c.fail(KERNEL_BUG, 'alloc_init_cont_pte: the pmd is not none');
            const table = Number(yield c.alloc(FrameState.Pte, 'pte', 'pgtable_alloc')) * Number(PAGE_SIZE);
            // init_clear_pgtable: the allocation is the clear_page, then the barrier
            if (b.clearDsb) {
              c.enter('init_clear_pgtable');
              yield dsb_ishst(c);
              c.leave();
            }
            yield* c.call('__pmd_populate', pmd_populate_kernel(c, k, pmdp, table / Number(PAGE_SIZE)));
            yield* c.call('init_pte', __set_pte_nosync(c, k, table + 8 * index, PTE));
            if (b.pteBarriers) {
              yield dsb_ishst(c);
              yield isb(c);
            }
          })(),
        );
        // the mapping is there: A touches it
        const t = yield* hardware_walk(c, k, k.swapper(c.mem), VA);
        if (t.pa === null)
          c.fail(
            PAGE_FAULT,
            `${name(c)}'s own table walk of 0x${VA.toString(16)} finds level ${t.level} not present right after mapping it: its pte store is not yet visible to its table walker`,
            [
              `Unable to handle kernel paging request at virtual address ${VA.toString(16)} (a spurious translation fault)`,
              'the pte was written with __set_pte_nosync and no dsb(ishst) followed it',
            ],
          );
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        const t = yield* hardware_walk(c, k, k.swapper(c.mem), VA);
        if (t.pa !== null && t.pa !== PA)
          c.fail(
            BAD_ENTRY,
            `${name(c)}'s table walk of 0x${VA.toString(16)} read a pte of the new PTE table that was never written (the page's old contents): the zeroing was not observed before the pmd that publishes the table`,
            [
              `BUG: a table walk translated 0x${VA.toString(16)} to physical 0x${t.pa.toString(16)}, which nothing maps`,
              'init_clear_pgtable() did not dsb(ishst) after clear_page()',
            ],
          );
      },
    },
  ]);
}

const elsewhere = { sc: 'clean', tso: 'clean' } as const;

export default defineModel({
  name: 'arm64-create-mapping',
  summary: 'arm64 alloc_init_cont_pte against table walks: the barriers init_clear_pgtable and init_pte need',
  variants: {
    'no-clear-dsb': {
      summary:
        'init_clear_pgtable without its dsb(ishst): another CPU walks into the table before its zeroing',
      memoryModel: 'arm64',
      expect: { violation: 'bad-entry' },
      expectUnder: elsewhere,
      strategy: 'dpor',
      build: () => build({ clearDsb: false, pteBarriers: true }),
    },
    'no-pte-barriers': {
      summary: "no dsb(ishst); isb() after the pte stores: the CPU's own walk of the new address faults",
      memoryModel: 'arm64',
      expect: { violation: 'page-fault' },
      expectUnder: elsewhere,
      strategy: 'dpor',
      build: () => build({ clearDsb: true, pteBarriers: false }),
    },
    fixed: {
      summary: 'both barriers, as arch/arm64/mm/mmu.c has them',
      memoryModel: 'arm64',
      expect: 'clean',
      expectUnder: elsewhere,
      strategy: 'dpor',
      build: () => build({ clearDsb: true, pteBarriers: true }),
    },
  },
});
