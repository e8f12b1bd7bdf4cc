import { describe, expect, it } from 'vitest';
import { AccessMode, Barrier } from '../../../src/machine/memory-model/memory-model.js';
import { TsoModel } from '../../../src/machine/memory-model/tso.js';
import { PhysicalMemory } from '../../../src/machine/physical-memory.js';

function machine(cpus = 2) {
  const mem = new PhysicalMemory(2);
  const x = mem.allocWord(0n);
  const y = mem.allocWord(0n);
  mem.snapshot();
  const m = new TsoModel(cpus, mem);
  m.reset();
  return { mem, m, x, y };
}
const M = AccessMode.Marked;

// x86-TSO (Owens, Sarkar, Sewell 2009): the store buffer, forwarding, FIFO flushes, drains
describe('TsoModel', () => {
  it('buffers a store: its CPU reads it (forwarding), memory and the other CPU do not until the flush', () => {
    const { mem, m, x } = machine();
    m.store(0, x, 8, 5n, M, -1);
    expect(m.pending(0)).toBe(1);
    expect(m.load(0, x, 8, M, 0, 0)).toBe(5n);
    expect(m.load(1, x, 8, M, 0, 0)).toBe(0n);
    expect(mem.load(x)).toBe(0n);
    expect(m.flushOptions(0)).toBe(1);
    expect(m.flush(0, 0)).toEqual({ addr: x, size: 8, value: 5n, tag: -1 });
    expect(mem.load(x)).toBe(5n);
    expect(m.load(1, x, 8, M, 0, 0)).toBe(5n);
  });

  it('flushes in program order (FIFO), one store per step', () => {
    const { mem, m, x, y } = machine();
    m.store(0, x, 8, 1n, M, 3);
    m.store(0, y, 8, 2n, M, 4);
    expect(m.flushOptions(0)).toBe(1);
    expect(m.flush(0, 0).tag).toBe(3);
    expect([mem.load(x), mem.load(y)]).toEqual([1n, 0n]);
    expect(m.flush(0, 0).tag).toBe(4);
    expect(m.pending(0)).toBe(0);
  });

  it('forwards the newest of several stores to one word, and a 32-bit half of a 64-bit store', () => {
    const { m, x } = machine();
    m.store(0, x, 8, 0x1111_2222_3333_4444n, M, -1);
    m.store(0, x, 8, 0x5555_6666_7777_8888n, M, -1);
    expect(m.load(0, x, 8, M, 0, 0)).toBe(0x5555_6666_7777_8888n);
    expect(m.load(0, x, 4, M, 0, 0)).toBe(0x7777_8888n);
    expect(m.load(0, x + 4, 4, M, 0, 0)).toBe(0x5555_6666n);
  });

  it('stalls a load that a buffered store covers only in part, until that store is flushed', () => {
    const { m, x } = machine();
    m.store(0, x + 4, 4, 7n, M, -1);
    expect(m.loadReady(0, x, 8, M)).toBe(false);
    expect(m.loadReady(0, x + 4, 4, M)).toBe(true);
    expect(m.loadReady(1, x, 8, M)).toBe(true);
    m.flush(0, 0);
    expect(m.loadReady(0, x, 8, M)).toBe(true);
    expect(m.load(0, x, 8, M, 0, 0)).toBe(7n << 32n);
  });

  it('a locked instruction and smp_mb/mfence wait for an empty buffer; smp_wmb, smp_rmb and barrier() do not', () => {
    const { m, x } = machine();
    m.store(0, x, 8, 1n, M, -1);
    expect(m.rmwReady(0, x, 'full')).toBe(false);
    expect(m.rmwReady(0, x, 'acquire')).toBe(false);
    expect(m.rmwReady(1, x, 'full')).toBe(true);
    expect([Barrier.SmpMb, Barrier.Mfence].map((b) => m.barrierReady(0, b))).toEqual([false, false]);
    expect([Barrier.SmpWmb, Barrier.SmpRmb, Barrier.Compiler].map((b) => m.barrierReady(0, b))).toEqual([
      true,
      true,
      true,
    ]);
    m.flush(0, 0);
    expect(m.rmwReady(0, x, 'full')).toBe(true);
    expect(m.barrierReady(0, Barrier.SmpMb)).toBe(true);
  });

  it("a full buffer takes no store until a flush; peek shows memory with the CPU's own stores over it", () => {
    const { mem, m, x } = machine();
    for (let i = 0; i < 32; i++) m.store(0, x, 8, BigInt(i), M, -1);
    expect(m.storeReady(0)).toBe(false);
    expect(m.peek(0, x, 8)).toBe(31n);
    expect(m.peek(1, x, 8)).toBe(0n);
    m.flush(0, 0);
    expect(m.storeReady(0)).toBe(true);
    expect(mem.load(x)).toBe(0n);
  });

  it('state lives in a SharedArrayBuffer that a second model attaches to (a CPU worker)', () => {
    const { mem, m, x } = machine();
    const other = new TsoModel(2, mem, m.state);
    m.store(1, x, 8, 9n, M, -1);
    expect(other.pending(1)).toBe(1);
    other.flush(1, 0);
    expect(m.pending(1)).toBe(0);
    expect(mem.load(x)).toBe(9n);
  });
});
