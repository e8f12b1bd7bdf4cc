import { FrameState } from '../machine/frame-state.js';
import { PAGE_SHIFT, PAGE_SIZE } from '../machine/layout.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import { type Op, OpKind } from './op.js';

/**
 * `Footprint` is what one operation reads and writes, for partial-order reduction: two operations
 * conflict (are dependent) when one writes what the other touches, or both use the allocator.
 * Ranges are byte ranges `[lo, hi)`; an empty range has `lo === hi`.
 */
export class Footprint {
  readLo = 0;
  readHi = 0;
  writeLo = 0;
  writeHi = 0;
  /** touches the frame allocator (alloc and free) */
  allocator = false;
  /** the operation's kind: lock operations and awaits block, and reduction treats them apart */
  kind: OpKind = OpKind.Fence;

  set(readLo: number, readHi: number, writeLo: number, writeHi: number, allocator: boolean): void {
    this.readLo = readLo;
    this.readHi = readHi;
    this.writeLo = writeLo;
    this.writeHi = writeHi;
    this.allocator = allocator;
  }

  copyFrom(other: Footprint): void {
    this.set(other.readLo, other.readHi, other.writeLo, other.writeHi, other.allocator);
    this.kind = other.kind;
  }
}

function overlaps(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aLo < bHi && bLo < aHi && aLo < aHi && bLo < bHi;
}

/** `conflicts` says whether two operations are dependent: their order can change the outcome. */
export function conflicts(a: Footprint, b: Footprint): boolean {
  if (a.allocator && b.allocator) return true;
  if (overlaps(a.writeLo, a.writeHi, b.writeLo, b.writeHi)) return true;
  if (overlaps(a.writeLo, a.writeHi, b.readLo, b.readHi)) return true;
  return overlaps(b.writeLo, b.writeHi, a.readLo, a.readHi);
}

function lowestFreeFrame(mem: PhysicalMemory): number {
  for (let f = 1; f < mem.frames; f++) if (mem.state(f) === FrameState.Free) return f;
  return -1;
}

/**
 * `footprintOf` fills `out` with what `op` touches if performed on `mem` now. An allocation
 * touches the frame it would get (the lowest free one), since the allocator is deterministic.
 */
export function footprintOf(op: Op, mem: PhysicalMemory, out: Footprint): void {
  const a = op.addr;
  out.kind = op.kind;
  switch (op.kind) {
    case OpKind.Load:
      out.set(a, a + 8, 0, 0, false);
      return;
    case OpKind.Await:
      out.set(a, a + 8 * op.n, 0, 0, false);
      return;
    case OpKind.Store:
    case OpKind.Cas:
    case OpKind.Lock:
    case OpKind.Unlock:
    case OpKind.ReadLock:
    case OpKind.ReadUnlock:
      out.set(0, 0, a, a + 8, false);
      return;
    case OpKind.Load32:
      out.set(a, a + 4, 0, 0, false);
      return;
    case OpKind.Store32:
      out.set(0, 0, a, a + 4, false);
      return;
    case OpKind.Copy:
      out.set(op.src, op.src + op.n * 8, a, a + op.n * 8, false);
      return;
    case OpKind.Alloc: {
      const f = lowestFreeFrame(mem);
      out.set(0, 0, f << PAGE_SHIFT, (f << PAGE_SHIFT) + (f < 0 ? 0 : PAGE_SIZE), true);
      return;
    }
    case OpKind.Free:
      out.set(0, 0, a << PAGE_SHIFT, (a + 1) << PAGE_SHIFT, true);
      return;
    default:
      out.set(0, 0, 0, 0, false);
  }
}
