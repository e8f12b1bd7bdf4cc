import type { CpuSet } from '../../src/engine/cpu-set.js';
import { conflicts, Footprint } from '../../src/engine/footprint.js';
import type { Scheduler, SchedulingView } from '../../src/engine/scheduling.js';

/** `Step` is one step of a recorded execution: the CPU, what it touched, its data value. */
interface Step {
  cpu: number;
  fp: Footprint;
  value: number;
}

/**
 * `canonical` names the Mazurkiewicz trace of `steps`: its least linearization, taking at each
 * point the lowest CPU whose next step depends on nothing not yet taken. Two executions are
 * reorderings of each other's independent steps exactly when their names are equal.
 */
function canonical(steps: Step[]): string {
  const n = steps.length;
  // how many earlier steps each step depends on (its CPU's, and any that conflict with it)
  const waiting = new Int32Array(n);
  const after: number[][] = steps.map(() => []);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++)
      if (steps[j].cpu === steps[i].cpu || conflicts(steps[j].fp, steps[i].fp)) {
        waiting[i]++;
        after[j].push(i);
      }
  const taken = new Uint8Array(n);
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    let best = -1;
    for (let i = 0; i < n; i++)
      if (taken[i] === 0 && waiting[i] === 0 && (best < 0 || steps[i].cpu < steps[best].cpu)) best = i;
    taken[best] = 1;
    for (const i of after[best]) waiting[i]--;
    out.push(`${steps[best].cpu}:${steps[best].value}`);
  }
  return out.join(' ');
}

/**
 * `TraceRecorder` runs another scheduler and records the footprint of every step it takes, to
 * count the distinct Mazurkiewicz traces among the executions: under plain DFS, the number of
 * executions an optimal reduction runs, when no execution is cut short by a violation (a
 * deadlock ends an execution where it would end anyway).
 */
export class TraceRecorder implements Scheduler {
  private steps: Step[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly inner: Scheduler) {}

  /** `traces` is how many distinct traces the executions so far belong to. */
  get traces(): number {
    return this.names.size;
  }

  get exhausted(): boolean {
    return this.inner.exhausted;
  }

  startExecution(): boolean {
    this.steps = [];
    return this.inner.startExecution();
  }

  pickCpu(enabled: CpuSet, current: number, view: SchedulingView): number {
    const c = this.inner.pickCpu(enabled, current, view);
    const fp = new Footprint();
    if (c >= 0) view.footprint(c, fp);
    this.steps.push({ cpu: c, fp, value: 0 });
    return c;
  }

  pickValue(n: number): number {
    const v = this.inner.pickValue(n);
    this.steps[this.steps.length - 1].value = v;
    return v;
  }

  endExecution(): void {
    this.inner.endExecution();
    this.names.add(canonical(this.steps));
  }
}
