/**
 * `ViolationKind` names what went wrong in an execution. The engine raises the first four and
 * `data-race` (engine/data-race.ts); the kernel oracles add their own (`page-fault`,
 * `use-after-free`, ...); `litmus-outcome` is a litmus test's outcome reached (models/litmus).
 */
export type ViolationKind =
  | 'assertion'
  | 'deadlock'
  | 'step-limit'
  | 'model-error'
  | 'double-free'
  | 'page-fault'
  | 'use-after-free'
  | 'lockless-precondition'
  | 'stale-translation'
  | 'sync-postcondition'
  | 'pgd-mismatch'
  | 'incomplete-clone'
  | 'bad-entry'
  | 'lock-order'
  | 'kernel-bug'
  | 'torn-read'
  | 'pte-offset-map'
  | 'data-race'
  | 'litmus-outcome';

/**
 * `Violation` is thrown by a program, an oracle or the executor to end an execution with a bug.
 * `message` identifies the bug: two violations with the same kind and message are the same bug,
 * so it must not mention step numbers or anything else that varies between interleavings.
 * `headline` holds the lines printed above the interleaving (an oops, for page faults).
 */
const VIOLATION = Symbol.for('pagerace.Violation');

export class Violation extends Error {
  /**
   * `instanceof Violation` holds for a Violation from any copy of this module: a `.ts` model
   * loaded by the compiled CLI through tsx may import the engine from `src/`, a second copy.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as { [VIOLATION]?: unknown })[VIOLATION] === true;
  }

  readonly [VIOLATION] = true;
  readonly kind: ViolationKind;
  readonly headline: readonly string[];
  /** the CPU whose step raised it (-1 for deadlock and end-of-execution checks); set by the executor */
  cpu = -1;
  /** the kernel function stack of that CPU when it was raised */
  kernelStack: readonly string[] = [];
  /** detail for the report that is not part of the bug's identity (a model error's JS stack) */
  detail = '';

  constructor(kind: ViolationKind, message: string, headline: readonly string[] = []) {
    // a violation is a finding, not a fault of pagerace: its JS stack is never shown (the report
    // has the kernel function stack), and capturing it cost more than the rest of an execution
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'Violation';
    this.kind = kind;
    this.headline = headline;
  }

  /** `key` identifies the bug for de-duplication. */
  get key(): string {
    return `${this.kind}: ${this.message}`;
  }
}
