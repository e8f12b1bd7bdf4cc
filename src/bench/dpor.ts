import { MachineBuilder } from '../engine/builder.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { Execution } from '../engine/execution.js';
import type { Program } from '../engine/program.js';
import { bundledStrategy } from '../scheduler/registry.js';
import { wholeUnit } from '../scheduler/strategy.js';

/**
 * `lengthProgram` is the workload of the per-step figure: three CPUs that each store `len` times
 * to words of their own, with one racy increment of a shared counter in the middle, so that an
 * execution is 3 * len + 3 steps long and has the same few races whatever its length. A
 * reduction whose step costs grow with the execution's length shows here, and nowhere else.
 */
export function lengthProgram(len: number): Program {
  const m = new MachineBuilder(1);
  const shared = m.word('shared');
  const own = [0, 1, 2].map((i) => Array.from({ length: 8 }, (_, k) => m.word(`cpu${i}.w${k}`)));
  return m.program(
    own.map((words, i) => ({
      name: String.fromCharCode(65 + i),
      *run(c: Cpu): Steps {
        for (let k = 0; k < len; k++) {
          if (k === len >> 1) {
            const v = yield c.load(shared);
            yield c.store(shared, v + 1n);
          } else yield c.store(words[k & 7], BigInt(k));
        }
      },
    })),
  );
}

/** `LengthFigure` is a strategy's CPU time per step at one execution length. */
export interface LengthFigure {
  strategy: string;
  stepsPerExecution: number;
  executions: number;
  nsPerStep: number;
}

/**
 * `measureLength` runs complete searches of `lengthProgram(len)` under `strategy`, again and
 * again for about `ms` of CPU time after a warm-up, and returns the CPU time per step.
 */
export function measureLength(strategy: string, len: number, ms: number): LengthFigure {
  const desc = bundledStrategy(strategy);
  if (!desc) throw new RangeError(`bench: ${strategy} is not a bundled strategy`);
  const exec = new Execution(lengthProgram(len));
  let sched = desc.create(wholeUnit('0', {}));
  const run = (until: number): { steps: number; executions: number } => {
    let steps = 0;
    let executions = 0;
    const c0 = process.cpuUsage();
    while (cpuMs(c0) < until) {
      if (!sched.startExecution()) {
        sched = desc.create(wholeUnit('0', {}));
        continue;
      }
      steps += exec.run(sched).steps;
      sched.endExecution();
      executions++;
    }
    return { steps, executions };
  };
  run(ms / 4);
  const c0 = process.cpuUsage();
  const r = run(ms);
  return {
    strategy,
    stepsPerExecution: 3 * len + 3,
    executions: r.executions,
    nsPerStep: (cpuMs(c0) * 1e6) / Math.max(1, r.steps),
  };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}
