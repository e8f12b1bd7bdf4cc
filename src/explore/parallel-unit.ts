import type { Execution } from '../engine/execution.js';
import type { Scheduler } from '../engine/scheduling.js';
import type { Violation, ViolationKind } from '../engine/violation.js';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import {
  addStatistics,
  type StrategyDescriptor,
  type StrategyOptions,
  type SubtreeScheduler,
} from '../scheduler/strategy.js';
import { beat, yieldRequested } from './parallel-control.js';
import { replaysFirst } from './projection.js';

/**
 * `Work` is what a unit of parallel exploration explores, always as a contiguous stretch of the
 * sequential search order, so that the results of units can be put back together in that order:
 *
 * - `dfs`: the subtrees below `prefixes`, in order (a frontier of a `subtrees` strategy);
 * - `range`: executions `first..end-1` of a `range` or `chunks` strategy (execution i is seeded
 *   `seed:i`);
 * - `whole`: the entire search on one worker (a `whole` strategy, whose state cannot be split).
 */
export type Work =
  | { kind: 'dfs'; prefixes: number[][] }
  | { kind: 'range'; first: number; end: number }
  | { kind: 'whole' };

/** `UnitSpec` is everything a worker needs to run one unit; it is structured-cloneable. */
export interface UnitSpec {
  /** how `loadModel` finds the model: bundled name or absolute path */
  model: string;
  variant: string;
  /** the target's settings (parameters, allocator), as a token records them */
  settings: Readonly<Record<string, string>>;
  memoryModel: MemoryModelName;
  /** how `resolveStrategy` finds the strategy: bundled name or absolute path */
  strategy: string;
  strategyOptions: StrategyOptions;
  seed: string;
  maxSteps: number;
  keepGoing: boolean;
  work: Work;
  /** executions the unit may run at most (what is left of the budget, at most) */
  maxExecutions: number;
  /** the unit returns its remaining work after this long (0: run to the end) */
  sliceMs: number;
}

/** `UnitSighting` is a distinct violation as a unit first saw it, in cloneable form. */
export interface UnitSighting {
  key: string;
  kind: ViolationKind;
  message: string;
  headline: string[];
  cpu: number;
  kernelStack: string[];
  detail: string;
  choices: number[];
  preemptions: number;
  count: number;
  /** index, among this unit's executions, of the first execution that raised it */
  first: number;
}

/** `UnitResult` is what a unit did, and what it left undone. */
export interface UnitResult {
  /** executions run (pruned ones not counted), in sequential order */
  executions: number;
  steps: number;
  /** steps of the unit's longest execution */
  depth: number;
  violating: number;
  sightings: UnitSighting[];
  /** the work left when the unit stopped early (slice over, asked to yield); null when done */
  rest: Work | null;
  /** the unit stopped at a violation (only without keepGoing) */
  stoppedAtViolation: boolean;
  /** a `whole` unit explored its entire space */
  exhausted: boolean;
  /** the schedulers' counters (`pruned`), summed */
  statistics: Record<string, number>;
}

/** `UnitControl` lets a unit be asked to stop early: it returns its remaining work. */
export interface UnitControl {
  ctl: Int32Array | null;
  slot: number;
}

function schedulerFor(
  desc: StrategyDescriptor,
  spec: UnitSpec,
  prefix: number[],
  first: number,
  end: number,
): Scheduler {
  return desc.create({ seed: spec.seed, options: spec.strategyOptions, prefix, first, end });
}

/**
 * `runUnit` runs one unit of parallel exploration on `exec` (the inline executor, built from
 * the spec's model variant). It runs executions in sequential-search order until the work is
 * done, the unit's execution cap is reached, it stops at a violation (without keepGoing), its
 * slice is over, or it is asked to yield; then it returns what it saw and, for the last three,
 * the work left. Pct ranges never stop early except when asked, since their executions depend
 * on the executions before them in the same unit.
 */
export function runUnit(
  spec: UnitSpec,
  desc: StrategyDescriptor,
  exec: Execution,
  control: UnitControl,
): UnitResult {
  const started = performance.now();
  const deadline = spec.sliceMs > 0 && desc.split !== 'chunks' ? started + spec.sliceMs : Infinity;
  const res: UnitResult = {
    executions: 0,
    steps: 0,
    depth: 0,
    violating: 0,
    sightings: [],
    rest: null,
    stoppedAtViolation: false,
    exhausted: false,
    statistics: {},
  };
  const seen = new Map<string, UnitSighting>();
  // a unit runs at least one execution before it yields, so that every unit makes progress
  let ran = 0;
  /** runs `sched` until it is done or the unit must stop; true when the unit must stop */
  const drive = (sched: Scheduler, splittable: boolean): boolean => {
    for (;;) {
      if (res.executions >= spec.maxExecutions) return true;
      if (ran > 0 && yieldRequested(control.ctl, control.slot)) return true;
      if (splittable && (ran & 15) === 0 && performance.now() >= deadline) return true;
      if (!sched.startExecution()) return false;
      ran++;
      const o = exec.run(sched);
      sched.endExecution();
      beat(control.ctl, control.slot);
      if (sched.repeated === true) {
        ran--; // a repeat is no progress: the unit still owes one execution before it yields
        continue;
      }
      res.steps += o.steps;
      if (o.steps > res.depth) res.depth = o.steps;
      if (o.pruned) continue;
      const index = res.executions++;
      if (!o.violation) continue;
      res.violating++;
      const sight = (v: Violation, choices: number[], preemptions: number) => {
        const s = seen.get(v.key);
        if (s) s.count++;
        else {
          const sighting: UnitSighting = {
            key: v.key,
            kind: v.kind,
            message: v.message,
            headline: [...v.headline],
            cpu: v.cpu,
            kernelStack: [...v.kernelStack],
            detail: v.detail,
            choices,
            preemptions,
            count: 1,
            first: index,
          };
          seen.set(v.key, sighting);
          res.sightings.push(sighting);
        }
      };
      sight(o.violation, exec.choices.slice(0, o.cut), o.preemptions);
      for (const l of o.others ?? []) {
        if (seen.has(l.violation.key) || replaysFirst(exec, l)) sight(l.violation, l.choices, l.preemptions);
      }
      if (!spec.keepGoing) {
        res.stoppedAtViolation = true;
        return true;
      }
    }
  };

  const work = spec.work;
  if (work.kind === 'dfs') {
    for (let i = 0; i < work.prefixes.length; i++) {
      const sched = schedulerFor(
        desc,
        spec,
        work.prefixes[i],
        0,
        Number.POSITIVE_INFINITY,
      ) as SubtreeScheduler;
      const stop = drive(sched, true);
      addStatistics(res.statistics, sched);
      if (stop) {
        if (!res.stoppedAtViolation) {
          const rest = [...sched.frontier(), ...work.prefixes.slice(i + 1)];
          if (rest.length) res.rest = { kind: 'dfs', prefixes: rest };
        }
        break;
      }
    }
  } else if (work.kind === 'range') {
    const sched = schedulerFor(desc, spec, [], work.first, work.end);
    const stop = drive(sched, true);
    addStatistics(res.statistics, sched);
    if (stop && !res.stoppedAtViolation) {
      const next = work.first + res.executions;
      if (next < work.end) res.rest = { kind: 'range', first: next, end: work.end };
    }
  } else {
    const sched = schedulerFor(desc, spec, [], 0, Number.POSITIVE_INFINITY);
    drive(sched, false);
    res.exhausted = sched.exhausted;
    addStatistics(res.statistics, sched);
  }
  return res;
}
