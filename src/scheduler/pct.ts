import type { CpuSet } from '../engine/cpu-set.js';
import { MAX_CPUS } from '../engine/scheduling.js';
import { RANDOM_BUDGET, RandomScheduler } from './random.js';
import { optionValue, type StrategyDescriptor } from './strategy.js';

/**
 * `PctScheduler` is probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
 * Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS
 * 2010): CPUs get random distinct priorities, the highest-priority enabled CPU runs, and at
 * `depth - 1` random steps the running CPU drops below all others. A bug of depth d among n CPUs
 * and k steps is found with probability at least 1/(n k^(d-1)) per execution.
 *
 * k is learned: it is the longest execution seen so far (shuttle's pct.rs does the same).
 */
export class PctScheduler extends RandomScheduler {
  /** invariant: length is depth - 1, sorted ascending; reused by every execution */
  private readonly changePoints: number[] = [];
  private readonly priority = new Float64Array(MAX_CPUS);
  /** whether this execution's priorities are drawn (at its first pick, when the CPU count is known) */
  private drawn = false;
  private steps = 0;
  private maxSteps = 1;

  constructor(
    seed: string,
    readonly depth = 3,
    first = 0,
    end = Number.POSITIVE_INFINITY,
  ) {
    super(seed, first, end);
    if (!Number.isInteger(depth) || depth < 1)
      throw new RangeError(`PCT depth must be a positive integer, got ${depth}`);
  }

  /**
   * draws the change points first, then, at the first pick, one priority per CPU of the machine
   * (`enabled.capacity` of them): both orders are fixed, so the schedule follows from the seed
   */
  protected override beginExecution(): void {
    const points = this.changePoints;
    points.length = 0;
    for (let i = 1; i < this.depth; i++) points.push(1 + Math.floor(this.rng.next() * this.maxSteps));
    points.sort(ascending);
    this.drawn = false;
    this.steps = 0;
  }

  override pickCpu(enabled: CpuSet, current: number): number {
    if (!this.drawn) {
      for (let i = 0; i < enabled.capacity; i++) this.priority[i] = this.depth + this.rng.next();
      this.drawn = true;
    }
    this.steps++;
    for (let i = 0; i < this.changePoints.length; i++) {
      if (this.changePoints[i] === this.steps && current >= 0) this.priority[current] = this.depth - 1 - i;
    }
    let best = -1;
    for (let c = enabled.first(); c >= 0; c = enabled.next(c + 1)) {
      if (best < 0 || this.priority[c] > this.priority[best]) best = c;
    }
    return best;
  }

  override endExecution(): void {
    if (this.steps > this.maxSteps) this.maxSteps = this.steps;
  }
}

function ascending(a: number, b: number): number {
  return a - b;
}

/** `PCT_CHUNK` is the size of a pct unit: PCT learns its step bound within a unit, so a unit must
 * run whole and the chunking must not depend on the number of workers. */
export const PCT_CHUNK = 1000;

/** `pct` is probabilistic concurrency testing. */
export const pct: StrategyDescriptor = {
  name: 'pct',
  summary: 'probabilistic concurrency testing with depth d (Burckhardt et al. 2010)',
  exhaustive: false,
  options: [
    {
      key: 'pct-depth',
      arg: 'd',
      env: 'PAGERACE_PCT_DEPTH',
      help: 'bug depth of the pct strategy',
      fallback: 3,
      min: 1,
    },
  ],
  split: 'chunks',
  chunk: PCT_CHUNK,
  defaultBudget: RANDOM_BUDGET,
  create: (unit) =>
    new PctScheduler(unit.seed, optionValue(pct, unit.options, 'pct-depth'), unit.first, unit.end),
};
