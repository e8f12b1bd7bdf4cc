import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MachineBuilder } from '../../src/engine/builder.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import { Execution } from '../../src/engine/execution.js';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { replaysFirst } from '../../src/explore/projection.js';
import { search } from '../../src/explore/search.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { PAGE_SIZE } from '../../src/machine/layout.js';
import { Barrier, type MemoryModelName } from '../../src/machine/memory-model/memory-model.js';
import { defineModel } from '../../src/model/define.js';
import type { Target } from '../../src/model/load.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';
import { OptimalDporScheduler } from '../../src/scheduler/optimal-dpor.js';
import { traceSchedule } from '../../src/scheduler/replay.js';
import { SourceDporScheduler } from '../../src/scheduler/source-dpor.js';
import { decodeToken } from '../../src/scheduler/token.js';
import { explore } from '../helpers/programs.js';
import { TraceRecorder } from '../helpers/traces.js';

/**
 * Soundness of the reduction (docs/ARCHITECTURE.md, "What must hold"): on generated programs, DPOR must
 * reach exactly the final states and violations that plain DFS reaches. Each CPU keeps what it
 * loaded in its own registers (ghost words), so a final state also says what every CPU saw.
 */
type Instr =
  | { op: 'load'; w: number }
  | { op: 'store'; w: number; v: number }
  | { op: 'cas'; w: number; e: number; v: number }
  | { op: 'locked'; l: number; body: Instr[] }
  | { op: 'await'; w: number; v: number }
  | { op: 'assertNot'; w: number; v: number }
  | { op: 'allocStore'; v: number }
  | { op: 'choose'; w: number }
  | { op: 'ghostRaise'; w: number; v: number }
  | { op: 'ghostCheck'; w: number }
  | { op: 'fence'; b: Barrier }
  | { op: 'acquire'; w: number }
  | { op: 'release'; w: number; v: number }
  | { op: 'dep'; a: number; b: number };

const WORDS = 3;
const leaf: fc.Arbitrary<Instr> = fc.oneof(
  fc.record({ op: fc.constant('load' as const), w: fc.nat(WORDS - 1) }),
  fc.record({ op: fc.constant('store' as const), w: fc.nat(WORDS - 1), v: fc.integer({ min: 1, max: 2 }) }),
  fc.record({
    op: fc.constant('cas' as const),
    w: fc.nat(WORDS - 1),
    e: fc.nat(2),
    v: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({ op: fc.constant('await' as const), w: fc.nat(WORDS - 1), v: fc.nat(1) }),
  fc.record({
    op: fc.constant('assertNot' as const),
    w: fc.nat(WORDS - 1),
    v: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({ op: fc.constant('allocStore' as const), v: fc.integer({ min: 1, max: 2 }) }),
);
/** the leaves of the differential's programs: the above and data choices */
const dataLeaf: fc.Arbitrary<Instr> = fc.oneof(
  leaf,
  fc.record({ op: fc.constant('choose' as const), w: fc.nat(WORDS - 1) }),
);
const instr: fc.Arbitrary<Instr> = fc.oneof(
  { weight: 4, arbitrary: dataLeaf },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('locked' as const),
      l: fc.nat(1),
      body: fc.array(dataLeaf, { minLength: 1, maxLength: 2 }),
    }),
  },
);
const cpuProgram = fc.array(instr, { minLength: 1, maxLength: 3 });
const programs = fc.array(cpuProgram, { minLength: 2, maxLength: 3 });

// under a weak memory model, also barriers, acquire/release and an address dependency; programs
// are shorter, since plain DFS runs every store-buffer flush as a step of its own
const weakLeaf: fc.Arbitrary<Instr> = fc.oneof(
  leaf,
  fc.record({
    op: fc.constant('fence' as const),
    b: fc.constantFrom(Barrier.SmpMb, Barrier.SmpWmb, Barrier.SmpRmb),
  }),
  fc.record({ op: fc.constant('acquire' as const), w: fc.nat(WORDS - 1) }),
  fc.record({ op: fc.constant('release' as const), w: fc.nat(WORDS - 1), v: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ op: fc.constant('dep' as const), a: fc.nat(WORDS - 1), b: fc.nat(WORDS - 1) }),
);
const weakInstr: fc.Arbitrary<Instr> = fc.oneof(
  { weight: 4, arbitrary: weakLeaf },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('locked' as const),
      l: fc.nat(1),
      body: fc.array(weakLeaf, { minLength: 1, maxLength: 2 }),
    }),
  },
);
const weakPrograms = fc.array(fc.array(weakInstr, { minLength: 1, maxLength: 2 }), {
  minLength: 2,
  maxLength: 3,
});

function build(cpus: Instr[][], mm: MemoryModelName = 'sc') {
  const m = new MachineBuilder(8);
  const words = Array.from({ length: WORDS }, (_, i) => m.word(`w${i}`));
  const locks = [m.word('l0'), m.word('l1')];
  const ghost = m.word('ghost');
  const regs = cpus.map((_, i) => Array.from({ length: 4 }, (_, r) => m.word(`cpu${i}.r${r}`)));
  const watched = [...words, ...regs.flat()];
  function* run(c: Cpu, prog: Instr[], reg: { n: number }, held: Set<number>): Steps {
    for (const ins of prog) {
      switch (ins.op) {
        case 'load': {
          const v = yield c.load(words[ins.w]);
          c.mem.store(regs[c.id][reg.n++ % 4], v);
          break;
        }
        case 'store':
          yield c.store(words[ins.w], BigInt(ins.v));
          break;
        case 'cas': {
          const old = yield c.cas(words[ins.w], BigInt(ins.e), BigInt(ins.v));
          c.mem.store(regs[c.id][reg.n++ % 4], old);
          break;
        }
        case 'locked':
          if (held.has(ins.l)) {
            yield* run(c, ins.body, reg, held);
            break;
          }
          held.add(ins.l);
          yield c.lock(locks[ins.l]);
          yield* run(c, ins.body, reg, held);
          yield c.unlock(locks[ins.l]);
          held.delete(ins.l);
          break;
        case 'await':
          yield c.awaitValue(words[ins.w], (x) => x === BigInt(ins.v));
          break;
        case 'assertNot': {
          const v = yield c.load(words[ins.w]);
          c.assert(v !== BigInt(ins.v), `w${ins.w} was ${ins.v}`);
          break;
        }
        case 'choose': {
          const v = Number(yield c.choose(2));
          yield c.store(words[ins.w], BigInt(v + 1));
          break;
        }
        case 'ghostRaise': {
          // like a sync that records what it synced before its postcondition fails: ghost state
          // written between two yields by the step that raises the violation
          const v = yield c.load(words[ins.w]);
          if (v === BigInt(ins.v)) c.mem.store(ghost, 1n);
          c.assert(v !== BigInt(ins.v), `w${ins.w} was ${ins.v} (ghost marked)`);
          break;
        }
        case 'ghostCheck':
          // like the pgd_list join oracle: reads the ghost state another CPU's step wrote
          yield c.load(words[ins.w]);
          c.assert(c.mem.load(ghost) === 0n, 'the ghost mark of another violation is set');
          break;
        case 'allocStore': {
          const f = Number(yield c.alloc(FrameState.Data, 'data'));
          yield c.store(f * PAGE_SIZE, BigInt(ins.v));
          c.mem.store(regs[c.id][reg.n++ % 4], BigInt(f));
          break;
        }
        case 'fence':
          yield c.barrier(ins.b);
          break;
        case 'acquire':
          c.mem.store(regs[c.id][reg.n++ % 4], yield c.loadAcquire(words[ins.w]));
          break;
        case 'release':
          yield c.storeRelease(words[ins.w], BigInt(ins.v));
          break;
        case 'dep': {
          c.mem.store(regs[c.id][reg.n++ % 4], yield c.load(words[ins.a]));
          c.mem.store(regs[c.id][reg.n++ % 4], yield c.load(words[ins.b], null, c.lastLoad));
          break;
        }
      }
    }
  }
  const prog = m.program(
    cpus.map((p, i) => ({ name: `P${i}`, run: (c: Cpu) => run(c, p, { n: 0 }, new Set()) })),
  );
  prog.memoryModel = mm;
  return { prog, watched };
}

/** the steps an instruction takes: its own operations, and a choice's store */
function stepsOf(ins: Instr): number {
  if (ins.op === 'locked') return 2 + ins.body.reduce((a, b) => a + stepsOf(b), 0);
  return ins.op === 'allocStore' || ins.op === 'choose' ? 2 : 1;
}

/** how many executions plain DFS runs at most: the interleavings of the steps, times the choices */
function interleavings(cpus: Instr[][]): number {
  const choices = (ins: Instr): number =>
    ins.op === 'locked' ? ins.body.reduce((a, b) => a + choices(b), 0) : ins.op === 'choose' ? 1 : 0;
  let n = 1;
  let total = 0;
  for (const prog of cpus) {
    const m = prog.reduce((a, ins) => a + stepsOf(ins), 0);
    for (let k = 1; k <= m; k++) n = (n * (total + k)) / k;
    total += m;
    n *= 2 ** prog.reduce((a, ins) => a + choices(ins), 0);
  }
  return n;
}

/** programs whose plain DFS would run more executions than this are left to the bench */
const DFS_LIMIT = Number(process.env.PAGERACE_DIFF_DFS_LIMIT ?? 20_000);
const RUNS = Number(process.env.PAGERACE_DIFF_RUNS ?? 300);
const SEED = Number(process.env.PAGERACE_DIFF_SEED ?? 7);

describe(`DPOR explores what plain DFS explores (differential, fast-check seed ${SEED})`, () => {
  it(`optimal and source DPOR: the same final states and violations on ${RUNS} generated programs`, () => {
    let reduced = 0;
    let exact = 0;
    const kinds = new Set<string>();
    fc.assert(
      fc.property(programs, (cpus) => {
        fc.pre(interleavings(cpus) <= DFS_LIMIT);
        const plain = build(cpus);
        const recorder = new TraceRecorder(new DfsScheduler());
        const dfs = explore(plain.prog, recorder, plain.watched);
        for (const k of dfs.violations.keys()) kinds.add(k.split(':')[0]);
        const optimal = new OptimalDporScheduler();
        const source = new SourceDporScheduler();
        for (const s of [optimal, source]) {
          const red = build(cpus);
          const dpor = explore(red.prog, s, red.watched);
          expect([...dpor.finals].sort()).toEqual([...dfs.finals].sort());
          expect([...dpor.violations.keys()].sort()).toEqual([...dfs.violations.keys()].sort());
          expect(dpor.executions).toBeLessThanOrEqual(dfs.executions);
          if (s === source) continue;
          if (dpor.executions < dfs.executions) reduced++;
          // optimal: no execution blocked by its sleep set, and one per Mazurkiewicz trace
          expect(optimal.pruned).toBe(0);
          expect(optimal.fallbacks).toBe(0);
          if ([...dfs.violations.keys()].every((k) => k.startsWith('deadlock'))) {
            expect(dpor.executions).toBe(recorder.traces);
            exact++;
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // the reduction does reduce: most generated programs have independent steps
    expect(reduced).toBeGreaterThan(RUNS / 2);
    // most programs run to the end in every execution, so the count is checked exactly
    expect(exact).toBeGreaterThan(RUNS / 3);
    // and the generated programs do reach the violations that matter
    expect([...kinds].sort()).toEqual(['assertion', 'deadlock']);
  });
});

/**
 * programs that runs of 1,000 programs on other seeds found while optimal DPOR was built: an
 * await whose direct race it cannot reverse (it reads what the racing write wrote) must still be
 * tried before an earlier write it does not depend on, with data choices around it
 */
const FOUND: Instr[][][] = [
  [
    [
      { op: 'choose', w: 2 },
      { op: 'choose', w: 2 },
      { op: 'await', w: 0, v: 0 },
    ],
    [
      { op: 'choose', w: 0 },
      { op: 'await', w: 2, v: 0 },
    ],
  ],
  [
    [
      { op: 'choose', w: 1 },
      { op: 'cas', w: 1, e: 0, v: 1 },
    ],
    [
      { op: 'cas', w: 0, e: 0, v: 1 },
      { op: 'await', w: 1, v: 0 },
    ],
  ],
  [
    [
      { op: 'choose', w: 0 },
      { op: 'choose', w: 0 },
      { op: 'load', w: 0 },
    ],
    [
      { op: 'locked', l: 0, body: [{ op: 'choose', w: 1 }] },
      { op: 'await', w: 0, v: 0 },
    ],
  ],
  [
    [
      { op: 'choose', w: 2 },
      { op: 'choose', w: 2 },
    ],
    [
      { op: 'choose', w: 0 },
      { op: 'await', w: 2, v: 0 },
    ],
  ],
  [
    [
      { op: 'choose', w: 0 },
      { op: 'await', w: 1, v: 0 },
    ],
    [
      { op: 'store', w: 1, v: 1 },
      { op: 'await', w: 0, v: 0 },
    ],
    [{ op: 'store', w: 0, v: 1 }],
  ],
];

describe('optimal DPOR on programs the larger runs found', () => {
  it.each(
    FOUND.map((p, i) => [i, p] as const),
  )('program %i: the final states of plain DFS, one execution per trace', (_i, cpus) => {
    const plain = build(cpus);
    const recorder = new TraceRecorder(new DfsScheduler());
    const dfs = explore(plain.prog, recorder, plain.watched);
    const red = build(cpus);
    const optimal = new OptimalDporScheduler();
    const dpor = explore(red.prog, optimal, red.watched);
    expect([...dpor.finals].sort()).toEqual([...dfs.finals].sort());
    expect([...dpor.violations.keys()].sort()).toEqual([...dfs.violations.keys()].sort());
    expect([dpor.executions, optimal.pruned, optimal.fallbacks]).toEqual([recorder.traces, 0, 0]);
  });
});

/** the generated programs with ghost coupling: some CPUs write ghost state when they raise a
 * violation, others assert on it (the shape of fork-vs-sync:mutant-sync-before-store) */
const ghostLeaf: fc.Arbitrary<Instr> = fc.oneof(
  { weight: 3, arbitrary: leaf },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('ghostRaise' as const),
      w: fc.nat(WORDS - 1),
      v: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ghostCheck' as const), w: fc.nat(WORDS - 1) }) },
);
const ghostPrograms = fc.array(fc.array(ghostLeaf, { minLength: 1, maxLength: 3 }), {
  minLength: 2,
  maxLength: 3,
});

/** `generatedTarget` is a generated program as a model variant that `search` can check. */
function generatedTarget(cpus: Instr[][]): Target {
  const def = defineModel({
    name: 'generated',
    summary: 'a generated program',
    variants: { p: { summary: 'generated', expect: 'clean', build: () => build(cpus).prog } },
  });
  return {
    model: { def, ref: 'generated', file: '', bundled: true },
    variantName: 'p',
    variant: def.variants.p,
    params: {},
    alloc: 'lowest',
    tlb: 'on',
    settings: {},
    memoryModel: 'sc',
  };
}

describe('DPOR --keep-going reports only projections that replay (ghost coupling, fast-check seed 11)', () => {
  it.each([
    ['dpor', () => new OptimalDporScheduler(), [15, 56]],
    ['source-dpor', () => new SourceDporScheduler(), [16, 56]],
  ] as const)('%s, on 100 generated programs: the violations of plain DFS, each token replaying to its violation', async (strategy, scheduler, counts) => {
    let dropped = 0;
    let reported = 0;
    await fc.assert(
      fc.asyncProperty(ghostPrograms, async (cpus) => {
        const plain = build(cpus);
        const dfs = explore(plain.prog, new DfsScheduler(), plain.watched);
        // the raw projections: count those a search must leave out
        const raw = build(cpus).prog;
        const exec = new Execution(raw);
        const replayer = new Execution(raw);
        const sched = scheduler();
        while (sched.startExecution()) {
          const o = exec.run(sched);
          sched.endExecution();
          for (const l of o.others ?? []) if (!replaysFirst(replayer, l)) dropped++;
        }
        const opts = {
          ...defaultSearchOptions(),
          strategy,
          keepGoing: true,
          minimize: false,
        };
        const r = await search(generatedTarget(cpus), opts);
        expect(r.violations.map((v) => `${v.kind}: ${v.message}`).sort()).toEqual(
          [...dfs.violations.keys()].sort(),
        );
        for (const v of r.violations) {
          const back = traceSchedule(new Execution(build(cpus).prog), decodeToken(v.token).choices);
          expect(back.violation?.key).toBe(`${v.kind}: ${v.message}`);
          reported++;
        }
      }),
      { seed: 11, numRuns: 100 },
    );
    // the generated programs do reach the bug: 15 or 16 projections do not replay and are left out
    expect([dropped, reported]).toEqual(counts);
  });
});

/** `WEAK_DFS_LIMIT`: a generated program whose plain DFS does not finish within it is left out (it proves nothing) */
const WEAK_DFS_LIMIT = 10_000;

describe.each([
  ['tso', 33, 33],
  ['arm64', 31, 31],
] as const)('under %s, source-DPOR explores what plain DFS explores (fast-check seed 7)', (mm, comparable, reducible) => {
  it(`same final states and the same violations on the ${comparable} of 40 generated programs (barriers, acquire/release, dependencies) that plain DFS finishes`, () => {
    let compared = 0;
    let reduced = 0;
    fc.assert(
      fc.property(weakPrograms, (cpus) => {
        const plain = build(cpus, mm);
        const dfs = explore(plain.prog, new DfsScheduler(), plain.watched, WEAK_DFS_LIMIT);
        if (dfs.executions >= WEAK_DFS_LIMIT) return;
        compared++;
        // source-DPOR: what `--strategy dpor` runs under a weak model (`underWeakMemory`)
        const red = build(cpus, mm);
        const dpor = explore(red.prog, new SourceDporScheduler(), red.watched);
        expect([...dpor.finals].sort()).toEqual([...dfs.finals].sort());
        expect([...dpor.violations.keys()].sort()).toEqual([...dfs.violations.keys()].sort());
        expect(dpor.executions).toBeLessThanOrEqual(dfs.executions);
        if (dpor.executions < dfs.executions) reduced++;
      }),
      { seed: 7, numRuns: 40 },
    );
    // the others are too big for plain DFS; store buffers give DPOR much to reduce
    expect([compared, reduced]).toEqual([comparable, reducible]);
  });
});
