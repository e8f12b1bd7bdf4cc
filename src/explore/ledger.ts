import type { StrategyDescriptor } from '../scheduler/strategy.js';
import type { StopReason } from './found.js';
import type { UnitResult, UnitSighting, Work } from './parallel-unit.js';

/** `RANGE_CHUNK`: executions of a `range` unit (a `chunks` strategy names its own size). */
export const RANGE_CHUNK = 1000;

/**
 * `WorkNode` is one stretch of the sequential search order. The ledger keeps the nodes in that
 * order; a unit that returns early is followed, right after it, by nodes for the work it left,
 * which is exactly where that work comes in the order (its rest is the rest of its stretch).
 */
export interface WorkNode {
  work: Work;
  state: 'queued' | 'running' | 'settled';
  /** executions this node may run, set when dispatched */
  cap: number;
  /** the pool slot of the running unit, -1 when not running */
  slot: number;
  /** asked to yield (to split its work, or because it is no longer needed) */
  asked: boolean;
  /** a violation before it in the order makes it useless: its result is dropped */
  dropped: boolean;
  result: UnitResult | null;
}

/** `workNode` is a queued node for `work`. */
export function workNode(work: Work): WorkNode {
  return { work, state: 'queued', cap: 0, slot: -1, asked: false, dropped: false, result: null };
}

/** `FoldedSighting` is a distinct violation of the folded prefix: as first seen, how often, and where. */
export interface FoldedSighting {
  s: UnitSighting;
  count: number;
  /** index of the first execution that raised it, in the sequential order */
  first: number;
}

/** `Tally` is the sequential search's account of the ledger's folded prefix. */
export interface Tally {
  executions: number;
  steps: number;
  statistics: Record<string, number>;
  violating: number;
  seen: Map<string, FoldedSighting>;
}

/** `emptyTally` is the tally of no executions. */
export function emptyTally(): Tally {
  return { executions: 0, steps: 0, statistics: {}, violating: 0, seen: new Map() };
}

/** `foldResult` adds unit result `r`, the next stretch of the sequential order, into `t`. */
export function foldResult(t: Tally, r: UnitResult): void {
  for (const s of r.sightings) {
    const have = t.seen.get(s.key);
    if (have) have.count += s.count;
    else t.seen.set(s.key, { s, count: s.count, first: t.executions + s.first });
  }
  t.executions += r.executions;
  t.steps += r.steps;
  for (const [k, v] of Object.entries(r.statistics)) t.statistics[k] = (t.statistics[k] ?? 0) + v;
  t.violating += r.violating;
}

/**
 * `splitWork` cuts returned work into up to `k` consecutive pieces, in order. A DFS frontier
 * lists its deepest (smallest) subtrees first and its shallowest (largest) last, so the last
 * prefixes go one per piece and the small ones stay together in the first.
 */
export function splitWork(w: Work, k: number, strategy: StrategyDescriptor): Work[] {
  if (k <= 1) return [w];
  if (w.kind === 'dfs') {
    const p = w.prefixes;
    const alone = Math.min(k - 1, p.length - 1);
    if (alone <= 0) return [w];
    const head = p.slice(0, p.length - alone);
    const out: Work[] = [{ kind: 'dfs', prefixes: head }];
    for (const x of p.slice(p.length - alone)) out.push({ kind: 'dfs', prefixes: [x] });
    return out;
  }
  if (w.kind === 'range' && strategy.split === 'range') {
    const size = w.end - w.first;
    const pieces = Math.min(k, size);
    const out: Work[] = [];
    for (let i = 0; i < pieces; i++) {
      const a = w.first + Math.floor((size * i) / pieces);
      const b = w.first + Math.floor((size * (i + 1)) / pieces);
      if (b > a) out.push({ kind: 'range', first: a, end: b });
    }
    return out;
  }
  return [w];
}

/** `mergeable` is a settled node whose result can be folded together with its neighbour's. */
function mergeable(n: WorkNode | undefined): n is WorkNode & { result: UnitResult } {
  return (
    n !== undefined &&
    n.state === 'settled' &&
    !n.dropped &&
    n.result !== null &&
    !n.result.stoppedAtViolation
  );
}

/**
 * `mergeSettled` folds the settled node at `i` and the settled nodes right before and after it
 * into one node, as folding them in order would: a long search whose earliest unit is still
 * running then keeps one node per run of settled work, not one per unit. Only for searches
 * without a budget (a node over budget must be run again from its own work).
 */
function mergeSettled(nodes: WorkNode[], i: number): void {
  let at = i;
  while (at > 0 && mergeable(nodes[at - 1]) && mergeable(nodes[at])) {
    const prev = nodes[at - 1];
    prev.result = mergeResults(prev.result!, nodes[at].result!);
    nodes.splice(at, 1);
    at--;
  }
  while (mergeable(nodes[at]) && mergeable(nodes[at + 1])) {
    const n = nodes[at];
    n.result = mergeResults(n.result!, nodes[at + 1].result!);
    nodes.splice(at + 1, 1);
  }
  const n = nodes[at];
  if (n?.state === 'settled' && n.work.kind === 'dfs') n.work = { kind: 'dfs', prefixes: [] };
}

/** `mergeResults` is the result of running `a`'s work and then `b`'s, neither stopped at a violation. */
export function mergeResults(a: UnitResult, b: UnitResult): UnitResult {
  const sightings = a.sightings.slice();
  for (const s of b.sightings) {
    const at = sightings.findIndex((x) => x.key === s.key);
    if (at >= 0) sightings[at] = { ...sightings[at], count: sightings[at].count + s.count };
    else sightings.push({ ...s, first: a.executions + s.first });
  }
  const statistics = { ...a.statistics };
  for (const [k, v] of Object.entries(b.statistics)) statistics[k] = (statistics[k] ?? 0) + v;
  return {
    executions: a.executions + b.executions,
    steps: a.steps + b.steps,
    violating: a.violating + b.violating,
    sightings,
    rest: null,
    stoppedAtViolation: false,
    exhausted: a.exhausted && b.exhausted,
    statistics,
    depth: Math.max(a.depth, b.depth),
  };
}

/** `initialWork` is the whole search of `strategy` as one stretch of work. */
export function initialWork(strategy: StrategyDescriptor, budget: number): Work[] {
  if (strategy.split === 'subtrees') return [{ kind: 'dfs', prefixes: [[]] }];
  if (strategy.split === 'range' || strategy.split === 'chunks')
    return budget > 0 ? [{ kind: 'range', first: 0, end: budget }] : [];
  return [{ kind: 'whole' }];
}

/**
 * `Ledger` is the sequential search order cut into units of work, and the fold of their results
 * back in that order: a violation or the budget end the search at the same execution a sequential
 * search would have stopped at, so executions, steps, counts and the first sighting of each bug are
 * those of the sequential search, whoever ran the units and in what order they finished. It knows
 * nothing of workers: `ask` is how it tells the runner that a running unit should yield.
 */
export class Ledger {
  readonly nodes: WorkNode[];
  readonly tally: Tally = emptyTally();
  /** executions settled but not yet folded, for the progress display */
  unfolded = 0;
  /** steps of the longest execution any unit ran, for the progress display */
  deepest = 0;
  stoppedBy: StopReason | null = null;
  private readonly chunk: number;

  constructor(
    readonly strategy: StrategyDescriptor,
    readonly budget: number,
    work: Work[],
    private readonly ask: (n: WorkNode) => void,
  ) {
    this.nodes = work.map(workNode);
    this.chunk = strategy.chunk ?? RANGE_CHUNK;
  }

  /** `canSplit` says whether running units can be asked to hand back part of their work. */
  get canSplit(): boolean {
    return this.strategy.split === 'subtrees' || this.strategy.split === 'range';
  }

  /**
   * `take` prepares queued node `n` to run: a range is cut into chunks as it is dispatched (the
   * rest stays queued right after it), and the node may run what is left of the budget.
   */
  take(n: WorkNode): void {
    if (n.work.kind === 'range' && n.work.end - n.work.first > this.chunk) {
      const cut = n.work.first + this.chunk;
      this.nodes.splice(
        this.nodes.indexOf(n) + 1,
        0,
        workNode({ kind: 'range', first: cut, end: n.work.end }),
      );
      n.work = { kind: 'range', first: n.work.first, end: cut };
    }
    n.state = 'running';
    n.cap = Number.isFinite(this.budget) ? this.budget - this.tally.executions : Number.MAX_SAFE_INTEGER;
  }

  /** `frontier` is how many subtrees are left to explore, as far as the ledger knows (subtree work only). */
  frontier(): number | undefined {
    if (this.strategy.split !== 'subtrees') return undefined;
    let n = 0;
    for (const m of this.nodes) {
      if (m.work.kind === 'dfs')
        n += m.state === 'queued' ? m.work.prefixes.length : m.state === 'running' ? 1 : 0;
    }
    return n;
  }

  /** `queuedCount` is how many nodes wait to run. */
  queuedCount(): number {
    return this.nodes.filter((m) => m.state === 'queued').length;
  }

  /**
   * `settle` records what node `n` did; the work it left goes right after it, cut into `pieces`
   * (one per idle worker, and one more).
   */
  settle(n: WorkNode, r: UnitResult, pieces: number): void {
    if (r.depth > this.deepest) this.deepest = r.depth;
    if (n.dropped) return;
    // a chunk must run whole: one cut short is run again from its start if still needed
    if (r.rest && this.strategy.split === 'chunks') {
      n.state = 'queued';
      n.asked = false;
      return;
    }
    n.state = 'settled';
    n.result = r;
    this.unfolded += r.executions;
    if (r.stoppedAtViolation) this.dropAfter(n);
    else if (r.rest) {
      const parts = splitWork(r.rest, pieces, this.strategy).map(workNode);
      this.nodes.splice(this.nodes.indexOf(n) + 1, 0, ...parts);
    }
    // a settled node waits for every node before it to settle, which in a search that does not
    // finish may be never: it keeps only what folding needs, not the frontier its pieces now
    // hold, and (when no budget can make it run again) it is merged with settled neighbours
    r.rest = null;
    if (!Number.isFinite(this.budget) && !r.stoppedAtViolation)
      mergeSettled(this.nodes, this.nodes.indexOf(n));
  }

  /** `fold` folds the settled nodes at the head, in order, and applies the sequential stops. */
  fold(): void {
    const nodes = this.nodes;
    while (this.stoppedBy === null && nodes.length > 0 && nodes[0].state === 'settled') {
      const n = nodes[0];
      const r = n.result!;
      if (this.tally.executions + r.executions > this.budget) {
        // it ran past the budget (it was dispatched before earlier work settled): everything
        // after it is beyond the budget, and it runs again, stopping where the budget ends
        this.dropAfter(n);
        n.state = 'queued';
        n.asked = false;
        n.result = null;
        this.unfolded -= r.executions;
        return;
      }
      nodes.shift();
      this.unfolded -= r.executions;
      foldResult(this.tally, r);
      if (r.stoppedAtViolation) this.stop('violation');
      else if (this.tally.executions >= this.budget) this.stop('budget');
      else if (n.work.kind === 'whole') this.stop(r.exhausted ? 'complete' : 'budget');
    }
    if (this.stoppedBy === null && nodes.length === 0)
      this.stop(this.strategy.split === 'subtrees' ? 'complete' : 'budget');
  }

  /** `stop` ends the search for `why` (the first reason wins) and asks every running unit to yield. */
  stop(why: StopReason): void {
    if (this.stoppedBy === null) this.stoppedBy = why;
    for (const m of this.nodes) if (m.state === 'running') this.ask(m);
  }

  /**
   * `foldLeftovers` keeps the violations of every settled unit not folded yet: a search cut
   * short by time, Ctrl-C or a failure reports everything any unit saw.
   */
  foldLeftovers(): void {
    for (const n of this.nodes) if (n.state === 'settled' && n.result) foldResult(this.tally, n.result);
  }

  /** drops every node after `n`: a violation at `n` ends the sequential search there */
  private dropAfter(n: WorkNode): void {
    const i = this.nodes.indexOf(n);
    for (const m of this.nodes.splice(i + 1)) {
      m.dropped = true;
      if (m.state === 'running') this.ask(m);
    }
  }
}
