import { describe, expect, it } from 'vitest';
import type { Cpu, Steps } from '../../../src/engine/cpu.js';
import { Execution } from '../../../src/engine/execution.js';
import type { Program } from '../../../src/engine/program.js';
import type { Scheduler } from '../../../src/engine/scheduling.js';
import type { TraceStep } from '../../../src/engine/trace.js';
import { writeEntry } from '../../../src/kernel/access.js';
import { arm64 } from '../../../src/kernel/arm64/arch.js';
import { hardware_walk } from '../../../src/kernel/hw-access.js';
import type { KernelArch } from '../../../src/kernel/kernel-arch.js';
import type { KernelMachine } from '../../../src/kernel/machine.js';
import { KernelBuilder } from '../../../src/kernel/machine-builder.js';
import {
  __flush_tlb_kernel_pgtable,
  flush_tlb_all,
  flush_tlb_kernel_range,
  invlpg,
  tlbLines,
} from '../../../src/kernel/tlb.js';
import { x86_64 } from '../../../src/kernel/x86/arch.js';

const ARCHES = {
  'x86-64': { arch: () => x86_64(), va: 0xffff888000201000n },
  arm64: { arch: () => arm64(), va: 0xffff800080001000n },
} as const;

/** `scripted` runs the lowest enabled CPU at every step and answers data choices from `values` (then 0). */
function scripted(values: number[]): Scheduler {
  let runs = 0;
  return {
    exhausted: false,
    startExecution: () => runs++ === 0,
    pickCpu: (enabled) => enabled.first(),
    pickValue: () => values.shift() ?? 0,
    endExecution: () => {},
  };
}

interface Setup {
  k: KernelMachine;
  b: KernelBuilder;
  va: bigint;
  ptep1: number;
}

/** a machine mapping two pages at `va` and `va + 4 KiB` (one PTE table), CPUs A and B */
function setup(name: keyof typeof ARCHES): Setup {
  const { arch, va } = ARCHES[name];
  const b = new KernelBuilder(arch() as KernelArch, { cpus: ['A', 'B'], frames: 12 });
  b.map(va, 1, 0x90000000n);
  b.map(va + 0x1000n, 1, 0x90001000n);
  const ptep1 = b.entry(b.table(va, 1), va, 1);
  return { k: b.k, b, va, ptep1 };
}

/** runs A's `body` (then B's) once with the scripted choices; returns the trace lines and each CPU's cache */
function run(s: Setup, a: (c: Cpu) => Steps, choices: number[] = [], bBody?: (c: Cpu) => Steps) {
  const prog: Program = s.b.program([
    { name: 'A', run: a },
    {
      name: 'B',
      *run(c: Cpu) {
        if (bBody) yield* bBody(c);
      },
    },
  ]);
  const exec = new Execution(prog);
  const trace: TraceStep[] = [];
  const sched = scripted(choices);
  sched.startExecution();
  const o = exec.run(sched, trace);
  return {
    o,
    lines: trace.map((t) => `${t.cpu} ${t.op} ${t.addr} ${t.value}`.trimEnd()),
    a: tlbLines(s.k, prog.memory, 0),
    b: tlbLines(s.k, prog.memory, 1),
  };
}

function* walk(c: Cpu, s: Setup, va: bigint, out: bigint[] = []): Steps {
  const t = yield* hardware_walk(c, s.k, s.b.pgdAddr, va);
  out.push(t.pa ?? -1n);
}

/** the physical address the page at `va` translates to */
const PA = { 'x86-64': 0x8c000000n, arm64: 0x90000000n } as const;

/** what a walk of `va` (then of `va + 4 KiB`) caches on each architecture, by level */
const FILLED = {
  'x86-64': {
    pgd: 'pgd ffff888000000000 = 0x4002067 (from init_mm.pgd[273])',
    pud: 'pud ffff888000000000 = 0x4003067 (from pud[0])',
    pmd: 'pmd ffff888000200000 = 0x4004067 (from pmd[1])',
    pte: 'pte ffff888000201000 = 0x8000000090000163 (from pte[1])',
    pte2: 'pte ffff888000202000 = 0x8000000090001163 (from pte[2])',
    walk: [
      '0 hw walk begins hw_walk_in_flight[A] = 1',
      '0 hw walk pgd init_mm.pgd[273] -> 0x0000000004002067',
      '0 hw walk pud pud[0] -> 0x0000000004003067',
      '0 hw walk pmd pmd[1] -> 0x0000000004004067',
    ],
  },
  arm64: {
    pgd: 'pgd ffff800000000000 = 0x2003 (from swapper_pg_dir[256])',
    pud: 'pud ffff800080000000 = 0x3003 (from pud[2])',
    pmd: 'pmd ffff800080000000 = 0x4003 (from pmd[0])',
    pte: 'pte ffff800080001000 = 0x60000090000403 (from pte[1])',
    pte2: 'pte ffff800080002000 = 0x60000090001403 (from pte[2])',
    walk: [
      '0 hw walk begins hw_walk_in_flight[A] = 1',
      '0 hw walk pgd swapper_pg_dir[256] -> 0x0000000000002003',
      '0 hw walk pud pud[2] -> 0x0000000000003003',
      '0 hw walk pmd pmd[0] -> 0x0000000000004003',
    ],
  },
} as const;

describe.each(Object.keys(ARCHES) as (keyof typeof ARCHES)[])('the %s translation caches', (name) => {
  const f = FILLED[name];
  const tables = [f.pgd, f.pud, f.pmd];

  it('a miss walks memory and fills one entry per level; a second walk agrees with memory and makes no choice', () => {
    const s = setup(name);
    const pas: bigint[] = [];
    const r = run(s, function* (c) {
      yield* walk(c, s, s.va, pas);
      yield* walk(c, s, s.va, pas);
    });
    const pte = name === 'x86-64' ? '0x8000000090000163' : '0x0060000090000403';
    const once = [...f.walk, `0 hw walk pte pte[1] -> ${pte}`, '0 hw walk ends hw_walk_in_flight[A] = 0'];
    expect(r.lines).toEqual([...once, ...once]);
    expect(r.a).toEqual([...tables, f.pte]);
    expect(r.b).toEqual([]);
    expect(pas).toEqual([PA[name], PA[name]]);
  });

  it('a hit: after the PTE is cleared, the walk may use the cached leaf (choice 0: the old translation)', () => {
    const s = setup(name);
    const pas: bigint[] = [];
    const r = run(
      s,
      function* (c) {
        yield* walk(c, s, s.va, pas);
        yield* writeEntry(c, s.k, s.ptep1, 1, 0n, 'pte_clear');
        yield* walk(c, s, s.va, pas);
      },
      [0],
    );
    expect(r.lines.slice(7)).toEqual([
      ...f.walk,
      '0 hw walk pte pte[1] -> 0',
      '0 tlb pte  0 of 2',
      '0 hw walk ends hw_walk_in_flight[A] = 0',
    ]);
    expect(pas).toEqual([PA[name], PA[name]]);
    expect(r.a).toEqual([...tables, f.pte]);
  });

  it('a refill: the walk may take memory instead (choice 1): the cleared PTE is not cached, the cached one stays', () => {
    const s = setup(name);
    const pas: bigint[] = [];
    const r = run(
      s,
      function* (c) {
        yield* walk(c, s, s.va, pas);
        yield* writeEntry(c, s.k, s.ptep1, 1, 0n, 'pte_clear');
        yield* walk(c, s, s.va, pas);
      },
      [1],
    );
    expect(r.lines.slice(-2)).toEqual(['0 tlb pte  1 of 2', '0 hw walk ends hw_walk_in_flight[A] = 0']);
    expect(pas).toEqual([PA[name], -1n]);
    expect(r.a).toEqual([...tables, f.pte]);
  });

  it('a refill of a changed PTE replaces the cached entry', () => {
    const s = setup(name);
    const pas: bigint[] = [];
    // the PTE now maps what the next page's maps
    const moved = s.b.m.memory.load(s.b.entry(s.b.table(s.va, 1), s.va + 0x1000n, 1));
    const r = run(
      s,
      function* (c) {
        yield* walk(c, s, s.va, pas);
        yield* writeEntry(c, s.k, s.ptep1, 1, moved, 'set_pte');
        yield* walk(c, s, s.va, pas);
        yield* walk(c, s, s.va, pas);
      },
      [1],
    );
    const phys9 = PA[name] + 0x1000n;
    expect(r.o.violation?.message).toBeUndefined();
    expect(pas).toEqual([PA[name], phys9, phys9]);
    expect(r.a.slice(0, 3)).toEqual(tables);
    expect(r.a[3]).toBe(
      `pte ${f.pte.split(' ')[1]} = 0x${BigInt.asUintN(64, moved).toString(16)} (from pte[1])`,
    );
    // the third walk agrees with the refilled cache: no choice
    expect(r.lines.filter((l) => l.includes(' tlb '))).toEqual(['0 tlb pte  1 of 2']);
  });

  it('a cached table entry lets the walk continue below a cleared pmd', () => {
    const s = setup(name);
    const pmdp = s.b.entry(s.b.table(s.va, 2), s.va, 2);
    const pas: bigint[] = [];
    const r = run(
      s,
      function* (c) {
        yield* walk(c, s, s.va, pas);
        yield* writeEntry(c, s.k, pmdp, 2, 0n, 'pmd_clear');
        yield* walk(c, s, s.va, pas);
      },
      [0],
    );
    expect(r.lines.slice(-4)).toEqual([
      `0 hw walk pmd pmd[${name === 'x86-64' ? '1' : '0'}] -> 0`,
      '0 tlb pmd  0 of 2',
      `0 hw walk pte pte[1] -> ${name === 'x86-64' ? '0x8000000090000163' : '0x0060000090000403'}`,
      '0 hw walk ends hw_walk_in_flight[A] = 0',
    ]);
    expect(pas).toEqual([PA[name], PA[name]]);
  });
});

/** B walks `va + 4 KiB` then `va`, A walks `va`; then B flushes with `flush`: both caches after */
function flushed(name: keyof typeof ARCHES, flush: (c: Cpu, s: Setup) => Steps) {
  const s = setup(name);
  const r = run(
    s,
    (c) => walk(c, s, s.va),
    [],
    function* (c) {
      yield* walk(c, s, s.va + 0x1000n);
      yield* walk(c, s, s.va);
      yield* flush(c, s);
    },
  );
  return { a: r.a, b: r.b, last: r.lines[r.lines.length - 1] };
}

describe('flush operations', () => {
  const x = FILLED['x86-64'];
  const a = FILLED.arm64;

  it("x86 invlpg drops this CPU's leaf for the page and every paging-structure-cache entry; other CPUs keep theirs", () => {
    const r = flushed('x86-64', (c, s) => invlpg(c, s.k, s.va));
    expect(r.last).toBe('1 invlpg');
    expect(r.b).toEqual([x.pte2]);
    expect(r.a).toEqual([x.pgd, x.pud, x.pmd, x.pte]);
  });

  it('x86 flush_tlb_kernel_range of one page: every CPU drops the page and every paging-structure-cache entry', () => {
    const r = flushed('x86-64', (c, s) => flush_tlb_kernel_range(c, s.k, s.va, s.va + 0x1000n));
    expect(r.last).toBe('1 flush_tlb_kernel_range hw_walk_in_flight[A] -> 0');
    expect(r.b).toEqual([x.pte2]);
    expect(r.a).toEqual([]);
  });

  it('x86 flush_tlb_kernel_range above tlb_single_page_flush_ceiling (33 pages) flushes everything', () => {
    const r = flushed('x86-64', (c, s) => flush_tlb_kernel_range(c, s.k, s.va + 0x10000n, s.va + 0x32000n));
    expect([r.a, r.b]).toEqual([[], []]);
  });

  it('x86 flush_tlb_all: every CPU drops everything', () => {
    const r = flushed('x86-64', (c, s) => flush_tlb_all(c, s.k));
    expect(r.last).toBe('1 flush_tlb_all hw_walk_in_flight[A] -> 0');
    expect([r.a, r.b]).toEqual([[], []]);
  });

  it('arm64 flush_tlb_kernel_range (TLBI VAALE1IS): every CPU drops the last-level entry; the walk cache keeps its tables', () => {
    const r = flushed('arm64', (c, s) => flush_tlb_kernel_range(c, s.k, s.va, s.va + 0x1000n));
    expect(r.b).toEqual([a.pgd, a.pud, a.pmd, a.pte2]);
    expect(r.a).toEqual([a.pgd, a.pud, a.pmd]);
  });

  it('arm64 flush_tlb_kernel_range above MAX_DVM_OPS (512 pages) is flush_tlb_all', () => {
    const r = flushed('arm64', (c, s) => flush_tlb_kernel_range(c, s.k, s.va + 0x400000n, s.va + 0x601000n));
    expect([r.a, r.b]).toEqual([[], []]);
  });

  it('arm64 __flush_tlb_kernel_pgtable (TLBI VAAE1IS): every CPU drops every level for the address', () => {
    const r = flushed('arm64', (c, s) => __flush_tlb_kernel_pgtable(c, s.k, s.va));
    expect(r.last).toBe('1 __flush_tlb_kernel_pgtable hw_walk_in_flight[A] -> 0');
    expect(r.b).toEqual([a.pte2]);
    expect(r.a).toEqual([]);
  });

  it('arm64 flush_tlb_all (TLBI VMALLE1IS): every CPU drops everything', () => {
    const r = flushed('arm64', (c, s) => flush_tlb_all(c, s.k));
    expect([r.a, r.b]).toEqual([[], []]);
  });
});

describe('--tlb off', () => {
  it('caches nothing and makes no choice: the cleared PTE faults the second walk', () => {
    const s = setup('x86-64');
    const name = 'x86-64';
    const pas: bigint[] = [];
    const prog = s.b.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield* walk(c, s, s.va, pas);
          yield* writeEntry(c, s.k, s.ptep1, 1, 0n, 'pte_clear');
          yield* walk(c, s, s.va, pas);
        },
      },
      { name: 'B', *run() {} },
    ]);
    prog.memory.tlb = 'off';
    const exec = new Execution(prog);
    const sched = scripted([]);
    sched.startExecution();
    const trace: TraceStep[] = [];
    exec.run(sched, trace);
    expect(pas).toEqual([PA[name], -1n]);
    expect(trace.filter((t) => t.op.startsWith('tlb'))).toEqual([]);
    expect(tlbLines(s.k, prog.memory, 0)).toEqual([]);
  });
});
