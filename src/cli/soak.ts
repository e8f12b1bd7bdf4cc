import { join } from 'node:path';
import { formatTrace, traceSteps } from '../engine/trace.js';
import { SOAK_DELAY_MAX, Soak, type SoakSighting, type SoakStall } from '../executor/soak.js';
import { SOAK_STALL_MS } from '../executor/soak-cpu.js';
import {
  DEFAULT_MAX_STEPS,
  DEFAULT_OUT,
  DEFAULT_SEED,
  DEFAULT_SOAK_MS,
  formatLimit,
  MAX_SOAK_CPUS,
} from '../explore/options.js';
import { resolveTargets, type Target } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import { writeAtomic } from '../report/atomic.js';
import { formatSeconds } from '../report/text.js';
import { makeRunDir } from '../report/write.js';
import { checkOut } from './check.js';
import { ExitCode, UsageError } from './errors.js';
import { parseCount, parseDuration, parseRequested, parseSeed } from './parse.js';
import { ProgressDisplay, progressStyle } from './progress.js';
import { parseProgressMode } from './progress-lines.js';
import { StopSignals } from './signals.js';

/** `SoakFlags` are the options of `pagerace soak` as commander parsed them. */
export interface SoakFlags {
  duration?: string;
  cpus?: string;
  record?: boolean;
  seed?: string;
  maxSteps?: string;
  param?: string[];
  alloc?: string;
  tlb?: string;
  /** `--out DIR`, `--no-out` (false), or neither (DEFAULT_OUT) */
  out?: string | false;
  /** `--progress never|auto|lines` (PAGERACE_PROGRESS) */
  progress?: string;
}

/**
 * `SoakConclusion` is what a soak run says of a variant's expectation: `ok`, as expected;
 * `mismatch`, a violation not expected or the expected one not found; `inconclusive`, no
 * iteration completed, or stalls and nothing else to go on; `not run`, stopped before it.
 */
export type SoakConclusion = 'ok' | 'mismatch' | 'inconclusive' | 'not run';

/** `SoakResult` is one variant's entry in soak.json. */
export interface SoakResult {
  model: string;
  variant: string;
  expect: string;
  /** nothing contradicts what the variant expects */
  matches: boolean;
  conclusion: SoakConclusion;
  /** why it is `inconclusive` or `not run` */
  reason: string | null;
  iterations: number;
  seconds: number;
  cpuWorkers: number;
  machines: number;
  violatingIterations: number;
  /** iterations given up because every CPU waited, with no lock cycle among them */
  stalledIterations: number;
  record: boolean;
  seed: string;
  /** resident memory of the whole process (CPU workers are its threads) when the soak started, MB */
  rssStartMb: number;
  /** the highest resident memory sampled while it ran (every 100 ms), MB */
  rssPeakMb: number;
  violations: {
    kind: string;
    message: string;
    headline: string[];
    count: number;
    machine: number;
    iteration: number;
    token: string | null;
    replaysInline: boolean | null;
  }[];
  stalls: SoakStall[];
}

/** `writeSoak` writes `<out>/<run-id>/soak.json` atomically and returns the folder. */
function writeSoak(out: string, label: string, report: unknown): string {
  const dir = makeRunDir(out, label);
  writeAtomic(join(dir, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
  return dir;
}

/**
 * `soakConclusion` judges a variant's soak: the expected violation seen, or none for a clean
 * variant, is as expected; an unexpected violation, or a missed expected one, is a mismatch; no
 * completed iteration, or stalls that leave the answer open, are inconclusive.
 */
export function soakConclusion(
  expected: string | null,
  kinds: readonly string[],
  iterations: number,
  stalls: number,
): { conclusion: SoakConclusion; reason: string | null } {
  if (expected !== null && kinds.includes(expected)) return { conclusion: 'ok', reason: null };
  if (kinds.some((k) => k !== expected)) return { conclusion: 'mismatch', reason: null };
  if (iterations === 0) return { conclusion: 'inconclusive', reason: 'no iteration completed' };
  if (stalls > 0) {
    const reason = `${stalls} stalled iteration${stalls === 1 ? '' : 's'}, no proven deadlock`;
    return { conclusion: 'inconclusive', reason };
  }
  return expected === null ? { conclusion: 'ok', reason: null } : { conclusion: 'mismatch', reason: null };
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1048576)} MB`;
}

/** `formatSighting` is how a soak violation is printed as it is found. */
export function formatSighting(label: string, expected: string | null, s: SoakSighting): string[] {
  const out = [
    `== ${label}: ${s.kind} (${expected === s.kind ? 'expected' : 'NOT expected'}) on real threads, iteration ${s.iteration} of machine ${s.machine}`,
  ];
  if (s.headline.length) out.push(...s.headline);
  else out.push(`${s.kind}: ${s.message}`);
  if (s.token && s.replay) {
    const same = s.replay.key === s.key;
    out.push(
      same
        ? `Recorded interleaving, ${traceSteps(s.replay.trace)} steps (the inline executor replays it to the same violation):`
        : `Recorded interleaving: the inline replay gives ${s.replay.key ?? 'no violation'} instead`,
    );
    if (same) out.push(...formatTrace(s.replay.trace));
    out.push(`Replay: pagerace replay ${s.token}`);
  } else out.push('(run with --record for a replay token)');
  return out;
}

/** `formatStall` is how a soak stall is printed as it is found. */
export function formatStall(label: string, s: SoakStall): string[] {
  return [
    `== ${label}: stall on real threads, iteration ${s.iteration} of machine ${s.machine}`,
    `every CPU waited ${formatLimit(SOAK_STALL_MS)} with no cycle of waits on held locks (not a proven deadlock): ${s.waits}`,
    'The iteration was given up. `pagerace check` searches the model for a real deadlock.',
  ];
}

/** `SoakSettings` are soak's flags, checked. */
interface SoakSettings {
  durationMs: number;
  maxSteps: number;
  cpus: number | null;
  seed: string;
  record: boolean;
}

function soakSettings(flags: SoakFlags): SoakSettings {
  const durationMs =
    flags.duration === undefined ? DEFAULT_SOAK_MS : parseDuration(flags.duration, '--duration');
  if (!(durationMs > 0)) throw new UsageError(`--duration must be more than 0, got '${flags.duration}'`);
  const maxSteps =
    flags.maxSteps === undefined ? DEFAULT_MAX_STEPS : parseCount(flags.maxSteps, '--max-steps');
  const cpus = flags.cpus === undefined ? null : parseCount(flags.cpus, '--cpus');
  if (cpus !== null && cpus > MAX_SOAK_CPUS)
    throw new UsageError(`--cpus must be at most ${MAX_SOAK_CPUS}, got ${flags.cpus}`);
  const seed = flags.seed === undefined ? DEFAULT_SEED : parseSeed(flags.seed);
  return { durationMs, maxSteps, cpus, seed, record: flags.record === true };
}

/**
 * `runSoak` is `pagerace soak model[:variant]`: the variant runs on real threads, free, over and
 * over for the duration (split evenly between the variants the name selects), and every distinct
 * violation or stall is printed as it is found. Exit 0 when every variant gave what it expects
 * (its violation found, or none for a clean one), 1 when one did not, 3 when one is inconclusive
 * (no iteration completed, or only stalls), 2 on bad input, 130/143 on SIGINT/SIGTERM after
 * writing soak.json.
 */
export async function runSoak(spec: string, flags: SoakFlags): Promise<number> {
  const set = soakSettings(flags);
  const outDir = flags.out === undefined ? DEFAULT_OUT : flags.out;
  checkOut(outDir);
  // soak runs sc only: its CPUs are free-running threads, and there is no step driver to flush
  // store buffers (every other executor runs every memory model)
  const targets = await resolveTargets([spec], parseRequested(flags.param, flags.alloc, flags.tlb), 'sc');
  const mode = parseProgressMode(flags.progress);
  const progress = new ProgressDisplay(progressStyle(mode, process.stderr.isTTY === true, false));
  const signals = new StopSignals().install();
  const results: SoakResult[] = [];
  try {
    for (const t of targets) {
      if (signals.stopped) results.push(notRunSoak(t, set));
      else results.push(await soakVariant(t, set, set.durationMs / targets.length, progress, signals));
    }
  } finally {
    signals.remove();
  }
  const code = soakExitCode(results, signals.exitCode);
  if (outDir !== false) {
    const report = {
      pagerace: 1,
      soak: results,
      interrupted: signals.stopped,
      ...(signals.signal === null ? {} : { signal: signals.signal }),
      exitCode: code,
    };
    const dir = writeSoak(outDir, `soak-${spec}`, report);
    console.log(`Report: ${dir}/soak.json`);
  }
  if (signals.stopped) {
    const what = signals.signal === 'SIGTERM' ? 'terminated (SIGTERM)' : 'interrupted';
    console.error(`pagerace: ${what}; the report holds the violations found so far`);
  }
  return code;
}

function expectedKind(t: Target): string | null {
  return t.variant.expect === 'clean' ? null : t.variant.expect.violation;
}

/**
 * `soakVariant` soaks one variant for `ms` (or until a signal), printing its findings as they
 * come and its summary line at the end, and returns its entry of soak.json.
 */
async function soakVariant(
  t: Target,
  set: SoakSettings,
  ms: number,
  progress: ProgressDisplay,
  signals: StopSignals,
): Promise<SoakResult> {
  const label = `${t.model.def.name}:${t.variantName}`;
  const expected = expectedKind(t);
  const n = buildProgram(t).cpus.length;
  if (set.cpus !== null && set.cpus < n) {
    throw new UsageError(`--cpus must be at least ${n}: ${label} has ${n} CPUs, each its own worker`);
  }
  const machines = set.cpus === null ? 1 : Math.floor(set.cpus / n);
  const soak = await Soak.start(
    t,
    { machines, record: set.record, seed: set.seed, maxSteps: set.maxSteps, delayMax: SOAK_DELAY_MAX },
    (s) => progress.log(`${formatSighting(label, expected, s).join('\n')}\n`),
    (s) => progress.log(`${formatStall(label, s).join('\n')}\n`),
  );
  const started = performance.now();
  let ended = started;
  // the workers are threads of this process: its RSS while they run is the soak's memory
  const rssStart = process.memoryUsage.rss();
  let rssPeak = rssStart;
  progress.startSoak(label, ms);
  try {
    while (!signals.stopped && performance.now() - started < ms) {
      await new Promise((r) => setTimeout(r, 100));
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
      const st = soak.stats();
      progress.updateSoak(st.iterations, st.violations, st.distinct, performance.now() - started);
    }
  } finally {
    ended = performance.now();
    await soak.stop();
    progress.stop();
  }
  const seconds = (ended - started) / 1000;
  const st = soak.stats();
  progress.finishSoak(st.iterations, st.distinct, seconds * 1000);
  const kinds = [...soak.sightings.values()].map((s) => s.kind);
  const { conclusion, reason } = soakConclusion(expected, kinds, st.iterations, st.stalls);
  const stalled = st.stalls ? `, ${st.stalls} stalled` : '';
  const verdict =
    conclusion === 'ok'
      ? 'as expected'
      : conclusion === 'mismatch'
        ? 'NOT as expected'
        : `INCONCLUSIVE: ${reason}`;
  console.log(
    `${label}: ${st.iterations} iterations in ${formatSeconds(seconds)} (${Math.round(st.iterations / seconds)}/s) on ${machines * n} CPU workers (${machines} machine${machines === 1 ? '' : 's'} of ${n}), ${st.violations} violating, ${st.distinct} distinct${stalled}${set.record ? ', recorded' : ''}, seed ${set.seed}, rss ${mb(rssStart)} at start, peak ${mb(rssPeak)} (workers included): ${verdict}`,
  );
  return {
    model: t.model.def.name,
    variant: t.variantName,
    expect: expected ?? 'clean',
    matches: conclusion !== 'mismatch',
    conclusion,
    reason,
    iterations: st.iterations,
    seconds: Math.round(seconds * 1000) / 1000,
    cpuWorkers: machines * n,
    machines,
    violatingIterations: st.violations,
    stalledIterations: st.stalls,
    record: set.record,
    seed: set.seed,
    rssStartMb: Math.round(rssStart / 2 ** 20),
    rssPeakMb: Math.round(rssPeak / 2 ** 20),
    violations: [...soak.sightings.values()].map((x) => ({
      kind: x.kind,
      message: x.message,
      headline: x.headline,
      count: x.count,
      machine: x.machine,
      iteration: x.iteration,
      token: x.token,
      replaysInline: x.replay ? x.replay.key === x.key : null,
    })),
    stalls: [...soak.stalls.values()],
  };
}

/** `soakExitCode`: the signal's code, else 1 for a mismatch, 3 for an inconclusive variant, else 0. */
function soakExitCode(results: readonly SoakResult[], signalCode: number | null): number {
  if (signalCode !== null) return signalCode;
  if (results.some((r) => r.conclusion === 'mismatch')) return ExitCode.Unexpected;
  if (results.some((r) => r.conclusion !== 'ok')) return ExitCode.Inconclusive;
  return ExitCode.Ok;
}

function notRunSoak(t: Target, set: SoakSettings): SoakResult {
  return {
    model: t.model.def.name,
    variant: t.variantName,
    expect: expectedKind(t) ?? 'clean',
    matches: false,
    conclusion: 'not run',
    reason: 'interrupted',
    iterations: 0,
    seconds: 0,
    cpuWorkers: 0,
    machines: 0,
    violatingIterations: 0,
    stalledIterations: 0,
    record: set.record,
    seed: set.seed,
    rssStartMb: 0,
    rssPeakMb: 0,
    violations: [],
    stalls: [],
  };
}
