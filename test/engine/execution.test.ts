import { describe, expect, it } from 'vitest';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import { Execution } from '../../src/engine/execution.js';
import { formatTrace, type TraceStep } from '../../src/engine/trace.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';
import { ReplayScheduler } from '../../src/scheduler/replay.js';
import { explore, program } from '../helpers/programs.js';

function replay(prog: ReturnType<typeof program>, choices: number[], maxSteps?: number) {
  const exec = new Execution(prog, maxSteps);
  const s = new ReplayScheduler(choices);
  s.startExecution();
  const trace: TraceStep[] = [];
  const o = exec.run(s, trace);
  return { o, trace, exec };
}

describe('Execution (inline executor)', () => {
  it('traces each step with CPU, task, function, operation, symbolic address and value', () => {
    const prog = program(
      ['x', 'lock'],
      [
        (c, [x, lock]) =>
          c.call(
            'writer',
            (function* (): Steps {
              yield c.lock(lock, 'spin_lock');
              yield c.store(x, 0x4003067n, 'set_pgd');
              yield c.unlock(lock, 'spin_unlock');
            })(),
          ),
        (c, [x]) =>
          c.call(
            'reader',
            (function* (): Steps {
              yield c.load(x);
            })(),
          ),
      ],
    );
    const { o, trace } = replay(prog, [0, 1, 0, 0]);
    expect(o.violation).toBeNull();
    expect(formatTrace(trace)).toEqual([
      '  cpu0 A   writer   spin_lock lock',
      '  cpu1 B   reader   load   x -> 0',
      '  cpu0 A   writer   set_pgd x = 0x0000000004003067',
      '  cpu0 A   writer   spin_unlock lock',
    ]);
  });

  it('reports a deadlock naming each waiting CPU, the lock and its holder', () => {
    const take = (first: number, second: number) =>
      function* (c: Cpu, w: number[]): Steps {
        yield c.lock(w[first]);
        yield c.lock(w[second]);
      };
    const prog = program(['a', 'b'], [take(0, 1), take(1, 0)]);
    const { o } = replay(prog, [0, 1]);
    expect(o.violation?.kind).toBe('deadlock');
    expect(o.violation?.message).toBe(
      'cpu0 A waits in its program for b held by cpu1 B; cpu1 B waits in its program for a held by cpu0 A',
    );
  });

  it('blocks a CPU in awaitValue until the word satisfies the condition (spin-assume)', () => {
    const prog = program(
      ['flag', 'seen'],
      [
        function* (c, [flag, seen]) {
          const v = yield c.awaitValue(flag, (x) => x === 1n);
          yield c.store(seen, v);
        },
        function* (c, [flag]) {
          yield c.store(flag, 1n);
        },
      ],
    );
    const t = explore(prog, new DfsScheduler(), []);
    // the waiter can only run after the store: one interleaving
    expect(t.executions).toBe(1);
    expect(t.violations.size).toBe(0);
  });

  it('an await that can never be satisfied is a deadlock naming the word', () => {
    const prog = program(
      ['flag'],
      [
        (c, [flag]) =>
          c.call(
            'wait_for_flag',
            (function* (): Steps {
              yield c.awaitValue(flag, (x) => x === 1n);
            })(),
          ),
      ],
    );
    const { o } = replay(prog, []);
    expect(o.violation?.message).toBe('cpu0 A waits in wait_for_flag for flag to change (now 0)');
  });

  it('stops a spinning execution at --max-steps with advice', () => {
    const prog = program(
      ['flag'],
      [
        function* (c, [flag]) {
          while ((yield c.load(flag)) === 0n) {}
        },
      ],
    );
    const exec = new Execution(prog, 50);
    const s = new DfsScheduler();
    s.startExecution();
    const o = exec.run(s);
    expect(o.violation?.kind).toBe('step-limit');
    expect(o.violation?.message).toBe(
      'execution exceeded 50 steps (--max-steps). This is usually a spin loop that makes no progress: wait with cpu.awaitValue() (spin-assume) instead of re-reading in a loop',
    );
    expect(o.steps).toBe(50);
  });

  it('turns an exception in a program into a model-error with the CPU, the step and the kernel stack', () => {
    const prog = program(
      ['x'],
      [
        (c, [x]) =>
          c.call(
            'outer',
            c.call(
              'inner',
              (function* (): Steps {
                yield c.load(x);
                throw new RangeError('boom');
              })(),
            ),
          ),
      ],
    );
    const { o, trace } = replay(prog, [0]);
    expect(o.violation?.kind).toBe('model-error');
    expect(o.violation?.message).toBe('the model threw RangeError: boom');
    expect(o.violation?.cpu).toBe(0);
    expect(o.violation?.kernelStack).toEqual(['outer', 'inner']);
    expect(o.violation?.detail.split('\n')[0]).toBe('cpu0 A, step 1');
    expect(trace[0].violation).toBe('model-error');
  });

  it('catches an unlock of a lock the CPU does not hold, and a double free', () => {
    const unlock = program(
      ['l'],
      [
        function* (c, [l]) {
          yield c.unlock(l, 'spin_unlock');
        },
      ],
    );
    expect(replay(unlock, [0]).o.violation?.message).toBe('l released by cpu0 A, which does not hold it');
    const prog = program(
      [],
      [
        function* (c) {
          const f = Number(yield c.alloc(FrameState.Pte, 'pte'));
          yield c.free(f);
          yield c.free(f);
        },
      ],
    );
    const { o, trace } = replay(prog, [0, 0, 0]);
    expect(o.violation?.kind).toBe('double-free');
    expect(o.violation?.message).toBe('frame 1 freed twice');
    expect(formatTrace(trace)).toEqual([
      '  cpu0 A            alloc  pte@1 (pte table)',
      '  cpu0 A            free   pte@1',
      '  cpu0 A            free   pte@1   <-- double-free',
    ]);
  });

  it('explores every value of a data choice', () => {
    const prog = program(
      ['x'],
      [
        function* (c, [x]) {
          const v = Number(yield c.choose(3));
          yield c.store(x, BigInt(v));
        },
      ],
    );
    const t = explore(prog, new DfsScheduler(), [prog.memory.frames ? 0 : 0]);
    expect(t.executions).toBe(3);
  });

  it('calls oracles after every step and at the end', () => {
    const seen: string[] = [];
    const prog = program(
      ['x'],
      [
        function* (c, [x]) {
          yield c.store(x, 1n);
        },
      ],
      [
        () => ({
          name: 'spy',
          afterStep: (_m, cpu, op, result) => seen.push(`step cpu${cpu.id} ${op.kind} ${result}`),
          atEnd: () => seen.push('end'),
        }),
      ],
    );
    replay(prog, [0]);
    expect(seen).toEqual(['step cpu0 1 0', 'end']);
  });

  it('refuses an access outside physical memory as a model error', () => {
    const prog = program(
      [],
      [
        function* (c) {
          yield c.load(1 << 30);
        },
      ],
      [],
      2,
    );
    expect(replay(prog, [0]).o.violation?.message).toBe(
      "access to physical address 0x40000000, outside the model's 2 frames or unaligned",
    );
  });

  it('counts preemptions: switches away from a CPU that could continue', () => {
    const two = function* (c: Cpu, w: number[]): Steps {
      yield c.store(w[c.id], 1n);
      yield c.store(w[c.id], 2n);
    };
    const prog = program(['a', 'b'], [two, two]);
    expect(replay(prog, [0, 0, 1, 1]).o.preemptions).toBe(0);
    expect(replay(prog, [0, 1, 0, 1]).o.preemptions).toBe(2);
  });
});

describe('oracles', () => {
  it('afterStep sees the operation that was performed, not the one the CPU issues next', () => {
    const seen: string[] = [];
    const prog = program(
      ['x', 'y'],
      [
        function* (c, [x, y]) {
          yield c.store(x, 1n, 'first');
          yield c.load(y, 'second');
        },
      ],
      [() => ({ name: 'spy', afterStep: (_m, _cpu, op) => seen.push(`${op.label} ${op.kind}`) })],
    );
    replay(prog, [0, 0]);
    expect(seen).toEqual(['first 1', 'second 0']);
  });
});
