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
import { defineModel } from '../../src/model/define.js';
import type { Target } from '../../src/model/load.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';
import { DporScheduler } from '../../src/scheduler/dpor.js';
import { traceSchedule } from '../../src/scheduler/replay.js';
import { decodeToken } from '../../src/scheduler/token.js';
import { explore } from '../helpers/programs.js';

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
  | { op: 'ghostCheck'; w: number };

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
const instr: fc.Arbitrary<Instr> = fc.oneof(
  { weight: 4, arbitrary: leaf },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('locked' as const),
      l: fc.nat(1),
      body: fc.array(leaf, { minLength: 1, maxLength: 2 }),
    }),
  },
);
const cpuProgram = fc.array(instr, { minLength: 1, maxLength: 3 });
const programs = fc.array(cpuProgram, { minLength: 2, maxLength: 3 });

function build(cpus: Instr[][]) {
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
      }
    }
  }
  const prog = m.program(
    cpus.map((p, i) => ({ name: `P${i}`, run: (c: Cpu) => run(c, p, { n: 0 }, new Set()) })),
  );
  return { prog, watched };
}

describe('DPOR explores what plain DFS explores (differential, fast-check seed 7)', () => {
  it('same final states and the same violations on 150 generated programs', () => {
    let reduced = 0;
    const kinds = new Set<string>();
    fc.assert(
      fc.property(programs, (cpus) => {
        const plain = build(cpus);
        const dfs = explore(plain.prog, new DfsScheduler(), plain.watched);
        const red = build(cpus);
        const dpor = explore(red.prog, new DporScheduler(), red.watched);
        expect([...dpor.finals].sort()).toEqual([...dfs.finals].sort());
        expect([...dpor.violations.keys()].sort()).toEqual([...dfs.violations.keys()].sort());
        expect(dpor.executions).toBeLessThanOrEqual(dfs.executions);
        if (dpor.executions < dfs.executions) reduced++;
        for (const k of dfs.violations.keys()) kinds.add(k.split(':')[0]);
      }),
      { seed: 7, numRuns: 150 },
    );
    // the reduction does reduce: most generated programs have independent steps
    expect(reduced).toBeGreaterThan(75);
    // and the generated programs do reach the violations that matter
    expect([...kinds].sort()).toEqual(['assertion', 'deadlock']);
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
  };
}

describe('DPOR --keep-going reports only projections that replay (ghost coupling, fast-check seed 11)', () => {
  it('on 100 generated programs: the violations of plain DFS, each token replaying to its violation', async () => {
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
        const sched = new DporScheduler();
        while (sched.startExecution()) {
          const o = exec.run(sched);
          sched.endExecution();
          for (const l of o.others ?? []) if (!replaysFirst(replayer, l)) dropped++;
        }
        const opts = {
          ...defaultSearchOptions(),
          strategy: 'dpor' as const,
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
    // the generated programs do reach the bug: 16 projections do not replay and are left out
    expect([dropped, reported]).toEqual([16, 56]);
  });
});
