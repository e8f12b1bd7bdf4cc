import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SearchResult } from '../explore/found.js';
import { DEFAULT_STALL_MS, defaultSearchOptions, type SearchOptions } from '../explore/options.js';
import { parallelSearch } from '../explore/parallel.js';
import { ExplorerPool } from '../explore/parallel-pool.js';
import { search } from '../explore/search.js';
import { type ModelDefinition, modelProblem } from '../model/define.js';
import {
  bundledModelFiles,
  type LoadedModel,
  ModelError,
  resolveTargets,
  selectVariants,
  type Target,
} from '../model/load.js';
import { resultsExitCode } from '../report/exit-code.js';
import { buildReport, type Report } from '../report/json.js';
import type { StrategyOptions } from '../scheduler/strategy.js';

/**
 * `CheckModelOptions` are `pagerace check`'s settings for `checkModel`, with the same defaults:
 * each variant's own strategy (else dfs), unbounded exhaustive searches, stop at the first
 * violation, minimized interleavings.
 */
export interface CheckModelOptions {
  /** the variant to check (`fixed`), or a prefix (`buggy` picks every `buggy-*`); default all */
  variant?: string;
  /** `dfs`, `dpor`, `random`, `pct`, `bounded` or a strategy file (`--strategy`) */
  strategy?: string;
  /** strategy options by flag name without dashes: `{ 'pct-depth': 3, preemptions: 2 }` */
  strategyOptions?: StrategyOptions;
  /** seed of random and pct (`--seed`, default '0') */
  seed?: string;
  /** executions at most (`--budget`) */
  budget?: number;
  /** wall-clock limit of each variant's search in milliseconds (`--time`) */
  timeMs?: number;
  /** steps one execution may take (`--max-steps`) */
  maxSteps?: number;
  /** explore everything and report each distinct violation once (`--keep-going`) */
  keepGoing?: boolean;
  /** minimize each interleaving (default true; `--no-minimize`) */
  minimize?: boolean;
  /**
   * explorer worker threads; 0 (the default) searches in this thread. Workers load the model
   * themselves, so they need a model given by name or file (or `file` for a definition).
   */
  workers?: number;
  /**
   * for a model passed as a definition: the file that default-exports it, so that its replay
   * tokens name it (`pagerace replay TOKEN` loads it) and workers can load it. Without it, a
   * definition is named by its bundled model's name when there is one, else by its own name.
   */
  file?: string;
}

function bundledName(name: string): boolean {
  return bundledModelFiles().some((f) => /[\\/]([^\\/]+)\.(ts|js)$/.exec(f)?.[1] === name);
}

/** the targets of a model definition, named for tokens as the options say */
function definitionTargets(def: ModelDefinition, options: CheckModelOptions): Target[] {
  const problem = modelProblem(def);
  if (problem) throw new ModelError(problem);
  const file = options.file === undefined ? undefined : resolve(options.file);
  if (file !== undefined && !existsSync(file))
    throw new ModelError(`model file ${options.file} does not exist`);
  const ref = file ?? def.name;
  if (file === undefined && options.workers && !bundledName(def.name)) {
    throw new ModelError(
      `model ${def.name}: explorer workers load the model themselves; pass its file ({ file }) or check it with workers: 0`,
    );
  }
  const loaded: LoadedModel = {
    def,
    ref,
    file: file ?? '',
    bundled: file === undefined && bundledName(def.name),
  };
  return selectVariants(loaded, options.variant);
}

/** the targets of a model given as a bundled name or a file path, `:variant` allowed */
async function specTargets(spec: string, options: CheckModelOptions): Promise<Target[]> {
  return resolveTargets([options.variant === undefined ? spec : `${spec}:${options.variant}`]);
}

/** `searchOptionsOf` is the search options `pagerace check` would use for these settings. */
export function searchOptionsOf(options: CheckModelOptions): SearchOptions {
  const o = defaultSearchOptions();
  if (options.strategy !== undefined) o.strategy = options.strategy;
  if (options.strategyOptions !== undefined) o.strategyOptions = options.strategyOptions;
  if (options.seed !== undefined) o.seed = options.seed;
  if (options.budget !== undefined) o.budget = options.budget;
  if (options.timeMs !== undefined) o.timeMs = options.timeMs;
  if (options.maxSteps !== undefined) o.maxSteps = options.maxSteps;
  o.keepGoing = options.keepGoing === true;
  o.minimize = options.minimize !== false;
  return o;
}

/**
 * `checkModel` checks every variant of a model (or the one `variant` names) as `pagerace check`
 * does, and returns what `pagerace check --json` prints for it: `{ pagerace, results }`, one
 * result per variant with its verdict, counts, and each violation's trace and replay token.
 * `model` is a definition (a model file's default export), a bundled model's name, or a model
 * file's path; `name:variant` works as on the command line. A variant that cannot be searched
 * (its build throws, it loops without yielding) is a `ModelError`.
 */
export async function checkModel(
  model: ModelDefinition | string,
  options: CheckModelOptions = {},
): Promise<Report> {
  const targets =
    typeof model === 'string' ? await specTargets(model, options) : definitionTargets(model, options);
  const opts = searchOptionsOf(options);
  const workers = options.workers ?? 0;
  const pool = workers > 0 ? await ExplorerPool.open(workers, opts.stallMs ?? DEFAULT_STALL_MS) : null;
  const results: SearchResult[] = [];
  try {
    for (const t of targets) results.push(pool ? await parallelSearch(t, opts, pool) : await search(t, opts));
  } finally {
    await pool?.close();
  }
  return buildReport(results, { interrupted: false, signal: null, exitCode: resultsExitCode(results) });
}
