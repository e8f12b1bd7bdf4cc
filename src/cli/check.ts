import { hostname } from 'node:os';
import { join } from 'node:path';
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
import { shardSearch } from '../explore/shard.js';
import {
  isMemoryModelName,
  MEMORY_MODELS,
  type MemoryModelName,
} from '../machine/memory-model/memory-model.js';
import { ModelError, resolveTargets, type Target, targetLabel } from '../model/load.js';
import { writeAtomic } from '../report/atomic.js';
import { resultsExitCode } from '../report/exit-code.js';
import { buildReport } from '../report/json.js';
import { junitXml } from '../report/junit.js';
import { formatSummary, formatTable, formatViolation, formatViolationLine } from '../report/text.js';
import { outDirProblem, writeRun } from '../report/write.js';
import { UsageError } from './errors.js';
import { parseCount, parseDuration, parseRequested, parseSeed, parseShard, parseStrategy } from './parse.js';
import { ProgressDisplay, type ProgressStyle, progressStyle } from './progress.js';
import { parseProgressMode } from './progress-lines.js';
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
  /** `--progress never|auto|lines` (PAGERACE_PROGRESS) */
  progress?: string;
  /** `--reporter text|junit` */
  reporter?: string;
  /** `--junit FILE`: where the JUnit XML goes (implies --reporter junit) */
  junit?: string;
  /** print every violation's full report on the terminal, not one line each */
  verbose?: boolean;
  memoryModel?: string;
  /** `--shard i/n` (PAGERACE_SHARD) */
  shard?: string;
}

/** `junitTarget` is where `--reporter junit` writes: --junit FILE, else the run folder (null: no junit). */
export function junitTarget(flags: CheckFlags): string | 'run-folder' | null {
  const reporter = flags.reporter ?? (flags.junit !== undefined ? 'junit' : 'text');
  if (reporter !== 'text' && reporter !== 'junit')
    throw new UsageError(`--reporter must be text or junit, got '${reporter}'`);
  if (reporter === 'text') {
    if (flags.junit !== undefined) throw new UsageError('--junit FILE goes with --reporter junit');
    return null;
  }
  if (flags.junit !== undefined) return flags.junit;
  if (flags.out === false)
    throw new UsageError(
      '--reporter junit writes junit.xml into the run folder: give --junit FILE with --no-out',
    );
  return 'run-folder';
}

/** `parseExecutor` checks `--executor` (PAGERACE_EXECUTOR). */
export function parseExecutor(text: string | undefined): 'inline' | 'threads' {
  if (text === undefined || text === 'inline' || text === 'threads') return text ?? 'inline';
  throw new UsageError(`--executor must be inline or threads, got '${text}'`);
}

/** `parseMemoryModel` checks `--memory-model` (PAGERACE_MEMORY_MODEL). */
export function parseMemoryModel(text: string): MemoryModelName {
  if (isMemoryModelName(text)) return text;
  throw new UsageError(`--memory-model must be ${MEMORY_MODELS.join(', ')}, got '${text}'`);
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
  if (flags.memoryModel !== undefined) o.memoryModel = parseMemoryModel(flags.memoryModel);
  if (flags.shard !== undefined) {
    o.shard = parseShard(flags.shard);
    if (o.executor === 'threads')
      throw new UsageError(
        '--shard splits the search across explorer workers: it does not go with --executor threads',
      );
  }
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

/** `exitCodeOf` is the exit code of a run: the signal's if one stopped it, else the results' (report/exit-code.ts). */
export function exitCodeOf(
  results: readonly SearchResult[],
  end: { signal: StopSignal | null; failed: boolean } = { signal: null, failed: false },
): number {
  if (end.signal !== null) return SIGNAL_EXIT[end.signal];
  return resultsExitCode(results, end.failed);
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
  const junit = junitTarget(flags);
  // the threads executor runs each search in this thread, its CPUs on their own workers; the
  // explorer workers start (each loads the engine) while this thread loads the models
  const opening = opts.executor === 'threads' ? null : openPool(workers, opts.stallMs!);
  // a pool that fails to start is reported where it is awaited, not as an unhandled rejection
  opening?.catch(() => {});
  let targets: Awaited<ReturnType<typeof resolveTargets>>;
  try {
    targets = await resolveTargets(
      specs,
      parseRequested(flags.param, flags.alloc, flags.tlb),
      opts.memoryModel,
    );
  } catch (e) {
    await (await opening?.catch(() => null))?.close();
    throw e;
  }
  const json = flags.json === true;
  const startedAt = new Date();
  const show: Display = {
    json,
    style: progressStyle(parseProgressMode(flags.progress), process.stderr.isTTY === true, json),
    // full reports on the terminal when asked, when there is no run folder to hold them, or for
    // one variant (no table to keep in view); else one line each, the full ones in trace.txt
    full: flags.verbose === true || outDir === false || targets.length === 1,
  };
  const pool = opening === null ? null : await opening;
  let run: { results: SearchResult[]; failure: string | null };
  try {
    run = await searchTargets(targets, opts, pool, signals, show);
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
  else if (targets.length > 1) {
    if (!show.full && results.some((r) => r.violations.length > 0)) console.log('');
    console.log(formatTable(results).join('\n'));
  } else if (results[0]?.verdict === 'not run') console.log(formatSummary(results[0]));
  const label = specs.length === 0 ? 'all' : specs.join('+');
  if (outDir !== false) {
    const files = writeRun(outDir, label, report, results);
    if (!json) printRunFiles(files, results);
    if (junit === 'run-folder') writeJunit(join(files.dir, 'junit.xml'), label, results, startedAt);
  }
  if (junit !== null && junit !== 'run-folder') writeJunit(junit, label, results, startedAt);
  printErrors(results, signals);
  return code;
}

/** `printRunFiles` names the files of a run folder: the report, and the traces when there are any. */
export function printRunFiles(files: ReturnType<typeof writeRun>, results: readonly SearchResult[]): void {
  console.log(`Report: ${files.report}`);
  if (results.some((r) => r.violations.length > 0))
    console.log(`Traces: ${files.trace}\nTimelines: ${files.timelines.index}`);
}

/** `Display` is how a check shows itself on the terminal. */
interface Display {
  json: boolean;
  style: ProgressStyle;
  /** print each violation's full report (else one line, the full one in the run folder) */
  full: boolean;
}

/** `writeJunit` writes the run as JUnit XML to `file`, atomically. */
function writeJunit(file: string, label: string, results: readonly SearchResult[], timestamp: Date): void {
  const xml = junitXml({ name: `pagerace check ${label}`, results, timestamp, hostname: hostname() });
  try {
    writeAtomic(file, xml);
  } catch (e) {
    throw new UsageError(`cannot write --junit ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
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
  show: Display,
): Promise<{ results: SearchResult[]; failure: string | null }> {
  const progress = new ProgressDisplay(show.style);
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
    progress.start(
      targetLabel({ model: t.model.def.name, variant: t.variantName, memoryModel: t.memoryModel }),
      opts.budget,
    );
    let r: SearchResult;
    try {
      if (pool && opts.shard) r = await shardSearch(t, opts, pool, opts.shard, hooks);
      else r = pool ? await parallelSearch(t, opts, pool, hooks) : await search(t, opts, hooks);
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      results.push(notRunResult(t, opts, 'model error', e.message));
      continue;
    } finally {
      progress.stop();
    }
    progress.finish({ executions: r.executions, violations: r.violations.length, seconds: r.seconds });
    results.push(r);
    if (!show.json) {
      for (const v of r.violations)
        console.log(show.full ? `${formatViolation(r, v).join('\n')}\n` : formatViolationLine(r, v));
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
