import { spawnSync } from 'node:child_process';
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

/**
 * `pagerace` runs the CLI from source (through tsx) as a user would, in a child process. Its
 * stderr is not a terminal, so progress would come as lines: they are off (PAGERACE_PROGRESS=never)
 * unless a test sets PAGERACE_PROGRESS itself.
 */
export function pagerace(args: string[], env: Record<string, string> = {}): CliRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/bin.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PAGERACE_PROGRESS: 'never', ...env },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}
