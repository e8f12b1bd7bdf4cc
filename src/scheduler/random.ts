import type { CpuSet } from '../engine/cpu-set.js';
import type { Scheduler } from '../engine/scheduling.js';
import { ExecutionRng, seedHash } from './seeded-rng.js';
import type { StrategyDescriptor } from './strategy.js';

/**
 * `RandomScheduler` runs executions `first..end-1`; execution i picks uniformly among the enabled
 * CPUs (and among a data choice's values) with a generator seeded by the hash of the run seed and
 * i (seeded-rng.ts), so any execution can be rerun alone, and a range of executions can run on
 * any worker with the same result.
 */
export class RandomScheduler implements Scheduler {
  readonly exhausted = false;
  protected readonly rng = new ExecutionRng();
  private readonly hash: readonly [number, number];
  private next: number;

  constructor(
    readonly seed: string,
    readonly first = 0,
    readonly end = Number.POSITIVE_INFINITY,
  ) {
    this.next = first;
    this.hash = seedHash(seed);
  }

  /** `hasNext` says whether executions of the range are left. */
  protected get hasNext(): boolean {
    return this.next < this.end;
  }

  startExecution(): boolean {
    if (this.next >= this.end) return false;
    this.rng.reseed(this.hash, this.next);
    this.next++;
    this.beginExecution();
    return true;
  }

  /** `beginExecution` lets a subclass draw its per-execution parameters. */
  protected beginExecution(): void {}

  pickCpu(enabled: CpuSet, _current: number): number {
    return enabled.nth(Math.floor(this.rng.next() * enabled.size));
  }

  pickValue(n: number): number {
    return Math.floor(this.rng.next() * n);
  }

  endExecution(): void {}
}

/** `RANDOM_BUDGET` is the default number of executions of random and pct searches. */
export const RANDOM_BUDGET = 10_000;

/** `random` is uniform random search, execution i seeded by the run seed and i. */
export const random: StrategyDescriptor = {
  name: 'random',
  summary: 'uniform random choice at each step, seeded per execution',
  exhaustive: false,
  options: [],
  split: 'range',
  defaultBudget: RANDOM_BUDGET,
  create: (unit) => new RandomScheduler(unit.seed, unit.first, unit.end),
};
