import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatTrace } from '../engine/trace.js';
import { SOAK_DELAY_MAX, Soak, type SoakSighting } from '../executor/soak.js';
import { defaultSearchOptions } from '../explore/options.js';
import { resolveTargets } from '../model/load.js';
import { formatSeconds } from '../report/text.js';
import { runId, writeAtomic } from '../report/write.js';
import { ExitCode, UsageError } from './errors.js';
import { parseCount, parseDuration } from './parse.js';
import { ProgressDisplay } from './progress.js';

/** `SoakFlags` are the options of `pagerace soak` as commander parsed them. */
export interface SoakFlags {
  duration?: string;
  cpus?: string;
  record?: boolean;
  seed?: string;
  maxSteps?: string;
  out: string | false;
}

/** `SoakResult` is one variant's entry in soak.json. */
export interface SoakResult {
  model: string;
  variant: string;
  expect: string;
  matches: boolean;
  iterations: number;
  seconds: number;
  cpuWorkers: number;
  machines: number;
  violatingIterations: number;
  record: boolean;
  seed: string;
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
}

/** `DEFAULT_SOAK_MS`: `--duration` when not given (PAGERACE_SOAK_DURATION). */
export const DEFAULT_SOAK_MS = 60_000;

/** `writeSoak` writes `<out>/<run-id>/soak.json` atomically and returns the folder. */
function writeSoak(out: string, label: string, report: unknown): string {
  const base = join(out, runId(label));
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
  return dir;
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
        ? `Recorded interleaving, ${s.replay.trace.length} steps (the inline executor replays it to the same violation):`
        : `Recorded interleaving: the inline replay gives ${s.replay.key ?? 'no violation'} instead`,
    );
    if (same) out.push(...formatTrace(s.replay.trace));
    out.push(`Replay: pagerace replay ${s.token}`);
  } else out.push('(run with --record for a replay token)');
  return out;
}

/**
 * `runSoak` is `pagerace soak model[:variant]`: the variant runs on real threads, free, over and
 * over for the duration (split evenly between the variants the name selects), and every distinct
 * violation is printed as it is found. Exit 0 when every variant gave what it expects (its
 * violation found, or none for a clean one), 1 when not, 2 on bad input.
 */
export async function runSoak(spec: string, flags: SoakFlags): Promise<number> {
  const durationMs =
    flags.duration === undefined ? DEFAULT_SOAK_MS : parseDuration(flags.duration, '--duration');
  if (!(durationMs > 0)) throw new UsageError(`--duration must be more than 0, got '${flags.duration}'`);
  const maxSteps =
    flags.maxSteps === undefined
      ? defaultSearchOptions().maxSteps
      : parseCount(flags.maxSteps, '--max-steps');
  const cpusFlag = flags.cpus === undefined ? null : parseCount(flags.cpus, '--cpus');
  if (cpusFlag !== null && cpusFlag > 1024)
    throw new UsageError(`--cpus must be at most 1024, got ${flags.cpus}`);
  // soak runs sc only: its CPUs are free-running threads, and there is no step driver to flush
  // store buffers (every other executor runs every memory model)
  const targets = await resolveTargets([spec], 'sc');
  const progress = new ProgressDisplay(process.stderr.isTTY === true);
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  let allMatch = true;
  const results: SoakResult[] = [];
  const rssStart = process.memoryUsage().rss;
  try {
    for (const t of targets) {
      if (interrupted) break;
      const label = `${t.model.def.name}:${t.variantName}`;
      const expected = t.variant.expect === 'clean' ? null : t.variant.expect.violation;
      const n = t.variant.build().cpus.length;
      if (cpusFlag !== null && cpusFlag < n) {
        throw new UsageError(`--cpus must be at least ${n}: ${label} has ${n} CPUs, each its own worker`);
      }
      const machines = cpusFlag === null ? 1 : Math.floor(cpusFlag / n);
      const ms = durationMs / targets.length;
      const seed = flags.seed ?? '0';
      const soak = await Soak.start(
        t,
        { machines, record: flags.record === true, seed, maxSteps, delayMax: SOAK_DELAY_MAX },
        (s) => progress.log(`${formatSighting(label, expected, s).join('\n')}\n`),
      );
      const started = performance.now();
      progress.startSoak(label, ms);
      try {
        while (!interrupted && performance.now() - started < ms) {
          await new Promise((r) => setTimeout(r, 100));
          const st = soak.stats();
          progress.updateSoak(st.iterations, st.violations, performance.now() - started);
        }
      } finally {
        await soak.stop();
        progress.stop();
      }
      const seconds = (performance.now() - started) / 1000;
      const st = soak.stats();
      const kinds = [...soak.sightings.values()].map((s) => s.kind);
      const matches = expected === null ? kinds.length === 0 : kinds.includes(expected);
      if (!matches) allMatch = false;
      results.push({
        model: t.model.def.name,
        variant: t.variantName,
        expect: expected ?? 'clean',
        matches,
        iterations: st.iterations,
        seconds: Math.round(seconds * 1000) / 1000,
        cpuWorkers: machines * n,
        machines,
        violatingIterations: st.violations,
        record: flags.record === true,
        seed,
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
      });
      console.log(
        `${label}: ${st.iterations} iterations in ${formatSeconds(seconds)} (${Math.round(st.iterations / seconds)}/s) on ${machines * n} CPU workers (${machines} machine${machines === 1 ? '' : 's'} of ${n}), ${st.violations} violating, ${st.distinct} distinct${flags.record ? ', recorded' : ''}, seed ${seed}, rss ${mb(rssStart)} -> ${mb(process.memoryUsage().rss)}: ${matches ? 'as expected' : 'NOT as expected'}`,
      );
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (flags.out !== false) {
    const dir = writeSoak(flags.out, `soak-${spec}`, { pagerace: 1, soak: results, interrupted });
    console.log(`Report: ${dir}/soak.json`);
  }
  if (interrupted) console.error('pagerace: interrupted; the report holds the violations found so far');
  return allMatch ? ExitCode.Ok : ExitCode.Unexpected;
}
