import { formatSeconds } from '../report/text.js';
import { UsageError } from './errors.js';
import { parseDuration } from './parse.js';

/** `ProgressMode` is `--progress` (PAGERACE_PROGRESS): `auto` is a bar on a terminal, lines elsewhere. */
export type ProgressMode = 'never' | 'auto' | 'lines';

/** `parseProgressMode` checks `--progress`. */
export function parseProgressMode(text: string | undefined): ProgressMode {
  if (text === undefined) return 'auto';
  if (text === 'never' || text === 'auto' || text === 'lines') return text;
  throw new UsageError(`--progress must be never, auto or lines, got '${text}'`);
}

/** `DEFAULT_PROGRESS_INTERVAL_MS`: how often a line is printed without a terminal (PAGERACE_PROGRESS_INTERVAL). */
export const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;

/** `progressInterval` reads PAGERACE_PROGRESS_INTERVAL (`10s`, `500ms`, `0` for every update). */
export function progressInterval(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.PAGERACE_PROGRESS_INTERVAL;
  return text === undefined || text === ''
    ? DEFAULT_PROGRESS_INTERVAL_MS
    : parseDuration(text, 'PAGERACE_PROGRESS_INTERVAL');
}

/** `LineFigures` is what one progress line says. */
export interface LineFigures {
  /** `executions` (check) or `iterations` (soak) */
  unit: 'executions' | 'iterations';
  count: number;
  violations: number;
  elapsedMs: number;
  /** steps of the longest execution, when known */
  depth?: number;
  /** unexplored branches the search knows of, when known */
  frontier?: number;
  /** time left, when a time limit, duration or budget bounds the run */
  remainingMs?: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * `formatProgressLine` is one line of a search's progress in a log, like TLC's: what ran, how
 * fast, what was found, how deep, what is left, how long it took and how long it will take:
 * `pagerace: progress fork-vs-sync:fixed: 45211 executions, 4521/s, 0 distinct violations, depth 87, frontier 120, elapsed 10s, remaining 50s`.
 * The last line of a search says `done` and has no remaining time.
 */
export function formatProgressLine(label: string, f: LineFigures, done: boolean): string {
  const rate = f.elapsedMs > 0 ? Math.round((f.count * 1000) / f.elapsedMs) : 0;
  const parts = [
    `${f.count} ${f.unit}`,
    `${rate}/s`,
    plural(f.violations, 'distinct violation'),
    ...(f.depth === undefined ? [] : [`depth ${f.depth}`]),
    ...(f.frontier === undefined || done ? [] : [`frontier ${f.frontier}`]),
    `elapsed ${formatSeconds(f.elapsedMs / 1000)}`,
    ...(f.remainingMs === undefined || done ? [] : [`remaining ${formatSeconds(f.remainingMs / 1000)}`]),
  ];
  return `pagerace: ${done ? 'done' : 'progress'} ${label}: ${parts.join(', ')}`;
}

/**
 * `remainingMs` is the time a run has left: to its time limit, or at the current rate to the end
 * of its budget, whichever comes first; undefined when neither bounds it.
 */
export function remainingMs(
  count: number,
  elapsedMs: number,
  budget: number,
  timeLimitMs: number,
): number | undefined {
  const candidates: number[] = [];
  if (Number.isFinite(timeLimitMs)) candidates.push(Math.max(0, timeLimitMs - elapsedMs));
  if (Number.isFinite(budget) && count > 0) candidates.push(((budget - count) * elapsedMs) / count);
  return candidates.length ? Math.min(...candidates) : undefined;
}

/**
 * `ProgressLines` prints progress lines on stderr: one when `interval` has passed since the last
 * (by the run's own elapsed time, so a test sets the interval and never reads a clock), and one
 * at the end.
 */
export class ProgressLines {
  private label = '';
  private next = 0;
  private last: LineFigures | null = null;

  constructor(private readonly intervalMs: number) {}

  start(label: string): void {
    this.label = label;
    this.next = this.intervalMs;
    this.last = null;
  }

  update(f: LineFigures): void {
    this.last = f;
    if (f.elapsedMs < this.next) return;
    console.error(formatProgressLine(this.label, f, false));
    // the next line is due one interval after this one, however late this one came
    this.next = f.elapsedMs + this.intervalMs;
  }

  /** `finish` prints the last line, with the final figures where the caller has them. */
  finish(final: Partial<LineFigures> = {}): void {
    const f = { ...(this.last ?? { unit: 'executions', count: 0, violations: 0, elapsedMs: 0 }), ...final };
    console.error(formatProgressLine(this.label, f as LineFigures, true));
    this.last = null;
  }
}
