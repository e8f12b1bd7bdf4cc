import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Execution } from '../../src/engine/execution.js';
import { loadModel, selectVariants } from '../../src/model/load.js';
import { buildProgram } from '../../src/model/target.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';

const INTERLEAVE = fileURLToPath(new URL('../../src/bench/models/interleave.ts', import.meta.url));

function runAll(exec: Execution, s: DfsScheduler, limit = Number.POSITIVE_INFINITY): string[] {
  const out: string[] = [];
  while (out.length < limit && s.startExecution()) {
    exec.run(s);
    s.endExecution();
    out.push(exec.choices.join(''));
  }
  return out;
}

describe('DfsScheduler.frontier: the rest of a DFS as prefixes, in order', () => {
  it.each([
    0, 1, 7, 500, 34649,
  ])('interleave:small cut after %i executions: the frontier runs exactly the remaining executions, in DFS order', async (cut) => {
    const m = await loadModel(INTERLEAVE);
    const exec = new Execution(buildProgram(selectVariants(m, 'small')[0]));
    const all = runAll(exec, new DfsScheduler());
    expect(all).toHaveLength(34650);
    const head = new DfsScheduler();
    const done = runAll(exec, head, cut);
    const rest = head.frontier().flatMap((p) => runAll(exec, new DfsScheduler(p)));
    expect([...done, ...rest]).toEqual(all);
  });
});
