import { Execution } from '../engine/execution.js';
import { Violation } from '../engine/violation.js';
import type { Target } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import type { StrategyDescriptor } from '../scheduler/strategy.js';
import type { SearchResult, StopReason } from './found.js';
import { type SearchOptions, SLICE_MS } from './options.js';
import type { ExplorerPool } from './parallel-pool.js';
import type { UnitResult, UnitSighting, UnitSpec, Work } from './parallel-unit.js';
import {
  budgetOf,
  reportSighting,
  type SearchHooks,
  type Sighting,
  searchResult,
  strategyOf,
} from './search.js';
import { strategyRef } from './strategy-ref.js';

/** `RANGE_CHUNK`: executions of a `range` unit (a `chunks` strategy names its own size). */
export const RANGE_CHUNK = 1000;
/** how often the coordinator wakes without news: progress, time limit, Ctrl-C */
const TICK_MS = 100;

/**
 * `WorkNode` is one stretch of the sequential search order. The ledger keeps the nodes in that
 * order; a unit that returns early is followed, right after it, by nodes for the work it left,
 * which is exactly where that work comes in the order (its rest is the rest of its stretch).
 */
interface WorkNode {
  work: Work;
  state: 'queued' | 'running' | 'settled';
  /** executions this node may run, set when dispatched */
  cap: number;
  slot: number;
  /** asked to yield (to split its work, or because it is no longer needed) */
  asked: boolean;
  /** a violation before it in the order makes it useless: its result is dropped */
  dropped: boolean;
  result: UnitResult | null;
}

function node(work: Work): WorkNode {
  return { work, state: 'queued', cap: 0, slot: -1, asked: false, dropped: false, result: null };
}

/** `Tally` is the sequential search's account of the ledger's folded prefix. */
interface Tally {
  executions: number;
  steps: number;
  statistics: Record<string, number>;
  violating: number;
  seen: Map<string, { s: UnitSighting; count: number; first: number }>;
}

function fold(t: Tally, r: UnitResult): void {
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
function splitWork(w: Work, k: number, strategy: StrategyDescriptor): Work[] {
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

/**
 * `parallelSearch` is `search` on a pool of explorer workers, with the same result whatever the
 * number of workers. The search order of the sequential search is cut into units (DFS subtrees
 * given by schedule prefixes, seed ranges of random and pct, or the whole search for dpor and
 * bounded, whose state does not split) that run on the inline executor in the workers. Results
 * are folded back in sequential order: a violation or the budget end the search at the same
 * execution a sequential search would have stopped at, so executions, steps, counts and the first
 * sighting of each bug are those of the sequential search.
 *
 * Work splitting: a unit runs for a slice and returns the work it did not do; when a worker is
 * idle and nothing is queued, a running unit is asked to yield at once (a flag in shared memory)
 * and its remaining frontier is cut in pieces.
 *
 * Differences from `search`: pct learns its step bound per unit of RANGE_CHUNK executions (so the
 * chunking, not the worker count, fixes its executions); a time limit or Ctrl-C stops whatever
 * runs, so counts then depend on timing, as they do sequentially.
 */
export async function parallelSearch(
  target: Target,
  opts: SearchOptions,
  pool: ExplorerPool,
  hooks: SearchHooks = {},
): Promise<SearchResult> {
  const started = performance.now();
  const program = buildProgram(target);
  const exec = new Execution(program, opts.maxSteps);
  const strategy = await strategyOf(target, opts);
  const budget = budgetOf(target, opts, strategy);
  const deadline = started + opts.timeMs;
  const split = strategy.split;
  const splittable = split === 'subtrees' || split === 'range';
  const chunk = strategy.chunk ?? RANGE_CHUNK;

  const ledger: WorkNode[] = [];
  if (split === 'subtrees') ledger.push(node({ kind: 'dfs', prefixes: [[]] }));
  else if (split === 'range' || split === 'chunks') {
    if (budget > 0) ledger.push(node({ kind: 'range', first: 0, end: budget }));
  } else ledger.push(node({ kind: 'whole' }));

  const tally: Tally = { executions: 0, steps: 0, statistics: {}, violating: 0, seen: new Map() };
  /** everything settled but not yet folded, for the progress display */
  let unfoldedExecutions = 0;
  let stoppedBy: StopReason | null = null;
  let running = 0;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const news: { n: WorkNode; r?: UnitResult; e?: unknown }[] = [];
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  pool.onNotice = (m) => hooks.onNotice?.(m);
  pool.onFatal(() => notify());

  const specFor = (n: WorkNode): UnitSpec => ({
    model: target.model.ref,
    variant: target.variantName,
    memoryModel: target.memoryModel,
    strategy: strategyRef(opts.strategy ?? target.variant.strategy ?? 'dfs'),
    strategyOptions: opts.strategyOptions,
    seed: opts.seed,
    maxSteps: opts.maxSteps,
    keepGoing: opts.keepGoing,
    work: n.work,
    maxExecutions: n.cap,
    sliceMs: n.work.kind === 'whole' ? 0 : SLICE_MS,
  });

  const dispatch = (n: WorkNode) => {
    // ranges are cut into chunks as they are dispatched; the rest stays queued right after
    if (n.work.kind === 'range' && n.work.end - n.work.first > chunk) {
      const cut = n.work.first + chunk;
      ledger.splice(ledger.indexOf(n) + 1, 0, node({ kind: 'range', first: cut, end: n.work.end }));
      n.work = { kind: 'range', first: n.work.first, end: cut };
    }
    n.state = 'running';
    n.cap = Number.isFinite(budget) ? budget - tally.executions : Number.MAX_SAFE_INTEGER;
    running++;
    pool
      .run(specFor(n), (slot) => {
        n.slot = slot;
        if (n.asked) pool.requestYield(slot);
      })
      .then(
        (r) => news.push({ n, r }),
        (e) => news.push({ n, e }),
      )
      .finally(() => {
        running--;
        n.slot = -1;
        notify();
      });
  };

  const ask = (n: WorkNode) => {
    if (n.asked) return;
    n.asked = true;
    if (n.slot >= 0) pool.requestYield(n.slot);
  };

  /** drops every node after `n`: a violation at `n` ends the sequential search there */
  const dropAfter = (n: WorkNode) => {
    const i = ledger.indexOf(n);
    for (const m of ledger.splice(i + 1)) {
      m.dropped = true;
      if (m.state === 'running') ask(m);
    }
  };

  const stopAll = (why: StopReason) => {
    if (stoppedBy === null) stoppedBy = why;
    for (const m of ledger) if (m.state === 'running') ask(m);
  };

  const settle = (n: WorkNode, r: UnitResult) => {
    if (n.dropped) return;
    // a pct unit must run whole: one cut short is run again from its start if still needed
    if (r.rest && split === 'chunks') {
      n.state = 'queued';
      n.asked = false;
      return;
    }
    n.state = 'settled';
    n.result = r;
    unfoldedExecutions += r.executions;
    if (r.stoppedAtViolation) dropAfter(n);
    else if (r.rest) {
      const idle = pool.workers - running - ledger.filter((m) => m.state === 'queued').length;
      const pieces = splitWork(r.rest, idle + 1, strategy).map(node);
      ledger.splice(ledger.indexOf(n) + 1, 0, ...pieces);
    }
  };

  /** folds settled nodes at the head of the ledger, in order, and applies the sequential stops */
  const foldHead = () => {
    while (stoppedBy === null && ledger.length > 0 && ledger[0].state === 'settled') {
      const n = ledger[0];
      const r = n.result!;
      if (tally.executions + r.executions > budget) {
        // it ran past the budget (it was dispatched before earlier work settled): everything
        // after it is beyond the budget, and it runs again, stopping where the budget ends
        dropAfter(n);
        n.state = 'queued';
        n.asked = false;
        n.result = null;
        unfoldedExecutions -= r.executions;
        return;
      }
      ledger.shift();
      unfoldedExecutions -= r.executions;
      fold(tally, r);
      if (r.stoppedAtViolation) stopAll('violation');
      else if (tally.executions >= budget) stopAll('budget');
      else if (n.work.kind === 'whole') stopAll(r.exhausted ? 'complete' : 'budget');
    }
    if (stoppedBy === null && ledger.length === 0) stopAll(split === 'subtrees' ? 'complete' : 'budget');
  };

  let lastProgress = 0;
  for (;;) {
    while (news.length > 0) {
      const { n, r, e } = news.shift()!;
      if (e !== undefined) {
        failure ??= e instanceof Error ? e : new Error(String(e));
        stopAll('interrupted');
      } else if (r) settle(n, r);
    }
    if (pool.failure && !failure) {
      failure = pool.failure;
      stopAll('interrupted');
    }
    foldHead();
    const now = performance.now();
    if (stoppedBy === null && now >= deadline) stopAll('time');
    if (stoppedBy === null && hooks.shouldStop?.()) stopAll('interrupted');
    if (stoppedBy !== null && running === 0) break;
    if (stoppedBy === null) {
      for (const n of ledger) {
        if (running >= pool.workers) break;
        if (n.state === 'queued') dispatch(n);
      }
      // an idle worker and nothing queued: ask the earliest running unit to share its work
      if (splittable && running < pool.workers) {
        const busy = ledger.find((m) => m.state === 'running' && !m.asked);
        if (busy) ask(busy);
      }
    }
    if (now - lastProgress >= TICK_MS) {
      lastProgress = now;
      hooks.onProgress?.({
        executions: tally.executions + unfoldedExecutions,
        violations: tally.seen.size,
        elapsedMs: now - started,
        budget,
      });
    }
    if (news.length === 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(notify, TICK_MS);
      });
    }
  }
  pool.onNotice = () => {};

  // a search cut short by time, Ctrl-C or a failure keeps every violation any unit saw
  if (stoppedBy === 'time' || stoppedBy === 'interrupted') {
    for (const n of ledger) if (n.state === 'settled' && n.result) fold(tally, n.result);
  }
  if (failure) {
    if (failure.name !== 'PoolError') throw failure;
    hooks.onFailure?.(`the search stopped early: ${failure.message}; the report holds what was found`);
  }
  const violations = [...tally.seen.entries()].map(([key, x]) => {
    const v = new Violation(x.s.kind, x.s.message, x.s.headline);
    v.cpu = x.s.cpu;
    v.kernelStack = x.s.kernelStack;
    v.detail = x.s.detail;
    const sighting: Sighting = {
      violation: v,
      schedule: { choices: x.s.choices, preemptions: x.s.preemptions },
      count: x.count,
      firstExecution: x.first,
    };
    return reportSighting(target, exec, opts, key, sighting);
  });
  return searchResult(target, strategy, violations, {
    executions: tally.executions,
    pruned: tally.statistics.pruned ?? 0,
    violatingExecutions: tally.violating,
    steps: tally.steps,
    seconds: (performance.now() - started) / 1000,
    stoppedBy: stoppedBy as StopReason,
  });
}
