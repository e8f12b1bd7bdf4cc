import { describe, expect, it } from 'vitest';
import type { Cpu, Steps } from '../../src/engine/cpu.js';
import { Execution } from '../../src/engine/execution.js';
import type { Violation } from '../../src/engine/violation.js';
import { Barrier, MEMORY_MODELS, type MemoryModelName } from '../../src/machine/memory-model/memory-model.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';
import { SourceDporScheduler } from '../../src/scheduler/source-dpor.js';
import { explore, program } from '../helpers/programs.js';

type Body = (c: Cpu, w: number[]) => Steps<unknown>;

function races(mm: MemoryModelName, bodies: Body[], dpor = false): string[] {
  const p = program(['data', 'flag', 'lock'], bodies);
  p.memoryModel = mm;
  const t = explore(p, dpor ? new SourceDporScheduler() : new DfsScheduler());
  return [...t.violations.keys()].filter((k) => k.startsWith('data-race')).sort();
}

// message passing of a plain datum through a marked flag: tools/memory-model/Documentation/
// explanation.txt, "PLAIN ACCESSES AND DATA RACES": the plain accesses race unless the flag's
// write and read order them
function* writer(c: Cpu, w: number[], order: 'none' | 'wmb' | 'release'): Steps {
  yield* c.call(
    'writer',
    (function* () {
      yield c.plainStore(w[0], 42n);
      if (order === 'wmb') yield c.barrier(Barrier.SmpWmb);
      if (order === 'release') yield c.storeRelease(w[1], 1n);
      else yield c.store(w[1], 1n);
    })(),
  );
}

function* reader(c: Cpu, w: number[], order: 'none' | 'rmb' | 'acquire' | 'addr'): Steps {
  yield* c.call(
    'reader',
    (function* () {
      const f = order === 'acquire' ? yield c.loadAcquire(w[1]) : yield c.load(w[1]);
      if (f !== 1n) return;
      if (order === 'rmb') yield c.barrier(Barrier.SmpRmb);
      yield c.plainLoad(w[0], null, order === 'addr' ? c.lastLoad : 0);
    })(),
  );
}

const MP_RACE =
  'data-race: writer / reader: write (plain) of data by cpu0 A and read (plain) by cpu1 B are not ordered';

describe('data races (LKMM): plain accesses not ordered by happens-before', () => {
  it.each(
    MEMORY_MODELS,
  )('under %s: MP with a plain datum races without barriers, not with wmb+rmb, release+acquire, wmb+addr', (mm) => {
    expect(races(mm, [(c, w) => writer(c, w, 'none'), (c, w) => reader(c, w, 'none')])).toEqual([MP_RACE]);
    expect(races(mm, [(c, w) => writer(c, w, 'wmb'), (c, w) => reader(c, w, 'none')])).toEqual([MP_RACE]);
    expect(races(mm, [(c, w) => writer(c, w, 'none'), (c, w) => reader(c, w, 'rmb')])).toEqual([MP_RACE]);
    expect(races(mm, [(c, w) => writer(c, w, 'wmb'), (c, w) => reader(c, w, 'rmb')])).toEqual([]);
    expect(races(mm, [(c, w) => writer(c, w, 'release'), (c, w) => reader(c, w, 'acquire')])).toEqual([]);
    expect(races(mm, [(c, w) => writer(c, w, 'wmb'), (c, w) => reader(c, w, 'addr')])).toEqual([]);
  });

  it.each(
    MEMORY_MODELS,
  )('under %s: accesses inside one lock do not race; plain reads do not race with each other', (mm) => {
    const locked: Body = function* (c, w) {
      yield c.lock(w[2]);
      const v = yield c.plainLoad(w[0]);
      yield c.plainStore(w[0], v + 1n);
      yield c.unlock(w[2]);
    };
    expect(races(mm, [locked, locked])).toEqual([]);
    const read: Body = function* (c, w) {
      yield c.plainLoad(w[0]);
    };
    expect(races(mm, [read, read])).toEqual([]);
    const unlocked: Body = function* (c, w) {
      const v = yield c.plainLoad(w[0]);
      yield c.plainStore(w[0], v + 1n);
    };
    // each execution ends at its first race, so the write-write pair is never the one reported
    expect(races(mm, [locked, unlocked])).toEqual([
      'data-race: its program / its program: read (plain) of data by cpu0 A and write (plain) by cpu1 B are not ordered',
      'data-race: its program / its program: write (plain) of data by cpu0 A and read (plain) by cpu1 B are not ordered',
    ]);
  });

  it('DPOR reports the race DFS reports, and the report names both accesses like KCSAN', () => {
    const bodies: Body[] = [(c, w) => writer(c, w, 'none'), (c, w) => reader(c, w, 'none')];
    expect(races('sc', bodies, true)).toEqual([MP_RACE]);
    const p = program(['data', 'flag'], bodies);
    const t = explore(p, new DfsScheduler());
    // the reader first (flag 0, done), the reader between the writes (flag 0), the reader last (race)
    expect(t.executions).toBe(3);
    expect(t.violations.get(MP_RACE)).toBe(1);
    const exec = new Execution(program(['data', 'flag'], bodies));
    const dfs = new DfsScheduler();
    let v: Violation | null = null;
    while (!v && dfs.startExecution()) {
      v = exec.run(dfs).violation;
      dfs.endExecution();
    }
    expect([v?.cpu, v?.kernelStack, v?.headline]).toEqual([
      1,
      ['reader'],
      [
        'BUG: KCSAN: data-race in writer / reader',
        '',
        'write (plain) to data of 8 bytes by task A on cpu 0:',
        ' writer',
        '',
        'read (plain) to data of 8 bytes by task B on cpu 1:',
        ' reader',
      ],
    ]);
  });

  it('a program whose first plain access comes late explores the same executions as with marked accesses', () => {
    const late = (plain: boolean): Body[] => [
      function* (c, w) {
        yield c.store(w[1], 1n);
        yield c.store(w[1], 2n);
      },
      function* (c, w) {
        yield c.load(w[1]);
        if (plain) yield c.plainLoad(w[2]);
        else yield c.load(w[2]);
      },
    ];
    const a = explore(program(['data', 'flag', 'other'], late(false)), new DfsScheduler());
    const b = explore(program(['data', 'flag', 'other'], late(true)), new DfsScheduler());
    expect([b.executions, b.violations.size]).toEqual([a.executions, 0]);
    expect(a.executions).toBe(6);
  });
});
