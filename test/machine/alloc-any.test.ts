import { describe, expect, it } from 'vitest';
import { MachineBuilder } from '../../src/engine/builder.js';
import type { Cpu } from '../../src/engine/cpu.js';
import { Execution } from '../../src/engine/execution.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { type AllocMode, PhysicalMemory } from '../../src/machine/physical-memory.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';
import { SourceDporScheduler } from '../../src/scheduler/source-dpor.js';
import { explore } from '../helpers/programs.js';

describe("the frame allocator's modes", () => {
  it('lowest takes the lowest free frame; any offers every frame freed in this execution and one never used', () => {
    const m = new PhysicalMemory(6);
    m.snapshot();
    expect([m.allocChoices(), m.allocCandidate(0)]).toEqual([1, 1]);
    m.allocMode = 'any';
    expect([m.allocChoices(), m.allocCandidate(0), m.allocCandidate(1)]).toEqual([1, 1, -1]);
    expect([m.alloc(FrameState.Pte), m.alloc(FrameState.Pmd), m.alloc(FrameState.Data)]).toEqual([1, 2, 3]);
    m.free(3);
    m.free(1);
    // 1 and 3 were freed (their generations moved); 4 and 5 were never used: only 4 is offered
    expect([m.allocChoices(), m.allocCandidate(0), m.allocCandidate(1), m.allocCandidate(2)]).toEqual([
      3, 1, 3, 4,
    ]);
    expect(m.alloc(FrameState.Pud, 1)).toBe(3);
    expect(m.state(3)).toBe(FrameState.Pud);
    m.allocMode = 'lowest';
    expect([m.allocChoices(), m.alloc(FrameState.Pte)]).toEqual([1, 1]);
  });

  /** CPU A frees table frame 1; CPU B allocates a frame and notes which one it got */
  function freeVsAlloc(mode: AllocMode) {
    const m = new MachineBuilder(6);
    const got = m.word('got');
    const table = m.frame(FrameState.Pte, 'table');
    const prog = m.program([
      {
        name: 'A',
        *run(c: Cpu) {
          yield c.free(table);
        },
      },
      {
        name: 'B',
        *run(c: Cpu) {
          const f = Number(yield c.alloc(FrameState.Pmd, 'pmd'));
          yield c.store(got, BigInt(f));
        },
      },
    ]);
    prog.memory.allocMode = mode;
    return { prog, got };
  }

  it('any: an allocation after the free may take the freed frame or a fresh one, a data choice of the schedule', () => {
    const lowest = freeVsAlloc('lowest');
    const l = explore(lowest.prog, new DfsScheduler(), [lowest.got]);
    expect([l.executions, [...l.finals].sort()]).toEqual([3, ['1', '2']]);
    const any = freeVsAlloc('any');
    const a = explore(any.prog, new DfsScheduler(), [any.got]);
    expect([a.executions, [...a.finals].sort()]).toEqual([4, ['1', '2']]);
    expect(explore(freeVsAlloc('any').prog, new SourceDporScheduler(), []).executions).toBe(3);
    expect(explore(freeVsAlloc('lowest').prog, new SourceDporScheduler(), []).executions).toBe(2);
    // the frame choice is a value step (~v) after the CPU step of the allocation
    const exec = new Execution(any.prog);
    const dfs = new DfsScheduler();
    dfs.startExecution();
    exec.run(dfs);
    expect(exec.choices).toEqual([0, 1, ~0, 1]);
  });
});
