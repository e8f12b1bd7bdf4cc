import type { SearchResult } from '../explore/found.js';
import {
  DEFAULT_OUT,
  DEFAULT_STALL_MS,
  defaultSearchOptions,
  defaultWorkers,
  MAX_WORKERS,
  type SearchOptions,
} from '../explore/options.js';
import { parallelSearch } from '../explore/parallel.js';
import { ExplorerPool, PoolError } from '../explore/parallel-pool.js';
import { notRunResult, type SearchHooks, search } from '../explore/search.js';
import { ModelError, resolveTargets, type Target } from '../model/load.js';
import { buildReport } from '../report/json.js';
import { formatSummary, formatTable, formatViolation } from '../report/text.js';
import { outDirProblem, writeRun } from '../report/write.js';
import { ExitCode, UsageError } from './errors.js';
import { parseCount, parseDuration, parseRequested, parseSeed, parseStrategy } from './parse.js';
import { ProgressDisplay } from './progress.js';
import { SIGNAL_EXIT, type StopSignal, StopSignals } from './signals.js';
import { readStrategyFlags } from './strategy-flags.js';

/** `CheckFlags` are the options of `pagerace check` as commander parsed them. */
export interface CheckFlags {
  strategy?: string;
  seed?: string;
  budget?: string;
  time?: string;
  maxSteps?: string;
  keepGoing?: boolean;
  json?: boolean;
  /** `--out DIR`, `--no-out` (false), or neither (DEFAULT_OUT) */
  out?: string | false;
  minimize: boolean;
  workers?: string;
  executor?: string;
  /** `--param` values, one per flag */
  param?: string[];
  alloc?: string;
  tlb?: string;
}

/** `parseExecutor` checks `--executor` (PAGERACE_EXECUTOR). */
export function parseExecutor(text: string | undefined): 'inline' | 'threads' {
  if (text === undefined || text === 'inline' || text === 'threads') return text ?? 'inline';
  throw new UsageError(`--executor must be inline or threads, got '${text}'`);
}

/** `workerCount` reads --workers (PAGERACE_WORKERS); default one per core. */
export function workerCount(text: string | undefined): number {
  if (text === undefined) return defaultWorkers();
  const n = parseCount(text, '--workers');
  if (n > MAX_WORKERS) throw new UsageError(`--workers must be at most ${MAX_WORKERS}, got ${text}`);
  return n;
}

/** `searchOptions` turns flags into search options, refusing bad values with a UsageError. */
export function searchOptions(flags: CheckFlags): SearchOptions {
  const o = defaultSearchOptions();
  if (flags.strategy !== undefined) o.strategy = parseStrategy(flags.strategy);
  if (flags.seed !== undefined) o.seed = parseSeed(flags.seed);
  if (flags.budget !== undefined) o.budget = parseCount(flags.budget, '--budget');
  if (flags.time !== undefined) o.timeMs = parseDuration(flags.time, '--time');
  if (flags.maxSteps !== undefined) o.maxSteps = parseCount(flags.maxSteps, '--max-steps');
  o.strategyOptions = readStrategyFlags(flags as unknown as Record<string, unknown>);
  o.keepGoing = flags.keepGoing === true;
  o.executor = parseExecutor(flags.executor);
  o.minimize = flags.minimize;
  o.stallMs = stallLimit();
  return o;
}

/** `openPool` starts the explorer pool; workers that cannot start are one line and exit 2. */
async function openPool(workers: number, stallMs: number): Promise<ExplorerPool> {
  try {
    return await ExplorerPool.open(workers, stallMs);
  } catch (e) {
    if (e instanceof PoolError) throw new UsageError(e.message);
    throw e;
  }
}

/** `stallLimit` reads PAGERACE_STALL, the stall watchdog's limit. */
export function stallLimit(): number {
  const stall = process.env.PAGERACE_STALL;
  return stall === undefined ? DEFAULT_STALL_MS : parseDuration(stall, 'PAGERACE_STALL');
}

/** `checkOut` refuses an `--out` that cannot hold a run folder, before anything is searched. */
export function checkOut(out: string | false): void {
  if (out === false) return;
  const problem = outDirProblem(out);
  if (problem) throw new UsageError(problem);
}

/**
 * `exitCodeOf` is the exit code of a run: the signal's if one stopped it; else 2 for a model
 * error or failed workers; else 1 for a mismatch; else 3 when some variant is inconclusive or was
 * not run; else 0, every variant proven as it expects.
 */
export function exitCodeOf(
  results: readonly SearchResult[],
  end: { signal: StopSignal | null; failed: boolean } = { signal: null, failed: false },
): number {
  if (end.signal !== null) return SIGNAL_EXIT[end.signal];
  const modelError = results.some(
    (r) => r.error !== undefined || r.violations.some((v) => v.kind === 'model-error'),
  );
  if (end.failed || modelError) return ExitCode.Error;
  if (results.some((r) => r.conclusion === 'mismatch')) return ExitCode.Unexpected;
  if (results.some((r) => r.conclusion !== 'ok')) return ExitCode.Inconclusive;
  return ExitCode.Ok;
}

/**
 * `runCheck` is `pagerace check`: search every selected variant in turn, print each bug as it is
 * reported and the verdict table at the end, write the run's folder, and return the exit code.
 * SIGINT (Ctrl-C) and SIGTERM stop the current search; what was found is reported and written,
 * and every variant not searched is listed as `not run`.
 */
export async function runCheck(specs: string[], flags: CheckFlags): Promise<number> {
  const signals = new StopSignals().install();
  try {
    return await checkUnder(signals, specs, flags);
  } finally {
    signals.remove();
  }
}

async function checkUnder(signals: StopSignals, specs: string[], flags: CheckFlags): Promise<number> {
  const opts = searchOptions(flags);
  const workers = workerCount(flags.workers);
  const outDir = flags.out === undefined ? DEFAULT_OUT : flags.out;
  checkOut(outDir);
  const targets = await resolveTargets(specs, parseRequested(flags.param, flags.alloc, flags.tlb));
  const json = flags.json === true;
  // the threads executor runs each search in this thread, its CPUs on their own workers
  const pool = opts.executor === 'threads' ? null : await openPool(workers, opts.stallMs!);
  let run: { results: SearchResult[]; failure: string | null };
  try {
    run = await searchTargets(targets, opts, pool, signals, json);
  } finally {
    await pool?.close();
  }
  const { results, failure } = run;
  const code = exitCodeOf(results, { signal: signals.signal, failed: failure !== null });
  const report = buildReport(results, {
    interrupted: signals.stopped || failure !== null,
    signal: signals.signal,
    exitCode: code,
  });
  if (json) console.log(JSON.stringify(report, null, 2));
  else if (targets.length > 1) console.log(formatTable(results).join('\n'));
  else if (results[0]?.verdict === 'not run') console.log(formatSummary(results[0]));
  if (outDir !== false) {
    const dir = writeRun(outDir, specs.length === 0 ? 'all' : specs.join('+'), report, results);
    if (!json) console.log(`Report: ${dir}/report.json`);
  }
  printErrors(results, signals);
  return code;
}

/**
 * `searchTargets` searches each target in turn and returns one result per target, in order:
 * after a signal or a failure of the workers the rest are `not run`, and a variant whose model
 * cannot be searched (a stall, a build that throws) is `not run` with its error, costing its own
 * row only. Without --json each bug is printed as it is reported.
 */
async function searchTargets(
  targets: readonly Target[],
  opts: SearchOptions,
  pool: ExplorerPool | null,
  signals: StopSignals,
  json: boolean,
): Promise<{ results: SearchResult[]; failure: string | null }> {
  const progress = new ProgressDisplay(!json && process.stderr.isTTY === true);
  const say = (m: string) => progress.interrupt(`pagerace: ${m}`);
  let failure: string | null = null;
  const hooks: SearchHooks = {
    onProgress: (p) => progress.update(p),
    shouldStop: () => signals.stopped,
    onNotice: say,
    onFailure: (m) => {
      failure = m;
      say(m);
    },
  };
  const results: SearchResult[] = [];
  for (const t of targets) {
    if (signals.stopped) {
      results.push(notRunResult(t, opts, 'interrupted'));
      continue;
    }
    if (failure !== null) {
      results.push(notRunResult(t, opts, 'worker failure', failure));
      continue;
    }
    progress.start(`${t.model.def.name}:${t.variantName}`, opts.budget);
    let r: SearchResult;
    try {
      r = pool ? await parallelSearch(t, opts, pool, hooks) : await search(t, opts, hooks);
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      results.push(notRunResult(t, opts, 'model error', e.message));
      continue;
    } finally {
      progress.stop();
    }
    results.push(r);
    if (!json) {
      for (const v of r.violations) console.log(`${formatViolation(r, v).join('\n')}\n`);
      if (targets.length === 1) console.log(formatSummary(r));
    }
  }
  return { results, failure };
}

/** `printErrors` ends a run on stderr: one line per model error, and one if a signal stopped it. */
function printErrors(results: readonly SearchResult[], signals: StopSignals): void {
  for (const r of results) {
    for (const v of r.violations.filter((x) => x.kind === 'model-error')) {
      const where = v.detail.split('\n')[0];
      console.error(
        `pagerace: model error in ${r.model}:${r.variant}${where ? ` (${where})` : ''}: ${v.message}`,
      );
    }
    if (r.reason === 'model error') console.error(`pagerace: ${r.error}`);
  }
  if (signals.stopped) {
    const what = signals.signal === 'SIGTERM' ? 'terminated (SIGTERM)' : 'interrupted';
    console.error(`pagerace: ${what}; the report holds what was found so far`);
  }
}
