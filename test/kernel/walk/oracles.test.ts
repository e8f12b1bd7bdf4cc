import { describe, expect, it } from 'vitest';
import { KernelTables } from '../../../models/lockless/lib/arm64-kernel.js';
import { PAGE_SIZE } from '../../../src/arch/arm64/pgtable.js';
import type { Cpu } from '../../../src/engine/cpu.js';
import { readEntry, tableOf, writeEntry } from '../../../src/kernel/walk/access.js';
import { set_memory_ro } from '../../../src/kernel/walk/arm64-pageattr.js';
import { FrameState } from '../../../src/machine/frame-state.js';
import { dpor, runTraced } from './solo.js';

const VA = 0xffff800080000000n;

function tables() {
  const k = new KernelTables(8, ['A', 'B']);
  k.map(VA, 1, 0x90000000n);
  const pmd = k.table(VA, 2);
  const pte = k.table(VA, 1);
  return { k, pmdp: k.entry(pmd, VA, 2), ptep: k.entry(pte, VA, 1), pte };
}

describe('walker oracles', () => {
  it('use-after-free: a frame freed and reused since the pointer was read (generation changed)', () => {
    const { k, pmdp, pte } = tables();
    const done = k.m.word('done');
    const prog = k.m.program([
      {
        name: 'A',
        *run(c: Cpu) {
          const pmd = yield* readEntry(c, k.w, pmdp, 2, 'pmd_offset');
          const t = tableOf(c, k.w, pmd, 1, pmdp);
          yield c.awaitValue(done, (v) => v === 1n, 'wait for B');
          yield* readEntry(c, k.w, t, 1, 'ptep_get');
        },
      },
      {
        name: 'B',
        *run(c: Cpu) {
          yield c.store(pmdp, 0n, 'pmd_clear');
          yield c.free(pte, 'pte_free_kernel');
          k.ghost.recordFree(c.mem, pte, c.id, 'pte_free_kernel');
          yield c.alloc(FrameState.Pte, 'pte', 'pte_alloc_one_kernel');
          yield c.store(done, 1n);
        },
      },
    ]);
    const { o } = runTraced(prog);
    expect(o.violation?.kind).toBe('use-after-free');
    expect(o.violation?.message).toBe(
      'cpu0 A read pte[0] (ptep_get) in its program reused after cpu1 B in pte_free_kernel freed pte, a pte table; the pointer to it was read from pmd[0], which now holds 0x0',
    );
  });

  it('stale-translation: a pageattr write-back of a PTE that another CPU cleared meanwhile', () => {
    const { k, ptep } = tables();
    const prog = k.m.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield* set_memory_ro(c, k.w, k.pgdAddr, VA, 1);
        },
      },
      {
        name: 'B',
        *run(c: Cpu) {
          yield* writeEntry(c, k.w, ptep, 1, 0n, '__pte_clear');
          yield c.fence('flush_tlb_kernel_range');
        },
      },
    ]);
    const r = dpor(prog);
    expect(r.executions).toBe(3);
    expect([...r.violations]).toEqual([
      [
        'stale-translation: cpu0 A in pageattr_pte_entry writes back pte[0] = 0x60000090000483 from its read 0x60000090000403, but another CPU has since changed the entry to 0x0',
        1,
      ],
    ]);
  });

  it(`a lockless walk whose range is untouched is clean (${PAGE_SIZE} bytes)`, () => {
    const { k } = tables();
    const prog = k.m.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield* set_memory_ro(c, k.w, k.pgdAddr, VA, 1);
        },
      },
      {
        name: 'B',
        *run(c: Cpu) {
          yield* set_memory_ro(c, k.w, k.pgdAddr, VA + 0x200000n, 1);
        },
      },
    ]);
    expect(dpor(prog).violations.size).toBe(0);
  });
});
