import { describe, expect, it } from 'vitest';
import { _PAGE_PSE } from '../../src/arch/x86-64/entry.js';
import { X86_64_L4 } from '../../src/arch/x86-64/format.js';
import type { Cpu } from '../../src/engine/cpu.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { __pte_offset_map, nomapReason, pmd_bad } from '../../src/kernel/pte-offset-map.js';
import { x86_64 } from '../../src/kernel/x86/arch.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { runTraced } from './walk/solo.js';

const TABLE = X86_64_L4.mkTable(0x5000n, 2);

describe('pte_offset_map family (mm/pgtable-generic.c)', () => {
  it('NULL exactly for none, not present, huge and bad snapshots (I8)', () => {
    const w = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A'] }).k;
    expect(nomapReason(w, 0n)).toBe('none');
    expect(nomapReason(w, TABLE & ~1n)).toBe('not present');
    expect(nomapReason(w, TABLE | _PAGE_PSE)).toBe('huge');
    expect(nomapReason(w, (TABLE & ~2n) | 0n)).toBe('bad');
    expect(nomapReason(w, TABLE)).toBeNull();
    expect(pmd_bad(TABLE)).toBe(false);
  });

  function setup(pmdval: bigint) {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A'], frames: 6 });
    const pmd = kb.frame(FrameState.Pmd, 'pmd');
    const pte = kb.frame(FrameState.Pte, 'pte');
    const pmdp = pmd * 4096;
    kb.m.memory.store(pmdp, pmdval === TABLE ? X86_64_L4.mkTable(BigInt(pte * 4096), 2) : pmdval);
    const k = kb.k;
    let got: unknown = 'unset';
    const prog = kb.program([
      {
        name: 'A',
        *run(c: Cpu) {
          const m = yield* __pte_offset_map(c, k, pmdp, 0x1000n);
          got = m && { pte: m.pte - pte * 4096, table: m.table === pte };
        },
      },
    ]);
    return { prog, pmdp, get: () => got };
  }

  it('__pte_offset_map maps the table of one snapshot, inside rcu_read_lock', () => {
    const s = setup(TABLE);
    const { lines } = runTraced(s.prog);
    expect(s.get()).toEqual({ pte: 8, table: true });
    expect(lines).toEqual([
      '0 __pte_offset_map rcu_read_lock rcu.reader[cpu0] = 1',
      '0 __pte_offset_map pmdp_get_lockless(pmd) pmd[0] -> 0x0000000004003067',
    ]);
  });

  it('a bad pmd is cleared and NULL returned, after rcu_read_unlock', () => {
    const bad = 0x4005065n; // RW clear: pmd_bad
    const s = setup(bad);
    const { lines, prog } = { ...runTraced(s.prog), prog: s.prog };
    expect(s.get()).toBeNull();
    expect(lines.slice(1)).toEqual([
      '0 __pte_offset_map pmdp_get_lockless(pmd) pmd[0] -> 0x0000000004005065',
      '0 __pte_offset_map pmd_clear_bad pmd[0] = 0',
      '0 __pte_offset_map rcu_read_unlock rcu.reader[cpu0] = 2',
    ]);
    expect(prog.memory.load(s.pmdp)).toBe(0n);
  });
});
