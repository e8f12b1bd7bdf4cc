import seedrandom from 'seedrandom';
import type { Scheduler } from './scheduler.js';
import { bitCount, nthBit } from './scheduler.js';

/** `executionSeed` is the seed of execution `index` of a run seeded `seed`. */
export function executionSeed(seed: string, index: number): string {
  return `${seed}:${index}`;
}

/**
 * `RandomScheduler` runs executions `first..end-1`; execution i picks uniformly among the enabled
 * CPUs with a seedrandom generator seeded by the run seed and i, so any execution can be rerun
 * alone, and a range of executions can run on any worker with the same result.
 */
export class RandomScheduler implements Scheduler {
  readonly exhausted = false;
  protected rng: seedrandom.PRNG = seedrandom.alea('');
  private next: number;

  constructor(
    readonly seed: string,
    readonly first = 0,
    readonly end = Number.POSITIVE_INFINITY,
  ) {
    this.next = first;
  }

  /** `index` is the index of the current execution. */
  get index(): number {
    return this.next - 1;
  }

  startExecution(): boolean {
    if (this.next >= this.end) return false;
    this.rng = seedrandom.alea(executionSeed(this.seed, this.next));
    this.next++;
    this.beginExecution();
    return true;
  }

  /** `beginExecution` lets a subclass draw its per-execution parameters. */
  protected beginExecution(): void {}

  pickCpu(enabled: number, _current: number): number {
    return nthBit(enabled, Math.floor(this.rng() * bitCount(enabled)));
  }

  pickValue(n: number): number {
    return Math.floor(this.rng() * n);
  }

  endExecution(): void {}
}
