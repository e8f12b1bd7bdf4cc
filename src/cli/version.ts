import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `packageVersion` is the version in pagerace's package.json, found by walking up from this file
 * (`src/cli/` from source, `dist/src/cli/` when compiled).
 */
export function packageVersion(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    const file = join(d, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pagerace' && pkg.version) return pkg.version;
    }
    if (dirname(d) === d) return 'unknown';
  }
}
