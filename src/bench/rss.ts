import { defaultSearchOptions } from '../explore/options.js';
import { parallelSearch } from '../explore/parallel.js';
import { ExplorerPool } from '../explore/parallel-pool.js';
import type { Target } from '../model/load.js';

/** `RssFigure` is the resident memory of the whole process (workers included) over a long search. */
export interface RssFigure {
  model: string;
  workers: number;
  seconds: number;
  executions: number;
  /** [seconds since start, RSS in MB] every sample */
  samples: [number, number][];
  /** RSS at the end of the warm-up (the first tenth of the run), MB */
  warmMb: number;
  /** the highest RSS after the warm-up, MB */
  peakMb: number;
  /** growth from the warm-up sample to the peak, percent */
  growthPct: number;
}

/**
 * `measureRss` runs a DFS of `target` on `workers` explorer workers for `ms` milliseconds (a
 * search that does not finish in that time) and samples the resident set size of the process
 * every `sampleMs`: the workers are threads of this process, so their heaps and buffers count.
 */
export async function measureRss(
  target: Target,
  workers: number,
  ms: number,
  sampleMs: number,
): Promise<RssFigure> {
  const pool = await ExplorerPool.open(workers);
  const samples: [number, number][] = [];
  const t0 = performance.now();
  const sample = () => samples.push([(performance.now() - t0) / 1000, process.memoryUsage.rss() / 2 ** 20]);
  sample();
  const timer = setInterval(sample, sampleMs);
  let executions = 0;
  try {
    const r = await parallelSearch(target, { ...defaultSearchOptions(), strategy: 'dfs', timeMs: ms }, pool);
    executions = r.executions;
  } finally {
    clearInterval(timer);
    sample();
    await pool.close();
  }
  const warmAt = ms / 10 / 1000;
  const warmIndex = Math.max(
    0,
    samples.findIndex(([s]) => s >= warmAt),
  );
  const warmMb = samples[warmIndex][1];
  const peakMb = Math.max(...samples.slice(warmIndex).map(([, mb]) => mb));
  return {
    model: `${target.model.def.name}:${target.variantName}`,
    workers,
    seconds: (performance.now() - t0) / 1000,
    executions,
    samples,
    warmMb,
    peakMb,
    growthPct: ((peakMb - warmMb) / warmMb) * 100,
  };
}
