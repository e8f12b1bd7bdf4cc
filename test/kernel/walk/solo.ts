import { Execution } from '../../../src/engine/execution.js';
import type { Program } from '../../../src/engine/program.js';
import type { Scheduler } from '../../../src/engine/scheduling.js';
import { formatTraceStep, type TraceStep } from '../../../src/engine/trace.js';
import { OptimalDporScheduler } from '../../../src/scheduler/optimal-dpor.js';

/** `lowestFirst` runs the lowest enabled CPU at every step: one execution, no preemption. */
export function lowestFirst(): Scheduler {
  let runs = 0;
  return {
    exhausted: false,
    startExecution: () => runs++ === 0,
    pickCpu: (enabled) => enabled.first(),
    pickValue: () => 0,
    endExecution: () => {},
  };
}

/** `runTraced` runs `prog` once under `lowestFirst` and returns the outcome and its trace lines. */
export function runTraced(prog: Program) {
  const exec = new Execution(prog);
  const trace: TraceStep[] = [];
  const sched = lowestFirst();
  sched.startExecution();
  const o = exec.run(sched, trace);
  return {
    o,
    trace,
    lines: trace.map((s) => `${s.cpu} ${s.fn} ${s.op} ${s.addr} ${s.value}`.trimEnd()),
    text: trace.map((s) => formatTraceStep(s)),
  };
}

/** `dpor` explores `prog` exhaustively and counts executions and violations by key. */
export function dpor(prog: Program): { executions: number; violations: Map<string, number> } {
  const exec = new Execution(prog);
  const s = new OptimalDporScheduler();
  const out = { executions: 0, violations: new Map<string, number>() };
  while (s.startExecution()) {
    const o = exec.run(s);
    s.endExecution();
    if (o.pruned) continue;
    out.executions++;
    if (o.violation) out.violations.set(o.violation.key, (out.violations.get(o.violation.key) ?? 0) + 1);
  }
  return out;
}
