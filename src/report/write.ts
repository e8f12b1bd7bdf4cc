import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
 * `outDirProblem` says why run folders cannot be written under `out` (null when they can), so
 * that a bad `--out` is refused before a search rather than after it: the folder is created if
 * missing, and a probe file is written and removed (permissions alone do not tell, for root).
 */
export function outDirProblem(out: string): string | null {
  if (out.trim() === '') return "--out needs a folder, got ''";
  try {
    makeFolders(out);
  } catch (e) {
    return `--out ${out}: cannot create the folder (${errnoText(e)})`;
  }
  if (!statSync(out).isDirectory()) return `--out ${out} is not a folder`;
  const probe = join(out, `.pagerace-probe-${process.pid}.tmp`);
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    return `--out ${out}: cannot write there (${errnoText(e)})`;
  }
  return null;
}

/**
 * `makeFolders` is `mkdir -p`, one level at a time: Node 20's recursive mkdirSync never returns
 * for a path under /proc (it retries ENOENT forever).
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) mkdirSync(m);
}

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code
    ? `${err.code}: ${err.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')}`
    : String(e);
}

/**
 * `makeRunDir` creates `<out>/<run-id>/` and returns it. A folder that already exists (two runs
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
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') makeFolders(out);
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
