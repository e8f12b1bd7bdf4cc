import { _PAGE_USER } from '../../src/arch/x86-64/entry.js';
import { X86_64_L4 } from '../../src/arch/x86-64/format.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { retract_page_tables } from '../../src/kernel/free/khugepaged.js';
import {
  type PteMapContext,
  pte_offset_map_double_fetch,
  pte_offset_map_lock,
  pte_offset_map_ro_nolock,
  pte_unmap,
  pte_unmap_unlock,
} from '../../src/kernel/pte-offset-map.js';
import { Rcu, rcu_read_lock, rcu_read_unlock } from '../../src/kernel/rcu.js';
import { readEntry } from '../../src/kernel/walk/access.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { defineModel } from '../../src/model/define.js';
import { X86Tables } from './lib/x86-kernel.js';

/**
 * pte-offset-map (x86-64). CPU A, in task A, maps the PTE table of a user address through
 * the pte_offset_map family (mm/pgtable-generic.c) and reads a PTE. CPU B is khugepaged
 * collapsing the range to a THP: retract_page_tables clears the pmd under pmd_lock and the PTE
 * lock (pmdp_collapse_flush) and frees the detached PTE table with pte_free_defer (RCU).
 *
 * - buggy: the reader checks one read of the pmd and maps the table from a second read (the
 *   pre-2023 pte_offset_map pattern); a collapse in between makes it map from a value it never
 *   checked (I8).
 * - buggy-no-recheck: one snapshot under RCU, but pte_offset_map_lock does not recheck pmd_same
 *   after taking the PTE lock: it returns a detached table, locked (I8).
 * - buggy-no-rcu: a pte_offset_map_ro_nolock reader reads a PTE while the collapse frees the
 *   table at once with pte_free instead of pte_free_defer: use-after-free.
 * - fixed: one snapshot, pmd_same recheck under the lock, RCU-deferred free: clean.
 *
 * Abstractions: one pmd and one PTE table; pmd_lock is mm->page_table_lock; the RCU callback
 * runs on the collapsing CPU after the grace period; TLB flushes are steps without effect.
 */
const VA = 0x7f0000200000n;

interface Setup {
  ctx: PteMapContext;
  pmdp: number;
  pml: number;
}

function build(reader: (c: Cpu, s: Setup) => Steps, rcuFree: boolean): Program {
  const x = new X86Tables(10, ['A', 'B']);
  const mmA = x.kb.task('A');
  const rcu = new Rcu(x.kb.m, 2);
  const ptl = x.kb.m.word('pte.ptl');
  // the user half of A's PGD: pgd -> pud -> pmd -> pte
  const pgd = mmA.bootPgdFrame;
  let parent = pgd;
  const frames: number[] = [];
  for (const [level, state, name] of [
    [4, FrameState.Pud, 'pud'],
    [3, FrameState.Pmd, 'pmd'],
    [2, FrameState.Pte, 'pte'],
  ] as const) {
    const f = x.kb.m.frame(state, name);
    x.ghost.nameFrame(f, name);
    x.set(parent, VA, level, X86_64_L4.mkTable(BigInt(f * 4096), level));
    frames.push(f);
    parent = f;
  }
  const [, pmdFrame, pteFrame] = frames;
  x.set(pteFrame, VA, 1, X86_64_L4.mkLeaf(0x123456000n, 1) | _PAGE_USER);
  x.kb.cpu(mmA);
  x.kb.cpu(x.k.initMm);
  const s: Setup = {
    ctx: { w: x.w, rcu, ptlOf: (f) => (f === pteFrame ? ptl : -1) },
    pmdp: x.entry(pmdFrame, VA, 2),
    pml: mmA.pageTableLock,
  };
  return x.kb.program([
    { name: 'A', run: (c: Cpu) => c.call('handle_pte_fault', reader(c, s)) },
    {
      name: 'B',
      run: (c: Cpu) =>
        c.call('collapse_pte_mapped_thp', retract_page_tables(c, s.ctx, { pml: s.pml }, s.pmdp, rcuFree)),
    },
  ]);
}

/** reads the PTE through a map that pte_offset_map*() returned */
function* ptep_get(c: Cpu, s: Setup, pte: number): Steps {
  yield* readEntry(c, s.ctx.w, pte, 1, 'ptep_get(pte)');
}

function* doubleFetch(c: Cpu, s: Setup): Steps {
  yield* rcu_read_lock(c, s.ctx.rcu);
  const m = yield* pte_offset_map_double_fetch(c, s.ctx, s.pmdp, VA);
  if (m) yield* ptep_get(c, s, m.pte);
  yield* rcu_read_unlock(c, s.ctx.rcu);
}

function locked(recheck: boolean): (c: Cpu, s: Setup) => Steps {
  return function* (c: Cpu, s: Setup): Steps {
    const m = yield* pte_offset_map_lock(c, s.ctx, s.pmdp, VA, recheck);
    if (!m) return;
    yield* ptep_get(c, s, m.pte);
    yield* pte_unmap_unlock(c, s.ctx, m);
  };
}

function* roNolock(c: Cpu, s: Setup): Steps {
  const r = yield* pte_offset_map_ro_nolock(c, s.ctx, s.pmdp, VA);
  if (!r) return;
  yield* ptep_get(c, s, r.m.pte);
  yield* pte_unmap(c, s.ctx);
}

function* fixedReader(c: Cpu, s: Setup): Steps {
  yield* roNolock(c, s);
  yield* locked(true)(c, s);
}

export default defineModel({
  name: 'pte-offset-map',
  summary: 'pte_offset_map readers against khugepaged retracting the PTE table (pmd -> none, pte_free_defer)',
  variants: {
    buggy: {
      summary: 'check one read of the pmd, map the table from a second read (double fetch)',
      expect: { violation: 'pte-offset-map' },
      strategy: 'dpor',
      commits: {
        fixed: ['0d940a9b270b ("mm/pgtable: allow pte_offset_map[_lock]() to fail")'],
      },
      build: () => build(doubleFetch, true),
    },
    'buggy-no-recheck': {
      summary: 'pte_offset_map_lock without the pmd_same recheck under the PTE lock',
      expect: { violation: 'pte-offset-map' },
      strategy: 'dpor',
      build: () => build(locked(false), true),
    },
    'buggy-no-rcu': {
      summary: 'the collapse frees the table with pte_free, not pte_free_defer; a nolock reader reads it',
      expect: { violation: 'use-after-free' },
      strategy: 'dpor',
      build: () => build(roNolock, false),
    },
    fixed: {
      summary: 'one snapshot (pmdp_get_lockless), pmd_same under the lock, pte_free_defer',
      expect: 'clean',
      strategy: 'dpor',
      commits: {
        fixed: ['0d940a9b270b ("mm/pgtable: allow pte_offset_map[_lock]() to fail")'],
      },
      build: () => build(fixedReader, true),
    },
  },
});
