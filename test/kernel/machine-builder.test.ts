import { describe, expect, it } from 'vitest';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import { Execution } from '../../src/engine/execution.js';
import { arm64 } from '../../src/kernel/arm64/arch.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { switch_mm } from '../../src/kernel/sched.js';
import { x86_64, x86_pae } from '../../src/kernel/x86/arch.js';
import { list_first, list_next, pgd_list_add, pgd_list_del } from '../../src/kernel/x86/pgd-list.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';

/** the mms on pgd_list, head first, read from memory */
function pgdList(kb: KernelBuilder): string[] {
  const k = kb.k;
  const mem = kb.m.memory;
  const out: string[] = [];
  for (let p = k.__pa(mem.load(k.pgdListHead)); p !== k.pgdListHead; p = k.__pa(mem.load(p))) {
    out.push(k.mmOfLru(p)!.name);
  }
  return out;
}

describe('KernelBuilder: one builder for every architecture', () => {
  it('x86-64 4-level: init_mm at frame 1, tasks with the kernel half cloned, pgd_list newest first', () => {
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A', 'B'] });
    const pud = kb.table(0xffffea0000000000n, 'pud', { prefix: 'boot.' });
    const a = kb.task('A');
    kb.task('B');
    kb.futureTask('C');
    kb.run('A', a);
    const k = kb.k;
    const mem = kb.m.memory;
    expect([kb.pgdFrame, pud, a.bootPgdFrame]).toEqual([1, 2, 3]);
    expect(k.mms.map((m) => m.name)).toEqual(['init_mm', 'A', 'B', 'C']);
    expect(mem.state(pud)).toBe(FrameState.Pud);
    expect(mem.load(a.bootPgdFrame * 4096 + 468 * 8)).toBe(mem.load(kb.pgdAddr + 468 * 8));
    expect(mem.load(kb.pgdAddr + 468 * 8)).toBe(0x4002067n);
    expect(pgdList(kb)).toEqual(['B', 'A']);
    expect(mem.load(k.cpus[0].cr3)).toBe(0x4000000n + BigInt(a.bootPgdFrame * 4096));
    expect(mem.load(k.cpus[1].cr3)).toBe(0x4001000n);
    expect(mem.load(a.pgd)).toBe(BigInt.asIntN(64, 0xffff888004000000n + BigInt(a.bootPgdFrame * 4096)));
    expect(kb.m.symbols.addrName(kb.entry(a.bootPgdFrame, 0xffffea0000000000n, 4))).toBe('A.pgd[468]');
    expect(kb.m.symbols.frameName(pud)).toBe('boot.pud');
  });

  it('arm64: swapper_pg_dir, tables named by level, TTBR0 words; the kernel half is not copied', () => {
    const kb = new KernelBuilder(arm64(), { cpus: ['A'] });
    kb.map(0xffff800080000000n, 1, 0x90000000n, { names: { 1: 'pte0' } });
    const t = kb.task('T');
    const names = [2, 3, 4].map((f) => kb.m.symbols.frameName(f));
    expect([kb.m.symbols.frameName(1), ...names]).toEqual(['swapper_pg_dir', 'pud', 'pmd', 'pte0']);
    expect(kb.m.memory.load(kb.entry(kb.pgdFrame, 0xffff800080000000n, 4))).toBe(0x2003n);
    expect(kb.m.memory.load(t.bootPgdFrame * 4096 + 256 * 8)).toBe(0n);
    expect(pgdList(kb)).toEqual([]);
    expect(kb.m.symbols.addrName(kb.k.cpus[0].cr3)).toBe('cpu0.ttbr0');
  });

  it('x86 PAE: a PDPT whose kernel entry (3) tasks copy', () => {
    const kb = new KernelBuilder(x86_pae(), { cpus: ['A', 'B'] });
    const pmd = kb.table(0xc0000000n, 'pmd');
    const a = kb.task('A');
    const mem = kb.m.memory;
    expect(mem.state(pmd)).toBe(FrameState.Pmd);
    expect(mem.load(kb.pgdAddr + 3 * 8)).toBe(0x4002001n);
    expect(mem.load(a.bootPgdFrame * 4096 + 3 * 8)).toBe(0x4002001n);
    expect(kb.k.__va(0x3000)).toBe(0xc4003000n);
  });

  it('refuses a program whose CPUs are not the machine\u2019s', () => {
    const kb = new KernelBuilder(arm64(), { cpus: ['A', 'B'] });
    expect(() => kb.program([{ name: 'A', *run() {} }])).toThrow(
      "KernelBuilder: the machine's CPUs are A, B; the program's are A",
    );
    expect(() => kb.run('C', kb.k.initMm)).toThrow('KernelBuilder: no CPU named C (CPUs: A, B)');
  });

  it('list_add, list_for_each and list_del keep pgd_list a well-formed list', () => {
    const kb = new KernelBuilder(x86_64({ levels: 5 }), { cpus: ['A'] });
    const a = kb.task('A');
    const c = kb.futureTask('C');
    kb.run('A', a);
    const k = kb.k;
    const seen: string[][] = [];
    function* walk(cpu: Cpu): Steps<string[]> {
      const names: string[] = [];
      for (let mm = yield* list_first(cpu, k); mm; mm = yield* list_next(cpu, k, mm)) names.push(mm.name);
      return names;
    }
    const prog = kb.program(
      [
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
      ],
      [], // the list alone: C joins without a clone, which the pgd-join oracle would report
    );
    const s = new DfsScheduler();
    s.startExecution();
    expect(new Execution(prog).run(s).violation).toBeNull();
    expect(seen).toEqual([['C', 'A'], ['C']]);
    expect(prog.memory.load(k.cpus[0].current)).toBe(BigInt(c.id + 1));
  });
});
