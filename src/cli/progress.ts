import cliProgress from 'cli-progress';
import type { Progress } from '../explore/search.js';
import { formatSeconds } from '../report/text.js';

/**
 * `ProgressDisplay` shows a running search on a terminal: executions (of the budget, with ETA,
 * when the budget is bounded), executions per second, violations, elapsed time. Off the terminal
 * or with --json it shows nothing.
 */
export class ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null;
  private soakMs = 0;

  constructor(private readonly enabled: boolean) {}

  start(label: string, budget: number): void {
    if (!this.enabled) return;
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
    if (!this.bar) return;
    const rate = p.elapsedMs > 0 ? Math.round((p.executions * 1000) / p.elapsedMs) : 0;
    this.bar.update(p.executions, {
      rate: String(rate),
      violations: p.violations,
      elapsed: `${(p.elapsedMs / 1000).toFixed(1)}s`,
    });
  }

  /** `startSoak` shows a soak run: time spent of the duration, iterations, rate, violations, time left. */
  startSoak(label: string, durationMs: number): void {
    if (!this.enabled) return;
    const format = `${label} [{bar}] {spent}/{length} | {iterations} iterations | {rate}/s | {violations} violations | {left} left`;
    this.bar = new cliProgress.SingleBar(
      { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 10 },
      cliProgress.Presets.shades_classic,
    );
    this.soakMs = durationMs;
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

  /** `updateSoak` moves the soak bar. */
  updateSoak(iterations: number, violations: number, elapsedMs: number): void {
    if (!this.bar) return;
    const rate = elapsedMs > 0 ? Math.round((iterations * 1000) / elapsedMs) : 0;
    this.bar.update(Math.floor(elapsedMs / 1000), {
      iterations,
      rate: String(rate),
      violations,
      spent: formatSeconds(elapsedMs / 1000),
      left: formatSeconds(Math.max(0, this.soakMs - elapsedMs) / 1000),
    });
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
