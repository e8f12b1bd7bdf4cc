import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Execution } from '../../src/engine/execution.js';
import type { SearchResult } from '../../src/explore/found.js';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { parallelSearch } from '../../src/explore/parallel.js';
import { ExplorerPool } from '../../src/explore/parallel-pool.js';
import { replaysFirst } from '../../src/explore/projection.js';
import { search } from '../../src/explore/search.js';
import { defineModel } from '../../src/model/define.js';
import { loadModel, selectVariants, type Target } from '../../src/model/load.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';
import { OptimalDporScheduler } from '../../src/scheduler/optimal-dpor.js';
import { traceSchedule } from '../../src/scheduler/replay.js';
import { SourceDporScheduler } from '../../src/scheduler/source-dpor.js';
import { decodeToken } from '../../src/scheduler/token.js';
import {
  build,
  type Instr,
  interleavings,
  leaf,
  programs,
  WORDS,
  weakPrograms,
} from '../helpers/generated-programs.js';
import { explore } from '../helpers/programs.js';
import { TraceRecorder } from '../helpers/traces.js';

/**
 * Soundness of the reduction (docs/ARCHITECTURE.md, "What must hold"): on generated programs, DPOR must
 * reach exactly the final states and violations that plain DFS reaches.
 */

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

/** the generated programs as a model file that explorer workers load by path */
const GENERATED = fileURLToPath(new URL('../fixtures/models/generated-programs.ts', import.meta.url));

describe('across explorer workers: dpor on 1 and 2 workers gives one report, with the violations of DFS on 2 (the 12 generated programs of generated-programs.ts)', () => {
  const pools = new Map<number, ExplorerPool>();
  beforeAll(async () => {
    for (const n of [1, 2]) pools.set(n, await ExplorerPool.open(n));
  });
  afterAll(async () => {
    for (const p of pools.values()) await p.close();
  });

  it('every program: the same executions, violations and first-violation tokens on 1 and 2 workers; the violation kinds of DFS', async () => {
    const m = await loadModel(GENERATED);
    const targets = selectVariants(m, undefined);
    expect(targets.length).toBe(12);
    const kinds = new Set<string>();
    for (const t of targets) {
      const all = { ...defaultSearchOptions(), keepGoing: true, minimize: false };
      const dfs = await parallelSearch(t, { ...all, strategy: 'dfs' }, pools.get(2)!);
      const keys = (r: SearchResult) => r.violations.map((v) => `${v.kind}: ${v.message}`).sort();
      for (const o of [all, { ...defaultSearchOptions(), minimize: false }]) {
        const [one, two] = [
          await parallelSearch(t, { ...o, strategy: 'dpor' }, pools.get(1)!),
          await parallelSearch(t, { ...o, strategy: 'dpor' }, pools.get(2)!),
        ];
        const same = (r: SearchResult) => ({
          executions: r.executions,
          violating: r.violatingExecutions,
          stoppedBy: r.stoppedBy,
          first: r.violations.map((v) => [v.kind, v.message, v.firstExecution, v.token]),
        });
        expect(same(two)).toEqual(same(one));
        expect(one.executions).toBeLessThanOrEqual(dfs.executions);
        if (o.keepGoing) expect(keys(one)).toEqual(keys(dfs));
        else expect(one.violations.length).toBe(dfs.violations.length > 0 ? 1 : 0);
      }
      for (const v of dfs.violations) kinds.add(v.kind);
    }
    // the programs do reach violations of both kinds
    expect([...kinds].sort()).toEqual(['assertion', 'deadlock']);
  });
});
