import type { CpuSet } from '../engine/cpu-set.js';
import type { Scheduler } from '../engine/scheduling.js';
import { CountedTree } from './decision-tree.js';

/**
 * `BoundedPass` is one pass of an iterative bound: depth-first search over the schedules that
 * spend at most `bound` of something (preemptions, delays), counting what the current execution
 * has spent so far in `spent`.
 */
export abstract class BoundedPass extends CountedTree {
  protected spentSoFar = 0;

  constructor(readonly bound: number) {
    super();
  }

  /** `spent` is how much of the bound the current execution has used. */
  get spent(): number {
    return this.spentSoFar;
  }

  protected override beginExecution(): void {
    this.spentSoFar = 0;
  }

  abstract pickCpu(enabled: CpuSet, current: number): number;

  pickValue(n: number): number {
    return this.decide(n);
  }
}

/**
 * `IterativeBound` runs passes of a bounded search with bound 0, 1, ... up to `max` (iterative
 * context bounding, Musuvathi and Qadeer, PLDI 2007): every schedule within bound b is explored
 * before any that needs b + 1, so a search with a larger bound finds each bug no later than one
 * with a smaller bound would, and its first failing execution spends as little as possible.
 * Pass b explores the schedules within b; those that spend less than b were explored by an earlier
 * pass, and are flagged `repeated` so that the search counts every schedule once.
 */
export class IterativeBound implements Scheduler {
  private pass: BoundedPass;
  private over = false;
  repeated = false;

  constructor(
    readonly max: number,
    private readonly makePass: (bound: number) => BoundedPass,
  ) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`a bound must be a whole number, got ${max}`);
    this.pass = makePass(0);
  }

  get exhausted(): boolean {
    return this.over;
  }

  /** `bound` is the bound of the pass running now. */
  get bound(): number {
    return this.pass.bound;
  }

  startExecution(): boolean {
    if (this.over) return false;
    while (!this.pass.startExecution()) {
      if (this.pass.bound >= this.max) {
        this.over = true;
        return false;
      }
      this.pass = this.makePass(this.pass.bound + 1);
    }
    this.repeated = false;
    return true;
  }

  pickCpu(enabled: CpuSet, current: number): number {
    return this.pass.pickCpu(enabled, current);
  }

  pickValue(n: number): number {
    return this.pass.pickValue(n);
  }

  endExecution(): void {
    this.pass.endExecution();
    this.repeated = this.pass.spent < this.pass.bound;
  }
}
