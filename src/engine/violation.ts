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

/**
 * `UncapturedError` is an Error by its prototype chain (instanceof Error, name, message,
 * toString) that the Error constructor never ran for, so it has no JS stack: V8's Error
 * constructor costs about 0.8 us even with `Error.stackTraceLimit = 0`, more than a whole
 * execution of a small model, and a search may raise a violation in most of its executions.
 */
const UncapturedError = function UncapturedError(this: Error, message: string) {
  this.message = message;
} as unknown as new (
  message: string,
) => Error;
UncapturedError.prototype = Object.create(Error.prototype, {
  constructor: { value: UncapturedError, writable: true, configurable: true },
});

export class Violation extends UncapturedError {
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
  private detailText = '';
  /** a model error whose JS stack the detail still has to show: formatted when first read */
  private detailError: Error | null = null;

  constructor(kind: ViolationKind, message: string, headline: readonly string[] = []) {
    // a violation is a finding, not a fault of pagerace: its JS stack is never shown (the report
    // has the kernel function stack), so none is captured
    super(message);
    this.name = 'Violation';
    this.kind = kind;
    this.headline = headline;
  }

  /**
   * `detail` is what the report shows that is not part of the bug's identity (a model error's
   * JS stack). A stack given with `detailFrom` is only formatted when `detail` is first read,
   * which a search does only for a violation it reports.
   */
  get detail(): string {
    const e = this.detailError;
    if (e) {
      this.detailError = null;
      this.detailText += e.stack ?? '';
    }
    return this.detailText;
  }

  set detail(text: string) {
    this.detailText = text;
    this.detailError = null;
  }

  /** `detailFrom` makes the detail `err`'s JS stack, formatted when first read. */
  detailFrom(err: Error): void {
    this.detailText = '';
    this.detailError = err;
  }

  /** `prependDetail` puts `line` above the detail (without formatting a pending stack). */
  prependDetail(line: string): void {
    this.detailText = `${line}\n${this.detailText}`;
  }

  /** `key` identifies the bug for de-duplication. */
  get key(): string {
    return `${this.kind}: ${this.message}`;
  }
}
