import type { SearchResult } from '../explore/found.js';

/** `REPORT_VERSION` is the `pagerace` field of report.json; it changes when the shape does. */
export const REPORT_VERSION = 1;

/** `Report` is what `--json` prints and what report.json holds. */
export interface Report {
  pagerace: typeof REPORT_VERSION;
  /** set when the run was stopped by Ctrl-C: the results are what was found until then */
  interrupted?: boolean;
  results: ReportResult[];
}

/** `ReportResult` is one model variant's entry in a report. */
export type ReportResult = Omit<SearchResult, 'seconds'> & { seconds: number };

/** `buildReport` assembles the report of a run. */
export function buildReport(results: readonly SearchResult[], interrupted = false): Report {
  return {
    pagerace: REPORT_VERSION,
    ...(interrupted ? { interrupted: true } : {}),
    results: results.map((r) => ({ ...r, seconds: Math.round(r.seconds * 1000) / 1000 })),
  };
}
