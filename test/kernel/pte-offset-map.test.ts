import { describe, expect, it } from 'vitest';
import { X86Tables } from '../../models/lockless/lib/x86-kernel.js';
import { _PAGE_PSE } from '../../src/arch/x86-64/entry.js';
import { X86_64_L4 } from '../../src/arch/x86-64/format.js';
import type { Cpu } from '../../src/engine/cpu.js';
import {
  __pte_offset_map,
  nomapReason,
  type PteMapContext,
  pmd_bad,
} from '../../src/kernel/pte-offset-map.js';
import { Rcu } from '../../src/kernel/rcu.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { runTraced } from './walk/solo.js';

const TABLE = X86_64_L4.mkTable(0x5000n, 2);

describe('pte_offset_map family (mm/pgtable-generic.c)', () => {
  it('NULL exactly for none, not present, huge and bad snapshots (I8)', () => {
    const w = { fmt: X86_64_L4, ghost: null as never };
    expect(nomapReason(w, 0n)).toBe('none');
    expect(nomapReason(w, TABLE & ~1n)).toBe('not present');
    expect(nomapReason(w, TABLE | _PAGE_PSE)).toBe('huge');
    expect(nomapReason(w, (TABLE & ~2n) | 0n)).toBe('bad');
    expect(nomapReason(w, TABLE)).toBeNull();
    expect(pmd_bad(TABLE)).toBe(false);
  });

  function setup(pmdval: bigint) {
    const x = new X86Tables(6, ['A']);
    const rcu = new Rcu(x.kb.m, 1);
    const pmd = x.kb.m.frame(FrameState.Pmd, 'pmd');
    const pte = x.kb.m.frame(FrameState.Pte, 'pte');
    x.ghost.nameFrame(pmd, 'pmd');
    x.ghost.nameFrame(pte, 'pte');
    const pmdp = x.kb.m.frameAddr(pmd, 0);
    x.kb.m.memory.store(pmdp, pmdval === TABLE ? X86_64_L4.mkTable(BigInt(pte * 4096), 2) : pmdval);
    x.kb.cpu(x.k.initMm);
    const ctx: PteMapContext = { w: x.w, rcu, ptlOf: () => -1 };
    let got: unknown = 'unset';
    const prog = x.kb.program([
      {
        name: 'A',
        *run(c: Cpu) {
          const m = yield* __pte_offset_map(c, ctx, pmdp, 0x1000n);
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
