import cliProgress from 'cli-progress';
import type { Progress } from '../explore/search.js';
import { formatSeconds } from '../report/text.js';
import { ProgressLines, type ProgressMode, progressInterval, remainingMs } from './progress-lines.js';

/** `ProgressStyle` is how progress shows: a bar on a terminal, lines in a log, or nothing. */
export type ProgressStyle = 'bar' | 'lines' | 'off';

/**
 * `progressStyle` resolves `--progress` for this run: `auto` is a bar on a terminal (none with
 * --json) and lines without one (a CI log), `lines` is lines everywhere, `never` is nothing.
 */
export function progressStyle(mode: ProgressMode, isTTY: boolean, json: boolean): ProgressStyle {
  if (mode === 'never') return 'off';
  if (mode === 'lines') return 'lines';
  if (isTTY) return json ? 'off' : 'bar';
  return 'lines';
}

/**
 * `ProgressDisplay` shows a running search or soak: on a terminal a bar (executions of the
 * budget with ETA when the budget is bounded, executions per second, violations, elapsed time),
 * in a log a line every PAGERACE_PROGRESS_INTERVAL (10s) and one at the end (`ProgressLines`).
 */
export class ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null;
  private readonly lines: ProgressLines | null;
  private soakMs = 0;
  private depth = 0;

  constructor(private readonly style: ProgressStyle) {
    this.lines = style === 'lines' ? new ProgressLines(progressInterval()) : null;
  }

  start(label: string, budget: number): void {
    this.lines?.start(label);
    this.depth = 0;
    if (this.style !== 'bar') return;
    const bounded = Number.isFinite(budget);
    const format = bounded
      ? `${label} [{bar}] {value}/{total} executions | {rate}/s | {violations} violations | {elapsed} | ETA {eta_formatted}`
      : `${label} {value} executions | {rate}/s | {violations} violations | {elapsed}`;
    this.bar = new cliProgress.SingleBar(
      { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 10, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(bounded ? budget : 0, 0, { rate: '0', violations: 0, elapsed: '0s' });
  }

  update(p: Progress): void {
    this.depth = p.depth;
    this.lines?.update({
      unit: 'executions',
      count: p.executions,
      violations: p.violations,
      elapsedMs: p.elapsedMs,
      depth: p.depth,
      frontier: p.frontier,
      remainingMs: remainingMs(p.executions, p.elapsedMs, p.budget, p.timeLimitMs),
    });
    if (!this.bar) return;
    const rate = p.elapsedMs > 0 ? Math.round((p.executions * 1000) / p.elapsedMs) : 0;
    this.bar.update(p.executions, {
      rate: String(rate),
      violations: p.violations,
      elapsed: `${(p.elapsedMs / 1000).toFixed(1)}s`,
    });
  }

  /** `finish` ends a search's progress: in a log, its last line with the final counts. */
  finish(final: { executions: number; violations: number; seconds: number }): void {
    this.stop();
    this.lines?.finish({
      count: final.executions,
      violations: final.violations,
      elapsedMs: final.seconds * 1000,
      depth: this.depth,
    });
  }

  /** `startSoak` shows a soak run: time spent of the duration, iterations, rate, violations, time left. */
  startSoak(label: string, durationMs: number): void {
    this.soakMs = durationMs;
    this.lines?.start(label);
    if (this.style !== 'bar') return;
    const format = `${label} [{bar}] {spent}/{length} | {iterations} iterations | {rate}/s | {violations} violations | {left} left`;
    this.bar = new cliProgress.SingleBar(
      { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 10 },
      cliProgress.Presets.shades_classic,
    );
    const seconds = Math.max(1, Math.round(durationMs / 1000));
    this.bar.start(seconds, 0, {
      iterations: 0,
      rate: '0',
      violations: 0,
      spent: '0s',
      length: formatSeconds(durationMs / 1000),
      left: formatSeconds(durationMs / 1000),
    });
  }

  /** `updateSoak` moves the soak bar (violating iterations) or logs a line (distinct violations). */
  updateSoak(iterations: number, violating: number, distinct: number, elapsedMs: number): void {
    this.lines?.update({
      unit: 'iterations',
      count: iterations,
      violations: distinct,
      elapsedMs,
      remainingMs: Math.max(0, this.soakMs - elapsedMs),
    });
    if (!this.bar) return;
    const rate = elapsedMs > 0 ? Math.round((iterations * 1000) / elapsedMs) : 0;
    this.bar.update(Math.floor(elapsedMs / 1000), {
      iterations,
      rate: String(rate),
      violations: violating,
      spent: formatSeconds(elapsedMs / 1000),
      left: formatSeconds(Math.max(0, this.soakMs - elapsedMs) / 1000),
    });
  }

  /** `finishSoak` ends a soak's progress: in a log, its last line. */
  finishSoak(iterations: number, distinct: number, elapsedMs: number): void {
    this.stop();
    this.lines?.finish({ count: iterations, violations: distinct, elapsedMs });
  }

  /** `log` prints a line on stdout (a finding) without garbling the bar on stderr. */
  log(line: string): void {
    if (this.bar) {
      process.stderr.write('\r\x1b[K');
      console.log(line);
      this.bar.render();
    } else console.log(line);
  }

  /** `interrupt` prints a line (a notice) without garbling the bar. */
  interrupt(line: string): void {
    if (this.bar) {
      process.stderr.write('\r\x1b[K');
      console.error(line);
      this.bar.render();
    } else console.error(line);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
