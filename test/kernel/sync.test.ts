import { describe, expect, it } from 'vitest';
import { frameAddr, frameToPfn } from '../../src/arch/phys.js';
import { mkTableEntry } from '../../src/arch/x86-64/entry.js';
import type { Cpu } from '../../src/engine/cpu.js';
import { Execution } from '../../src/engine/execution.js';
import type { Oracle } from '../../src/engine/program.js';
import { formatTrace, type TraceStep } from '../../src/engine/trace.js';
import type { KernelBugs } from '../../src/kernel/machine.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { x86_64 } from '../../src/kernel/x86/arch.js';
import { ghostPgdList } from '../../src/kernel/x86/pgd-list.js';
import { pgd_alloc, pgd_free } from '../../src/kernel/x86/pgtable.js';
import { sync_global_pgds } from '../../src/kernel/x86/sync.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';
import { OptimalDporScheduler } from '../../src/scheduler/optimal-dpor.js';

const FRESH_L4 = 0xffffe70000000000n;
const FRESH_L5 = 0xffd5000000000000n;

/** a kernel with tasks A and B forked at boot and one CPU, whose init_mm then gains slot of `va` */
function machine(levels: 4 | 5, va: bigint, bugs: KernelBugs = {}) {
  const kb = new KernelBuilder(x86_64({ levels }), { cpus: ['A'], frames: 12, bugs });
  const a = kb.task('A');
  const b = kb.task('B');
  kb.table(va, levels === 5 ? 'p4d' : 'pud', { prefix: 'boot.' }); // after the forks: only init_mm has the slot
  kb.run('A', a);
  return { kb, a, b, k: kb.k };
}

function runOnce(prog: ReturnType<KernelBuilder['program']>) {
  const exec = new Execution(prog);
  const s = new DfsScheduler();
  s.startExecution();
  const trace: TraceStep[] = [];
  const o = exec.run(s, trace);
  return { o, trace };
}

describe('sync_global_pgds (arch/x86/mm/init_64.c)', () => {
  it('4-level: copies init_mm slot 462 into every PGD on pgd_list, under pgd_lock and each page_table_lock', () => {
    const { kb, a, b, k } = machine(4, FRESH_L4);
    const prog = kb.program([
      { name: 'A', run: (c: Cpu) => c.call('sync', sync_global_pgds(c, k, FRESH_L4, FRESH_L4)) },
    ]);
    const { o, trace } = runOnce(prog);
    expect(o.violation).toBeNull();
    const mem = prog.memory;
    const ref = mem.load(frameAddr(k.initMm.bootPgdFrame, 462));
    expect(ref).toBe(mkTableEntry(frameToPfn(4)));
    expect(mem.load(frameAddr(a.bootPgdFrame, 462))).toBe(ref);
    expect(mem.load(frameAddr(b.bootPgdFrame, 462))).toBe(ref);
    expect(formatTrace(trace)).toEqual([
      '  cpu0 A   sync_global_pgds_l4 p4d_none init_mm.pgd[462] -> 0x0000000004004067',
      '  cpu0 A   sync_global_pgds_l4 spin_lock pgd_lock',
      '  cpu0 A   sync_global_pgds_l4 list_for_each pgd_list.next -> 0xffff888004000238',
      '  cpu0 A   sync_global_pgds_l4 pgd_page_get_mm B.pgd_page.pt_mm -> 0xffff888004000220',
      '  cpu0 A   sync_global_pgds_l4 spin_lock B.page_table_lock',
      '  cpu0 A   sync_global_pgds_l4 p4d_none init_mm.pgd[462] -> 0x0000000004004067',
      '  cpu0 A   sync_global_pgds_l4 p4d_none B.pgd[462] -> 0',
      '  cpu0 A   sync_global_pgds_l4 set_p4d B.pgd[462] = 0x0000000004004067',
      '  cpu0 A   sync_global_pgds_l4 spin_unlock B.page_table_lock',
      '  cpu0 A   sync_global_pgds_l4 list_for_each B.pgd_page.lru.next -> 0xffff888004000200',
      '  cpu0 A   sync_global_pgds_l4 pgd_page_get_mm A.pgd_page.pt_mm -> 0xffff8880040001e8',
      '  cpu0 A   sync_global_pgds_l4 spin_lock A.page_table_lock',
      '  cpu0 A   sync_global_pgds_l4 p4d_none init_mm.pgd[462] -> 0x0000000004004067',
      '  cpu0 A   sync_global_pgds_l4 p4d_none A.pgd[462] -> 0',
      '  cpu0 A   sync_global_pgds_l4 set_p4d A.pgd[462] = 0x0000000004004067',
      '  cpu0 A   sync_global_pgds_l4 spin_unlock A.page_table_lock',
      '  cpu0 A   sync_global_pgds_l4 list_for_each A.pgd_page.lru.next -> 0xffff888004000000',
      '  cpu0 A   sync_global_pgds_l4 spin_unlock pgd_lock',
    ]);
  });

  it('5-level: syncs PGD slot 469 with set_pgd', () => {
    const { kb, b, k } = machine(5, FRESH_L5);
    const prog = kb.program([{ name: 'A', run: (c: Cpu) => sync_global_pgds(c, k, FRESH_L5, FRESH_L5) }]);
    const { o, trace } = runOnce(prog);
    expect(o.violation).toBeNull();
    expect(prog.memory.load(frameAddr(b.bootPgdFrame, 469))).toBe(mkTableEntry(frameToPfn(4)));
    expect(trace.filter((s) => s.op === 'set_pgd').map((s) => s.addr)).toEqual(['B.pgd[469]', 'A.pgd[469]']);
  });

  it('skips a slot init_mm does not have, without taking pgd_lock', () => {
    const { kb, k } = machine(4, FRESH_L4);
    const other = 0xffffe80000000000n; // slot 464: none everywhere
    const prog = kb.program([{ name: 'A', run: (c: Cpu) => sync_global_pgds(c, k, other, other) }], []);
    const { o, trace } = runOnce(prog);
    expect(o.violation).toBeNull();
    expect(formatTrace(trace)).toEqual(['  cpu0 A   sync_global_pgds_l4 p4d_none init_mm.pgd[464] -> 0']);
  });

  it('BUG()s when a task entry points to another table than init_mm (the sync BUG_ON)', () => {
    const { kb, b, k } = machine(4, FRESH_L4);
    kb.m.memory.store(frameAddr(b.bootPgdFrame, 462), mkTableEntry(frameToPfn(9)));
    const prog = kb.program([{ name: 'A', run: (c: Cpu) => sync_global_pgds(c, k, FRESH_L4, FRESH_L4) }], []);
    const { o } = runOnce(prog);
    expect(o.violation?.kind).toBe('kernel-bug');
    expect(o.violation?.message).toBe(
      'sync_global_pgds_l4: B.pgd[462] = 0x0000000004009067 points to another table than init_mm.pgd[462] = 0x0000000004004067',
    );
    expect(o.violation?.headline).toEqual([
      'kernel BUG at arch/x86/mm/init_64.c!',
      'Oops: invalid opcode: 0000 [#1] SMP NOPTI',
    ]);
  });

  it('without pgd_lock (mutant) the walk races with list_add only: 2 classes, both clean when the slot predates the fork', () => {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), {
      cpus: ['A', 'B'],
      frames: 12,
      bugs: { syncWithoutLock: true },
    });
    const a = kb.task('A');
    const b = kb.task('B');
    const child = kb.futureTask('C');
    kb.table(FRESH_L4, 'pud', { prefix: 'boot.' });
    kb.run('A', a);
    kb.run('B', b);
    const k = kb.k;
    // the slot is in init_mm before either CPU starts, so C's clone has it whatever the order;
    // the unlocked walk reads pgd_list.next before or after C is linked: two classes under DPOR
    const prog = kb.program([
      { name: 'A', run: (c: Cpu) => sync_global_pgds(c, k, FRESH_L4, FRESH_L4) },
      { name: 'B', run: (c: Cpu) => pgd_alloc(c, k, child) },
    ]);
    const exec = new Execution(prog);
    const s = new OptimalDporScheduler();
    let executions = 0;
    while (s.startExecution()) {
      const o = exec.run(s);
      s.endExecution();
      if (o.pruned) continue;
      executions++;
      expect(o.violation).toBeNull();
    }
    expect(executions).toBe(2);
  });
});

describe('kernel oracles', () => {
  function single(
    build: (
      kb: KernelBuilder,
    ) => (c: Cpu) => Generator<never, void, bigint> | ReturnType<typeof sync_global_pgds>,
    oracles: (kb: KernelBuilder) => Oracle[],
  ) {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A'], frames: 12 });
    const a = kb.task('A');
    kb.run('A', a);
    const run = build(kb);
    return runOnce(kb.program([{ name: 'A', run: run as never }], oracles(kb))).o.violation;
  }

  it('I3: a task slot that differs from init_mm is pgd-mismatch', () => {
    const v = single(
      (kb) =>
        function* (c: Cpu) {
          yield c.store(frameAddr(kb.k.mm('A').bootPgdFrame, 470), mkTableEntry(frameToPfn(3)), 'set_p4d');
        },
      (kb) => kb.k.oracles(),
    );
    expect([v?.kind, v?.message]).toEqual([
      'pgd-mismatch',
      'A.pgd[470] = 0x0000000004003067 but init_mm.pgd[470] = 0x0000000000000000',
    ]);
  });

  it('I7: a PUD-level entry pointing to a PGD frame is bad-entry (the P4D is folded in 4-level paging)', () => {
    const v = single(
      (kb) =>
        function* (c: Cpu) {
          const init = kb.k.initMm.bootPgdFrame;
          yield c.store(frameAddr(init, 470), mkTableEntry(frameToPfn(kb.k.mm('A').bootPgdFrame)), 'set_p4d');
        },
      (kb) => kb.k.oracles(),
    );
    expect([v?.kind, v?.message]).toEqual([
      'bad-entry',
      'pgd table entry 470 = 0x4002067 points to a pgd table, expected a pud table',
    ]);
  });

  it('I9: taking pgd_lock under a page_table_lock is lock-order', () => {
    const v = single(
      (kb) =>
        function* (c: Cpu) {
          c.enter('bad');
          yield c.lock(kb.k.mm('A').pageTableLock, 'spin_lock');
          yield c.lock(kb.k.pgdLock, 'spin_lock');
          c.leave();
        },
      (kb) => kb.k.oracles(),
    );
    expect([v?.kind, v?.message]).toEqual([
      'lock-order',
      'A takes pgd_lock while holding a page_table_lock (order: mem_hotplug_lock -> mmap_lock -> pgd_lock -> page_table_lock)',
    ]);
  });

  it('I4: linking a PGD on pgd_list before pgd_ctor cloned the kernel half is incomplete-clone', () => {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A'], frames: 12 });
    const a = kb.task('A');
    const child = kb.futureTask('C');
    kb.run('A', a);
    const k = kb.k;
    const prog = kb.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield c.store(child.pgd, k.__va(frameAddr(9)), 'mm->pgd');
          yield c.store(child.lruNext, k.__va(a.lruNext), 'list_add');
          yield c.store(k.pgdListHead, k.__va(child.lruNext), 'list_add');
        },
      },
    ]);
    const v = runOnce(prog).o.violation;
    expect([v?.kind, v?.message]).toEqual([
      'incomplete-clone',
      'C.pgd joined pgd_list before pgd_ctor finished cloning the kernel half',
    ]);
  });
});

describe('pgd_free (arch/x86/mm/pgtable.c)', () => {
  it('unlinks the PGD under pgd_lock, poisons lru and frees the page; a later read of it is use-after-free', () => {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A'], frames: 12 });
    const a = kb.task('A');
    const b = kb.task('B');
    kb.run('A', a);
    const k = kb.k;
    const prog = kb.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield* c.call('mmdrop', pgd_free(c, k, b));
          yield c.load(frameAddr(b.bootPgdFrame, 462), 'p4d_none');
        },
      },
    ]);
    const { o, trace } = runOnce(prog);
    expect([o.violation?.kind, o.violation?.message]).toEqual([
      'use-after-free',
      'cpu0 A read B.pgd[462] in its program after cpu0 A in _pgd_free freed B.pgd',
    ]);
    expect(formatTrace(trace)).toEqual([
      '  cpu0 A   pgd_dtor     spin_lock pgd_lock',
      '  cpu0 A   pgd_list_del list_del B.pgd_page.lru.next -> 0xffff888004000200',
      '  cpu0 A   pgd_list_del list_del B.pgd_page.lru.prev -> 0xffff888004000000',
      '  cpu0 A   pgd_list_del list_del A.pgd_page.lru.prev = 0xffff888004000000',
      '  cpu0 A   pgd_list_del list_del pgd_list.next = 0xffff888004000200',
      '  cpu0 A   pgd_list_del list_del B.pgd_page.lru.next = 0xdead000000000100',
      '  cpu0 A   pgd_list_del list_del B.pgd_page.lru.prev = 0xdead000000000122',
      '  cpu0 A   pgd_dtor     spin_unlock pgd_lock',
      '  cpu0 A   mmdrop       mm->pgd B.pgd -> 0xffff888004003000',
      '  cpu0 A   mmdrop       _pgd_free B.pgd',
      '  cpu0 A                p4d_none B.pgd[462] -> 0x6b6b6b6b6b6b6b6b   <-- use-after-free',
    ]);
    expect(ghostPgdList(k, (x) => prog.memory.load(x)).map((m) => m.name)).toEqual(['A']);
  });
});
