import type { Scheduler } from './scheduler.js';
import { bitCount, nthBit } from './scheduler.js';

/**
 * `BoundedScheduler` is depth-first search with a preemption bound (iterative context bounding,
 * Musuvathi and Qadeer, "Iterative Context Bounding for Systematic Testing of Multithreaded
 * Programs", PLDI 2007): it explores every execution with at most `bound` preemptions, trying
 * "let the current CPU continue" before any switch. Most bugs need few preemptions, and the first
 * failing execution it finds has the fewest possible, which is why the minimizer uses it.
 */
export class BoundedScheduler implements Scheduler {
  private readonly chosen: number[] = [];
  private readonly counts: number[] = [];
  private depth = 0;
  private preemptions = 0;
  private started = false;
  private done = false;

  constructor(readonly bound: number) {}

  get exhausted(): boolean {
    return this.done;
  }

  startExecution(): boolean {
    if (this.done) return false;
    if (this.started && !this.backtrack()) {
      this.done = true;
      return false;
    }
    this.started = true;
    this.depth = 0;
    this.preemptions = 0;
    return true;
  }

  pickCpu(enabled: number, current: number): number {
    const canContinue = current >= 0 && (enabled >>> current) & 1;
    if (!canContinue) return nthBit(enabled, this.decide(bitCount(enabled)));
    if (this.preemptions >= this.bound) {
      this.decide(1);
      return current;
    }
    // option 0 continues the current CPU; option k > 0 switches to the k-th other enabled CPU
    const others = enabled & ~(1 << current);
    const k = this.decide(1 + bitCount(others));
    if (k === 0) return current;
    this.preemptions++;
    return nthBit(others, k - 1);
  }

  pickValue(n: number): number {
    return this.decide(n);
  }

  endExecution(): void {
    this.chosen.length = this.depth;
    this.counts.length = this.depth;
  }

  private backtrack(): boolean {
    for (let d = this.chosen.length - 1; d >= 0; d--) {
      if (this.chosen[d] + 1 < this.counts[d]) {
        this.chosen[d]++;
        this.chosen.length = d + 1;
        this.counts.length = d + 1;
        return true;
      }
    }
    return false;
  }

  private decide(count: number): number {
    const d = this.depth++;
    if (d < this.chosen.length) {
      this.counts[d] = count;
      return Math.min(this.chosen[d], count - 1);
    }
    this.chosen.push(0);
    this.counts.push(count);
    return 0;
  }
}
