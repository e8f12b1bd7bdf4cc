import { Execution } from '../engine/execution.js';
import { Violation } from '../engine/violation.js';
import type { Target } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import type { FoundViolation, SearchResult, StopReason } from './found.js';
import { initialWork, Ledger, type Tally, type WorkNode } from './ledger.js';
import { type SearchOptions, SLICE_MS } from './options.js';
import type { ExplorerPool } from './parallel-pool.js';
import type { UnitResult, UnitSpec, Work } from './parallel-unit.js';
import { budgetOf, reportSighting, type SearchHooks, searchResult, strategyOf } from './search.js';
import { strategyRef } from './strategy-ref.js';

/** how often the coordinator wakes without news: progress, time limit, Ctrl-C */
const TICK_MS = 100;

/** `reportTally` minimizes, traces and tokens every distinct violation of a folded tally. */
export function reportTally(
  target: Target,
  exec: Execution,
  opts: SearchOptions,
  tally: Tally,
): FoundViolation[] {
  return [...tally.seen.entries()].map(([key, x]) => {
    const v = new Violation(x.s.kind, x.s.message, x.s.headline);
    v.cpu = x.s.cpu;
    v.kernelStack = x.s.kernelStack;
    v.detail = x.s.detail;
    return reportSighting(target, exec, opts, key, {
      violation: v,
      schedule: { choices: x.s.choices, preemptions: x.s.preemptions },
      count: x.count,
      firstExecution: x.first,
    });
  });
}

/**
 * `parallelSearch` is `search` on a pool of explorer workers, with the same result whatever the
 * number of workers. The search order of the sequential search is cut into units (DFS subtrees
 * given by schedule prefixes, seed ranges of random and pct, or the whole search for a strategy
 * whose state does not split) that run on the inline executor in the workers; the `Ledger` folds
 * their results back in sequential order (ledger.ts).
 *
 * Work splitting: a unit runs for a slice and returns the work it did not do; when a worker is
 * idle and nothing is queued, a running unit is asked to yield at once (a flag in shared memory)
 * and its remaining frontier is cut in pieces.
 *
 * Differences from `search`: pct learns its step bound per chunk (so the chunking, not the worker
 * count, fixes its executions); a time limit or Ctrl-C stops whatever runs, so counts then depend
 * on timing, as they do sequentially.
 */
export async function parallelSearch(
  target: Target,
  opts: SearchOptions,
  pool: ExplorerPool,
  hooks: SearchHooks = {},
): Promise<SearchResult> {
  const started = performance.now();
  const exec = new Execution(buildProgram(target), opts.maxSteps);
  const strategy = await strategyOf(target, opts);
  const budget = budgetOf(target, opts, strategy);
  const run = new Coordinator(target, opts, pool, hooks, started);
  const ledger = new Ledger(strategy, budget, initialWork(strategy, budget), (n) => run.ask(n));
  await run.drive(ledger);
  const failed = run.failed();
  const violations = reportTally(target, exec, opts, ledger.tally);
  const t = ledger.tally;
  return searchResult(
    target,
    strategy,
    violations,
    {
      executions: t.executions,
      pruned: t.statistics.pruned ?? 0,
      violatingExecutions: t.violating,
      steps: t.steps,
      seconds: (performance.now() - started) / 1000,
      stoppedBy: ledger.stoppedBy as StopReason,
      budget,
      kernel: exec.program.kernel === true,
      ...(failed === null ? {} : { failure: failed }),
    },
    opts,
  );
}

/**
 * `unitSpecOf` is the unit of work `work` of a search of `target` under `opts`, running at most
 * `cap` executions (an infinite cap: unbounded); a `whole` unit runs without slices, since it
 * cannot hand work back.
 */
export function unitSpecOf(target: Target, opts: SearchOptions, work: Work, cap: number): UnitSpec {
  return {
    model: target.model.ref,
    variant: target.variantName,
    settings: target.settings,
    memoryModel: target.memoryModel,
    strategy: strategyRef(opts.strategy ?? target.variant.strategy ?? 'dfs'),
    strategyOptions: opts.strategyOptions,
    seed: opts.seed,
    maxSteps: opts.maxSteps,
    keepGoing: opts.keepGoing,
    work,
    maxExecutions: Number.isFinite(cap) ? cap : Number.MAX_SAFE_INTEGER,
    sliceMs: work.kind === 'whole' ? 0 : SLICE_MS,
  };
}

/** `News` is a unit that finished: its result, or what it threw. */
interface News {
  n: WorkNode;
  r?: UnitResult;
  e?: unknown;
}

/**
 * `Coordinator` runs a ledger's units on the pool: it dispatches queued units to idle workers,
 * settles what they return, asks running units to share work when a worker idles, and applies
 * the time limit, Ctrl-C and pool failures, until the ledger has stopped and nothing runs.
 */
export class Coordinator {
  private running = 0;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly news: News[] = [];
  private readonly deadline: number;
  private lastProgress = 0;

  constructor(
    private readonly target: Target,
    private readonly opts: SearchOptions,
    private readonly pool: ExplorerPool,
    private readonly hooks: SearchHooks,
    private readonly started: number,
  ) {
    this.deadline = started + opts.timeMs;
    pool.onFatal(() => this.notify());
  }

  /** `drive` runs the ledger to its end. */
  async drive(ledger: Ledger): Promise<void> {
    const pool = this.pool;
    pool.onNotice = (m) => this.hooks.onNotice?.(m);
    for (;;) {
      this.takeNews(ledger);
      if (pool.failure && !this.failure) {
        this.failure = pool.failure;
        ledger.stop('interrupted');
      }
      ledger.fold();
      const now = performance.now();
      if (ledger.stoppedBy === null && now >= this.deadline) ledger.stop('time');
      if (ledger.stoppedBy === null && this.hooks.shouldStop?.()) ledger.stop('interrupted');
      if (ledger.stoppedBy !== null && this.running === 0) break;
      if (ledger.stoppedBy === null) this.fillWorkers(ledger);
      this.progress(ledger, now);
      if (this.news.length === 0) await this.nextNews();
    }
    pool.onNotice = () => {};
    this.report(ledger, performance.now());
    if (ledger.stoppedBy === 'time' || ledger.stoppedBy === 'interrupted') ledger.foldLeftovers();
  }

  /** `failed` is why the pool gave up, for the report (a failure that is not the pool's is thrown). */
  failed(): string | null {
    const failure = this.failure;
    if (!failure) return null;
    if (failure.name !== 'PoolError') throw failure;
    const why = `the search stopped early: ${failure.message}; the report holds what was found`;
    this.hooks.onFailure?.(why);
    return why;
  }

  /** `ask` asks a running unit to yield (now if it has a slot, else as soon as it gets one). */
  ask(n: WorkNode): void {
    if (n.asked) return;
    n.asked = true;
    if (n.slot >= 0) this.pool.requestYield(n.slot);
  }

  /** settles the units that finished since last time */
  private takeNews(ledger: Ledger): void {
    while (this.news.length > 0) {
      const { n, r, e } = this.news.shift()!;
      if (e !== undefined) {
        this.failure ??= e instanceof Error ? e : new Error(String(e));
        ledger.stop('interrupted');
      } else if (r) {
        const idle = this.pool.workers - this.running - ledger.queuedCount();
        ledger.settle(n, r, idle + 1);
      }
    }
  }

  /** dispatches queued units to idle workers; with a worker still idle, asks a unit to share */
  private fillWorkers(ledger: Ledger): void {
    for (const n of ledger.nodes) {
      if (this.running >= this.pool.workers) break;
      if (n.state === 'queued') this.dispatch(ledger, n);
    }
    if (ledger.canSplit && this.running < this.pool.workers) {
      const busy = ledger.nodes.find((m) => m.state === 'running' && !m.asked);
      if (busy) this.ask(busy);
    }
  }

  private dispatch(ledger: Ledger, n: WorkNode): void {
    ledger.take(n);
    this.running++;
    this.pool
      .run(this.specFor(n), (slot) => {
        n.slot = slot;
        if (n.asked) this.pool.requestYield(slot);
      })
      .then(
        (r) => this.news.push({ n, r }),
        (e) => this.news.push({ n, e }),
      )
      .finally(() => {
        this.running--;
        n.slot = -1;
        this.notify();
      });
  }

  private specFor(n: WorkNode): UnitSpec {
    return unitSpecOf(this.target, this.opts, n.work, n.cap);
  }

  private progress(ledger: Ledger, now: number): void {
    if (now - this.lastProgress < TICK_MS) return;
    this.lastProgress = now;
    this.report(ledger, now);
  }

  private report(ledger: Ledger, now: number): void {
    this.hooks.onProgress?.({
      executions: ledger.tally.executions + ledger.unfolded,
      violations: ledger.tally.seen.size,
      elapsedMs: now - this.started,
      budget: ledger.budget,
      timeLimitMs: this.opts.timeMs,
      depth: ledger.deepest,
      frontier: ledger.frontier(),
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private nextNews(): Promise<void> {
    // one tick timer per wait, cleared when news wakes the coordinator first: a timer left
    // behind would wake a later wait early and leave one more timer behind, so every unit that
    // settled made the loop spin 10 more times a second for the rest of the search (16,589
    // iterations in 20 s of a 2-worker DFS, 283 with this), allocating as it went
    return new Promise<void>((resolve) => {
      const tick = setTimeout(() => this.notify(), TICK_MS);
      this.wake = () => {
        clearTimeout(tick);
        resolve();
      };
    });
  }
}
