import { describe, expect, it } from 'vitest';
import { Arm64Model } from '../../../src/machine/memory-model/arm64.js';
import { AccessMode, Barrier } from '../../../src/machine/memory-model/memory-model.js';
import { PhysicalMemory } from '../../../src/machine/physical-memory.js';

function machine() {
  const mem = new PhysicalMemory(2);
  const x = mem.allocWord(0n);
  const y = mem.allocWord(0n);
  mem.snapshot();
  const m = new Arm64Model(2, mem);
  m.reset();
  return { mem, m, x, y };
}
const { Marked: M, Acquire, Release, Walk } = AccessMode;

/** the values CPU `cpu` may read at `addr` now, newest first */
function readable(m: Arm64Model, cpu: number, addr: number, mode = M, dep = 0): bigint[] {
  const n = m.loadOptions(cpu, addr, 8, mode, dep);
  const out: bigint[] = [];
  for (let k = 0; k < n; k++) {
    const probe = new Arm64Model(2, (m as unknown as { mem: PhysicalMemory }).mem, m.state.slice(0));
    out.push(probe.load(cpu, addr, 8, mode, dep, k));
  }
  return out;
}

describe('Arm64Model', () => {
  it('stores to different words may become visible in either order; dmb ishst (smp_wmb) orders them', () => {
    const { m, x, y } = machine();
    m.store(0, x, 8, 1n, M, -1);
    m.store(0, y, 8, 1n, M, -1);
    expect(m.flushOptions(0)).toBe(2);
    m.barrier(0, Barrier.SmpWmb);
    m.store(0, x + 16, 8, 1n, M, -1);
    // the third store is in a later epoch: it waits for both
    expect(m.flushOptions(0)).toBe(2);
    expect(m.flush(0, 1).addr).toBe(y);
    expect(m.flushOptions(0)).toBe(1);
    m.flush(0, 0);
    expect(m.flushOptions(0)).toBe(1);
  });

  it('two stores to one word stay in order (coherence), and a store-release waits for every older store', () => {
    const { m, x, y } = machine();
    m.store(0, x, 8, 1n, M, -1);
    m.store(0, x, 8, 2n, M, -1);
    expect(m.flushOptions(0)).toBe(1);
    m.store(0, y, 8, 1n, Release, -1);
    expect(m.flushOptions(0)).toBe(1);
  });

  it('a load reads any write from the newest one at its view on: MP without barriers reads the old data', () => {
    const { m, x, y } = machine();
    m.store(0, x, 8, 1n, M, -1);
    m.store(0, y, 8, 1n, M, -1);
    m.flush(0, 0);
    m.flush(0, 0);
    expect(m.load(1, y, 8, M, 0, 0)).toBe(1n);
    expect(readable(m, 1, x)).toEqual([1n, 0n]);
    // dmb ishld (smp_rmb) raises the view to what was read: only the newest x is left
    m.barrier(1, Barrier.SmpRmb);
    expect(readable(m, 1, x)).toEqual([1n]);
  });

  it('an address dependency on a load orders the dependent load after it, and a load-acquire all later ones', () => {
    const { m, x, y } = machine();
    m.store(0, x, 8, 1n, M, -1);
    m.flush(0, 0);
    m.store(0, y, 8, 1n, M, -1);
    m.flush(0, 0);
    m.load(1, y, 8, M, 0, 0); // load #1 reads y=1 (timestamp 2)
    expect(readable(m, 1, x, M, 0)).toEqual([1n, 0n]);
    expect(readable(m, 1, x, M, 1)).toEqual([1n]);
    const a = machine();
    a.m.store(0, a.x, 8, 1n, M, -1);
    a.m.flush(0, 0);
    a.m.store(0, a.y, 8, 1n, M, -1);
    a.m.flush(0, 0);
    a.m.load(1, a.y, 8, Acquire, 0, 0);
    expect(readable(a.m, 1, a.x)).toEqual([1n]);
  });

  it('coherence: after reading a write, a CPU never reads an older one of that word (CoRR)', () => {
    const { m, x } = machine();
    m.store(0, x, 8, 1n, M, -1);
    m.flush(0, 0);
    expect(readable(m, 1, x)).toEqual([1n, 0n]);
    m.load(1, x, 8, M, 0, 0);
    expect(readable(m, 1, x)).toEqual([1n]);
  });

  it("dmb ish (smp_mb) waits for the CPU's stores and then orders its loads after them (SB+mbs)", () => {
    const { m, x, y } = machine();
    m.store(0, x, 8, 1n, M, -1);
    expect(m.barrierReady(0, Barrier.SmpMb)).toBe(false);
    m.flush(0, 0);
    expect(m.barrierReady(0, Barrier.SmpMb)).toBe(true);
    m.barrier(0, Barrier.SmpMb);
    m.store(1, y, 8, 1n, M, -1);
    m.flush(1, 0);
    // P0 may still read y=0 (its view is its own store's timestamp, y came later)...
    expect(readable(m, 0, y)).toEqual([1n, 0n]);
    // ...but P1 after its own smp_mb must see x=1
    m.barrier(1, Barrier.SmpMb);
    expect(readable(m, 1, x)).toEqual([1n]);
  });

  it('a load-acquire after a store-release waits until the release is visible (RCsc)', () => {
    const { m, x, y } = machine();
    m.store(0, x, 8, 1n, Release, -1);
    expect(m.loadReady(0, y, 8, Acquire)).toBe(false);
    expect(m.loadReady(0, y, 8, M)).toBe(true);
    m.flush(0, 0);
    expect(m.loadReady(0, y, 8, Acquire)).toBe(true);
  });

  it("the table walker does not see its CPU's pending stores, nor its committed ones before dsb ishst", () => {
    const { m, x } = machine();
    m.store(0, x, 8, 7n, M, -1);
    expect(m.load(0, x, 8, M, 0, 0)).toBe(7n);
    expect(readable(m, 0, x, Walk)).toEqual([0n]);
    m.flush(0, 0);
    expect(readable(m, 0, x, Walk)).toEqual([7n, 0n]);
    m.barrier(0, Barrier.DsbIshst);
    expect(readable(m, 0, x, Walk)).toEqual([7n]);
  });

  it('the zeroing of an allocated frame is a store of the allocating CPU: other CPUs see the old contents until it is visible', () => {
    const mem = new PhysicalMemory(3);
    mem.fill(1 * 4096, 512, 0x6bn); // frame 1, the one the allocator hands out first
    mem.snapshot();
    const m = new Arm64Model(2, mem);
    m.reset();
    const f = mem.alloc(2, 0, 0, false);
    m.allocZeroed(0, f, -1);
    expect(m.load(0, f * 4096 + 8, 8, M, 0, 0)).toBe(0n);
    expect(m.load(1, f * 4096 + 8, 8, M, 0, 0)).toBe(0x6bn);
    expect(m.flush(0, 0).size).toBe(4096);
    expect(readable(m, 1, f * 4096 + 8)).toEqual([0n, 0x6bn]);
  });

  it('refuses 32-bit stores and more than 32 CPUs, with a message', () => {
    const { m, x } = machine();
    expect(() => m.store(0, x, 4, 1n, M, -1)).toThrow(
      'the arm64 memory model does not model 32-bit stores (mixed-size writes); run this model under sc or tso',
    );
    expect(() => new Arm64Model(33, new PhysicalMemory(1))).toThrow(
      'the arm64 memory model runs at most 32 CPUs, got 33',
    );
  });
});
