import type { ViolationKind } from './violation-kinds.js';

export {
  defineViolationKind,
  isViolationKind,
  type ViolationKind,
  type ViolationKindInfo,
  violationKinds,
} from './violation-kinds.js';

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
