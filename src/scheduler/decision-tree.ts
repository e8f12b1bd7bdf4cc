import { ScheduleError } from '../engine/scheduling.js';

/**
 * `DecisionTree` is the decision stack that every exhaustive strategy (dfs, bounded, dpor) walks
 * depth first: one node per decision of the current execution, the option each took, and
 * backtracking to the deepest node with an untried option (loom's `rt/path.rs` in a few named
 * steps). A strategy says what its nodes hold and which option comes next (`advance`); the tree
 * keeps the stack, replays the decisions above the branch point, and knows when the search is
 * over.
 *
 * Nodes are pooled: a node object is made once per depth and reused by every execution that
 * reaches that depth, so the search allocates nothing per step once it is warm.
 *
 * invariant: `size` nodes are live, `depth <= size` during an execution, and nodes below `fixed`
 * (a schedule prefix that pins the subtree this tree explores) are never backtracked.
 */
export abstract class DecisionTree<N extends { chosen: number }> {
  private readonly pool: N[] = [];
  /** live nodes: the decisions of the execution being explored */
  protected size = 0;
  /** the decision the current execution makes next */
  protected depth = 0;
  private started = false;
  private over = false;

  constructor(protected readonly fixed = 0) {}

  get exhausted(): boolean {
    return this.over;
  }

  /** `startExecution` backtracks to the next unexplored execution; false when there is none. */
  startExecution(): boolean {
    if (this.over) return false;
    if (this.started && !this.backtrack()) {
      this.over = true;
      return false;
    }
    this.started = true;
    this.depth = 0;
    this.beginExecution();
    return true;
  }

  /** `endExecution` drops the nodes the execution did not reach (it ended early). */
  endExecution(): void {
    if (this.depth < this.size) this.size = this.depth;
  }

  /** `hasStarted` is true once the first execution began. */
  protected get hasStarted(): boolean {
    return this.started;
  }

  /** `beginExecution` lets a strategy reset its per-execution state. */
  protected beginExecution(): void {}

  /** `makeNode` makes a fresh node object for the pool. */
  protected abstract makeNode(): N;

  /** `advance` moves `node` (at depth `d`) to its next unexplored option; false when it has none. */
  protected abstract advance(node: N, d: number): boolean;

  /** `untried` is how many options of `node` are still to be explored (for `pending`). */
  protected abstract untried(node: N): number;

  /**
   * `pending` is how many unexplored branches the stack holds now: the search's known frontier
   * (progress lines show it; a branch may hold many executions).
   */
  pending(): number {
    let n = 0;
    for (let d = this.fixed; d < this.size; d++) n += this.untried(this.pool[d]);
    return n;
  }

  /** `truncated` tells a strategy that the stack was cut back to depth `d` (inclusive). */
  protected truncated(_d: number): void {}

  /** `node` is the live node at depth `d`. */
  protected node(d: number): N {
    return this.pool[d];
  }

  /** `push` appends a node (reused from the pool) and returns it. */
  protected push(): N {
    let n = this.pool[this.size];
    if (n === undefined) {
      n = this.makeNode();
      this.pool[this.size] = n;
    }
    this.size++;
    return n;
  }

  /** moves to the deepest decision with something left to explore */
  private backtrack(): boolean {
    for (let d = this.size - 1; d >= this.fixed; d--) {
      if (this.advance(this.pool[d], d)) {
        this.size = d + 1;
        this.truncated(d);
        return true;
      }
    }
    return false;
  }
}

/** `CountedNode` is a decision among `count` options taken in order 0, 1, ... */
export interface CountedNode {
  chosen: number;
  count: number;
}

/**
 * `CountedTree` is a decision tree whose every decision is among a number of options tried in
 * order (plain DFS, bounded search). `decide` replays the current path and extends it with
 * option 0; a prefix pins the first decisions.
 */
export abstract class CountedTree extends DecisionTree<CountedNode> {
  constructor(readonly prefix: readonly number[] = []) {
    super(prefix.length);
    for (const p of prefix) {
      const n = this.push();
      n.chosen = p;
      n.count = Number.POSITIVE_INFINITY;
    }
  }

  protected makeNode(): CountedNode {
    return { chosen: 0, count: 0 };
  }

  protected untried(node: CountedNode): number {
    return Number.isFinite(node.count) ? Math.max(0, node.count - node.chosen - 1) : 0;
  }

  protected advance(node: CountedNode): boolean {
    if (node.chosen + 1 >= node.count) return false;
    node.chosen++;
    return true;
  }

  /**
   * `frontier` is what is left of the subtree after the last completed execution, as the prefixes
   * of its unexplored subtrees in the order this tree would have visited them (deepest first, then
   * options in order). Exploring each of them with a tree of that prefix, in that order, runs
   * exactly the executions this tree would still run: that is how a unit of parallel exploration
   * hands back the rest of its work. Call it between `endExecution` and the next
   * `startExecution`; before the first execution the frontier is the prefix itself.
   */
  frontier(): number[][] {
    if (this.exhausted) return [];
    if (!this.hasStarted) return [[...this.prefix]];
    const out: number[][] = [];
    for (let d = this.size - 1; d >= this.fixed; d--) {
      const n = this.node(d);
      for (let k = n.chosen + 1; k < n.count; k++) {
        const p: number[] = [];
        for (let j = 0; j < d; j++) p.push(this.node(j).chosen);
        p.push(k);
        out.push(p);
      }
    }
    return out;
  }

  /** `decide` makes the next decision among `count` options and returns the option taken. */
  protected decide(count: number): number {
    const d = this.depth++;
    if (d < this.size) {
      const n = this.node(d);
      if (n.count !== Number.POSITIVE_INFINITY && n.count !== count) {
        throw new ScheduleError(
          `the model is not deterministic: decision ${d} offered ${count} options on replay but ${n.count} before (does it keep state outside PhysicalMemory, or use Math.random?)`,
        );
      }
      if (n.chosen >= count)
        throw new ScheduleError(
          `schedule prefix option ${n.chosen} at decision ${d} is out of range (${count} options)`,
        );
      n.count = count;
      return n.chosen;
    }
    const n = this.push();
    n.chosen = 0;
    n.count = count;
    return 0;
  }
}
