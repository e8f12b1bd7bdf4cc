import { conflicts, Footprint } from '../engine/footprint.js';
import type { TraceStep } from '../engine/trace.js';

/**
 * `Race` is a pair of steps of a trace, of different CPUs, that conflict (touch the same bytes,
 * one writing, or both use the frame allocator) and that nothing else orders: reversing them is
 * what partial-order reduction would explore. `first` and `second` are indices into the trace.
 */
export interface Race {
  first: number;
  second: number;
}

function footprintOfStep(s: TraceStep): Footprint {
  const fp = new Footprint();
  const [rl, rh] = s.read ?? [0, 0];
  const [wl, wh] = s.write ?? [0, 0];
  fp.set(rl, rh, wl, wh, s.allocator === true);
  return fp;
}

/**
 * `tracedRaces` finds the races of a trace the way DPOR's race analysis does (Flanagan and
 * Godefroid, POPL 2005): happens-before is program order plus the order of conflicting steps,
 * tracked with vector clocks; steps i < j of different CPUs race when they conflict and i is not
 * already before j through j's CPU's earlier steps or through another step that conflicts with
 * j. Each step is thus linked to the conflicting steps it directly depends on.
 */
export function tracedRaces(trace: readonly TraceStep[]): Race[] {
  const cpus = Math.max(0, ...trace.map((s) => s.cpu + 1));
  const fps = trace.map(footprintOfStep);
  /** position of each step among its CPU's steps, from 1 */
  const pos: number[] = [];
  const clocks: Int32Array[] = [];
  const lastOf = new Map<number, number>();
  const count = new Int32Array(cpus);
  const races: Race[] = [];
  for (let j = 0; j < trace.length; j++) {
    const c = trace[j].cpu;
    const prev = lastOf.get(c);
    const base = prev === undefined ? new Int32Array(cpus) : clocks[prev];
    const direct: number[] = [];
    for (let i = 0; i < j; i++) {
      if (trace[i].cpu !== c && conflicts(fps[i], fps[j])) direct.push(i);
    }
    for (const i of direct) {
      const ci = trace[i].cpu;
      if (base[ci] >= pos[i]) continue;
      const later = direct.some((k) => k !== i && clocks[k][ci] >= pos[i]);
      if (!later) races.push({ first: i, second: j });
    }
    const clock = Int32Array.from(base);
    for (const k of direct) for (let x = 0; x < cpus; x++) clock[x] = Math.max(clock[x], clocks[k][x]);
    count[c]++;
    pos.push(count[c]);
    clock[c] = count[c];
    clocks.push(clock);
    lastOf.set(c, j);
  }
  return races;
}
