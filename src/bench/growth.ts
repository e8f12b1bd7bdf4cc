import { defaultSearchOptions } from '../explore/options.js';
import { search } from '../explore/search.js';
import { resolveTargets } from '../model/load.js';

/** `GrowthSize` is one size of fork-vs-sync: tasks on pgd_list besides init_mm, and how many fork. */
export interface GrowthSize {
  tasks: number;
  forkers: number;
}

/** `GrowthFigure` is one exhaustive DPOR search of fork-vs-sync at one size. */
export interface GrowthFigure extends GrowthSize {
  variant: string;
  verdict: string;
  complete: boolean;
  executions: number;
  pruned: number;
  steps: number;
  /** user + system CPU seconds of this process for the search (one thread) */
  cpuSeconds: number;
}

/** `GROWTH_VARIANT` is the variant measured: mainline, 4-level paging, a fresh top-level slot. */
export const GROWTH_VARIANT = 'fixed-l4-fresh';

/**
 * `growthSizes` is the scenario family of the SPIN comparison (issue 10): one forker at each of
 * 2 to 16 tasks, two forkers at each of 3 to 16 tasks, and three forkers at 4, 8 and 16 (`quick`:
 * one and two forkers at 2 or 3, 4 and 8 tasks).
 */
export function growthSizes(quick: boolean): GrowthSize[] {
  const tasks = quick ? [2, 4, 8] : Array.from({ length: 15 }, (_, i) => i + 2);
  const out: GrowthSize[] = [];
  for (const t of tasks) out.push({ tasks: t, forkers: 1 });
  for (const t of [3, ...tasks.filter((t) => t > 3)]) out.push({ tasks: t, forkers: 2 });
  if (!quick) for (const t of [4, 8, 16]) out.push({ tasks: t, forkers: 3 });
  return out;
}

/**
 * `measureGrowth` checks fork-vs-sync:`variant` at each size with DPOR to the end (one thread, no
 * minimization) and counts executions, steps and CPU time: how the search grows with the tasks
 * the sync walks and with the tasks that fork.
 */
export async function measureGrowth(
  sizes: readonly GrowthSize[],
  variant = GROWTH_VARIANT,
  onFigure: (f: GrowthFigure) => void = () => {},
): Promise<GrowthFigure[]> {
  const out: GrowthFigure[] = [];
  for (const size of sizes) {
    const params = { tasks: String(size.tasks), forkers: String(size.forkers) };
    const [t] = await resolveTargets([`fork-vs-sync:${variant}`], { params });
    const cpu0 = process.cpuUsage();
    const r = await search(t, { ...defaultSearchOptions(), strategy: 'dpor', minimize: false });
    const cpu = process.cpuUsage(cpu0);
    const f: GrowthFigure = {
      ...size,
      variant,
      verdict: r.verdict,
      complete: r.complete,
      executions: r.executions,
      pruned: r.pruned,
      steps: r.steps,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    out.push(f);
    onFigure(f);
  }
  return out;
}
