/**
 * `npm run bench`: measures, in one run, the inline executor on every bundled model, parallel
 * exploration on 1, 2 (and every) workers, the raw Atomics handoff, the threads executor, soak,
 * and fast-check's scheduler on the same lost-update program; prints a table and writes
 * results/bench/<date>.json. Timings are measured here and never asserted by tests.
 */
import { execSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Execution } from '../engine/execution.js';
import { ThreadsExecution } from '../executor/threads.js';
import { defaultSearchOptions } from '../explore/options.js';
import { parallelSearch } from '../explore/parallel.js';
import { ExplorerPool } from '../explore/parallel-pool.js';
import { listBundledModels, loadModel, selectVariants, type Target } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import { writeAtomic } from '../report/write.js';
import { RandomScheduler } from '../scheduler/random.js';
import { measureHandoff } from './handoff.js';
import { type InlineFigure, measureInline } from './inline.js';
import { geometricMean, memoryModelFigures } from './memory-models.js';
import { fastCheckLostUpdate } from './peer.js';
import { measureSoak } from './soak.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, here.includes(`${join('dist', 'src')}`) ? '../../..' : '../..');
const ext = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js';
const INTERLEAVE = join(here, 'models', `interleave${ext}`);

/** the targets of the benchmark */
const TARGET_INLINE_NS = 200;
const TARGET_SPEEDUP_2 = 1.8;
const TARGET_THREADS_RATIO = 2;

async function target(model: string, variant: string): Promise<Target> {
  const m = await loadModel(model);
  const t = selectVariants(m, variant).find((x) => x.variantName === variant);
  if (!t) throw new Error(`no variant ${model}:${variant}`);
  return t;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function parallelFigures(): Promise<{
  model: string;
  executions: number;
  seconds: Record<string, number>;
  speedup: Record<string, number>;
}> {
  const t = await target(INTERLEAVE, 'large');
  const counts = [1, 2];
  const n = availableParallelism();
  if (n > 2) counts.push(n);
  const seconds: Record<string, number> = {};
  let executions = 0;
  const pools = new Map<number, ExplorerPool>();
  try {
    for (const w of counts) pools.set(w, await ExplorerPool.open(w));
    // rounds alternate between worker counts, so that other load on the machine hits them alike;
    // the best round of each counts
    for (let round = 0; round < 3; round++) {
      for (const w of counts) {
        const r = await parallelSearch(t, defaultSearchOptions(), pools.get(w)!);
        executions = r.executions;
        seconds[w] = Math.min(seconds[w] ?? Number.POSITIVE_INFINITY, r.seconds);
        log(
          `  parallel dfs interleave:large on ${w} worker(s): ${executions} executions in ${r.seconds.toFixed(2)}s`,
        );
      }
    }
  } finally {
    for (const p of pools.values()) await p.close();
  }
  const speedup: Record<string, number> = {};
  for (const w of counts) speedup[w] = seconds[1] / seconds[w];
  return { model: 'interleave:large (3 CPUs x 5 accesses, complete DFS)', executions, seconds, speedup };
}

async function threadsFigures(models: Target[]): Promise<
  {
    model: string;
    steps: number;
    nsPerStep: number;
    handoffNs: number;
    ratioToHandoff: number;
    inlineNsPerStep: number;
  }[]
> {
  const out = [];
  for (const t of models) {
    // measured right before, so that both see the same machine
    const handoffNs = await measureHandoff(3000);
    const exec = await ThreadsExecution.launch(
      { model: t.model.ref, variant: t.variantName },
      buildProgram(t),
    );
    try {
      const warm = new RandomScheduler('warm', 0, 50);
      while (warm.startExecution()) {
        exec.run(warm);
        warm.endExecution();
      }
      const s = new RandomScheduler('bench', 0, Number.POSITIVE_INFINITY);
      let steps = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < 1500 && s.startExecution()) {
        steps += exec.run(s).steps;
        s.endExecution();
      }
      const ns = ((performance.now() - t0) * 1e6) / steps;
      const inline = measureInline(t, 300).wallNsPerStep;
      out.push({
        model: `${t.model.def.name}:${t.variantName}`,
        steps,
        nsPerStep: ns,
        handoffNs,
        ratioToHandoff: ns / handoffNs,
        inlineNsPerStep: inline,
      });
      log(
        `  threads ${t.model.def.name}:${t.variantName}: ${(ns / 1000).toFixed(1)} us/step, handoff ${(handoffNs / 1000).toFixed(1)} us`,
      );
    } finally {
      await exec.close();
    }
  }
  return out;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
    .join('\n');
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const started = new Date();
  const loadAtStart = loadavg()[0];
  const bundled = await listBundledModels();
  // each variant under its own memory model, as before memory models (the weak ones are below)
  const targets = bundled.flatMap((m) =>
    Object.entries(m.def.variants).flatMap(([name, v]) => selectVariants(m, name, v.memoryModel ?? 'sc')),
  );

  // first, while the JIT has seen nothing else: the executor on a model that is all operations
  const large = measureInline(await target(INTERLEAVE, 'large'), 2000);
  log(`inline executor, interleave:large: ${fmt(large.nsPerStep)} ns/step`);
  log('inline executor, every bundled model variant (its own strategy), one thread:');
  const inline: InlineFigure[] = [];
  for (const t of targets) {
    const f = measureInline(t, 250);
    inline.push(f);
    log(`  ${f.model}: ${fmt(f.nsPerStep)} ns/step, ${fmt(f.executionsPerSecond)} executions/s`);
  }
  const meanNs = inline.reduce((a, f) => a + f.nsPerStep, 0) / inline.length;
  const totalSteps = inline.reduce((a, f) => a + f.steps, 0);
  const meanExecs = inline.reduce((a, f) => a + f.executionsPerSecond, 0) / inline.length;

  log('memory models: a complete search of the same variants under sc, tso and arm64 (CPU time):');
  const weakModels = bundled.filter((m) => /[/\\](litmus|ordering)[/\\]/.test(m.file));
  const mmFigures = memoryModelFigures(weakModels, 150, log);
  const mmRatio = {
    tso: geometricMean(mmFigures.map((f) => f.timeRatio.tso)),
    arm64: geometricMean(mmFigures.map((f) => f.timeRatio.arm64)),
  };
  const mmExecRatio = {
    tso: geometricMean(mmFigures.map((f) => f.executionRatio.tso)),
    arm64: geometricMean(mmFigures.map((f) => f.executionRatio.arm64)),
  };

  log('parallel exploration:');
  const parallel = await parallelFigures();

  log('raw Atomics handoff:');
  const handoffNs = await measureHandoff(5000);
  const handoffHotNs = await measureHandoff(20_000, 0);
  log(`  round trip ${fmt(handoffNs)} ns to a sleeping worker, ${fmt(handoffHotNs)} ns ping-pong`);

  log('threads executor:');
  const threadModels = [await target('lost-update', 'buggy'), await target(INTERLEAVE, 'small')];
  const kernel = targets.find((t) => t.model.def.name === 'vmemmap-compound-nosync');
  if (kernel) threadModels.push(kernel);
  const threads = await threadsFigures(threadModels);
  const threadsNs = threads.reduce((a, f) => a + f.nsPerStep, 0) / threads.length;
  const threadsRatio = threads.reduce((a, f) => a + f.ratioToHandoff, 0) / threads.length;

  log('soak:');
  const soakTargets = [await target('lost-update', 'buggy')];
  const soakKernel = targets.find((t) => t.model.def.name === 'vmemmap-compound-nosync');
  if (soakKernel) soakTargets.push(soakKernel);
  const soak = [];
  for (const t of soakTargets) {
    for (const record of [false, true]) {
      const f = await measureSoak(t, record, 3000);
      soak.push(f);
      log(`  ${f.model}${record ? ' --record' : ''}: ${fmt(f.iterationsPerSecond)} iterations/s`);
    }
  }

  log('fast-check peer (lost-update in fc.scheduler()):');
  const runs = 20_000;
  const fcFig = await fastCheckLostUpdate(runs);
  const lu = await target('lost-update', 'buggy');
  const pr = measureInlineRandom(lu, runs);
  log(`  fast-check ${fmt(fcFig.perSecond)} schedules/s; pagerace ${fmt(pr)} executions/s`);

  const result = {
    date: started.toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? '',
    /** other work on the machine skews every figure: the 1-minute load average at start and end */
    loadAverage: { start: loadAtStart, end: loadavg()[0] },
    inline: {
      models: inline,
      meanNsPerStep: meanNs,
      meanExecutionsPerSecond: meanExecs,
      totalSteps,
      interleaveLarge: large,
      target: `mean <= ${TARGET_INLINE_NS} ns/step`,
      met: meanNs <= TARGET_INLINE_NS,
      executorMet: large.nsPerStep <= TARGET_INLINE_NS,
    },
    memoryModels: {
      definition:
        'CPU time of one complete search (the variant\'s own strategy, every execution) under tso and arm64 against sc, same variants; geometric means',
      models: mmFigures,
      timeRatio: mmRatio,
      executionRatio: mmExecRatio,
    },
    parallel: {
      ...parallel,
      target: `2 workers >= ${TARGET_SPEEDUP_2}x`,
      met: parallel.speedup[2] >= TARGET_SPEEDUP_2,
    },
    handoff: {
      roundTripNs: handoffNs,
      definition:
        'one round trip to a worker asleep in Atomics.wait (50 us pause before each), executor spin counts',
      pingPongNs: handoffHotNs,
    },
    threads: {
      models: threads,
      meanNsPerStep: threadsNs,
      ratioToHandoff: threadsRatio,
      ratioToInline: threads.reduce((a, f) => a + f.nsPerStep / f.inlineNsPerStep, 0) / threads.length,
      target: `<= ${TARGET_THREADS_RATIO}x the handoff round trip`,
      met: threadsRatio <= TARGET_THREADS_RATIO,
    },
    soak,
    peer: {
      program: 'lost-update:buggy (two CPUs, load then store)',
      fastCheckSchedulesPerSecond: fcFig.perSecond,
      fastCheckRunsThatLostAnUpdate: fcFig.lost,
      fastCheckRuns: runs,
      pageraceRandomExecutionsPerSecond: pr,
      ratio: pr / fcFig.perSecond,
    },
  };

  const rows = [
    ['measure', 'figure', 'target', 'met'],
    [
      'inline CPU ns/step, interleave:large (executor-bound)',
      fmt(large.nsPerStep),
      `<= ${TARGET_INLINE_NS}`,
      yes(result.inline.executorMet),
    ],
    [
      'inline CPU ns/step, mean of bundled variants',
      fmt(meanNs),
      `<= ${TARGET_INLINE_NS}`,
      yes(result.inline.met),
    ],
    ['inline executions per CPU-second, mean of bundled', fmt(meanExecs), '', ''],
    [
      `complete search under tso / sc (${mmFigures.length} litmus and ordering variants, geo. mean)`,
      `${mmRatio.tso.toFixed(1)}x time, ${mmExecRatio.tso.toFixed(1)}x executions`,
      '',
      '',
    ],
    [
      'complete search under arm64 / sc (same variants)',
      `${mmRatio.arm64.toFixed(1)}x time, ${mmExecRatio.arm64.toFixed(1)}x executions`,
      '',
      '',
    ],
    ['1 worker, interleave:large DFS executions/s', fmt(parallel.executions / parallel.seconds[1]), '', ''],
    ...Object.entries(parallel.speedup)
      .filter(([w]) => w !== '1')
      .map(([w, s]) => [
        `${w} workers speedup vs 1`,
        `${s.toFixed(2)}x`,
        w === '2' ? `>= ${TARGET_SPEEDUP_2}x` : '',
        w === '2' ? yes(result.parallel.met) : '',
      ]),
    ['raw Atomics handoff round trip ns (to a sleeping worker)', fmt(handoffNs), '', ''],
    ['raw Atomics handoff round trip ns (hot ping-pong)', fmt(handoffHotNs), '', ''],
    ['threads executor ns/step (mean)', fmt(threadsNs), '', ''],
    [
      'threads / handoff',
      `${result.threads.ratioToHandoff.toFixed(2)}x`,
      `<= ${TARGET_THREADS_RATIO}x`,
      yes(result.threads.met),
    ],
    ['threads / inline (same models)', `${fmt(result.threads.ratioToInline)}x`, '', ''],
    ...soak.map((f) => [
      `soak iterations/s, ${f.model}${f.record ? ' --record' : ''}`,
      fmt(f.iterationsPerSecond),
      '',
      '',
    ]),
    ['fast-check schedules/s (lost-update)', fmt(fcFig.perSecond), '', ''],
    ['pagerace random executions/s (lost-update)', fmt(pr), '', ''],
    ['pagerace / fast-check', `${fmt(result.peer.ratio, 1)}x`, '', ''],
  ];
  console.log(table(rows));

  const dir = join(ROOT, 'results', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${started.toISOString().slice(0, 10)}.json`);
  writeAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nWritten: ${file}`);
}

function yes(b: boolean): string {
  return b ? 'yes' : 'NO';
}

/** executions per second of a random search of `t` on the inline executor (as fast-check runs) */
function measureInlineRandom(t: Target, runs: number): number {
  const exec = new Execution(buildProgram(t));
  const s = new RandomScheduler('peer', 0, runs);
  const t0 = performance.now();
  while (s.startExecution()) {
    exec.run(s);
    s.endExecution();
  }
  return (runs * 1000) / (performance.now() - t0);
}

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

await main();
