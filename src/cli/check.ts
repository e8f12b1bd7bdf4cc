import type { SearchResult } from '../explore/found.js';
import { defaultSearchOptions, type SearchOptions } from '../explore/options.js';
import { parallelSearch } from '../explore/parallel.js';
import { defaultWorkers, ExplorerPool, PoolError } from '../explore/parallel-pool.js';
import { type SearchHooks, search } from '../explore/search.js';
import {
  isMemoryModelName,
  MEMORY_MODELS,
  type MemoryModelName,
} from '../machine/memory-model/memory-model.js';
import { ModelError, resolveTargets, targetLabel } from '../model/load.js';
import { buildReport } from '../report/json.js';
import { formatSummary, formatTable, formatViolation } from '../report/text.js';
import { writeRun } from '../report/write.js';
import { ExitCode, UsageError } from './errors.js';
import { parseCount, parseDuration, parseStrategy } from './parse.js';
import { ProgressDisplay } from './progress.js';
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
  out: string | false;
  minimize: boolean;
  workers?: string;
  executor?: string;
  memoryModel?: string;
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

/** `MAX_WORKERS` bounds --workers: more explorer threads than this only costs memory. */
export const MAX_WORKERS = 256;

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
  if (flags.seed !== undefined) o.seed = flags.seed;
  if (flags.budget !== undefined) o.budget = parseCount(flags.budget, '--budget');
  if (flags.time !== undefined) o.timeMs = parseDuration(flags.time, '--time');
  if (flags.maxSteps !== undefined) o.maxSteps = parseCount(flags.maxSteps, '--max-steps');
  o.strategyOptions = readStrategyFlags(flags as unknown as Record<string, unknown>);
  o.keepGoing = flags.keepGoing === true;
  o.executor = parseExecutor(flags.executor);
  if (flags.memoryModel !== undefined) o.memoryModel = parseMemoryModel(flags.memoryModel);
  o.minimize = flags.minimize;
  return o;
}

/** `openPool` starts the explorer pool; workers that cannot start are one line and exit 2. */
async function openPool(workers: number): Promise<ExplorerPool> {
  const stall = process.env.PAGERACE_STALL;
  const stallMs = stall === undefined ? undefined : parseDuration(stall, 'PAGERACE_STALL');
  try {
    return await ExplorerPool.open(workers, stallMs);
  } catch (e) {
    if (e instanceof PoolError) throw new UsageError(e.message);
    throw e;
  }
}

/** `exitCodeOf` is the exit code of a set of results. */
export function exitCodeOf(results: readonly SearchResult[]): number {
  if (results.some((r) => r.violations.some((v) => v.kind === 'model-error'))) return ExitCode.Error;
  return results.every((r) => r.matches) ? ExitCode.Ok : ExitCode.Unexpected;
}

/**
 * `runCheck` is `pagerace check`: search every selected variant in turn, print each bug as it is
 * reported and the verdict table at the end, write the run's folder, and return the exit code.
 * Ctrl-C stops the current search; what was found is reported and written.
 */
export async function runCheck(specs: string[], flags: CheckFlags): Promise<number> {
  const opts = searchOptions(flags);
  const workers = workerCount(flags.workers);
  const targets = await resolveTargets(specs, opts.memoryModel);
  const json = flags.json === true;
  const progress = new ProgressDisplay(!json && process.stderr.isTTY === true);
  let interrupted = false;
  let failed = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const results: SearchResult[] = [];
  const modelErrors: string[] = [];
  // the threads executor runs each search in this thread, its CPUs on their own workers
  const pool = opts.executor === 'threads' ? null : await openPool(workers);
  const say = (m: string) => {
    progress.interrupt(`pagerace: ${m}`);
  };
  try {
    for (const t of targets) {
      if (interrupted || failed) break;
      progress.start(
        targetLabel({ model: t.model.def.name, variant: t.variantName, memoryModel: t.memoryModel }),
        opts.budget,
      );
      let r: SearchResult;
      try {
        const hooks: SearchHooks = {
          onProgress: (p) => progress.update(p),
          shouldStop: () => interrupted,
          onNotice: say,
          onFailure: (m) => {
            failed = true;
            say(m);
          },
        };
        r = pool ? await parallelSearch(t, opts, pool, hooks) : await search(t, opts, hooks);
      } catch (e) {
        // a model that cannot be searched (a stall, a build that throws) costs its own row only
        if (!(e instanceof ModelError)) throw e;
        modelErrors.push(e.message);
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
  } finally {
    process.off('SIGINT', onSigint);
    await pool?.close();
  }
  const report = buildReport(results, interrupted || failed);
  if (json) console.log(JSON.stringify(report, null, 2));
  else if (targets.length > 1) console.log(formatTable(results).join('\n'));
  if (flags.out !== false) {
    const label = specs.length === 0 ? 'all' : specs.join('+');
    const dir = writeRun(flags.out, label, report, results);
    if (!json) console.log(`Report: ${dir}/report.json`);
  }
  for (const r of results) {
    for (const v of r.violations.filter((x) => x.kind === 'model-error')) {
      const where = v.detail.split('\n')[0];
      console.error(
        `pagerace: model error in ${r.model}:${r.variant}${where ? ` (${where})` : ''}: ${v.message}`,
      );
    }
  }
  for (const m of modelErrors) console.error(`pagerace: ${m}`);
  if (interrupted) console.error('pagerace: interrupted; the report holds what was found so far');
  if (failed || modelErrors.length > 0) return ExitCode.Error;
  return exitCodeOf(results);
}
