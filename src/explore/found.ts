import type { TraceStep } from '../engine/trace.js';
import type { ViolationKind } from '../engine/violation.js';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import type { ShardPart } from './shard.js';

/** `FoundViolation` is one distinct bug a search found, ready to report. */
export interface FoundViolation {
  kind: ViolationKind;
  message: string;
  /** the CPU whose step raised it, -1 for deadlocks and end-of-execution checks */
  cpu: number;
  task: string;
  /** lines printed above the interleaving (the oops) */
  headline: string[];
  /** kernel function stack of the CPU when it was raised, outermost first */
  kernelStack: string[];
  /** for model errors, the JS stack */
  detail: string;
  token: string;
  /** preemptions of the reported (minimized) interleaving */
  preemptions: number;
  /** preemptions of the interleaving the search first found */
  foundPreemptions: number;
  trace: TraceStep[];
  /** executions that raised this bug */
  count: number;
  /** index of the first execution that raised it */
  firstExecution: number;
}

/**
 * `Verdict` is what a search found: a `violation`, `clean` (a complete search found none),
 * `unknown` (it found none but did not finish), or `not run` (the variant was never searched).
 */
export type Verdict = 'violation' | 'clean' | 'unknown' | 'not run';

/**
 * `StopReason` says why a search ended: `complete`, the whole space explored; `bound`, every
 * execution within the preemption bound explored (not a proof of `clean`); `not-run`, it never
 * started; `shard`, a shard (`--shard i/n`) explored its share, which proves nothing alone; the
 * others, cut short.
 */
export type StopReason =
  | 'complete'
  | 'bound'
  | 'violation'
  | 'budget'
  | 'time'
  | 'interrupted'
  | 'not-run'
  | 'shard';

/**
 * `Conclusion` is what a result says of the variant's expectation, and so of the exit code:
 * `ok`, proven as expected (its violation found, or clean after a complete search); `mismatch`,
 * contradicted (an unexpected violation, or the expected one missed); `inconclusive`, not proven
 * either way (a clean variant whose search did not finish); `not run`, never searched.
 */
export type Conclusion = 'ok' | 'mismatch' | 'inconclusive' | 'not run';

/** `SearchResult` is the result of checking one model variant under one memory model. */
export interface SearchResult {
  model: string;
  variant: string;
  /** a kernel machine's result: violations print as the kernel reports a bug */
  kernel: boolean;
  /** the settings that sized the variant (`param.tasks`, `alloc`), when any differ from its defaults */
  settings: Readonly<Record<string, string>>;
  memoryModel: MemoryModelName;
  expect: 'violation' | 'clean';
  /** the violation kind the variant expects, when it expects one */
  expectKind: ViolationKind | null;
  verdict: Verdict;
  /** the whole space was explored */
  complete: boolean;
  strategy: string;
  executions: number;
  /** executions cut short by partial-order reduction (dpor) */
  pruned: number;
  violatingExecutions: number;
  steps: number;
  seconds: number;
  stoppedBy: StopReason;
  violations: FoundViolation[];
  /** nothing contradicts what the variant expects (true for `ok` and `inconclusive`) */
  matches: boolean;
  conclusion: Conclusion;
  /**
   * why the verdict is `unknown` or `not run`, as the table prints it after the verdict
   * (`time limit 3s`, `budget 1000 executions`, `preemption bound 2`, `interrupted`,
   * `model error`); null for a proven verdict
   */
  reason: string | null;
  /** the error that kept the variant from being searched (`not run`), one line */
  error?: string;
  commits: { introduced?: string; fixed?: string[] };
  /** a shard's share of the search (`--shard i/n`), which `pagerace merge` folds with the others */
  shard?: ShardPart;
}
