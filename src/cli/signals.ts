import { ExitCode } from './errors.js';

/** `StopSignal` is a signal that stops a run: Ctrl-C, or what `timeout`, CI and `docker stop` send. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** `SIGNAL_EXIT` is the exit code of a run stopped by each signal (128 + the signal's number). */
export const SIGNAL_EXIT: Record<StopSignal, number> = {
  SIGINT: ExitCode.Interrupted,
  SIGTERM: ExitCode.Terminated,
};

/**
 * `StopSignals` turns SIGINT and SIGTERM into a request to stop: the first one sets `signal`,
 * which the running search polls, so that the run stops and writes what it found; a second one
 * exits at once with the signal's code (the report is then not written).
 */
export class StopSignals {
  signal: StopSignal | null = null;
  private readonly handlers = new Map<StopSignal, () => void>();

  /** `install` starts listening; `remove` stops. */
  install(): this {
    for (const s of ['SIGINT', 'SIGTERM'] as const) {
      const h = () => {
        if (this.signal !== null) process.exit(SIGNAL_EXIT[s]);
        this.signal = s;
      };
      this.handlers.set(s, h);
      process.on(s, h);
    }
    return this;
  }

  remove(): void {
    for (const [s, h] of this.handlers) process.off(s, h);
    this.handlers.clear();
  }

  get stopped(): boolean {
    return this.signal !== null;
  }

  /** `exitCode` is the exit code the signal calls for, or null when none came. */
  get exitCode(): number | null {
    return this.signal === null ? null : SIGNAL_EXIT[this.signal];
  }
}
