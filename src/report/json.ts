import type { SearchResult } from '../explore/found.js';

/** `REPORT_VERSION` is the `pagerace` field of report.json; it changes when the shape does. */
export const REPORT_VERSION = 1;

/** `Report` is what `--json` prints and what report.json holds. */
export interface Report {
  pagerace: typeof REPORT_VERSION;
  /** set when the run was stopped early (a signal, failed workers): the results are what was found until then */
  interrupted?: boolean;
  /** the signal that stopped the run, if one did */
  signal?: 'SIGINT' | 'SIGTERM';
  /** the exit code of the run */
  exitCode: number;
  /** one entry per selected variant, in order, including those that were not run */
  results: ReportResult[];
}

/** `ReportResult` is one model variant's entry in a report. */
export type ReportResult = Omit<SearchResult, 'seconds'> & { seconds: number };

/** `RunEnd` is how a run ended, as its report records it. */
export interface RunEnd {
  interrupted: boolean;
  signal: 'SIGINT' | 'SIGTERM' | null;
  exitCode: number;
}

/** `buildReport` assembles the report of a run. */
export function buildReport(results: readonly SearchResult[], end: RunEnd): Report {
  return {
    pagerace: REPORT_VERSION,
    ...(end.interrupted ? { interrupted: true } : {}),
    ...(end.signal === null ? {} : { signal: end.signal }),
    exitCode: end.exitCode,
    results: results.map((r) => ({ ...r, seconds: Math.round(r.seconds * 1000) / 1000 })),
  };
}
