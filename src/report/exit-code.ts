import type { SearchResult } from '../explore/found.js';

/**
 * `ExitCode` is what a run exits with: 0 every variant proven as it expects; 1 a mismatch (an
 * unexpected violation, or an expected one missed); 2 usage or model errors; 3 inconclusive (a
 * clean variant whose search did not finish, nothing contradicting the expectations); 130 and
 * 143 stopped by SIGINT (Ctrl-C) and SIGTERM, after writing the partial report.
 */
export const ExitCode = {
  Ok: 0,
  Unexpected: 1,
  Error: 2,
  Inconclusive: 3,
  Interrupted: 130,
  Terminated: 143,
} as const;

/**
 * `resultsExitCode` is the exit code of a run that no signal stopped: 2 for a model error or
 * failed workers; else 1 for a mismatch; else 3 when some variant is inconclusive or was not run;
 * else 0, every variant proven as it expects.
 */
export function resultsExitCode(results: readonly SearchResult[], failed = false): number {
  const modelError = results.some(
    (r) => r.error !== undefined || r.violations.some((v) => v.kind === 'model-error'),
  );
  if (failed || modelError) return ExitCode.Error;
  if (results.some((r) => r.conclusion === 'mismatch')) return ExitCode.Unexpected;
  if (results.some((r) => r.conclusion !== 'ok')) return ExitCode.Inconclusive;
  return ExitCode.Ok;
}
