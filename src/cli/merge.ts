import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchResult } from '../explore/found.js';
import { mergeShards } from '../explore/merge.js';
import { DEFAULT_OUT } from '../explore/options.js';
import type { ShardPart } from '../explore/shard.js';
import { loadModel, loadModelPath, type Target } from '../model/load.js';
import { targetIn } from '../model/target.js';
import type { Report } from '../report/json.js';
import { buildReport } from '../report/json.js';
import { formatSummary, formatTable, formatViolation } from '../report/text.js';
import { writeRun } from '../report/write.js';
import { checkOut, exitCodeOf, printRunFiles } from './check.js';
import { UsageError } from './errors.js';

/** `MergeFlags` are the options of `pagerace merge`. */
export interface MergeFlags {
  json?: boolean;
  out?: string | false;
  /** model files the shards checked (a report never names a file to import) */
  model?: string[];
}

/** reads a shard run's report.json (a run folder, or the file itself) */
function readShardReport(where: string): Report {
  const file = existsSync(where) && statSync(where).isDirectory() ? join(where, 'report.json') : where;
  if (!existsSync(file))
    throw new UsageError(`${where}: no report.json there (give the run folders of the shards)`);
  let report: Report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  } catch (e) {
    throw new UsageError(`${file} is not a pagerace report: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(report?.results)) throw new UsageError(`${file} is not a pagerace report: no results`);
  return report;
}

/**
 * the target a shard part names: a bundled model, or a model file, which is imported only when
 * given with --model (a report, like a token, never names a file to run)
 */
async function targetOf(part: ShardPart, files: readonly string[]): Promise<Target> {
  let loaded = null;
  if (part.modelFile !== undefined) {
    for (const f of files) {
      const m = await loadModelPath(f);
      if (m.def.name === part.model) loaded = m;
    }
    if (!loaded)
      throw new UsageError(
        `the shards checked the model file ${part.modelFile} (model ${part.model}): pass it with --model ${part.modelFile}`,
      );
  } else loaded = await loadModel(part.model);
  return targetIn(loaded, part.variant, part.settings ?? {}, part.memoryModel);
}

/**
 * `runMerge` is `pagerace merge DIR...`: it reads the reports of the shards of one check (each
 * run with `--shard i/n`) and folds them into the report one run gives: the same counts, the same
 * first violation, the same verdicts and exit code, written to a run folder of its own.
 */
export async function runMerge(dirs: string[], flags: MergeFlags): Promise<number> {
  const outDir = flags.out === undefined ? DEFAULT_OUT : flags.out;
  checkOut(outDir);
  // the parts of one variant's search, in the order the reports list the variants
  const groups = new Map<string, ShardPart[]>();
  for (const d of dirs) {
    for (const r of readShardReport(d).results) {
      if (!r.shard)
        throw new UsageError(`${d}: ${r.model}:${r.variant} is not a shard (run check with --shard i/n)`);
      const key = `${r.shard.model}\0${r.variant}\0${r.memoryModel}`;
      groups.set(key, [...(groups.get(key) ?? []), r.shard]);
    }
  }
  const results: SearchResult[] = [];
  for (const parts of groups.values())
    results.push(await mergeShards(await targetOf(parts[0], flags.model ?? []), parts));
  const code = exitCodeOf(results);
  const report = buildReport(results, { interrupted: false, signal: null, exitCode: code });
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else {
    for (const r of results)
      for (const v of r.violations) console.log(`${formatViolation(r, v).join('\n')}\n`);
    console.log(results.length === 1 ? formatSummary(results[0]) : formatTable(results).join('\n'));
  }
  if (outDir !== false) {
    const files = writeRun(outDir, 'merge', report, results);
    if (!flags.json) printRunFiles(files, results);
  }
  return code;
}
