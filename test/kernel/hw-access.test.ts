import { describe, expect, it } from 'vitest';
import { mkTableEntry, PAGE_KERNEL_LARGE, pfn_pte } from '../../src/arch/x86-64/entry.js';
import type { Cpu } from '../../src/engine/cpu.js';
import { Execution } from '../../src/engine/execution.js';
import { formatTrace, type TraceStep } from '../../src/engine/trace.js';
import { KernelBuilder } from '../../src/kernel/builder.js';
import { hw_access } from '../../src/kernel/hw-access.js';
import { frameAddr, frameToPfn } from '../../src/kernel/phys.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';

const VA = 0xffffe70000000034n;

function runOne(
  build: (kb: KernelBuilder) => (c: Cpu) => Generator<never, void, bigint> | ReturnType<typeof hw_access>,
) {
  const kb = new KernelBuilder({ levels: 4 });
  const run = build(kb);
  const prog = kb.program([{ name: 'B', run: run as never }]);
  const exec = new Execution(prog);
  const s = new DfsScheduler();
  s.startExecution();
  const trace: TraceStep[] = [];
  const o = exec.run(s, trace);
  return { o, trace };
}

describe('hw_access: the hardware walk of a kernel access', () => {
  it('faults on a none PGD slot that init_mm has, with the oops of the mail', () => {
    const { o, trace } = runOne((kb) => {
      const b = kb.task('B');
      kb.bootTables(VA, 'pud'); // after B's fork: init_mm has slot 462, B does not
      kb.cpu(b);
      return (c) => c.call('__init_single_page', hw_access(c, kb.k, VA, 'write', 4, 1n));
    });
    expect(o.violation?.kind).toBe('page-fault');
    expect(o.violation?.message).toBe(
      'kernel write to ffffe70000000034 through B.pgd: PGD slot 462 is none, init_mm has it',
    );
    expect(o.violation?.headline).toEqual([
      'BUG: unable to handle page fault for address: ffffe70000000034',
      '#PF: supervisor write access in kernel mode',
      '#PF: error_code(0x0002) - not-present page',
      'PGD 0 P4D 0',
      'Oops: 0002 [#1] SMP NOPTI',
    ]);
    expect(o.violation?.kernelStack).toEqual(['__init_single_page']);
    expect(formatTrace(trace)).toEqual([
      '  cpu0 B   __init_single_page walk   B.pgd[462] -> 0   <-- page-fault',
    ]);
  });

  it('faults at the PUD of a present slot and prints PGD 4002067 P4D 4002067 PUD 0 for a read', () => {
    const { o } = runOne((kb) => {
      kb.bootTables(VA, 'pud'); // frame 1 is init_mm.pgd, the boot PUD lands in frame 2
      const b = kb.task('B');
      kb.cpu(b);
      return (c) => c.call('reader', hw_access(c, kb.k, VA, 'read', 8));
    });
    expect(o.violation?.message).toBe(
      'kernel read to ffffe70000000034 through B.pgd: PUD entry 0 is none, init_mm has none either',
    );
    expect(o.violation?.headline).toEqual([
      'BUG: unable to handle page fault for address: ffffe70000000034',
      '#PF: supervisor read access in kernel mode',
      '#PF: error_code(0x0000) - not-present page',
      'PGD 4002067 P4D 4002067 PUD 0',
      'Oops: 0000 [#1] SMP NOPTI',
    ]);
  });

  it('writes through a 2 MiB leaf into the frame that backs it', () => {
    const kb = new KernelBuilder({ levels: 4 });
    kb.bootTables(VA, 'pmd');
    const b = kb.task('B');
    kb.cpu(b);
    const data = kb.m.frame(FrameState.Data, 'block');
    const mem = kb.m.memory;
    // find the boot PMD by following the boot entries
    const pgd = b.bootPgdFrame;
    const pud = Number((BigInt.asUintN(64, mem.load(frameAddr(pgd, 462))) >> 12n) - frameToPfn(0));
    const pmd = Number((BigInt.asUintN(64, mem.load(frameAddr(pud, 0))) >> 12n) - frameToPfn(0));
    mem.store(frameAddr(pmd, 0), pfn_pte(frameToPfn(data), PAGE_KERNEL_LARGE));
    expect(mem.load(frameAddr(pgd, 462))).toBe(mkTableEntry(frameToPfn(pud)));
    const prog = kb.program([
      { name: 'B', run: (c: Cpu) => c.call('writer', hw_access(c, kb.k, VA, 'write', 4, 1n)) },
    ]);
    const exec = new Execution(prog);
    const s = new DfsScheduler();
    s.startExecution();
    const o = exec.run(s);
    expect(o.violation).toBeNull();
    expect(mem.load32(frameAddr(data) + 0x34)).toBe(1);
  });

  it.each([
    [
      false,
      [
        'page-fault: kernel read to ffffe70000000034 through B.pgd: PTE entry 0 is none, init_mm has none either',
        'use-after-free: hardware walk of ffffe70000000034 by B read pte entry 0 from frame 4, which is free',
      ],
    ],
    [
      true,
      [
        'bad-entry: hardware walk of ffffe70000000034 by B read pte entry 0 from frame 4, which holds data, not a pte table',
        'page-fault: kernel read to ffffe70000000034 through B.pgd: PTE entry 0 is none, init_mm has none either',
        'use-after-free: hardware walk of ffffe70000000034 by B read pte entry 0 from frame 4, which is free',
        'use-after-free: hardware walk of ffffe70000000034 by B read pte entry 0 from frame 4, which was freed and reused since the walk read the pointer to it',
      ],
    ],
  ])('is a use-after-free when the PTE table it walks into was freed (reused: %s) under it', (reuse, found) => {
    const kb = new KernelBuilder({ levels: 4 });
    kb.bootTables(VA, 'pte');
    const a = kb.task('A');
    const b = kb.task('B');
    kb.cpu(a);
    kb.cpu(b);
    const mem = kb.m.memory;
    const follow = (frame: number, index: number) =>
      Number((BigInt.asUintN(64, mem.load(frameAddr(frame, index))) >> 12n) - frameToPfn(0)) & 0xfff;
    const pud = follow(b.bootPgdFrame, 462);
    const pmd = follow(pud, 0);
    const pte = follow(pmd, 0);
    expect(pte).toBe(4);
    const prog = kb.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield c.free(pte, 'free_pte_table');
          if (reuse) yield c.alloc(FrameState.Data, 'data');
        },
      },
      { name: 'B', run: (c: Cpu) => c.call('reader', hw_access(c, kb.k, VA, 'read', 8)) },
    ]);
    const exec = new Execution(prog);
    const s = new DfsScheduler();
    const kinds = new Set<string>();
    while (s.startExecution()) {
      const o = exec.run(s);
      s.endExecution();
      if (o.violation) kinds.add(`${o.violation.kind}: ${o.violation.message}`);
    }
    expect([...kinds].sort()).toEqual(found);
  });
});
