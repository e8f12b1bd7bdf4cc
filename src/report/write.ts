import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchResult } from '../explore/found.js';
import { writeAtomic } from './atomic.js';
import { type TimelineFiles, writeTimelines } from './html/write-html.js';
import type { Report } from './json.js';
import { formatSummary, formatViolation } from './text.js';

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
 * `makeRunDir` creates `<out>/<run-id>` and returns it. A folder that already exists (two runs
 * in the same second) gets a numeric suffix.
 */
export function makeRunDir(out: string, label: string): string {
  const base = join(out, runId(label));
  let dir = base;
  for (let i = 2; ; i++) {
    try {
      mkdirSync(dir, { recursive: false });
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') mkdirSync(out, { recursive: true });
      else if ((e as NodeJS.ErrnoException).code === 'EEXIST') dir = `${base}-${i}`;
      else throw e;
    }
  }
}

/** `RunFiles` is what `writeRun` wrote. */
export interface RunFiles {
  dir: string;
  report: string;
  trace: string;
  timelines: TimelineFiles;
}

/**
 * `writeRun` writes a run's folder, `<out>/<run-id>/`: report.json, trace.txt (every violation's
 * full text report) and the HTML timelines (index.html, one page per violation), each atomically.
 */
export function writeRun(
  out: string,
  label: string,
  report: Report,
  results: readonly SearchResult[],
): RunFiles {
  const dir = makeRunDir(out, label);
  const files = { dir, report: join(dir, 'report.json'), trace: join(dir, 'trace.txt') };
  writeAtomic(files.report, `${JSON.stringify(report, null, 2)}\n`);
  writeAtomic(files.trace, traceText(results));
  return { ...files, timelines: writeTimelines(dir, `pagerace run ${label}`, results) };
}
