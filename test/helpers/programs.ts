import { MachineBuilder } from '../../src/engine/builder.js';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import { Execution } from '../../src/engine/execution.js';
import type { Oracle, Program } from '../../src/engine/program.js';
import type { Scheduler } from '../../src/engine/scheduling.js';
import { ReplayScheduler } from '../../src/scheduler/replay.js';

/** `program` builds a test program: `words` named words, and one CPU per body. */
export function program(
  words: string[],
  bodies: ((c: Cpu, w: number[]) => Steps<unknown>)[],
  oracles: ((w: number[]) => Oracle)[] = [],
  frames = 4,
): Program {
  const m = new MachineBuilder(frames);
  const w = words.map((name) => m.word(name));
  return m.program(
    bodies.map((body, i) => ({ name: String.fromCharCode(65 + i), run: (c: Cpu) => body(c, w) })),
    oracles.map((o) => o(w)),
  );
}

/** `Tally` counts what a whole search saw. */
export interface Tally {
  executions: number;
  pruned: number;
  violations: Map<string, number>;
  /** final memory of each clean execution, as the values of the named words */
  finals: Set<string>;
}

/** `explore` runs `scheduler` to the end on `prog`, tallying executions, violations and final states. */
export function explore(prog: Program, scheduler: Scheduler, words: number[] = [], limit = 1_000_000): Tally {
  const exec = new Execution(prog);
  const replayer = new Execution(prog);
  const t: Tally = { executions: 0, pruned: 0, violations: new Map(), finals: new Set() };
  while (t.executions < limit && scheduler.startExecution()) {
    const o = exec.run(scheduler);
    scheduler.endExecution();
    if (scheduler.repeated === true) continue;
    if (o.pruned) {
      t.pruned++;
      continue;
    }
    t.executions++;
    for (const later of o.others ?? []) {
      // a later violation's projected schedule must raise it first, on its own
      const replay = new ReplayScheduler(later.choices);
      replay.startExecution();
      const back = replayer.run(replay);
      if (back.violation?.key !== later.violation.key) {
        throw new Error(
          `projected schedule [${later.choices}] raised ${back.violation?.key}, not ${later.violation.key}`,
        );
      }
    }
    for (const v of [o.violation, ...(o.others ?? []).map((x) => x.violation)]) {
      if (v) t.violations.set(v.key, (t.violations.get(v.key) ?? 0) + 1);
    }
    if (!o.violation) t.finals.add(words.map((a) => prog.memory.load(a)).join(','));
  }
  return t;
}

/** `steps` is a CPU body of `n` stores to its own word (independent of every other CPU). */
export function steps(n: number) {
  return function* (c: Cpu, w: number[]): Steps {
    for (let i = 0; i < n; i++) yield c.store(w[c.id], BigInt(i + 1));
  };
}
