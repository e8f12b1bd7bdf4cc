import { describe, expect, it } from 'vitest';
import { frameAddr } from '../../src/arch/phys.js';
import { pgd_index } from '../../src/arch/x86-64/paging.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import { Execution } from '../../src/engine/execution.js';
import { KernelBuilder } from '../../src/kernel/builder.js';
import {
  ghostPgdList,
  list_first,
  list_next,
  pgd_list_add,
  pgd_list_del,
} from '../../src/kernel/pgd-list.js';
import { switch_mm } from '../../src/kernel/sched.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';

function runAlone(prog: ReturnType<KernelBuilder['program']>) {
  const exec = new Execution(prog);
  const s = new DfsScheduler();
  s.startExecution();
  return exec.run(s);
}

describe('KernelBuilder', () => {
  it('lays out init_mm, tasks cloned from it at boot, and pgd_list with the newest task first', () => {
    const kb = new KernelBuilder({ levels: 4 });
    kb.bootTables(0xffffea0000000000n, 'pud');
    const a = kb.task('A');
    kb.task('B');
    kb.futureTask('C');
    kb.cpu(a);
    const k = kb.k;
    const mem = kb.m.memory;
    expect(k.mms.map((m) => m.name)).toEqual(['init_mm', 'A', 'B', 'C']);
    expect(mem.state(k.initMm.bootPgdFrame)).toBe(FrameState.Pgd);
    const slot = pgd_index(0xffffea0000000000n, 4);
    expect(slot).toBe(468);
    expect(mem.load(frameAddr(a.bootPgdFrame, slot))).toBe(mem.load(frameAddr(k.initMm.bootPgdFrame, slot)));
    expect(mem.load(frameAddr(a.bootPgdFrame, slot))).not.toBe(0n);
    expect(ghostPgdList(k, (x) => mem.load(x)).map((m) => m.name)).toEqual(['B', 'A']);
    expect(mem.load(k.cpus[0].cr3)).toBe(0x4000000n + BigInt(frameAddr(a.bootPgdFrame)));
    expect(mem.load(a.pgd)).toBe(BigInt.asIntN(64, 0xffff888004000000n + BigInt(frameAddr(a.bootPgdFrame))));
    expect(kb.m.symbols.addrName(frameAddr(a.bootPgdFrame, 468))).toBe('A.pgd[468]');
  });

  it('list_add, list_for_each and list_del keep pgd_list a well-formed list', () => {
    const kb = new KernelBuilder({ levels: 5 });
    const a = kb.task('A');
    const c = kb.futureTask('C');
    kb.cpu(a);
    const k = kb.k;
    const seen: string[][] = [];
    function* walk(cpu: Cpu): Steps<string[]> {
      const names: string[] = [];
      for (let mm = yield* list_first(cpu, k); mm; mm = yield* list_next(cpu, k, mm)) names.push(mm.name);
      return names;
    }
    const prog = kb.program([
      {
        name: 'A',
        *run(cpu: Cpu) {
          yield* pgd_list_add(cpu, k, c);
          seen.push(yield* walk(cpu));
          yield* pgd_list_del(cpu, k, a);
          seen.push(yield* walk(cpu));
          yield* switch_mm(cpu, k, c);
        },
      },
    ]);
    expect(runAlone(prog).violation).toBeNull();
    expect(seen).toEqual([['C', 'A'], ['C']]);
    expect(prog.memory.load(k.cpus[0].current)).toBe(BigInt(c.id + 1));
  });
});
