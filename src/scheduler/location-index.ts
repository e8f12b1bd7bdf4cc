import type { Footprint } from '../engine/footprint.js';
import { PAGE_SHIFT, PAGE_SIZE } from '../machine/layout.js';

/** accesses are 4-byte aligned and whole 4-byte halves at the finest (load32/store32) */
const UNIT_SHIFT = 2;
const UNITS_PER_PAGE = PAGE_SIZE >>> UNIT_SHIFT;
/** per frame: each unit's last write, then each unit's head of reads */
const CELLS_PER_PAGE = 2 * UNITS_PER_PAGE;
const CELL_SHIFT = Math.log2(CELLS_PER_PAGE);

/** `EventList` is a reusable list of event indices. */
export class EventList {
  items = new Int32Array(64);
  count = 0;

  push(event: number): void {
    if (this.count === this.items.length) {
      const b = new Int32Array(this.items.length * 2);
      b.set(this.items);
      this.items = b;
    }
    this.items[this.count++] = event;
  }
}

/** what an undo entry restores */
enum Slot {
  /** a unit cell: `page * CELLS_PER_PAGE + cell` (a last write, or the head of the reads since) */
  Unit = 0,
  PageWrite = 2,
  PageTouch = 3,
  PageWriteBy = 4,
  PageRead = 5,
  PageReads = 6,
  Allocator = 7,
}

/**
 * `LocationIndex` keeps, for each location, the events of the current execution that a new access
 * to it depends on, so that partial-order reduction finds an event's dependencies without scanning
 * every earlier event (Nidhugg keeps the same per byte: the last update and the reads since):
 *
 * - per 4-byte unit: the last write, and the reads since it;
 * - per frame: the last write of the whole frame (alloc, free), and per CPU its last event that
 *   touched the frame, its last partial write in it and its last whole-frame read (a 512-entry
 *   emptiness scan), so that whole-frame operations cost one entry, not 1,024;
 * - the frame allocator: its last operation (every alloc and free depends on every other).
 *
 * `dependencies` returns a superset of the earlier events an access is dependent with that are
 * not ordered before another of them: the last write of a unit is ordered after every earlier
 * access to it, a CPU's last touch of a frame after its earlier ones. Every change is logged, so
 * that `truncate` puts the index back to any earlier event in time proportional to what it
 * undoes, as the search backtracks.
 *
 * invariant: entries refer only to events below the recorded count; -1 is "none".
 */
export class LocationIndex {
  private cpus = 1;
  /**
   * per frame, made when the frame is first touched: each unit's last write (cells 0..1023) and
   * the head of its list of reads since, in `readEvent` / `readNext` (cells 1024..2047)
   */
  private units: (Int32Array | null)[] = [];
  private readEvent = new Int32Array(256);
  private readNext = new Int32Array(256);
  private reads = 0;
  private pageWrite = new Int32Array(0);
  /** [page * cpus + cpu] */
  private pageTouch = new Int32Array(0);
  private pageWriteBy = new Int32Array(0);
  private pageRead = new Int32Array(0);
  /** how many whole-frame reads a frame has had: partial writes look at `pageRead` only then */
  private pageReads = new Int32Array(0);
  private allocator = -1;
  private undoSlot = new Uint8Array(1024);
  private undoIndex = new Int32Array(1024);
  private undoOld = new Int32Array(1024);
  private undos = 0;
  /** per recorded event: the undo log's and the read pool's length before it */
  private undoMark = new Int32Array(256);
  private readMark = new Int32Array(256);
  private events = 0;

  /** `reset` empties the index for a program of `cpus` CPUs. */
  reset(cpus: number): void {
    this.truncate(0);
    if (cpus === this.cpus) return;
    this.cpus = cpus;
    const rows = this.pageWrite.length * cpus;
    this.pageTouch = new Int32Array(rows).fill(-1);
    this.pageWriteBy = new Int32Array(rows).fill(-1);
    this.pageRead = new Int32Array(rows).fill(-1);
  }

  /** `count` is how many events have been recorded. */
  get count(): number {
    return this.events;
  }

  /**
   * `dependencies` appends to `out` the earlier events that an access with footprint `fp` may
   * depend on directly (with repeats, and possibly events of the accessing CPU: callers filter).
   */
  dependencies(fp: Footprint, out: EventList): void {
    if (fp.allocator && this.allocator >= 0) out.push(this.allocator);
    if (fp.readHi > fp.readLo) this.forPages(fp.readLo, fp.readHi, false, out);
    if (fp.writeHi > fp.writeLo) this.forPages(fp.writeLo, fp.writeHi, true, out);
  }

  /** `record` adds event `event` (the next one) of `cpu` with footprint `fp`. */
  record(event: number, cpu: number, fp: Footprint): void {
    if (event !== this.events) throw new RangeError(`LocationIndex: event ${event} recorded out of order`);
    if (event >= this.undoMark.length) {
      this.undoMark = grow(this.undoMark, 2 * event + 2);
      this.readMark = grow(this.readMark, 2 * event + 2);
    }
    this.undoMark[event] = this.undos;
    this.readMark[event] = this.reads;
    this.events++;
    if (fp.allocator) {
      this.log(Slot.Allocator, 0, this.allocator);
      this.allocator = event;
    }
    if (fp.readHi > fp.readLo) this.recordPages(fp.readLo, fp.readHi, false, event, cpu);
    if (fp.writeHi > fp.writeLo) this.recordPages(fp.writeLo, fp.writeHi, true, event, cpu);
  }

  /** `truncate` forgets events `count` and later. */
  truncate(count: number): void {
    if (count >= this.events) return;
    const to = this.undoMark[count];
    for (let k = this.undos - 1; k >= to; k--)
      this.restore(this.undoSlot[k], this.undoIndex[k], this.undoOld[k]);
    this.undos = to;
    this.reads = this.readMark[count];
    this.events = count;
  }

  /** `lastWrite` is the last event that wrote the unit holding byte `addr` (-1: none). */
  lastWrite(addr: number): number {
    const p = addr >>> PAGE_SHIFT;
    const cells = p < this.units.length ? this.units[p] : null;
    const unit = cells ? cells[(addr & (PAGE_SIZE - 1)) >>> UNIT_SHIFT] : -1;
    const page = p < this.pageWrite.length ? this.pageWrite[p] : -1;
    return unit > page ? unit : page;
  }

  private forPages(lo: number, hi: number, write: boolean, out: EventList): void {
    this.ensure(hi);
    const n = this.cpus;
    for (let page = lo >>> PAGE_SHIFT; page <= (hi - 1) >>> PAGE_SHIFT; page++) {
      const base = page << PAGE_SHIFT;
      const a = Math.max(lo, base);
      const b = Math.min(hi, base + PAGE_SIZE);
      if (this.pageWrite[page] >= 0) out.push(this.pageWrite[page]);
      const row = page * n;
      if (a === base && b === base + PAGE_SIZE) {
        // a whole frame: what each CPU last did to it stands for everything it did
        const per = write ? this.pageTouch : this.pageWriteBy;
        for (let q = 0; q < n; q++) if (per[row + q] >= 0) out.push(per[row + q]);
        continue;
      }
      const withPageReads = write && this.pageReads[page] > 0;
      if (withPageReads)
        for (let q = 0; q < n; q++) if (this.pageRead[row + q] >= 0) out.push(this.pageRead[row + q]);
      const cells = this.units[page];
      if (!cells) continue;
      for (let u = (a - base) >>> UNIT_SHIFT; u < (b - base) >>> UNIT_SHIFT; u++) {
        if (cells[u] >= 0) out.push(cells[u]);
        if (!write) continue;
        for (let r = cells[UNITS_PER_PAGE + u]; r >= 0; r = this.readNext[r]) out.push(this.readEvent[r]);
      }
    }
  }

  private recordPages(lo: number, hi: number, write: boolean, event: number, cpu: number): void {
    this.ensure(hi);
    const n = this.cpus;
    for (let page = lo >>> PAGE_SHIFT; page <= (hi - 1) >>> PAGE_SHIFT; page++) {
      const base = page << PAGE_SHIFT;
      const a = Math.max(lo, base);
      const b = Math.min(hi, base + PAGE_SIZE);
      const slot = page * n + cpu;
      this.set(Slot.PageTouch, slot, event);
      if (a === base && b === base + PAGE_SIZE) {
        if (write) this.set(Slot.PageWrite, page, event);
        else {
          this.set(Slot.PageRead, slot, event);
          this.set(Slot.PageReads, page, this.pageReads[page] + 1);
        }
        continue;
      }
      if (write) this.set(Slot.PageWriteBy, slot, event);
      let cells = this.units[page];
      if (!cells) {
        cells = new Int32Array(CELLS_PER_PAGE).fill(-1);
        this.units[page] = cells;
      }
      const at = page << CELL_SHIFT;
      for (let u = (a - base) >>> UNIT_SHIFT; u < (b - base) >>> UNIT_SHIFT; u++) {
        if (write) {
          this.setCell(cells, at, u, event);
          if (cells[UNITS_PER_PAGE + u] >= 0) this.setCell(cells, at, UNITS_PER_PAGE + u, -1);
        } else {
          const r = this.reads++;
          if (r >= this.readEvent.length) {
            this.readEvent = grow(this.readEvent, 2 * r + 2);
            this.readNext = grow(this.readNext, 2 * r + 2);
          }
          this.readEvent[r] = event;
          this.readNext[r] = cells[UNITS_PER_PAGE + u];
          this.setCell(cells, at, UNITS_PER_PAGE + u, r);
        }
      }
    }
  }

  private setCell(cells: Int32Array, at: number, cell: number, value: number): void {
    this.log(Slot.Unit, at + cell, cells[cell]);
    cells[cell] = value;
  }

  private set(slot: Slot, index: number, value: number): void {
    const a = this.array(slot);
    this.log(slot, index, a[index]);
    a[index] = value;
  }

  private log(slot: Slot, index: number, old: number): void {
    const k = this.undos++;
    if (k >= this.undoSlot.length) {
      const s = new Uint8Array(this.undoSlot.length * 2);
      s.set(this.undoSlot);
      this.undoSlot = s;
      this.undoIndex = grow(this.undoIndex, s.length);
      this.undoOld = grow(this.undoOld, s.length);
    }
    this.undoSlot[k] = slot;
    this.undoIndex[k] = index;
    this.undoOld[k] = old;
  }

  private restore(slot: Slot, index: number, value: number): void {
    if (slot === Slot.Allocator) this.allocator = value;
    else if (slot === Slot.Unit)
      (this.units[index >>> CELL_SHIFT] as Int32Array)[index & (CELLS_PER_PAGE - 1)] = value;
    else this.array(slot)[index] = value;
  }

  private array(slot: Slot): Int32Array {
    switch (slot) {
      case Slot.PageWrite:
        return this.pageWrite;
      case Slot.PageTouch:
        return this.pageTouch;
      case Slot.PageWriteBy:
        return this.pageWriteBy;
      case Slot.PageRead:
        return this.pageRead;
      case Slot.PageReads:
        return this.pageReads;
      default:
        throw new RangeError('LocationIndex: unit and allocator slots are not frame arrays');
    }
  }

  /** makes room for the frames of byte addresses below `hi` */
  private ensure(hi: number): void {
    const need = ((hi - 1) >>> PAGE_SHIFT) + 1;
    if (need <= this.pageWrite.length) return;
    const pages = Math.max(need, 2 * this.pageWrite.length);
    const n = this.cpus;
    // rows are page-major, so growing keeps every entry where it was
    this.pageWrite = grow(this.pageWrite, pages, -1);
    this.pageReads = grow(this.pageReads, pages, 0);
    this.pageTouch = grow(this.pageTouch, pages * n, -1);
    this.pageWriteBy = grow(this.pageWriteBy, pages * n, -1);
    this.pageRead = grow(this.pageRead, pages * n, -1);
  }
}

/** `grow` is `a` lengthened to `length` entries (when shorter), the new ones set to `fill`. */
function grow(a: Int32Array<ArrayBuffer>, length: number, fill = 0): Int32Array<ArrayBuffer> {
  if (a.length >= length) return a;
  const b = new Int32Array(length);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}
