import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../src/engine/scheduling.js';
import { Violation } from '../../src/engine/violation.js';
import { ReplayError } from '../../src/scheduler/replay.js';

/** loads a fresh instance of a module, as a second copy of the package would be */
function secondCopy<T>(path: string): Promise<T> {
  const url = `${new URL(path, import.meta.url).href}?copy=2`;
  return import(/* @vite-ignore */ url) as Promise<T>;
}

describe('Violation and ScheduleError across module copies', () => {
  it('a Violation made by a second copy of the engine is still a Violation (a .ts model under the built CLI)', async () => {
    const copy = await secondCopy<typeof import('../../src/engine/violation.js')>(
      '../../src/engine/violation.ts',
    );
    expect(copy.Violation).not.toBe(Violation);
    const foreign = new copy.Violation('page-fault', 'boom');
    expect(foreign instanceof Violation).toBe(true);
    expect(new Error('plain') instanceof Violation).toBe(false);
    expect((null as unknown) instanceof Violation).toBe(false);
  });

  it('a ScheduleError from a second copy is one too; subclasses keep their own instanceof', async () => {
    const copy = await secondCopy<typeof import('../../src/engine/scheduling.js')>(
      '../../src/engine/scheduling.ts',
    );
    expect(copy.ScheduleError).not.toBe(ScheduleError);
    expect(new copy.ScheduleError('x') instanceof ScheduleError).toBe(true);
    expect(new ReplayError('x') instanceof ScheduleError).toBe(true);
    expect(new ScheduleError('x') instanceof ReplayError).toBe(false);
  });

  it('a Violation is an Error without a JS stack (none is captured when it is made)', () => {
    const v = new Violation('assertion', 'counter is 1');
    expect(v instanceof Error).toBe(true);
    expect(v.message).toBe('counter is 1');
    expect(String(v)).toBe('Violation: counter is 1');
    expect(v.stack).toBeUndefined();
    expect(() => {
      throw v;
    }).toThrow('counter is 1');
  });
});
