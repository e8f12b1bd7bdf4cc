import { Execution } from '../engine/execution.js';
import type { Scheduler } from '../engine/scheduling.js';
import type { Target } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import { bundledStrategy } from '../scheduler/registry.js';
import { wholeUnit } from '../scheduler/strategy.js';

/** `InlineFigure` is the inline executor's speed on one model variant. */
export interface InlineFigure {
  model: string;
  strategy: string;
  executions: number;
  steps: number;
  /** CPU time of this thread per step (user + system): other load on the machine barely moves it */
  nsPerStep: number;
  /** wall-clock time per step */
  wallNsPerStep: number;
  executionsPerSecond: number;
}

/**
 * `measureInline` runs `target`'s own search (its strategy, or `strategyName`, every execution to the end, no
 * stopping at violations) on the inline executor in this thread for about `ms` milliseconds,
 * starting the search again when its space is explored, and returns its speed, per CPU time
 * (executions per CPU-second) and per wall-clock time. A warm-up of `warmMs` (a quarter of
 * `ms` unless given) before it lets the JIT compile the variant's code and is not counted.
 */
export function measureInline(
  target: Target,
  ms: number,
  strategyName?: string,
  warmMs = ms / 4,
): InlineFigure {
  const exec = new Execution(buildProgram(target));
  const strategy = strategyName ?? target.variant.strategy ?? 'dfs';
  const desc = bundledStrategy(strategy);
  if (!desc) throw new RangeError(`bench: ${strategy} is not a bundled strategy`);
  const makeScheduler = () => desc.create(wholeUnit('0', {}));
  let sched: Scheduler = makeScheduler();
  let executions = 0;
  let steps = 0;
  const warm = performance.now() + warmMs;
  while (performance.now() < warm) {
    for (let i = 0; i < 64; i++) {
      if (!sched.startExecution()) sched = makeScheduler();
      else {
        exec.run(sched);
        sched.endExecution();
      }
    }
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + ms;
  let now = t0;
  while (now < end) {
    for (let i = 0; i < 64; i++) {
      if (!sched.startExecution()) {
        sched = makeScheduler();
        continue;
      }
      const o = exec.run(sched);
      sched.endExecution();
      steps += o.steps;
      executions++;
    }
    now = performance.now();
  }
  const elapsed = now - t0;
  const used = process.cpuUsage(cpu0);
  const cpuMs = (used.user + used.system) / 1000;
  return {
    model: `${target.model.def.name}:${target.variantName}`,
    strategy,
    executions,
    steps,
    nsPerStep: (cpuMs * 1e6) / Math.max(1, steps),
    wallNsPerStep: (elapsed * 1e6) / Math.max(1, steps),
    executionsPerSecond: (executions * 1000) / cpuMs,
  };
}
