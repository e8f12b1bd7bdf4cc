import { Execution } from '../engine/execution.js';
import { MEMORY_MODELS, type MemoryModelName } from '../machine/memory-model/memory-model.js';
import { type LoadedModel, selectVariants, type Target } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import { bundledStrategy, strategyUnder } from '../scheduler/registry.js';
import { wholeUnit } from '../scheduler/strategy.js';

/** `CompleteSearch` is what exploring one variant's whole space costs under one memory model. */
export interface CompleteSearch {
  memoryModel: MemoryModelName;
  /** executions and steps of one complete search (sleep-set-blocked ones not counted) */
  executions: number;
  steps: number;
  /** CPU milliseconds of this thread per complete search */
  cpuMs: number;
}

/** `MemoryModelFigure` is one variant's complete search under sc, tso and arm64, and the ratios to sc. */
export interface MemoryModelFigure {
  model: string;
  strategy: string;
  searches: CompleteSearch[];
  /** CPU time of a complete search against sc's */
  timeRatio: Record<'tso' | 'arm64', number>;
  /** executions of a complete search against sc's */
  executionRatio: Record<'tso' | 'arm64', number>;
}

/**
 * `measureCompleteSearch` explores `target`'s whole space with its own strategy (every execution
 * to its end, violations included) again and again for about `ms` milliseconds of this thread's
 * CPU time, after a warm-up of a quarter of that, and returns the cost of one complete search.
 */
export function measureCompleteSearch(target: Target, ms: number): CompleteSearch {
  const exec = new Execution(buildProgram(target));
  const strategy = target.variant.strategy ?? 'dfs';
  const named = bundledStrategy(strategy);
  const desc = named && strategyUnder(named, target.memoryModel);
  if (!desc?.exhaustive) throw new RangeError(`bench: ${strategy} cannot explore a whole space`);
  const once = () => {
    const sched = desc.create(wholeUnit('0', {}));
    let executions = 0;
    let steps = 0;
    while (sched.startExecution()) {
      const o = exec.run(sched);
      sched.endExecution();
      steps += o.steps;
      if (!o.pruned) executions++;
    }
    return { executions, steps };
  };
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const warm = cpuMs() + ms / 4;
  while (cpuMs() < warm) once();
  const t0 = cpuMs();
  let n = 0;
  let last = { executions: 0, steps: 0 };
  while (n === 0 || cpuMs() - t0 < ms) {
    last = once();
    n++;
  }
  return { memoryModel: target.memoryModel, ...last, cpuMs: (cpuMs() - t0) / n };
}

/**
 * `memoryModelFigures` measures every variant of `models` (the litmus corpus and the ordering
 * models: the ones written for every memory model) under sc, tso and arm64.
 */
export function memoryModelFigures(
  models: LoadedModel[],
  ms: number,
  log: (l: string) => void,
): MemoryModelFigure[] {
  const out: MemoryModelFigure[] = [];
  for (const m of models) {
    for (const variant of Object.keys(m.def.variants)) {
      const searches = MEMORY_MODELS.map((mm) =>
        measureCompleteSearch(selectVariants(m, variant, undefined, mm)[0], ms),
      );
      const [sc, tso, arm64] = searches;
      const f: MemoryModelFigure = {
        model: `${m.def.name}:${variant}`,
        strategy: m.def.variants[variant].strategy ?? 'dfs',
        searches,
        timeRatio: { tso: tso.cpuMs / sc.cpuMs, arm64: arm64.cpuMs / sc.cpuMs },
        executionRatio: { tso: tso.executions / sc.executions, arm64: arm64.executions / sc.executions },
      };
      out.push(f);
      log(
        `  ${f.model}: sc ${sc.cpuMs.toFixed(2)} ms (${sc.executions} executions), tso ${f.timeRatio.tso.toFixed(1)}x, arm64 ${f.timeRatio.arm64.toFixed(1)}x`,
      );
    }
  }
  return out;
}

/** `geometricMean` of positive ratios */
export function geometricMean(xs: readonly number[]): number {
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}
