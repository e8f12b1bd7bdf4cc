import type { TlbMode } from '../arch/tlb.js';
import { defaultSearchOptions } from '../explore/options.js';
import { search } from '../explore/search.js';
import { resolveTargets } from '../model/load.js';

/**
 * `TLB_TARGETS` are the variants `npm run bench -- --tlb` searches with the caches on and off:
 * the kernel models whose hardware walks meet frees and flushes, and the TLB models' fixed
 * kernels. Each is complete under DPOR both ways.
 */
export const TLB_TARGETS: readonly TlbTarget[] = [
  { spec: 'fork-vs-sync:fixed-l4-fresh', params: { tasks: '8', forkers: '2' } },
  { spec: 'vmemmap-access-before-sync:fixed', params: { tasks: '4' } },
  { spec: 'hotremove-vs-ptdump:fixed', params: { walkers: '2', range: '2' } },
  { spec: 'two-populators:fixed', params: { populators: '3' } },
  { spec: 'free-before-flush:fixed', params: { pages: '4' } },
  { spec: 'vmalloc-lazy-purge:fixed', params: { pages: '4' } },
  { spec: 'arm64-split-bbm:fixed-bbm', params: {} },
];

/** `TlbTarget` is a variant and the parameters it is measured at. */
export interface TlbTarget {
  spec: string;
  params: Readonly<Record<string, string>>;
}

/** `TlbRun` is one exhaustive DPOR search of one variant with the caches on or off. */
export interface TlbRun {
  verdict: string;
  complete: boolean;
  executions: number;
  steps: number;
  /** the best of the rounds: user + system CPU seconds of this process (one thread) */
  cpuSeconds: number;
}

/** `TlbFigure` is one variant searched both ways, and the cost of the caches as ratios to off. */
export interface TlbFigure {
  target: string;
  on: TlbRun;
  off: TlbRun;
  executionsRatio: number;
  stepsRatio: number;
  cpuRatio: number;
}

async function runOnce(target: TlbTarget, tlb: TlbMode): Promise<TlbRun> {
  const [t] = await resolveTargets([target.spec], { params: target.params, tlb });
  const cpu0 = process.cpuUsage();
  const r = await search(t, { ...defaultSearchOptions(), strategy: 'dpor', minimize: false });
  const cpu = process.cpuUsage(cpu0);
  return {
    verdict: r.verdict,
    complete: r.complete,
    executions: r.executions,
    steps: r.steps,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/**
 * `measureTlbCost` searches each target to the end with DPOR, with `--tlb on` and `--tlb off`
 * alternately for `rounds` rounds (so that other load on the machine hits both alike; the best
 * round of each counts), and reports executions, steps and CPU time as ratios on / off.
 */
export async function measureTlbCost(
  targets: readonly TlbTarget[],
  rounds: number,
  onFigure: (f: TlbFigure) => void = () => {},
): Promise<TlbFigure[]> {
  const out: TlbFigure[] = [];
  for (const target of targets) {
    let on: TlbRun | null = null;
    let off: TlbRun | null = null;
    for (let i = 0; i < rounds; i++) {
      const a = await runOnce(target, 'on');
      const b = await runOnce(target, 'off');
      if (!on || a.cpuSeconds < on.cpuSeconds) on = a;
      if (!off || b.cpuSeconds < off.cpuSeconds) off = b;
    }
    if (!on || !off) throw new Error('measureTlbCost: rounds must be at least 1');
    const params = Object.entries(target.params).map(([k, v]) => ` ${k}=${v}`);
    const f: TlbFigure = {
      target: `${target.spec}${params.join('')}`,
      on,
      off,
      executionsRatio: on.executions / off.executions,
      stepsRatio: on.steps / off.steps,
      cpuRatio: on.cpuSeconds / off.cpuSeconds,
    };
    out.push(f);
    onFigure(f);
  }
  return out;
}
