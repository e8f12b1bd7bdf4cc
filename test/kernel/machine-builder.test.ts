import { describe, expect, it } from 'vitest';
import { ARM64 } from '../../src/arch/arm64/arch.js';
import { x86_64Arch } from '../../src/arch/x86-64/arch.js';
import { X86_PAE_ARCH } from '../../src/arch/x86-pae/arch.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { FrameState } from '../../src/machine/frame-state.js';

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
    const kb = new KernelBuilder(x86_64Arch(4), { cpus: ['A', 'B'] });
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
    const kb = new KernelBuilder(ARM64, { cpus: ['A'] });
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
    const kb = new KernelBuilder(X86_PAE_ARCH, { cpus: ['A', 'B'] });
    const pmd = kb.table(0xc0000000n, 'pmd');
    const a = kb.task('A');
    const mem = kb.m.memory;
    expect(mem.state(pmd)).toBe(FrameState.Pmd);
    expect(mem.load(kb.pgdAddr + 3 * 8)).toBe(0x4002001n);
    expect(mem.load(a.bootPgdFrame * 4096 + 3 * 8)).toBe(0x4002001n);
    expect(kb.k.__va(0x3000)).toBe(0xc4003000n);
  });

  it('refuses a program whose CPUs are not the machine\u2019s', () => {
    const kb = new KernelBuilder(ARM64, { cpus: ['A', 'B'] });
    expect(() => kb.program([{ name: 'A', *run() {} }])).toThrow(
      "KernelBuilder: the machine's CPUs are A, B; the program's are A",
    );
    expect(() => kb.run('C', kb.k.initMm)).toThrow('KernelBuilder: no CPU named C (CPUs: A, B)');
  });
});
