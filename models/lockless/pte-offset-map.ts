import { _PAGE_USER } from '../../src/arch/x86-64/entry.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { readEntry } from '../../src/kernel/access.js';
import { retract_page_tables } from '../../src/kernel/khugepaged.js';
import type { KernelMachine, MmInfo } from '../../src/kernel/machine.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import {
  pte_offset_map_double_fetch,
  pte_offset_map_lock,
  pte_offset_map_ro_nolock,
  pte_unmap,
  pte_unmap_unlock,
} from '../../src/kernel/pte-offset-map.js';
import { rcu_read_lock, rcu_read_unlock } from '../../src/kernel/rcu.js';
import { x86_64 } from '../../src/kernel/x86/arch.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { defineModel } from '../../src/model/define.js';
import { WALKER_NAMES } from './lib/walkers.js';

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
 * Abstractions: one pmd and one PTE table, read by `walkers` CPUs in task A (one by default); pmd_lock is mm->page_table_lock; the RCU callback
 * runs on the collapsing CPU after the grace period; TLB flushes are steps without effect.
 */
const VA = 0x7f0000200000n;

interface Setup {
  k: KernelMachine;
  pmdp: number;
  mm: MmInfo;
}

function build(reader: (c: Cpu, s: Setup) => Steps, rcuFree: boolean, walkers: number): Program {
  const names = WALKER_NAMES.slice(0, walkers);
  const kb = new KernelBuilder(x86_64({ levels: 4 }), {
    cpus: [names[0], 'B', ...names.slice(1)],
    frames: 10,
  });
  const mmA = kb.task('A');
  // the user half of A's PGD: pgd -> pud -> pmd -> pte
  let parent = mmA.bootPgdFrame;
  const frames: number[] = [];
  for (const [level, state, name] of [
    [4, FrameState.Pud, 'pud'],
    [3, FrameState.Pmd, 'pmd'],
    [2, FrameState.Pte, 'pte'],
  ] as const) {
    const f = kb.frame(state, name);
    kb.set(parent, VA, level, kb.arch.fmt.mkTable(BigInt(f * 4096), level));
    frames.push(f);
    parent = f;
  }
  const [, pmdFrame, pteFrame] = frames;
  kb.set(pteFrame, VA, 1, kb.arch.fmt.mkLeaf(0x123456000n, 1) | _PAGE_USER);
  kb.ptl(pteFrame);
  for (const name of names) kb.run(name, mmA);
  const s: Setup = { k: kb.k, pmdp: kb.entry(pmdFrame, VA, 2), mm: mmA };
  const walker = (name: string) => ({ name, run: (c: Cpu) => c.call('handle_pte_fault', reader(c, s)) });
  return kb.program([
    walker(names[0]),
    {
      name: 'B',
      run: (c: Cpu) => c.call('collapse_pte_mapped_thp', retract_page_tables(c, s.k, s.mm, s.pmdp, rcuFree)),
    },
    ...names.slice(1).map(walker),
  ]);
}

/** reads the PTE through a map that pte_offset_map*() returned */
function* ptep_get(c: Cpu, s: Setup, pte: number): Steps {
  yield* readEntry(c, s.k, pte, 1, 'ptep_get(pte)');
}

function* doubleFetch(c: Cpu, s: Setup): Steps {
  yield* rcu_read_lock(c, s.k);
  const m = yield* pte_offset_map_double_fetch(c, s.k, s.pmdp, VA);
  if (m) yield* ptep_get(c, s, m.pte);
  yield* rcu_read_unlock(c, s.k);
}

function locked(recheck: boolean): (c: Cpu, s: Setup) => Steps {
  return function* (c: Cpu, s: Setup): Steps {
    const m = yield* pte_offset_map_lock(c, s.k, s.pmdp, VA, recheck);
    if (!m) return;
    yield* ptep_get(c, s, m.pte);
    yield* pte_unmap_unlock(c, s.k, m);
  };
}

function* roNolock(c: Cpu, s: Setup): Steps {
  const r = yield* pte_offset_map_ro_nolock(c, s.k, s.pmdp, VA);
  if (!r) return;
  yield* ptep_get(c, s, r.m.pte);
  yield* pte_unmap(c, s.k);
}

function* fixedReader(c: Cpu, s: Setup): Steps {
  yield* roNolock(c, s);
  yield* locked(true)(c, s);
}

export default defineModel({
  name: 'pte-offset-map',
  summary: 'pte_offset_map readers against khugepaged retracting the PTE table (pmd -> none, pte_free_defer)',
  params: { walkers: { default: 1, min: 1, max: 3, summary: 'CPUs in task A that map and read the PTE' } },
  variants: {
    buggy: {
      summary: 'check one read of the pmd, map the table from a second read (double fetch)',
      expect: { violation: 'pte-offset-map' },
      strategy: 'dpor',
      commits: {
        fixed: ['0d940a9b270b ("mm/pgtable: allow pte_offset_map[_lock]() to fail")'],
      },
      build: ({ walkers }) => build(doubleFetch, true, walkers),
    },
    'buggy-no-recheck': {
      summary: 'pte_offset_map_lock without the pmd_same recheck under the PTE lock',
      expect: { violation: 'pte-offset-map' },
      strategy: 'dpor',
      build: ({ walkers }) => build(locked(false), true, walkers),
    },
    'buggy-no-rcu': {
      summary: 'the collapse frees the table with pte_free, not pte_free_defer; a nolock reader reads it',
      expect: { violation: 'use-after-free' },
      strategy: 'dpor',
      build: ({ walkers }) => build(roNolock, false, walkers),
    },
    fixed: {
      summary: 'one snapshot (pmdp_get_lockless), pmd_same under the lock, pte_free_defer',
      expect: 'clean',
      strategy: 'dpor',
      commits: {
        fixed: ['0d940a9b270b ("mm/pgtable: allow pte_offset_map[_lock]() to fail")'],
      },
      build: ({ walkers }) => build(fixedReader, true, walkers),
    },
  },
});
