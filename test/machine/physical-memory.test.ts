import { describe, expect, it } from 'vitest';
import { FrameState } from '../../src/machine/frame-state.js';
import { PAGE_SIZE } from '../../src/machine/layout.js';
import { PhysicalMemory, POISON_FREE } from '../../src/machine/physical-memory.js';

describe('PhysicalMemory', () => {
  it('reads and writes 64-bit words and their 32-bit halves (little-endian)', () => {
    const m = new PhysicalMemory(2);
    m.store(PAGE_SIZE + 8, 0x1234_5678_9abc_def0n);
    expect(m.load(PAGE_SIZE + 8)).toBe(0x1234_5678_9abc_def0n);
    expect(m.load32(PAGE_SIZE + 8)).toBe(0x9abc_def0);
    expect(m.load32(PAGE_SIZE + 12)).toBe(0x1234_5678);
    m.store32(PAGE_SIZE + 12, 0xffff_ffff);
    expect(BigInt.asUintN(64, m.load(PAGE_SIZE + 8))).toBe(0xffff_ffff_9abc_def0n);
  });

  it('compare-exchange stores only on a match and returns the old value', () => {
    const m = new PhysicalMemory(1);
    const a = m.allocWord(5n);
    expect(m.cas(a, 4n, 9n)).toBe(5n);
    expect(m.load(a)).toBe(5n);
    expect(m.cas(a, 5n, 9n)).toBe(5n);
    expect(m.load(a)).toBe(9n);
  });

  it('allocates the lowest free frame zeroed; free poisons it and bumps its generation', () => {
    const m = new PhysicalMemory(4);
    const f = m.alloc(FrameState.Pmd);
    expect(f).toBe(1);
    expect(m.state(1)).toBe(FrameState.Pmd);
    m.store(PAGE_SIZE, 42n);
    m.free(1);
    expect(m.state(1)).toBe(FrameState.Free);
    expect(m.generation(1)).toBe(1);
    expect(m.load(PAGE_SIZE)).toBe(POISON_FREE);
    expect(m.load(2 * PAGE_SIZE - 8)).toBe(POISON_FREE);
    expect(m.alloc(FrameState.Pte)).toBe(1);
    expect(m.load(PAGE_SIZE)).toBe(0n);
    expect(m.alloc(FrameState.Data)).toBe(2);
    expect(m.alloc(FrameState.Data)).toBe(3);
    expect(m.alloc(FrameState.Data)).toBe(-1);
  });

  it('never hands out frame 0, which holds the named words', () => {
    const m = new PhysicalMemory(2);
    expect(m.state(0)).toBe(FrameState.Data);
    expect(m.alloc(FrameState.Data)).toBe(1);
    expect(m.alloc(FrameState.Data)).toBe(-1);
  });

  it('reset restores the snapshot: words, frame states and generations', () => {
    const m = new PhysicalMemory(4);
    const w = m.allocWord(7n);
    m.setState(1, FrameState.Pgd);
    m.snapshot();
    m.store(w, 1n);
    m.store(PAGE_SIZE * 3 + 16, 3n);
    m.alloc(FrameState.Pte);
    m.free(2);
    m.reset();
    expect(m.load(w)).toBe(7n);
    expect(m.load(PAGE_SIZE * 3 + 16)).toBe(0n);
    expect(m.state(1)).toBe(FrameState.Pgd);
    expect(m.state(2)).toBe(FrameState.Free);
    expect(m.generation(2)).toBe(0);
    expect(m.load(PAGE_SIZE * 2)).toBe(0n);
  });

  it('reset undoes word writes newest first, mixed with whole-frame writes, execution after execution', () => {
    const m = new PhysicalMemory(4);
    const w = m.allocWord(7n);
    m.store(PAGE_SIZE * 3, -5n);
    m.snapshot();
    for (let run = 0; run < 3; run++) {
      m.store(w, 1n);
      m.store(w, 2n);
      m.cas(PAGE_SIZE * 3, -5n, 0x7fff_ffff_ffff_ffffn);
      m.store32(PAGE_SIZE * 3 + 12, 9);
      const f = m.alloc(FrameState.Pte); // frame 1: zeroed, then written word by word
      m.store(f * PAGE_SIZE + 8, 4n);
      m.copy(PAGE_SIZE * 2, PAGE_SIZE * 3, 2);
      m.reset();
      expect(m.load(w)).toBe(7n);
      expect(m.load(PAGE_SIZE * 3)).toBe(-5n);
      expect(m.load(PAGE_SIZE * 3 + 8)).toBe(0n);
      expect(m.state(1)).toBe(FrameState.Free);
      expect(m.load(PAGE_SIZE + 8)).toBe(0n);
      expect(m.load(PAGE_SIZE * 2)).toBe(0n);
    }
  });

  it('reset after more word writes than the undo log holds copies the whole snapshot', () => {
    const m = new PhysicalMemory(2);
    m.snapshot();
    for (let i = 0; i < 40_000; i++) m.store(PAGE_SIZE + 8 * (i % 512), BigInt(i + 1));
    m.reset();
    for (let i = 0; i < 512; i++) expect(m.load(PAGE_SIZE + 8 * i)).toBe(0n);
    m.store(PAGE_SIZE, 3n); // and the log works again after that reset
    m.reset();
    expect(m.load(PAGE_SIZE)).toBe(0n);
  });

  it('firstDifference and firstNonZero find the first differing or non-zero word, or -1', () => {
    const m = new PhysicalMemory(3);
    expect(m.firstDifference(PAGE_SIZE, 2 * PAGE_SIZE, 512)).toBe(-1);
    m.store(2 * PAGE_SIZE + 8 * 300, 1n << 40n); // differs in the high half only
    expect(m.firstDifference(PAGE_SIZE, 2 * PAGE_SIZE, 512)).toBe(300);
    expect(m.firstDifference(PAGE_SIZE, 2 * PAGE_SIZE, 300)).toBe(-1);
    expect(m.firstNonZero(PAGE_SIZE, 512)).toBe(-1);
    expect(m.firstNonZero(2 * PAGE_SIZE, 512)).toBe(300);
    m.store(2 * PAGE_SIZE + 8 * 7, -1n);
    expect(m.firstNonZero(2 * PAGE_SIZE, 512)).toBe(7);
  });

  it('resetAll restores writes made through another view of the same buffer', () => {
    const m = new PhysicalMemory(2);
    m.snapshot();
    const other = new PhysicalMemory(2, m.sab);
    other.store(PAGE_SIZE, 99n);
    expect(m.load(PAGE_SIZE)).toBe(99n);
    m.resetAll();
    expect(m.load(PAGE_SIZE)).toBe(0n);
  });

  it('refuses sizes it cannot hold', () => {
    expect(() => new PhysicalMemory(0)).toThrow(
      'PhysicalMemory: frames must be an integer in 1..4096, got 0',
    );
    expect(() => new PhysicalMemory(2, new SharedArrayBuffer(16))).toThrow('does not hold 2 frames');
  });
});
