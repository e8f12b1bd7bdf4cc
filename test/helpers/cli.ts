import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `ROOT` is the repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `CliRun` is what one run of the CLI printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = resolve(ROOT, 'src/cli/bin.ts');

/**
 * `untimed` is a report with its times taken out (the summary line's, the table's time column),
 * the only thing that may differ between two runs of one search; the table's column widths
 * follow the widest time, so runs of spaces count as one.
 */
export function untimed(s: string): string {
  return s
    .replace(/, (\d+(\.\d+)?s|\d+m\d\ds)\)$/gm, ')')
    .replace(/ +(\d+(\.\d+)?s|\d+m\d\ds) {2}(ok|MISMATCH|INCONCLUSIVE|NOT RUN)$/gm, ' $3')
    .replace(/ {2,}/g, ' ');
}

/**
 * `pagerace` runs the CLI from source (through tsx) as a user would, in a child process. Its
 * stderr is not a terminal, so progress would come as lines: they are off (PAGERACE_PROGRESS=never)
 * unless a test sets PAGERACE_PROGRESS itself.
 */
export function pagerace(args: string[], env: Record<string, string> = {}, cwd = ROOT): CliRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PAGERACE_PROGRESS: 'never', ...env },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

/** `RunningCli` is the CLI started in the background, with what it has printed so far. */
export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** resolves with the exit code (null when a signal killed it) once the CLI has exited */
  exited: Promise<number | null>;
  /** resolves once stdout contains `text` */
  printed(text: string): Promise<void>;
}

/** `startPagerace` starts the CLI from source in the background (to signal it, or close its pipes). */
export function startPagerace(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, PAGERACE_PROGRESS: 'never', ...env },
  });
  let out = '';
  let err = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (d) => {
    out += d;
    for (const w of waiting.splice(0)) {
      if (out.includes(w.text)) w.resolve();
      else waiting.push(w);
    }
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return {
    child,
    stdout: () => out,
    stderr: () => err.replace(/^npm warn.*\n/gm, ''),
    exited,
    printed: (text) =>
      out.includes(text) ? Promise.resolve() : new Promise((resolve) => waiting.push({ text, resolve })),
  };
}
