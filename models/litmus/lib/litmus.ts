import { MachineBuilder } from '../../../src/engine/builder.js';
import type { Cpu, Steps } from '../../../src/engine/cpu.js';
import { defineViolationKind, Violation } from '../../../src/engine/violation.js';
import type { MemoryModelName } from '../../../src/machine/memory-model/memory-model.js';
import type { Expectation, Variant } from '../../../src/model/define.js';

/**
 * A litmus test as a model variant, the way the kernel's tools/memory-model/litmus-tests and
 * herdtools7's catalogues write them: shared locations (0 unless `init` says otherwise), one
 * program per CPU, and an `exists` clause over final memory and the CPUs' registers. The variant
 * expects `clean` where the published verdict is Never/Forbidden and a `litmus-outcome` violation
 * (the outcome reached, at the end of an execution) where it is Sometimes/Allowed, under each of
 * the three memory models, and says where each verdict comes from.
 */

/** `LITMUS_OUTCOME`: a litmus test's `exists` clause held at the end of an execution. */
export const LITMUS_OUTCOME = defineViolationKind(
  'litmus-outcome',
  "a litmus test's exists clause was reached",
);

/** `Verdict` is a published result: `Result: Never` / Forbidden, or `Result: Sometimes` / Allowed. */
export type Verdict = 'never' | 'sometimes';

/** `Published` is one memory model's verdict and the file or paper that states it. */
export interface Published {
  verdict: Verdict;
  source: string;
}

/** `Thread` is what a litmus CPU program sees: its CPU, the shared locations, its registers. */
export interface Thread {
  c: Cpu;
  /** the physical address of each shared location */
  loc: Record<string, number>;
  /** `set` writes register `r` of this CPU (a ghost word, read by the exists clause) */
  set(r: string, v: bigint): void;
}

export interface LitmusTest {
  /** the test's name in its catalogue (`MP+wmb+rmb`) */
  name: string;
  summary: string;
  locations: readonly string[];
  init?: Record<string, bigint>;
  /** registers each CPU writes, by CPU */
  registers: readonly (readonly string[])[];
  threads: readonly ((t: Thread) => Steps)[];
  /** the exists clause as the test prints it (`1:r0=1 /\ 1:r1=0`), and its meaning */
  exists: string;
  holds(value: (name: string) => bigint): boolean;
  published: Record<MemoryModelName, Published>;
  /**
   * a verdict pagerace's model gives that differs from the published one, and why (shown, and
   * checked by test/models/litmus.test.ts, instead of a silent mismatch)
   */
  gap?: Partial<Record<MemoryModelName, { verdict: Verdict; why: string }>>;
}

function expectation(v: Verdict): Expectation {
  return v === 'never' ? 'clean' : { violation: LITMUS_OUTCOME };
}

/** `modelVerdict` is the verdict pagerace gives `t` under `mm`: the published one, unless a gap says otherwise. */
export function modelVerdict(t: LitmusTest, mm: MemoryModelName): Verdict {
  return t.gap?.[mm]?.verdict ?? t.published[mm].verdict;
}

/** `litmusVariant` makes the model variant of litmus test `t`, checked under sc, tso and arm64. */
export function litmusVariant(t: LitmusTest): Variant {
  const said = (mm: MemoryModelName) =>
    `${mm} ${t.published[mm].verdict} (${t.published[mm].source})${t.gap?.[mm] ? `, pagerace ${t.gap[mm]!.verdict}: ${t.gap[mm]!.why}` : ''}`;
  return {
    summary: `${t.name}: ${t.summary}; exists (${t.exists}). Published: ${said('sc')}; ${said('tso')}; ${said('arm64')}`,
    expect: expectation(modelVerdict(t, 'sc')),
    expectUnder: {
      tso: expectation(modelVerdict(t, 'tso')),
      arm64: expectation(modelVerdict(t, 'arm64')),
    },
    strategy: 'dpor',
    build() {
      const m = new MachineBuilder(2);
      const loc: Record<string, number> = {};
      for (const l of t.locations) loc[l] = m.word(l, t.init?.[l] ?? 0n);
      const regs = new Map<string, number>();
      t.registers.forEach((rs, i) => {
        for (const r of rs) regs.set(`${i}:${r}`, m.word(`${i}:${r}`));
      });
      const cpus = t.threads.map((body, i) => ({
        name: `P${i}`,
        run: (c: Cpu) =>
          body({
            c,
            loc,
            set: (r: string, v: bigint) => {
              const a = regs.get(`${i}:${r}`);
              if (a === undefined) throw new Error(`${t.name}: P${i} has no register ${r}`);
              c.mem.store(a, v);
            },
          }),
      }));
      return m.program(cpus, [
        {
          name: `exists (${t.exists})`,
          atEnd(mem) {
            const value = (name: string) => {
              const a = regs.get(name) ?? loc[name];
              if (a === undefined)
                throw new Error(`${t.name}: the exists clause names ${name}, which is neither`);
              return mem.load(a);
            };
            if (t.holds(value))
              throw new Violation(LITMUS_OUTCOME, `${t.name}: exists (${t.exists}) is reachable`);
          },
        },
      ]);
    },
  };
}

/** Sources, cited by the tests (paths in torvalds/linux and herd/herdtools7). */
export const KERNEL = 'tools/memory-model/litmus-tests';
export const HERD_ARM = 'herdtools7 catalogue/aarch64/tests/kinds.txt';
export const X86_TSO = 'x86-TSO (Owens, Sarkar, Sewell 2009; herdtools7 catalogue/x86/cats/x86tso.cat)';
export const ARMV8_MCA =
  'ARMv8 is multicopy-atomic (Pulte, Flur, Deacon, French, Sarkar, Sewell, POPL 2018; herdtools7 aarch64.cat)';
export const SC =
  'SC forbids every outcome no interleaving gives (Lamport 1979; herdtools7 catalogue/x86/cats/sc.cat)';
