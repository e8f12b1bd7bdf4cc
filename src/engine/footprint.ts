import { PAGE_SHIFT } from '../machine/layout.js';
import {
  AccessMode,
  type Barrier,
  type FlushFootprint,
  type MemoryModel,
  ModelStep,
} from '../machine/memory-model/memory-model.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import { type Op, OpKind } from './op.js';

/**
 * `Footprint` is what one step reads and writes, for partial-order reduction: two steps conflict
 * (are dependent) when one writes what the other touches, or both use the allocator, or (under a
 * weak memory model) both append to the order in which writes become visible. Ranges are byte
 * ranges `[lo, hi)`; an empty range has `lo === hi`. Besides memory, a step may touch the memory
 * model's own resources (its store buffers, in an address space of their own above memory:
 * `model*` fields), which is how a store, the flush that makes it visible and a barrier that waits
 * for it are ordered. Every DPOR takes dependency from `conflicts` alone.
 */
export class Footprint implements FlushFootprint {
  readLo = 0;
  readHi = 0;
  writeLo = 0;
  writeHi = 0;
  /** touches the frame allocator (alloc and free) */
  allocator = false;
  /** the operation's kind: lock operations and awaits block, and reduction treats them apart */
  kind: OpKind = OpKind.Fence;
  /** the memory model's resources read and written (empty unless `weak`) */
  modelReadLo = 0;
  modelReadHi = 0;
  modelWriteLo = 0;
  modelWriteHi = 0;
  /** appends to the order in which writes become visible (arm64) */
  order = false;
  /** invariant: false unless one of the model fields above is set */
  weak = false;

  set(readLo: number, readHi: number, writeLo: number, writeHi: number, allocator: boolean): void {
    this.readLo = readLo;
    this.readHi = readHi;
    this.writeLo = writeLo;
    this.writeHi = writeHi;
    this.allocator = allocator;
    if (this.weak) this.model(0, 0, 0, 0, false);
  }

  /** `model` sets the memory model's part (FootprintSink). */
  model(readLo: number, readHi: number, writeLo: number, writeHi: number, order: boolean): void {
    this.modelReadLo = readLo;
    this.modelReadHi = readHi;
    this.modelWriteLo = writeLo;
    this.modelWriteHi = writeHi;
    this.order = order;
    this.weak = readLo < readHi || writeLo < writeHi || order;
  }

  copyFrom(other: Footprint): void {
    this.set(other.readLo, other.readHi, other.writeLo, other.writeHi, other.allocator);
    this.kind = other.kind;
    if (other.weak)
      this.model(other.modelReadLo, other.modelReadHi, other.modelWriteLo, other.modelWriteHi, other.order);
  }
}

function overlaps(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aLo < bHi && bLo < aHi && aLo < aHi && bLo < bHi;
}

/** `conflicts` says whether two steps are dependent: their order can change the outcome. */
export function conflicts(a: Footprint, b: Footprint): boolean {
  if (a.allocator && b.allocator) return true;
  if (overlaps(a.writeLo, a.writeHi, b.writeLo, b.writeHi)) return true;
  if (overlaps(a.writeLo, a.writeHi, b.readLo, b.readHi)) return true;
  if (overlaps(b.writeLo, b.writeHi, a.readLo, a.readHi)) return true;
  return a.weak && b.weak && modelConflicts(a, b);
}

function modelConflicts(a: Footprint, b: Footprint): boolean {
  if (a.order && b.order) return true;
  if (overlaps(a.modelWriteLo, a.modelWriteHi, b.modelWriteLo, b.modelWriteHi)) return true;
  if (overlaps(a.modelWriteLo, a.modelWriteHi, b.modelReadLo, b.modelReadHi)) return true;
  return overlaps(b.modelWriteLo, b.modelWriteHi, a.modelReadLo, a.modelReadHi);
}

/**
 * `footprintOf` fills `out` with what `op` touches if performed on `mem` now. An allocation
 * touches the frame it would get (the lowest free one, in `lowest` mode), or every frame it may
 * get (from the first candidate to the last, in `any` mode).
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

/**
 * `footprintUnder` is `footprintOf` for CPU `cpu` under memory model `model`: a buffered store
 * touches its CPU's store buffer, not memory (the flush that makes it visible writes memory,
 * `flushFootprint`), and an operation that waits for the buffer (a locked instruction, a full
 * barrier) reads the buffer, so that it is ordered after the flushes it waits for.
 */
export function footprintUnder(
  model: MemoryModel,
  cpu: number,
  op: Op,
  mem: PhysicalMemory,
  out: Footprint,
): void {
  footprintOf(op, mem, out);
  if (!model.weak) return;
  const a = op.addr;
  switch (op.kind) {
    case OpKind.Load:
    case OpKind.Load32:
      model.footprint(
        cpu,
        op.mode === AccessMode.Acquire ? ModelStep.LoadOrdered : ModelStep.Load,
        a,
        8,
        out,
      );
      return;
    case OpKind.Store:
    case OpKind.Store32:
    case OpKind.Unlock:
      if (op.mode === AccessMode.Walk) {
        model.footprint(cpu, ModelStep.Rmw, a, 8, out);
        return;
      }
      out.set(0, 0, 0, 0, false);
      model.footprint(cpu, ModelStep.Store, a, 8, out);
      return;
    case OpKind.Cas:
    case OpKind.Lock:
    case OpKind.ReadLock:
    case OpKind.ReadUnlock:
    case OpKind.Copy:
    case OpKind.Free:
      model.footprint(cpu, ModelStep.Rmw, a, 8, out);
      return;
    case OpKind.Alloc:
      model.footprint(cpu, model.deferredZeroing ? ModelStep.Store : ModelStep.Rmw, a, 8, out);
      return;
    case OpKind.Await:
      if (op.n > 1) model.footprint(cpu, ModelStep.Forward, a, 8 * op.n, out);
      return;
    case OpKind.Fence:
      if (model.barrierDrains(op.n as Barrier)) model.footprint(cpu, ModelStep.Drain, 0, 0, out);
      return;
    default:
      return;
  }
}
