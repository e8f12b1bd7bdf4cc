import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `setup` builds dist/ once before the tests (vitest globalSetup): the CLI tests run the built
 * CLI as a user does, which starts in a fraction of the time the CLI takes through tsx. tsc
 * builds incrementally, so an unchanged tree costs a parse, not a rebuild.
 */
export function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`the build failed, so the CLI tests cannot run:\n${r.stdout}${r.stderr}`);
}
