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

/**
 * `WORKER_RESOURCE_LIMITS` are the heap limits of every worker pagerace starts (explorers, CPU
 * threads). A worker's young generation grows with its allocation rate (every step allocates)
 * up to 3 x 16 MiB by default and is not given back, so a long run's memory kept climbing; 4 MiB
 * holds a step's garbage, which dies young, at no cost in speed.
 */
export const WORKER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4 } as const;
