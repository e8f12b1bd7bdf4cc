import { describe, expect, it } from 'vitest';
import type { Cpu } from '../../../src/engine/cpu.js';
import { writeEntry } from '../../../src/kernel/access.js';
import { arm64 } from '../../../src/kernel/arm64/arch.js';
import { hardware_walk } from '../../../src/kernel/hw-access.js';
import { KernelBuilder } from '../../../src/kernel/machine-builder.js';
import { free_pgtable_page } from '../../../src/kernel/pgalloc.js';
import { __flush_tlb_kernel_pgtable } from '../../../src/kernel/tlb.js';
import { dpor, runTraced } from './solo.js';

const VA = 0xffff800080001234n;

/** CPU A's MMU translates VA; CPU B frees its PTE table: clear the pmd, maybe flush, free. */
function program(flush: boolean) {
  const k = new KernelBuilder(arm64(), { cpus: ['A', 'B'], frames: 8 });
  k.map(VA & ~0xfffn, 1, 0x90000000n);
  const pte = k.table(VA, 1);
  const pmdp = k.entry(k.table(VA, 2), VA, 2);
  return k.program([
    {
      name: 'A',
      *run(c: Cpu) {
        yield* c.call('load', hardware_walk(c, k.k, k.pgdAddr, VA));
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        c.enter('pmd_free_pte_page');
        yield* writeEntry(c, k.k, pmdp, 2, 0n, 'pmd_clear');
        if (flush) yield* __flush_tlb_kernel_pgtable(c, k.k, VA);
        yield* free_pgtable_page(c, k.k, pte, 'pte_free_kernel');
        c.leave();
      },
    },
  ]);
}

describe('hardware walks', () => {
  it('translate a page through four levels', () => {
    const k = new KernelBuilder(arm64(), { cpus: ['A'], frames: 8 });
    k.map(VA & ~0xfffn, 1, 0x90000000n);
    let got: unknown = null;
    const prog = k.program([
      {
        name: 'A',
        *run(c: Cpu) {
          got = yield* hardware_walk(c, k.k, k.pgdAddr, VA);
        },
      },
    ]);
    const { trace } = runTraced(prog);
    expect(got).toMatchObject({ pa: 0x90000234n, level: 1 });
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
