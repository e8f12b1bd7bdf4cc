import { Execution, type Outcome } from '../engine/execution.js';
import type { Scheduler } from '../engine/scheduling.js';
import { collapseRepeats, type TraceStep } from '../engine/trace.js';
import type { Violation } from '../engine/violation.js';
import { ThreadsExecution, WorkerStallError } from '../executor/threads.js';
import { expectationUnder } from '../model/define.js';
import { ModelError, type Target, targetRef, tokenTarget } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import { RANDOM_BUDGET } from '../scheduler/random.js';
import { traceSchedule } from '../scheduler/replay.js';
import { addStatistics, type StrategyDescriptor, wholeUnit } from '../scheduler/strategy.js';
import { encodeToken } from '../scheduler/token.js';
import type { Conclusion, FoundViolation, SearchResult, StopReason } from './found.js';
import { minimize, type Schedule } from './minimize.js';
import { DEFAULT_STALL_MS, formatLimit, type SearchOptions, SLICE_MS, stallMessage } from './options.js';
import { replaysFirst } from './projection.js';
import { resolveStrategyUnder } from './strategy-ref.js';

/** `Progress` is what a running search reports to its display. */
export interface Progress {
  executions: number;
  /** distinct violations found so far */
  violations: number;
  elapsedMs: number;
  /** executions the search may run, Infinity when unbounded */
  budget: number;
  /** the search's time limit in milliseconds (`--time`), Infinity when none */
  timeLimitMs: number;
  /** steps of the longest execution so far */
  depth: number;
  /** unexplored branches (subtrees) the search knows of, when it can tell */
  frontier?: number;
}

/** `SearchHooks` connect a search to its surroundings: progress display and Ctrl-C. */
export interface SearchHooks {
  onProgress?(p: Progress): void;
  /** polled between executions; true stops the search and reports what was found */
  shouldStop?(): boolean;
  /** something the user should know that is not a result (a worker died and its unit was retried) */
  onNotice?(message: string): void;
  /** the search could not go on (its workers failed); the result holds what was found until then */
  onFailure?(message: string): void;
  /**
   * a parallel search's account of its workers, once it is over: the milliseconds its units ran
   * (the workers' busy time), the units, and the workers
   */
  onWorkers?(w: WorkerAccount): void;
}

/**
 * `WorkerAccount` is how busy a parallel search kept its workers: `busyMs` is the time its units
 * ran (a worker without a unit is idle), `cpuMs` the CPU time the workers' threads used from
 * their first unit's start to their last unit's end (-1 where the platform does not tell; a
 * loaded machine gives them less CPU than their busy time).
 */
export interface WorkerAccount {
  workers: number;
  units: number;
  busyMs: number;
  cpuMs: number;
  wallMs: number;
}

/** `Sighting` is a distinct violation as first seen, before minimization. */
export interface Sighting {
  violation: Violation;
  schedule: Schedule;
  count: number;
  firstExecution: number;
}

/** `strategyOf` is the strategy a search of `target` uses under `opts`, resolved. */
export function strategyOf(target: Target, opts: SearchOptions): Promise<StrategyDescriptor> {
  return resolveStrategyUnder(opts.strategy ?? target.variant.strategy ?? 'dfs', target.memoryModel);
}

/**
 * `budgetOf` is the execution budget: the user's, else (for a strategy with a default budget,
 * random and pct) the variant's own or the strategy's.
 */
export function budgetOf(target: Target, opts: SearchOptions, strategy: StrategyDescriptor): number {
  if (Number.isFinite(opts.budget) || strategy.defaultBudget === undefined) return opts.budget;
  return target.variant.budget ?? strategy.defaultBudget ?? RANDOM_BUDGET;
}

/**
 * `search` checks one model variant: it runs executions under the chosen strategy until the
 * space is explored, the budget or time runs out, a violation is found (unless `keepGoing`), or
 * `shouldStop` says so; then it minimizes and traces each distinct violation.
 */
export async function search(
  target: Target,
  opts: SearchOptions,
  hooks: SearchHooks = {},
): Promise<SearchResult> {
  const started = performance.now();
  const program = buildProgram(target);
  const exec = new Execution(program, opts.maxSteps);
  // the executions of the search run on the chosen executor; minimizing and tracing run inline,
  // which gives the same trace for the same schedule
  const stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
  const runner: Runner =
    opts.executor === 'threads'
      ? await ThreadsExecution.launch(targetRef(target), buildProgram(target), opts.maxSteps, stallMs)
      : exec;
  try {
    return await explore(target, opts, hooks, started, exec, runner);
  } catch (e) {
    // the threads executor's stall watchdog: a CPU that stopped answering costs its variant
    if (e instanceof WorkerStallError) {
      throw new ModelError(stallMessage(`${target.model.ref}:${target.variantName}`, stallMs));
    }
    throw e;
  } finally {
    if (runner instanceof ThreadsExecution) await runner.close();
  }
}

export { MEMORY_MODEL_SETTING } from '../model/settings.js';

/** `Runner` is an executor a search can run executions on: inline or threads. */
export interface Runner {
  run(scheduler: Scheduler, trace?: TraceStep[] | null): Outcome;
  readonly choices: number[];
}

async function explore(
  target: Target,
  opts: SearchOptions,
  hooks: SearchHooks,
  started: number,
  exec: Execution,
  runner: Runner,
): Promise<SearchResult> {
  const strategy = await strategyOf(target, opts);
  const budget = budgetOf(target, opts, strategy);
  const sched = strategy.create(wholeUnit(opts.seed, opts.strategyOptions));
  const seen = new Map<string, Sighting>();
  let executions = 0;
  let violating = 0;
  let steps = 0;
  let depth = 0;
  let stoppedBy: StopReason | null = null;
  const deadline = started + opts.timeMs;
  // an inline execution takes microseconds, a threads one far longer: look at the clock (and so
  // at the time limit and signals) after every threads execution, after every 64 inline ones
  const clockMask = runner === exec ? 63 : 0;

  while (stoppedBy === null) {
    const sliceEnd = performance.now() + SLICE_MS;
    while (stoppedBy === null) {
      if (executions >= budget) {
        stoppedBy = 'budget';
        break;
      }
      if (!sched.startExecution()) {
        stoppedBy = sched.exhausted ? 'complete' : 'budget';
        break;
      }
      const o = runner.run(sched);
      sched.endExecution();
      if (sched.repeated === true) continue;
      steps += o.steps;
      if (o.steps > depth) depth = o.steps;
      if (o.pruned) continue;
      executions++;
      if (o.violation) {
        violating++;
        const sight = (violation: Violation, schedule: Schedule) => {
          const s = seen.get(violation.key);
          if (s) s.count++;
          else seen.set(violation.key, { violation, schedule, count: 1, firstExecution: executions - 1 });
        };
        sight(o.violation, { choices: runner.choices.slice(0, o.cut), preemptions: o.preemptions });
        for (const l of o.others ?? []) {
          if (seen.has(l.violation.key) || replaysFirst(exec, l))
            sight(l.violation, { choices: l.choices, preemptions: l.preemptions });
        }
        if (!opts.keepGoing) stoppedBy = 'violation';
      }
      if ((executions & clockMask) === 0 && performance.now() >= sliceEnd) break;
    }
    const now = performance.now();
    if (stoppedBy === null && now >= deadline) stoppedBy = 'time';
    if (stoppedBy === null && hooks.shouldStop?.()) stoppedBy = 'interrupted';
    hooks.onProgress?.({
      executions,
      violations: seen.size,
      elapsedMs: now - started,
      budget,
      timeLimitMs: opts.timeMs,
      depth,
      frontier: sched.pending?.(),
    });
    if (stoppedBy === null) await new Promise((r) => setImmediate(r));
  }

  const violations = [...seen.entries()].map(([key, s]) => reportSighting(target, exec, opts, key, s));
  const stats: Record<string, number> = {};
  addStatistics(stats, sched);
  return searchResult(
    target,
    strategy,
    violations,
    {
      executions,
      pruned: stats.pruned ?? 0,
      violatingExecutions: violating,
      steps,
      seconds: (performance.now() - started) / 1000,
      stoppedBy,
      budget,
      kernel: exec.program.kernel === true,
    },
    opts,
  );
}

/** `SearchCounts` is what a search counted, whichever way it ran. */
export type SearchCounts = Pick<
  SearchResult,
  'executions' | 'pruned' | 'violatingExecutions' | 'steps' | 'seconds' | 'stoppedBy' | 'kernel'
> & {
  /** the execution budget the search ran under (`budgetOf`) */
  budget: number;
  /** set when the search stopped because its workers failed */
  failure?: string;
  /** a shard's place, `i/n` (`--shard`) */
  shard?: string;
};

/** `unfinishedReason` says why a search that stopped by `stoppedBy` proved nothing. */
function unfinishedReason(
  stoppedBy: StopReason,
  counts: SearchCounts,
  strategy: StrategyDescriptor,
  opts: SearchOptions,
): string {
  switch (stoppedBy) {
    case 'time':
      return `time limit ${formatLimit(opts.timeMs)}`;
    case 'budget':
      return `budget ${counts.budget} execution${counts.budget === 1 ? '' : 's'}`;
    case 'bound': {
      // a strategy that is not exhaustive and still runs out explored a bound of its own
      const bound = strategy.options.find((o) => o.key === 'preemptions');
      return bound
        ? `preemption bound ${opts.strategyOptions[bound.key] ?? bound.fallback}`
        : `the bound of ${strategy.name}`;
    }
    case 'interrupted':
      return counts.failure === undefined ? 'interrupted' : 'worker failure';
    case 'shard':
      return `shard ${counts.shard}`;
    default:
      return stoppedBy;
  }
}

/**
 * `searchResult` assembles a search's result: verdict, completeness and conclusion. An expected
 * violation that was found is proven however the search ended; `clean` needs a complete search,
 * and a clean variant whose search did not finish is `inconclusive`, with the reason.
 */
export function searchResult(
  target: Target,
  strategy: StrategyDescriptor,
  violations: FoundViolation[],
  counts: SearchCounts,
  opts: SearchOptions,
): SearchResult {
  // a bounded search that ran out of executions explored its bound, not the space
  const stoppedBy = counts.stoppedBy === 'complete' && !strategy.exhaustive ? 'bound' : counts.stoppedBy;
  const complete = stoppedBy === 'complete';
  const verdict = violations.length ? 'violation' : complete ? 'clean' : 'unknown';
  const expect = expectationUnder(target.variant, target.memoryModel);
  const expectKind = expect === 'clean' ? null : expect.violation;
  const hasModelError = violations.some((v) => v.kind === 'model-error');
  let conclusion: Conclusion;
  if (hasModelError) conclusion = 'mismatch';
  else if (expectKind === null) {
    conclusion = verdict === 'violation' ? 'mismatch' : complete ? 'ok' : 'inconclusive';
  } else if (violations.some((v) => v.kind === expectKind)) conclusion = 'ok';
  // an interrupted search, or one shard's share of it, may have stopped short of the violation
  else if (verdict === 'unknown' && (stoppedBy === 'interrupted' || stoppedBy === 'shard'))
    conclusion = 'inconclusive';
  else conclusion = 'mismatch';
  const reason = verdict === 'unknown' ? unfinishedReason(stoppedBy, counts, strategy, opts) : null;
  return {
    model: target.model.def.name,
    variant: target.variantName,
    settings: target.settings,
    memoryModel: target.memoryModel,
    expect: expectKind === null ? 'clean' : 'violation',
    expectKind,
    verdict,
    complete,
    strategy: strategy.name,
    executions: counts.executions,
    pruned: counts.pruned,
    violatingExecutions: counts.violatingExecutions,
    steps: counts.steps,
    seconds: counts.seconds,
    stoppedBy,
    kernel: counts.kernel,
    violations,
    matches: conclusion === 'ok' || conclusion === 'inconclusive',
    conclusion,
    reason,
    commits: target.variant.commits ?? {},
  };
}

/**
 * `notRunResult` is the row of a variant that was never searched: the run was interrupted
 * before it, its workers failed, or the model could not be used (`error`).
 */
export function notRunResult(
  target: Target,
  opts: SearchOptions,
  reason: string,
  error?: string,
): SearchResult {
  const expect = expectationUnder(target.variant, target.memoryModel);
  const expectKind = expect === 'clean' ? null : expect.violation;
  return {
    model: target.model.def.name,
    variant: target.variantName,
    settings: target.settings,
    memoryModel: target.memoryModel,
    expect: expectKind === null ? 'clean' : 'violation',
    expectKind,
    verdict: 'not run',
    complete: false,
    strategy: opts.strategy ?? target.variant.strategy ?? 'dfs',
    executions: 0,
    pruned: 0,
    violatingExecutions: 0,
    steps: 0,
    seconds: 0,
    stoppedBy: 'not-run',
    kernel: false,
    violations: [],
    matches: false,
    conclusion: 'not run',
    reason,
    ...(error === undefined ? {} : { error }),
    commits: target.variant.commits ?? {},
  };
}

/**
 * `reportSighting` turns a sighting into the reported violation: minimized (when asked), traced
 * and given its replay token. Minimization does not depend on how the bug was found, so every
 * search that finds it, on any number of workers, reports the same interleaving.
 */
export function reportSighting(
  target: Target,
  exec: Execution,
  opts: SearchOptions,
  key: string,
  s: Sighting,
): FoundViolation {
  let schedule = opts.minimize ? minimize(exec, key, s.schedule) : s.schedule;
  let replay = traceSchedule(exec, schedule.choices);
  if (replay.violation?.key !== key) {
    // only a nondeterministic model gets here; report what was seen
    schedule = s.schedule;
    replay = traceSchedule(exec, schedule.choices);
  }
  const v = replay.violation ?? s.violation;
  return {
    kind: v.kind,
    message: v.message,
    cpu: v.cpu,
    task: v.cpu >= 0 ? exec.cpus[v.cpu].task : '',
    headline: [...v.headline],
    kernelStack: [...v.kernelStack],
    detail: v.detail,
    token: encodeToken({
      ...tokenTarget(target),
      maxSteps: opts.maxSteps,
      choices: schedule.choices,
    }),
    preemptions: replay.preemptions,
    foundPreemptions: s.schedule.preemptions,
    trace: collapseRepeats(replay.trace),
    count: s.count,
    firstExecution: s.firstExecution,
  };
}
