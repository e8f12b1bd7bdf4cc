import { describe, expect, it } from 'vitest';
import { OpKind } from '../../src/engine/op.js';
import { describeWaits, lockCycle, type SoakWait } from '../../src/executor/soak-deadlock.js';

const names: Record<number, string> = { 0: 'lock_a', 8: 'lock_b', 16: 'x' };
const name = (a: number) => names[a];
/** lock words as the executors keep them: -(cpu + 1) held exclusively, n > 0 by n readers */
const words = (w: Record<number, bigint>) => (a: number) => w[a] ?? 0n;

describe('soak: a deadlock only from a cycle of waits on held locks', () => {
  const abba: SoakWait[] = [
    { cpu: 0, task: 'A', kind: OpKind.Lock, addr: 8 },
    { cpu: 1, task: 'B', kind: OpKind.Lock, addr: 0 },
  ];

  it('ABBA: each waits for the lock the other holds', () => {
    expect(lockCycle(abba, words({ 0: -1n, 8: -2n }), name)).toBe(
      'cpu0 A waits for lock_b held by cpu1 B; cpu1 B waits for lock_a held by cpu0 A',
    );
  });

  it('the same waits on locks that were released since: no deadlock', () => {
    expect(lockCycle(abba, words({ 0: -1n }), name)).toBeNull();
  });

  it('waits on a condition or on readers name no holder: a stall, described', () => {
    const waits: SoakWait[] = [
      { cpu: 0, task: 'A', kind: OpKind.Await, addr: 16 },
      { cpu: 1, task: 'B', kind: OpKind.Lock, addr: 0 },
    ];
    const w = words({ 0: 2n, 16: 5n });
    expect(lockCycle(waits, w, name)).toBeNull();
    expect(describeWaits(waits, w, name)).toBe(
      'cpu0 A waits for x to change (now 5); cpu1 B waits for lock_a (held by 2 readers)',
    );
  });

  it('a writer waited for by a shared locker, in a cycle of three', () => {
    const waits: SoakWait[] = [
      { cpu: 0, task: 'A', kind: OpKind.ReadLock, addr: 0 },
      { cpu: 1, task: 'B', kind: OpKind.Lock, addr: 8 },
      { cpu: 2, task: 'C', kind: OpKind.Lock, addr: 16 },
    ];
    expect(lockCycle(waits, words({ 0: -2n, 8: -3n, 16: -1n }), name)).toBe(
      'cpu0 A waits for shared lock_a held by cpu1 B; cpu1 B waits for lock_b held by cpu2 C; cpu2 C waits for x held by cpu0 A',
    );
  });
});
