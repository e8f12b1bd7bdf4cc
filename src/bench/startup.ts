import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { defaultSearchOptions } from '../explore/options.js';
import { parallelSearch } from '../explore/parallel.js';
import { ExplorerPool } from '../explore/parallel-pool.js';
import { resolveTargets } from '../model/load.js';

/** `StartupFigure` is where a whole-table `pagerace check` spends its wall-clock time. */
export interface StartupFigure {
  /** best wall time of `node dist/src/cli/bin.js check --no-out` (every bundled variant), ms */
  cliMs: number;
  runs: number;
  /** the same phases measured in this process, ms: loading the models, starting the explorer
   * workers (concurrently with it in the CLI), and the searches with their reports */
  loadModelsMs: number;
  startWorkersMs: number;
  searchMs: number;
  variants: number;
  /** the slowest variants (wall ms, search included) */
  slowest: { variant: string; ms: number; executions: number }[];
}

/**
 * `measureStartup` times the CLI checking the whole table `runs` times in a child process (cold:
 * a fresh Node, module loading, worker start, every search and its minimization) and then the
 * phases in this process, on `workers` explorer workers.
 */
export async function measureStartup(root: string, runs: number, workers: number): Promise<StartupFigure> {
  const bin = join(root, 'dist', 'src', 'cli', 'bin.js');
  let cliMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, 'check', '--no-out', '--workers', String(workers)], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`bench: the whole-table check exited ${r.status}: ${r.stderr}`);
    cliMs = Math.min(cliMs, performance.now() - t0);
  }
  const t0 = performance.now();
  const targets = await resolveTargets([]);
  const t1 = performance.now();
  const pool = await ExplorerPool.open(workers);
  const t2 = performance.now();
  const slowest: StartupFigure['slowest'] = [];
  try {
    for (const t of targets) {
      const s = performance.now();
      const r = await parallelSearch(t, defaultSearchOptions(), pool);
      slowest.push({
        variant: `${t.model.def.name}:${t.variantName}`,
        ms: performance.now() - s,
        executions: r.executions,
      });
    }
  } finally {
    await pool.close();
  }
  const t3 = performance.now();
  slowest.sort((a, b) => b.ms - a.ms);
  return {
    cliMs,
    runs,
    loadModelsMs: t1 - t0,
    startWorkersMs: t2 - t1,
    searchMs: t3 - t2,
    variants: targets.length,
    slowest: slowest.slice(0, 5),
  };
}
