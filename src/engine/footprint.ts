import { PAGE_SHIFT } from '../machine/layout.js';
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

  set(readLo: number, readHi: number, writeLo: number, writeHi: number, allocator: boolean): void {
    this.readLo = readLo;
    this.readHi = readHi;
    this.writeLo = writeLo;
    this.writeHi = writeHi;
    this.allocator = allocator;
  }

  copyFrom(other: Footprint): void {
    this.set(other.readLo, other.readHi, other.writeLo, other.writeHi, other.allocator);
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

/**
 * `footprintOf` fills `out` with what `op` touches if performed on `mem` now. An allocation
 * touches the frame it would get (the lowest free one, in `lowest` mode), or every frame it may
 * get (from the first candidate to the last, in `any` mode).
 */
export function footprintOf(op: Op, mem: PhysicalMemory, out: Footprint): void {
  const a = op.addr;
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
      const n = mem.allocChoices(op.src);
      if (n === 0) {
        out.set(0, 0, 0, 0, true);
        return;
      }
      const lo = mem.allocCandidate(0, op.src);
      const hi = n === 1 ? lo : mem.allocCandidate(n - 1, op.src);
      out.set(0, 0, lo << PAGE_SHIFT, (hi + (1 << op.src)) << PAGE_SHIFT, true);
      return;
    }
    case OpKind.Free:
      out.set(0, 0, a << PAGE_SHIFT, (a + (1 << op.src)) << PAGE_SHIFT, true);
      return;
    default:
      out.set(0, 0, 0, 0, false);
  }
}
