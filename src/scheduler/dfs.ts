import { bitCount, nthBit, ScheduleError, type Scheduler } from './scheduler.js';

/**
 * `DfsScheduler` explores every execution exactly once, depth first, with no reduction: at each
 * decision it takes the options in order (CPUs by index, values from 0) and backtracks to the
 * deepest decision that has an untried option. For two CPUs of two steps each it explores
 * C(4,2) = 6 executions.
 *
 * A `prefix` of option indices fixes the first decisions, so one scheduler explores just the
 * subtree below it (a unit of parallel exploration).
 */
export class DfsScheduler implements Scheduler {
  /** invariant: `chosen.length === counts.length`, and `chosen[i] < counts[i]` */
  protected readonly chosen: number[];
  protected readonly counts: number[];
  protected depth = 0;
  private started = false;
  private done = false;

  constructor(readonly prefix: readonly number[] = []) {
    this.chosen = [...prefix];
    this.counts = prefix.map(() => Number.POSITIVE_INFINITY);
  }

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
    return true;
  }

  pickCpu(enabled: number): number {
    return nthBit(enabled, this.decide(bitCount(enabled)));
  }

  pickValue(n: number): number {
    return this.decide(n);
  }

  endExecution(): void {
    this.chosen.length = this.depth;
    this.counts.length = this.depth;
  }

  /** `path` is the option index taken at each decision of the current execution. */
  path(): number[] {
    return this.chosen.slice(0, this.depth);
  }

  /**
   * `frontier` is what is left of the subtree after the last completed execution, as the prefixes
   * of its unexplored subtrees in the order this scheduler would have visited them (deepest
   * first, then options in order). Exploring each of them with a `DfsScheduler(prefix)`, in that
   * order, runs exactly the executions that this scheduler would still run: that is how a unit
   * of parallel exploration hands back the rest of its work. Call it between `endExecution` and
   * the next `startExecution`; before the first execution the frontier is the prefix itself.
   */
  frontier(): number[][] {
    if (this.done) return [];
    if (!this.started) return [[...this.prefix]];
    const out: number[][] = [];
    for (let d = this.chosen.length - 1; d >= this.prefix.length; d--) {
      for (let k = this.chosen[d] + 1; k < this.counts[d]; k++) {
        const p = this.chosen.slice(0, d);
        p.push(k);
        out.push(p);
      }
    }
    return out;
  }

  /** moves to the next unexplored leaf; false when the subtree below the prefix is done */
  private backtrack(): boolean {
    for (let d = this.chosen.length - 1; d >= this.prefix.length; d--) {
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
      const known = this.counts[d];
      if (known !== Number.POSITIVE_INFINITY && known !== count) {
        throw new ScheduleError(
          `the model is not deterministic: decision ${d} offered ${count} options on replay but ${known} before (does it keep state outside PhysicalMemory, or use Math.random?)`,
        );
      }
      if (this.chosen[d] >= count)
        throw new ScheduleError(
          `schedule prefix option ${this.chosen[d]} at decision ${d} is out of range (${count} options)`,
        );
      this.counts[d] = count;
      return this.chosen[d];
    }
    this.chosen.push(0);
    this.counts.push(count);
    return 0;
  }
}
