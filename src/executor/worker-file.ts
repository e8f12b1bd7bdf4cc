import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `workerFile` resolves a worker entry point in workers/ beside src/: `workers/NAME.js` when
 * built; from source (tests), `workers/NAME.tsx.mjs`, which registers tsx in the worker before
 * loading `NAME.ts` (Node 20 workers do not inherit the parent's `--import tsx` loader hooks).
 */
export function workerFile(name: string): URL {
  const fromSource = extname(fileURLToPath(import.meta.url)) === '.ts';
  return new URL(`../../workers/${name}${fromSource ? '.tsx.mjs' : '.js'}`, import.meta.url);
}
