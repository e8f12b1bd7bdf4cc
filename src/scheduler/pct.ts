import type { CpuSet } from '../engine/cpu-set.js';
import { MAX_CPUS } from '../engine/scheduling.js';
import { RANDOM_BUDGET, RandomScheduler } from './random.js';
import { seedHash } from './seeded-rng.js';
import { optionValue, type StrategyDescriptor } from './strategy.js';

/** `PCT_PROBES` is how many random executions measure the execution length before PCT runs. */
export const PCT_PROBES = 10;

/**
 * `PctScheduler` is probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
 * Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS
 * 2010): CPUs get random distinct priorities, the highest-priority enabled CPU runs, and at
 * `depth - 1` random steps the running CPU drops below all others. A bug of depth d among n CPUs
 * and k steps is found with probability at least 1/(n k^(d-1)) per execution.
 *
 * k, the execution length the change points are drawn from, is measured once: the longest of
 * `PCT_PROBES` random executions seeded by the run seed alone, run (and flagged `repeated`, so not
 * counted) before the first execution of every range. Execution i then depends only on the seed
 * and i, so a range of executions runs anywhere with the same result, on any number of workers.
 */
export class PctScheduler extends RandomScheduler {
  /** invariant: length is depth - 1, sorted ascending; reused by every execution */
  private readonly changePoints: number[] = [];
  private readonly priority = new Float64Array(MAX_CPUS);
  /** whether this execution's priorities are drawn (at its first pick, when the CPU count is known) */
  private drawn = false;
  private steps = 0;
  private length = 1;
  private probes = 0;
  private probing = false;
  repeated = false;
  /** the seed of the probes: the run seed alone, so every range measures the same k */
  private readonly probeHash: readonly [number, number];

  constructor(
    seed: string,
    readonly depth = 3,
    first = 0,
    end = Number.POSITIVE_INFINITY,
  ) {
    super(seed, first, end);
    this.probeHash = seedHash(`${seed}:pct-probe`);
    if (!Number.isInteger(depth) || depth < 1)
      throw new RangeError(`PCT depth must be a positive integer, got ${depth}`);
  }

  /** `estimatedLength` is k: the execution length the probes measured (1 before them). */
  get estimatedLength(): number {
    return this.length;
  }

  override startExecution(): boolean {
    this.steps = 0;
    this.probing = this.probes < PCT_PROBES && this.hasNext;
    if (!this.probing) return super.startExecution();
    this.rng.reseed(this.probeHash, this.probes++);
    return true;
  }

  /**
   * draws the change points first, then, at the first pick, one priority per CPU of the machine
   * (`enabled.capacity` of them): both orders are fixed, so the schedule follows from the seed
   */
  protected override beginExecution(): void {
    const points = this.changePoints;
    points.length = 0;
    for (let i = 1; i < this.depth; i++) points.push(1 + Math.floor(this.rng.next() * this.length));
    points.sort(ascending);
    this.drawn = false;
  }

  override pickCpu(enabled: CpuSet, current: number): number {
    this.steps++;
    if (this.probing) return super.pickCpu(enabled, current);
    if (!this.drawn) {
      for (let i = 0; i < enabled.capacity; i++) this.priority[i] = this.depth + this.rng.next();
      this.drawn = true;
    }
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
    this.repeated = this.probing;
    if (this.probing && this.steps > this.length) this.length = this.steps;
  }
}

function ascending(a: number, b: number): number {
  return a - b;
}

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
  split: 'range',
  defaultBudget: RANDOM_BUDGET,
  create: (unit) =>
    new PctScheduler(unit.seed, optionValue(pct, unit.options, 'pct-depth'), unit.first, unit.end),
};
