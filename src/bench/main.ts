/**
 * `npm run bench`: measures, in one run, the floor of a step (a bare generator resume and an
 * Atomics load and store), the inline executor on its executor-bound workload and on the kernel
 * models (under DFS and DPOR), parallel exploration on 1, 2 (and every) workers under DFS and
 * DPOR, the resident memory of a long 2-worker DFS, fast-check's scheduler on the same
 * lost-update program, the wall time of a whole-table `pagerace check`, and (not with
 * `--quick`) every bundled model, the raw Atomics handoff, the threads executor and soak; prints
 * a table (or with `--json` one JSON object of the headline figures) and writes
 * results/bench/<date>[-quick][-<label>].json. Timings are measured here and never asserted by
 * tests.
 *
 * Flags: `--json` (the headline figures as one JSON object on stdout), `--quick` (a smaller run,
 * under a minute), `--label NAME` (appended to the result file's name), `--rss-seconds N` (length
 * of the memory run; default 300, 15 with --quick), `--growth` (only how fork-vs-sync grows with
 * its tasks and forkers, ./growth.ts: results/bench/<date>-growth[-quick][-<label>].json), `--tlb`
 * (only the cost of the translation caches: complete DPOR searches with `--tlb on` against `--tlb
 * off`, ./tlb.ts: results/bench/<date>-tlb[-quick][-<label>].json).
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
import type { WorkerAccount } from '../explore/search.js';
import { listBundledModels, loadModel, selectVariants, type Target, targetRef } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import { writeAtomic } from '../report/atomic.js';
import { RandomScheduler } from '../scheduler/random.js';
import { type LengthFigure, measureLength } from './dpor.js';
import { measureFloor } from './floor.js';
import { type GrowthFigure, growthSizes, measureGrowth } from './growth.js';
import { measureHandoff } from './handoff.js';
import { type InlineFigure, measureInline } from './inline.js';
import { geometricMean, memoryModelFigures } from './memory-models.js';
import { fastCheckLostUpdate } from './peer.js';
import { measureRss, type RssFigure } from './rss.js';
import { measureSoak } from './soak.js';
import { measureStartup } from './startup.js';
import { measureTlbCost, TLB_TARGETS } from './tlb.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, here.includes(`${join('dist', 'src')}`) ? '../../..' : '../..');
const ext = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js';
const INTERLEAVE = join(here, 'models', `interleave${ext}`);

/** the targets of the benchmark (issue 15) */
const TARGET_FLOOR_RATIO = 4;
const TARGET_INLINE_NS = 60;
const TARGET_KERNEL_RATIO = 2;
const TARGET_PEER_RATIO = 50;
const TARGET_RSS_GROWTH_PCT = 10;
/** issue 14: 2 workers against 1, DFS on a search of over 10 million executions, and DPOR */
const TARGET_SPEEDUP_2 = 1.9;
const TARGET_DPOR_SPEEDUP_2 = 1.8;
const TARGET_THREADS_RATIO = 2;
/** issue 14: DPOR's step within 3x of DFS's on the same models, and flat in the execution length */
const TARGET_DPOR_RATIO = 3;
/** the execution lengths of the DPOR per-step figure: 3 * len + 3 steps (24 and 1,605) */
const DPOR_LENGTHS = [7, 534];

/** `BenchFlags` are the command line of `npm run bench`. */
interface BenchFlags {
  json: boolean;
  quick: boolean;
  label: string;
  rssSeconds: number;
  growth: boolean;
  tlb: boolean;
}

function parseFlags(argv: string[]): BenchFlags {
  const flags: BenchFlags = {
    json: false,
    quick: false,
    label: '',
    rssSeconds: 0,
    growth: false,
    tlb: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') flags.json = true;
    else if (a === '--quick') flags.quick = true;
    else if (a === '--growth') flags.growth = true;
    else if (a === '--tlb') flags.tlb = true;
    else if (a === '--label' && i + 1 < argv.length) flags.label = argv[++i];
    else if (a === '--rss-seconds' && i + 1 < argv.length) flags.rssSeconds = Number(argv[++i]);
    else {
      process.stderr.write(
        `bench: unknown flag ${a} (--json, --quick, --growth, --tlb, --label NAME, --rss-seconds N)\n`,
      );
      process.exit(2);
    }
  }
  if (!flags.rssSeconds) flags.rssSeconds = flags.quick ? 15 : 300;
  if (!(flags.rssSeconds > 0)) {
    process.stderr.write('bench: --rss-seconds needs a positive number\n');
    process.exit(2);
  }
  return flags;
}

async function target(model: string, variant: string): Promise<Target> {
  const m = await loadModel(model);
  const t = selectVariants(m, variant).find((x) => x.variantName === variant);
  if (!t) throw new Error(`no variant ${model}:${variant}`);
  return t;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * `ParallelFigure` is one search on 1, 2 (and every) workers: for each worker count, the best
 * seconds of the rounds and, from that round, the workers' account (parallel.ts): `busy`, the
 * share of the workers' time that their units ran (a worker without a unit starves), and `cpu`,
 * the share of it their threads got the CPU (less on a machine that other work loads).
 * `cpuSpeedup` is what the speedup would be with every worker on a core of its own: the workers
 * times their busy share, times one worker's CPU time over theirs (work that splitting added).
 */
interface ParallelFigure {
  model: string;
  strategy: string;
  executions: number;
  seconds: Record<string, number>;
  speedup: Record<string, number>;
  busy: Record<string, number>;
  cpu: Record<string, number>;
  /** CPU seconds of the workers' threads */
  cpuSeconds: Record<string, number>;
  cpuSpeedup: Record<string, number>;
}

async function parallelFigures(t: Target, strategy: string, rounds: number): Promise<ParallelFigure> {
  const counts = [1, 2];
  const n = availableParallelism();
  if (n > 2) counts.push(n);
  const seconds: Record<string, number> = {};
  const busy: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  const cpuSeconds: Record<string, number> = {};
  let executions = 0;
  const pools = new Map<number, ExplorerPool>();
  try {
    for (const w of counts) pools.set(w, await ExplorerPool.open(w));
    // rounds alternate between worker counts, so that other load on the machine hits them alike;
    // the best round of each counts
    for (let round = 0; round < rounds; round++) {
      for (const w of counts) {
        let account: WorkerAccount | null = null;
        const r = await parallelSearch(t, { ...defaultSearchOptions(), strategy }, pools.get(w)!, {
          onWorkers: (a) => {
            account = a;
          },
        });
        const a = account as WorkerAccount | null;
        executions = r.executions;
        if (r.seconds < (seconds[w] ?? Number.POSITIVE_INFINITY) && a) {
          seconds[w] = r.seconds;
          busy[w] = a.busyMs / (a.wallMs * a.workers);
          cpu[w] = a.cpuMs / (a.wallMs * a.workers);
          cpuSeconds[w] = a.cpuMs / 1000;
        }
        log(
          `  parallel ${strategy} ${t.model.def.name}:${t.variantName} on ${w} worker(s): ${executions} executions in ${r.seconds.toFixed(2)}s` +
            (a
              ? `, busy ${fmt(a.busyMs / (a.wallMs * a.workers), 3)}, CPU ${fmt(a.cpuMs / 1000, 1)}s, ${a.units} units`
              : ''),
        );
      }
    }
  } finally {
    for (const p of pools.values()) await p.close();
  }
  const speedup: Record<string, number> = {};
  const cpuSpeedup: Record<string, number> = {};
  for (const w of counts) {
    speedup[w] = seconds[1] / seconds[w];
    // where the platform has no thread CPU clock, the busy share alone
    cpuSpeedup[w] = w * busy[w] * (cpuSeconds[1] > 0 ? cpuSeconds[1] / cpuSeconds[w] : 1);
  }
  return {
    model: `${t.model.def.name}:${t.variantName}`,
    strategy,
    executions,
    seconds,
    speedup,
    busy,
    cpu,
    cpuSeconds,
    cpuSpeedup,
  };
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
    const exec = await ThreadsExecution.launch(targetRef(t), buildProgram(t));
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

/** `parallelRows` are the table's lines of one parallel figure: speedups and busy shares. */
function parallelRows(f: ParallelFigure, label: string, target: number, met: boolean): string[][] {
  const rows: string[][] = [];
  for (const w of Object.keys(f.speedup).filter((x) => x !== '1')) {
    const two = w === '2';
    rows.push(
      [
        `${w} workers speedup vs 1 (${label}, ${f.model}, ${fmt(f.executions)} executions)`,
        `${f.speedup[w].toFixed(2)}x`,
        two ? `>= ${target}x` : '',
        two ? yes(met) : '',
      ],
      [
        `  with a core each (busy x CPU 1 worker / CPU ${w} workers)`,
        `${f.cpuSpeedup[w].toFixed(2)}x`,
        '',
        '',
      ],
      [
        `  ${w} workers busy, got the CPU (1 worker: busy, CPU)`,
        `${fmt(f.busy[w], 3)}, ${fmt(f.cpu[w], 3)} (${fmt(f.busy[1], 3)}, ${fmt(f.cpu[1], 3)})`,
        '',
        '',
      ],
    );
  }
  return rows;
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

/** `isKernelModel` is a bundled model of kernel code (models/kernel, models/lockless), not an example. */
function isKernelModel(t: Target): boolean {
  return !t.model.file.includes(`${join('models', 'examples')}`);
}

/** `KernelFigure` is the inline executor on every kernel model variant under one strategy. */
interface KernelFigure {
  strategy: string;
  models: InlineFigure[];
  /** mean over the variants of their CPU ns/step */
  meanNsPerStep: number;
}

function kernelFigure(targets: Target[], strategy: string, ms: number, warmMs: number): KernelFigure {
  const models: InlineFigure[] = [];
  for (const t of targets) {
    const f = measureInline(t, ms, strategy, warmMs);
    models.push(f);
    log(`  ${strategy} ${f.model}: ${fmt(f.nsPerStep)} ns/step`);
  }
  return { strategy, models, meanNsPerStep: models.reduce((a, f) => a + f.nsPerStep, 0) / models.length };
}

/** `Headline` is what `--json` prints: the figures of issue 15, each checkable by a script. */
interface Headline {
  inlineNsPerStep: number;
  floorNsPerStep: number;
  kernelDfsNsPerStep: number;
  kernelDporNsPerStep: number;
  peerRatio: number;
  workers2Speedup: number;
  /** the DFS speedup with every worker on a core of its own (`ParallelFigure.cpuSpeedup`) */
  workers2CpuSpeedup: number;
  /** the share of the 2 DFS workers' time their units ran */
  workers2Busy: number;
  dpor2Speedup: number;
  dpor2CpuSpeedup: number;
  dpor2Busy: number;
  rssGrowthPct: number;
}

/** `resultFile` is where a run writes its JSON: results/bench/<date>[-<kind>][-quick][-<label>].json */
function resultFile(started: Date, flags: BenchFlags, kind = ''): string {
  const dir = join(ROOT, 'results', 'bench');
  mkdirSync(dir, { recursive: true });
  const name = [started.toISOString().slice(0, 10), kind, flags.quick ? 'quick' : '', flags.label]
    .filter(Boolean)
    .join('-');
  return join(dir, `${name}.json`);
}

/**
 * `growthMain` is `npm run bench -- --growth`: fork-vs-sync's mainline variant searched to the end
 * at each size, next to what SPIN 6.5.2 stores on the equivalent Promela scenario (issue 10).
 */
async function growthMain(flags: BenchFlags): Promise<void> {
  const started = new Date();
  const loadAtStart = loadavg()[0];
  // the first search pays for the JIT: one search of the middle size first, not counted
  await measureGrowth([{ tasks: 3, forkers: 2 }]);
  log('fork-vs-sync, exhaustive DPOR, one thread, by tasks and forkers:');
  const figures: GrowthFigure[] = await measureGrowth(growthSizes(flags.quick), undefined, (f) =>
    log(
      `  tasks=${f.tasks} forkers=${f.forkers}: ${f.verdict}${f.complete ? ' (complete)' : ''}, ${f.executions} executions, ${f.steps} steps, ${f.cpuSeconds.toFixed(2)} CPU s`,
    ),
  );
  const file = resultFile(started, flags, 'growth');
  const result = {
    date: started.toISOString(),
    commit: gitCommit(),
    quick: flags.quick,
    label: flags.label,
    node: process.version,
    cpuModel: cpus()[0]?.model ?? '',
    loadAverage: { start: loadAtStart, end: loadavg()[0] },
    model: 'fork-vs-sync',
    strategy: 'dpor, no minimization, one thread',
    spin: {
      version: '6.5.2',
      scenario: 'the equivalent Promela model (issue 10)',
      'tasks=8 forkers=2': { states: 1_168_549, seconds: 4 },
      'tasks=12 forkers=1': { states: 9_000_000 },
      'tasks=13 forkers=1': 'does not finish in 150 s',
      growthPerTaskWithOneForker: 3,
    },
    figures,
  };
  writeAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
  if (flags.json) console.log(JSON.stringify(figures));
  else {
    console.log(
      table([
        ['tasks', 'forkers', 'verdict', 'executions', 'steps', 'CPU s'],
        ...figures.map((f) => [
          String(f.tasks),
          String(f.forkers),
          f.complete ? `${f.verdict}, complete` : f.verdict,
          fmt(f.executions),
          fmt(f.steps),
          f.cpuSeconds.toFixed(2),
        ]),
      ]),
    );
    console.log(`\nWritten: ${file}`);
  }
}

/**
 * `tlbMain` is `npm run bench -- --tlb`: what the translation caches cost, each target searched
 * to the end with the caches on and off in the same run (./tlb.ts).
 */
async function tlbMain(flags: BenchFlags): Promise<void> {
  const started = new Date();
  const loadAtStart = loadavg()[0];
  const rounds = flags.quick ? 1 : 3;
  // the first search pays for the JIT: one round of the first target first, not counted
  await measureTlbCost(TLB_TARGETS.slice(0, 1), 1);
  log(`exhaustive DPOR, one thread, --tlb on against --tlb off (best of ${rounds}):`);
  const figures = await measureTlbCost(TLB_TARGETS, rounds, (f) =>
    log(
      `  ${f.target}: on ${f.on.executions} executions ${f.on.cpuSeconds.toFixed(3)} CPU s, off ${f.off.executions} executions ${f.off.cpuSeconds.toFixed(3)} CPU s: ${f.cpuRatio.toFixed(2)}x`,
    ),
  );
  const file = resultFile(started, flags, 'tlb');
  const result = {
    date: started.toISOString(),
    commit: gitCommit(),
    quick: flags.quick,
    label: flags.label,
    node: process.version,
    cpuModel: cpus()[0]?.model ?? '',
    loadAverage: { start: loadAtStart, end: loadavg()[0] },
    strategy: 'dpor, no minimization, one thread',
    rounds,
    figures,
  };
  writeAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
  if (flags.json) console.log(JSON.stringify(figures));
  else {
    console.log(
      table([
        ['variant', 'executions on/off', 'steps on/off', 'CPU s on', 'CPU s off', 'CPU on/off'],
        ...figures.map((f) => [
          f.target,
          `${fmt(f.on.executions)}/${fmt(f.off.executions)}`,
          `${fmt(f.on.steps)}/${fmt(f.off.steps)}`,
          f.on.cpuSeconds.toFixed(3),
          f.off.cpuSeconds.toFixed(3),
          f.cpuRatio.toFixed(2),
        ]),
      ]),
    );
    console.log(`\nWritten: ${file}`);
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.growth) return growthMain(flags);
  if (flags.tlb) return tlbMain(flags);
  const quick = flags.quick;
  const started = new Date();
  const loadAtStart = loadavg()[0];
  const bundled = await listBundledModels();
  // each variant under its own memory model, as before memory models (the weak ones are below)
  const targets = bundled.flatMap((m) =>
    Object.entries(m.def.variants).flatMap(([name, v]) =>
      selectVariants(m, name, undefined, v.memoryModel ?? 'sc'),
    ),
  );
  const kernelTargets = targets.filter(isKernelModel);
  const interleave = await target(INTERLEAVE, 'large');

  // first, while the JIT has seen nothing else: the floor, then the executor on a model that is
  // all operations
  const floorNs = measureFloor(quick ? 2_000_000 : 10_000_000);
  log(`floor (generator resume + Atomics load and store): ${fmt(floorNs, 1)} ns/step`);
  const large = measureInline(interleave, quick ? 800 : 2000);
  log(`inline executor, interleave:large: ${fmt(large.nsPerStep)} ns/step`);

  log('fast-check peer (lost-update in fc.scheduler()):');
  // next, while the engine has seen one other model only (as in a run of lost-update alone):
  // both warmed up first, then timed back to back in wall-clock time
  const runs = quick ? 5000 : 20_000;
  await fastCheckLostUpdate(1000);
  const fcFig = await fastCheckLostUpdate(runs);
  const lu = await target('lost-update', 'buggy');
  const pr = measureInlineRandom(lu, quick ? 500 : 2000);
  log(`  fast-check ${fmt(fcFig.perSecond)} schedules/s; pagerace ${fmt(pr)} executions/s`);

  log('kernel models, inline, one thread:');
  // each variant's own code is new to the JIT: it is warmed up before it is timed
  const kernelMs = quick ? 80 : 500;
  const kernelWarmMs = quick ? 60 : 250;
  const kernelDfs = kernelFigure(kernelTargets, 'dfs', kernelMs, kernelWarmMs);
  const kernelDpor = kernelFigure(kernelTargets, 'dpor', kernelMs, kernelWarmMs);
  log(`  mean: dfs ${fmt(kernelDfs.meanNsPerStep)} ns/step, dpor ${fmt(kernelDpor.meanNsPerStep)} ns/step`);
  // per variant, DPOR's step over DFS's on the same model, then their mean
  const dporOverDfs =
    kernelDpor.models.reduce((a, f, i) => a + f.nsPerStep / kernelDfs.models[i].nsPerStep, 0) /
    Math.max(1, kernelDpor.models.length);

  log('DPOR cost per step at two execution lengths (src/bench/dpor.ts):');
  const lengths: LengthFigure[] = [];
  for (const len of DPOR_LENGTHS) {
    for (const strategy of ['dpor', 'source-dpor', 'dfs']) {
      const f = measureLength(strategy, len, quick ? 150 : 600);
      lengths.push(f);
      log(`  ${strategy}, ${f.stepsPerExecution}-step executions: ${fmt(f.nsPerStep)} ns/step`);
    }
  }
  const lengthNs = (strategy: string, len: number) =>
    lengths.find((f) => f.strategy === strategy && f.stepsPerExecution === 3 * len + 3)?.nsPerStep ?? 0;
  const [short, long] = DPOR_LENGTHS;
  const growth = (strategy: string) => lengthNs(strategy, long) / lengthNs(strategy, short);

  const inline: InlineFigure[] = [];
  if (!quick) {
    log('inline executor, every bundled model variant (its own strategy), one thread:');
    for (const t of targets) {
      const f = measureInline(t, 250);
      inline.push(f);
      log(`  ${f.model}: ${fmt(f.nsPerStep)} ns/step, ${fmt(f.executionsPerSecond)} executions/s`);
    }
  }
  const meanOf = (xs: InlineFigure[], f: (x: InlineFigure) => number) =>
    xs.length ? xs.reduce((a, x) => a + f(x), 0) / xs.length : 0;
  const meanNs = meanOf(inline, (f) => f.nsPerStep);
  const meanExecs = meanOf(inline, (f) => f.executionsPerSecond);
  const totalSteps = inline.reduce((a, f) => a + f.steps, 0);

  log('memory models: a complete search of the same variants under sc, tso and arm64 (CPU time):');
  const weakModels = bundled.filter((m) => /[/\\](litmus|ordering)[/\\]/.test(m.file));
  const mmFigures = memoryModelFigures(weakModels, quick ? 40 : 150, log);
  const mmRatio = {
    tso: geometricMean(mmFigures.map((f) => f.timeRatio.tso)),
    arm64: geometricMean(mmFigures.map((f) => f.timeRatio.arm64)),
  };
  const mmExecRatio = {
    tso: geometricMean(mmFigures.map((f) => f.executionRatio.tso)),
    arm64: geometricMean(mmFigures.map((f) => f.executionRatio.arm64)),
  };

  log('parallel exploration:');
  // DFS on a long search (17,153,136 executions; --quick: interleave:large, 756,756), where
  // workers used to starve; DPOR on interleave:large (51,318 executions)
  const longSearch = quick ? interleave : await target(INTERLEAVE, 'huge');
  const parallel = await parallelFigures(longSearch, 'dfs', 1);
  const parallelDpor = await parallelFigures(interleave, 'dpor', quick ? 1 : 3);

  log('startup: a whole-table check from a fresh process:');
  const startup = await measureStartup(ROOT, quick ? 1 : 3, 2);
  log(
    `  ${fmt(startup.cliMs)} ms for ${startup.variants} variants (here: models ${fmt(startup.loadModelsMs)} ms, workers ${fmt(startup.startWorkersMs)} ms, searches ${fmt(startup.searchMs)} ms)`,
  );

  log(`resident memory over ${flags.rssSeconds}s of a 2-worker DFS:`);
  const rssTarget = await target('fork-vs-sync', 'fixed-l4-fresh');
  const rss: RssFigure = await measureRss(rssTarget, 2, flags.rssSeconds * 1000, quick ? 1000 : 5000);
  log(
    `  ${rss.model}: ${fmt(rss.warmMb)} MB after warm-up, peak ${fmt(rss.peakMb)} MB (${fmt(rss.growthPct, 1)}%), ${rss.executions} executions`,
  );

  const full = quick ? null : await slowFigures(targets);

  const headline: Headline = {
    inlineNsPerStep: large.nsPerStep,
    floorNsPerStep: floorNs,
    kernelDfsNsPerStep: kernelDfs.meanNsPerStep,
    kernelDporNsPerStep: kernelDpor.meanNsPerStep,
    peerRatio: pr / fcFig.perSecond,
    workers2Speedup: parallel.speedup[2],
    workers2CpuSpeedup: parallel.cpuSpeedup[2],
    workers2Busy: parallel.busy[2],
    dpor2Speedup: parallelDpor.speedup[2],
    dpor2CpuSpeedup: parallelDpor.cpuSpeedup[2],
    dpor2Busy: parallelDpor.busy[2],
    rssGrowthPct: rss.growthPct,
  };
  const met = {
    inline: large.nsPerStep <= TARGET_INLINE_NS,
    floor: large.nsPerStep <= TARGET_FLOOR_RATIO * floorNs,
    kernel: kernelDfs.meanNsPerStep <= TARGET_KERNEL_RATIO * large.nsPerStep,
    peer: headline.peerRatio >= TARGET_PEER_RATIO,
    rss: rss.growthPct <= TARGET_RSS_GROWTH_PCT,
    parallel: parallel.speedup[2] >= TARGET_SPEEDUP_2,
    parallelDpor: parallelDpor.speedup[2] >= TARGET_DPOR_SPEEDUP_2,
    dpor: dporOverDfs <= TARGET_DPOR_RATIO,
  };

  const result = {
    date: started.toISOString(),
    commit: gitCommit(),
    quick,
    label: flags.label,
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? '',
    /** other work on the machine skews every figure: the 1-minute load average at start and end */
    loadAverage: { start: loadAtStart, end: loadavg()[0] },
    headline,
    met,
    targets: {
      inline: `<= ${TARGET_INLINE_NS} ns/step and <= ${TARGET_FLOOR_RATIO}x the floor`,
      kernel: `kernel models under DFS <= ${TARGET_KERNEL_RATIO}x the executor-bound ns/step`,
      memoryModels: {
        definition:
          "CPU time of one complete search (the variant's own strategy, every execution) under tso and arm64 against sc, same variants; geometric means",
        models: mmFigures,
        timeRatio: mmRatio,
        executionRatio: mmExecRatio,
      },
      peer: `>= ${TARGET_PEER_RATIO}x fast-check's schedules/s, random strategy`,
      rss: `peak RSS after warm-up within ${TARGET_RSS_GROWTH_PCT}% over the run`,
      parallel: `2 workers >= ${TARGET_SPEEDUP_2}x, DFS, a search of over 10 million executions`,
      parallelDpor: `2 workers >= ${TARGET_DPOR_SPEEDUP_2}x, DPOR, over 50,000 executions`,
      dpor: `kernel models under DPOR <= ${TARGET_DPOR_RATIO}x their ns/step under DFS`,
    },
    floor: {
      nsPerStep: floorNs,
      definition: 'one generator resume yielding a reused object + Atomics load and store',
    },
    inline: {
      interleaveLarge: large,
      models: inline,
      meanNsPerStep: meanNs,
      meanExecutionsPerSecond: meanExecs,
      totalSteps,
    },
    kernel: { dfs: kernelDfs, dpor: kernelDpor, dporOverDfs },
    dporLengths: {
      figures: lengths,
      /** CPU ns/step at the long executions over the short ones, per strategy */
      growth: { dpor: growth('dpor'), 'source-dpor': growth('source-dpor'), dfs: growth('dfs') },
    },
    parallel,
    parallelDpor,
    rss,
    startup,
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
    ['floor CPU ns/step (generator resume + Atomics load/store)', fmt(floorNs, 1), '', ''],
    [
      'inline CPU ns/step, interleave:large (executor-bound)',
      fmt(large.nsPerStep, 1),
      `<= ${TARGET_INLINE_NS}`,
      yes(met.inline),
    ],
    ['  / floor', `${fmt(large.nsPerStep / floorNs, 2)}x`, `<= ${TARGET_FLOOR_RATIO}x`, yes(met.floor)],
    ['kernel models, DFS, mean CPU ns/step', fmt(kernelDfs.meanNsPerStep), '', ''],
    [
      '  / executor-bound',
      `${fmt(kernelDfs.meanNsPerStep / large.nsPerStep, 2)}x`,
      `<= ${TARGET_KERNEL_RATIO}x`,
      yes(met.kernel),
    ],
    ['kernel models, DPOR, mean CPU ns/step', fmt(kernelDpor.meanNsPerStep), '', ''],
    [
      '  / DFS on the same models (mean)',
      `${fmt(dporOverDfs, 2)}x`,
      `<= ${TARGET_DPOR_RATIO}x`,
      yes(met.dpor),
    ],
    ...DPOR_LENGTHS.map((len) => [
      `DPOR CPU ns/step, ${3 * len + 3}-step executions (source-dpor, dfs)`,
      `${fmt(lengthNs('dpor', len))} (${fmt(lengthNs('source-dpor', len))}, ${fmt(lengthNs('dfs', len))})`,
      '',
      '',
    ]),
    [
      `  ${3 * long + 3}-step / ${3 * short + 3}-step (source-dpor)`,
      `${fmt(growth('dpor'), 2)}x (${fmt(growth('source-dpor'), 2)}x)`,
      'flat',
      '',
    ],
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
    ...(inline.length ? [['inline CPU ns/step, mean of bundled variants', fmt(meanNs), '', '']] : []),
    [`1 worker, ${parallel.model} DFS executions/s`, fmt(parallel.executions / parallel.seconds[1]), '', ''],
    ...parallelRows(parallel, 'DFS', TARGET_SPEEDUP_2, met.parallel),
    ...parallelRows(parallelDpor, 'DPOR', TARGET_DPOR_SPEEDUP_2, met.parallelDpor),
    [
      `RSS growth over ${flags.rssSeconds}s, 2-worker DFS (MB)`,
      `${fmt(rss.warmMb)} -> ${fmt(rss.peakMb)}: ${fmt(rss.growthPct, 1)}%`,
      `<= ${TARGET_RSS_GROWTH_PCT}%`,
      yes(met.rss),
    ],
    [`whole-table check, fresh process (${startup.variants} variants), ms`, fmt(startup.cliMs), '', ''],
    ['fast-check schedules/s (lost-update)', fmt(fcFig.perSecond), '', ''],
    ['pagerace random executions/s (lost-update)', fmt(pr), '', ''],
    ['pagerace / fast-check', `${fmt(result.peer.ratio, 1)}x`, `>= ${TARGET_PEER_RATIO}x`, yes(met.peer)],
    ...(full ? full.rows : []),
  ];

  const file = resultFile(started, flags);
  const { rows: _rows, ...fullResult } = full ?? { rows: [] };
  writeAtomic(file, `${JSON.stringify({ ...result, ...fullResult }, null, 2)}\n`);
  if (flags.json) console.log(JSON.stringify(headline));
  else {
    console.log(table(rows));
    console.log(`\nWritten: ${file}`);
  }
  if (flags.json) log(`Written: ${file}`);
}

/** `slowFigures` are the figures only a full run measures: handoff, threads executor, soak. */
async function slowFigures(targets: Target[]) {
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
  const threadsMet = threadsRatio <= TARGET_THREADS_RATIO;
  const ratioToInline = threads.reduce((a, f) => a + f.nsPerStep / f.inlineNsPerStep, 0) / threads.length;

  log('soak:');
  const soakTargets = [await target('lost-update', 'buggy')];
  if (kernel) soakTargets.push(kernel);
  const soak = [];
  for (const t of soakTargets) {
    for (const record of [false, true]) {
      const f = await measureSoak(t, record, 3000);
      soak.push(f);
      log(`  ${f.model}${record ? ' --record' : ''}: ${fmt(f.iterationsPerSecond)} iterations/s`);
    }
  }
  const rows = [
    ['raw Atomics handoff round trip ns (to a sleeping worker)', fmt(handoffNs), '', ''],
    ['raw Atomics handoff round trip ns (hot ping-pong)', fmt(handoffHotNs), '', ''],
    ['threads executor ns/step (mean)', fmt(threadsNs), '', ''],
    ['threads / handoff', `${threadsRatio.toFixed(2)}x`, `<= ${TARGET_THREADS_RATIO}x`, yes(threadsMet)],
    ['threads / inline (same models)', `${fmt(ratioToInline)}x`, '', ''],
    ...soak.map((f) => [
      `soak iterations/s, ${f.model}${f.record ? ' --record' : ''}`,
      fmt(f.iterationsPerSecond),
      '',
      '',
    ]),
  ];
  return {
    rows,
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
      ratioToInline,
      target: `<= ${TARGET_THREADS_RATIO}x the handoff round trip`,
      met: threadsMet,
    },
    soak,
  };
}

function yes(b: boolean): string {
  return b ? 'yes' : 'NO';
}

/**
 * executions per wall-clock second of a random search of `t` on the inline executor (as
 * fast-check runs), over about `ms` milliseconds after 100,000 executions of warm-up
 */
function measureInlineRandom(t: Target, ms: number): number {
  const exec = new Execution(buildProgram(t));
  const warm = new RandomScheduler('warm', 0, 100_000);
  while (warm.startExecution()) {
    exec.run(warm);
    warm.endExecution();
  }
  const s = new RandomScheduler('peer');
  let runs = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < ms) {
    for (let i = 0; i < 1000 && s.startExecution(); i++) {
      exec.run(s);
      s.endExecution();
      runs++;
    }
    now = performance.now();
  }
  return (runs * 1000) / (now - t0);
}

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

await main();
