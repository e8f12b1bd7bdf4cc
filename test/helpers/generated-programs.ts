import fc from 'fast-check';
import { MachineBuilder } from '../../src/engine/builder.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { PAGE_SIZE } from '../../src/machine/layout.js';
import { Barrier, type MemoryModelName } from '../../src/machine/memory-model/memory-model.js';

/**
 * The generated programs of the DPOR-vs-DFS differential (test/scheduler/dpor-differential.test.ts
 * and, across explorer workers, test/fixtures/models/generated-programs.ts): short CPU programs of
 * loads, stores, CAS, awaits, assertions, allocations, data choices and locked sections over
 * three words. Each CPU keeps what it loaded in its own registers (ghost words), so a final state
 * also says what every CPU saw.
 */
export type Instr =
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

export const WORDS = 3;
export const leaf: fc.Arbitrary<Instr> = fc.oneof(
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
export const programs = fc.array(cpuProgram, { minLength: 2, maxLength: 3 });

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
export const weakPrograms = fc.array(fc.array(weakInstr, { minLength: 1, maxLength: 2 }), {
  minLength: 2,
  maxLength: 3,
});

export function build(cpus: Instr[][], mm: MemoryModelName = 'sc') {
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
export function stepsOf(ins: Instr): number {
  if (ins.op === 'locked') return 2 + ins.body.reduce((a, b) => a + stepsOf(b), 0);
  return ins.op === 'allocStore' || ins.op === 'choose' ? 2 : 1;
}

/** how many executions plain DFS runs at most: the interleavings of the steps, times the choices */
export function interleavings(cpus: Instr[][]): number {
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
