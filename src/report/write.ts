import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchResult } from '../explore/found.js';
import type { Report } from './json.js';
import { formatSummary, formatViolation } from './text.js';

/** `writeAtomic` writes a file so that a reader never sees half of it: temp file, then rename. */
export function writeAtomic(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** `runId` names a run's folder: UTC time to the second, then what was checked. */
export function runId(label: string, when = new Date()): string {
  const t = when.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const safe = label.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60);
  return `${t}-${safe}`;
}

/** `traceText` is trace.txt: every violation's full report, then each variant's summary. */
export function traceText(results: readonly SearchResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const v of r.violations) lines.push(...formatViolation(r, v), '');
    lines.push(formatSummary(r), '');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `writeRun` writes `<out>/<run-id>/report.json` and `trace.txt` atomically and returns the
 * folder. A folder that already exists (two runs in the same second) gets a numeric suffix.
 */
export function writeRun(
  out: string,
  label: string,
  report: Report,
  results: readonly SearchResult[],
): string {
  const base = join(out, runId(label));
  let dir = base;
  for (let i = 2; ; i++) {
    try {
      mkdirSync(dir, { recursive: false });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') mkdirSync(out, { recursive: true });
      else if ((e as NodeJS.ErrnoException).code === 'EEXIST') dir = `${base}-${i}`;
      else throw e;
    }
  }
  writeAtomic(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeAtomic(join(dir, 'trace.txt'), traceText(results));
  return dir;
}
