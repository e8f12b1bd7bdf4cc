import { describe, expect, it } from 'vitest';
import { KernelTables } from '../../../models/lockless/lib/arm64-kernel.js';
import type { Cpu } from '../../../src/engine/cpu.js';
import { flush_tlb_kernel_range, free_pgtable_page } from '../../../src/kernel/free/free-table.js';
import { writeEntry } from '../../../src/kernel/walk/access.js';
import { hardware_walk } from '../../../src/kernel/walk/hw-walk.js';
import { dpor, runTraced } from './solo.js';

const VA = 0xffff800080001234n;

/** CPU A's MMU translates VA; CPU B frees its PTE table: clear the pmd, maybe flush, free. */
function program(flush: boolean) {
  const k = new KernelTables(8, ['A', 'B']);
  k.map(VA & ~0xfffn, 1, 0x90000000n);
  const pte = k.table(VA, 1);
  const pmdp = k.entry(k.table(VA, 2), VA, 2);
  return k.m.program([
    {
      name: 'A',
      *run(c: Cpu) {
        yield* c.call('load', hardware_walk(c, k.w, k.pgdAddr, VA));
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        c.enter('pmd_free_pte_page');
        yield* writeEntry(c, k.w, pmdp, 2, 0n, 'pmd_clear');
        if (flush) yield* flush_tlb_kernel_range(c, k.w, '__flush_tlb_kernel_pgtable');
        yield* free_pgtable_page(c, k.w, pte, 'pte_free_kernel');
        c.leave();
      },
    },
  ]);
}

describe('hardware walks', () => {
  it('translate a page through four levels', () => {
    const k = new KernelTables(8, ['A']);
    k.map(VA & ~0xfffn, 1, 0x90000000n);
    let got: unknown = null;
    const prog = k.m.program([
      {
        name: 'A',
        *run(c: Cpu) {
          got = yield* hardware_walk(c, k.w, k.pgdAddr, VA);
        },
      },
    ]);
    const { trace } = runTraced(prog);
    expect(got).toEqual({ pa: 0x90000234n, level: 1 });
    expect(trace.map((s) => `${s.op} ${s.addr}`)).toEqual([
      'hw walk begins hw_walk_in_flight[A]',
      'hw walk pgd swapper_pg_dir[256]',
      'hw walk pud pud[2]',
      'hw walk pmd pmd[0]',
      'hw walk pte pte[1]',
      'hw walk ends hw_walk_in_flight[A]',
    ]);
  });

  it('clear, then free without a flush: the walk in flight reads the freed PTE table', () => {
    const r = dpor(program(false));
    expect([...r.violations.keys()]).toEqual([
      'use-after-free: cpu0 A read pte[1] (hw walk pte) in load after cpu1 B in pmd_free_pte_page freed pte, a pte table; the pointer to it was read from pmd[0], which now holds 0x0',
    ]);
  });

  it('clear, flush, free: the flush waits for the walk in flight, so it is clean', () => {
    const r = dpor(program(true));
    expect(r.violations.size).toBe(0);
    expect(r.executions).toBe(3);
  });
});
