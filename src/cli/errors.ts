import { ScheduleError } from '../engine/scheduling.js';
import { ModelError } from '../model/load.js';
import { TokenError } from '../scheduler/token.js';

export { ExitCode } from '../report/exit-code.js';

/** `UsageError` is a command line that cannot be carried out. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * `describeError` turns anything thrown into the one line pagerace prints: its own errors as
 * they are, anything else as an internal error (the stack only with PAGERACE_DEBUG=1).
 */
export function describeError(e: unknown): string {
  if (
    e instanceof UsageError ||
    e instanceof ModelError ||
    e instanceof TokenError ||
    e instanceof ScheduleError
  ) {
    return e.message;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  if (process.env.PAGERACE_DEBUG === '1') return `internal error: ${err.stack}`;
  return `internal error: ${err.message} (run with PAGERACE_DEBUG=1 for the stack)`;
}
