import { Footprint } from '../engine/footprint.js';
import { OpKind } from '../engine/op.js';
import type { SchedulingView } from '../engine/scheduling.js';
import { EventList, LocationIndex } from './location-index.js';

const NONE = -1;

/** lock state per lock operation: [writer, readers, period] before it, then after it */
const LOCK_FIELDS = 6;

/** `isLockOp` says whether an operation of `kind` takes or releases a lock. */
export function isLockOp(kind: OpKind): boolean {
  return kind >= OpKind.Lock && kind <= OpKind.ReadUnlock;
}

/**
 * `EventLog` is the events of the current execution as partial-order reduction sees them: per
 * event its CPU, footprint and data value, its vector clock (one reused array, `cpus` entries per
 * event), the bytes its write overwrote (to ask what an await would have seen without it), the
 * state of the lock it operates on, and per CPU the list of its events. Dependencies come from a
 * per-location index, so adding an event costs the same at any length; `truncate` takes the log
 * back to an earlier event as the search backtracks.
 *
 * invariant: `count` events are live; each CPU's list holds its live events in order.
 */
export class EventLog {
  cpus = 0;
  count = 0;
  cpu = new Int32Array(256);
  readonly fp: Footprint[] = [];
  /** the value of a data choice, -1 for any other step */
  value = new Int32Array(256);
  clocks = new Int32Array(256);
  /** the dependencies of the event added last (repeats and its own CPU's included) */
  readonly deps = new EventList();
  readonly index = new LocationIndex();
  private oldAt = new Int32Array(256);
  private oldLen = new Int32Array(256);
  private oldBytes = new Uint8Array(4096);
  private oldTop = 0;
  private lock = new Int32Array(256 * LOCK_FIELDS);
  private cpuEvents: Int32Array<ArrayBuffer>[] = [];
  private cpuEventCount = new Int32Array(0);
  private patch = new Uint8Array(64);

  /** `reset` empties the log for a program of `cpus` CPUs. */
  reset(cpus: number): void {
    this.cpus = cpus;
    this.count = 0;
    this.oldTop = 0;
    this.index.reset(cpus);
    this.cpuEventCount = new Int32Array(cpus);
    while (this.cpuEvents.length < cpus) this.cpuEvents.push(new Int32Array(256));
    this.clocks = new Int32Array(this.cpu.length * cpus);
  }

  /**
   * `add` records event `i` (the next one): CPU `p` performing `fp` (data value `value`, -1 for
   * no choice), before it changes memory. Its dependencies are left in `deps`.
   */
  add(i: number, p: number, fp: Footprint, value: number, view: SchedulingView): void {
    const n = this.cpus;
    this.ensure(i + 1);
    this.cpu[i] = p;
    this.fp[i].copyFrom(fp);
    this.value[i] = value;
    // what the write overwrites: an await racing with it is evaluated without it
    const len = fp.writeHi - fp.writeLo;
    this.oldAt[i] = this.oldTop;
    this.oldLen[i] = len;
    if (len > 0) {
      if (this.oldTop + len > this.oldBytes.length) {
        const b = new Uint8Array(Math.max(this.oldBytes.length * 2, this.oldTop + len));
        b.set(this.oldBytes.subarray(0, this.oldTop));
        this.oldBytes = b;
      }
      view.readBytes(fp.writeLo, len, this.oldBytes, this.oldTop);
      this.oldTop += len;
    }
    const deps = this.deps;
    deps.count = 0;
    this.index.dependencies(fp, deps);
    if (isLockOp(fp.kind)) this.noteLock(i, fp);
    // the vector clock: the CPU's previous event joined with every dependency
    const last = this.lastEventBefore(p, i);
    const row = i * n;
    const clocks = this.clocks;
    if (last >= 0) clocks.copyWithin(row, last * n, last * n + n);
    else clocks.fill(0, row, row + n);
    for (let k = 0; k < deps.count; k++) {
      const jr = deps.items[k] * n;
      for (let q = 0; q < n; q++) if (clocks[jr + q] > clocks[row + q]) clocks[row + q] = clocks[jr + q];
    }
    clocks[row + p] = (last >= 0 ? clocks[last * n + p] : 0) + 1;
    this.index.record(i, p, fp);
    if (this.cpuEventCount[p] >= this.cpuEvents[p].length)
      this.cpuEvents[p] = growInt(this.cpuEvents[p], 2 * this.cpuEvents[p].length);
    this.cpuEvents[p][this.cpuEventCount[p]++] = i;
    this.count = i + 1;
  }

  /** `truncate` forgets events `d` and later. */
  truncate(d: number): void {
    this.index.truncate(d);
    for (let q = 0; q < this.cpus; q++) {
      const list = this.cpuEvents[q];
      let c = this.cpuEventCount[q];
      while (c > 0 && list[c - 1] >= d) c--;
      this.cpuEventCount[q] = c;
    }
    if (d < this.count) this.oldTop = this.oldAt[d];
    this.count = d;
  }

  /** `before` says whether event `a` happens before event `b` (or is it). */
  before(a: number, b: number): boolean {
    const n = this.cpus;
    const c = this.cpu[a];
    return this.clocks[a * n + c] <= this.clocks[b * n + c];
  }

  /** `firstEventFrom` is CPU `q`'s first event at index `from` or later, -1 if none. */
  firstEventFrom(q: number, from: number): number {
    const list = this.cpuEvents[q];
    let lo = 0;
    let hi = this.cpuEventCount[q];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.cpuEventCount[q] ? list[lo] : NONE;
  }

  /** `lastEventBefore` is CPU `p`'s last event before index `i`, -1 if none. */
  lastEventBefore(p: number, i: number): number {
    const list = this.cpuEvents[p];
    let c = this.cpuEventCount[p];
    while (c > 0 && list[c - 1] >= i) c--;
    return c > 0 ? list[c - 1] : NONE;
  }

  /** `lockOpAt` is the last lock operation on the lock word at `addr`, if the last write to it was one. */
  lockOpAt(addr: number): number {
    const w = this.index.lastWrite(addr);
    return w >= 0 && isLockOp(this.fp[w].kind) && this.fp[w].writeLo === addr ? w : NONE;
  }

  /** `acquirableBefore` says whether an acquisition of `kind` could be taken before lock operation `j`. */
  acquirableBefore(kind: OpKind, j: number): boolean {
    const writer = this.lock[j * LOCK_FIELDS];
    const readers = this.lock[j * LOCK_FIELDS + 1];
    return kind === OpKind.Lock ? writer === 0 && readers === 0 : writer === 0;
  }

  /** `periodBefore` is the acquisition that began the held period lock operation `j` was in, -1 if free. */
  periodBefore(j: number): number {
    return this.lock[j * LOCK_FIELDS + 2];
  }

  /** `periodAfter` is the acquisition that began the held period lock operation `j` left, -1 if free. */
  periodAfter(j: number): number {
    return this.lock[j * LOCK_FIELDS + 5];
  }

  /** `awaitHoldsWithout` says whether `cpu`'s pending await would hold with write `j` undone. */
  awaitHoldsWithout(cpu: number, j: number, view: SchedulingView): boolean {
    const len = this.oldLen[j];
    if (len <= 0) return true;
    return view.awaitHoldsWith(cpu, this.fp[j].writeLo, len, this.oldBytes, this.oldAt[j]);
  }

  /**
   * `awaitHoldsBefore` says whether `cpu`'s await (footprint `fp`) would hold just before write
   * `x`, with everything that does not depend on `x` still done: each of its words holds what it
   * held before its first write that is `x` or comes after it (the writes of a word are ordered).
   */
  awaitHoldsBefore(cpu: number, fp: Footprint, x: number, view: SchedulingView): boolean {
    const lo = fp.readLo;
    const len = fp.readHi - lo;
    if (this.patch.length < len) this.patch = new Uint8Array(2 * len);
    const patch = this.patch;
    view.readBytes(lo, len, patch, 0);
    for (let y = this.count - 1; y >= x; y--) {
      const w = this.fp[y];
      const a = Math.max(lo, w.writeLo);
      const b = Math.min(lo + len, w.writeHi);
      if (a >= b || (y !== x && !this.before(x, y))) continue;
      const from = this.oldAt[y] + (a - w.writeLo);
      for (let k = 0; k < b - a; k++) patch[a - lo + k] = this.oldBytes[from + k];
    }
    return view.awaitHoldsWith(cpu, lo, len, patch, 0);
  }

  /** records lock operation `i`'s lock state before and after it */
  private noteLock(i: number, fp: Footprint): void {
    const prev = this.lockOpAt(fp.writeLo);
    const L = this.lock;
    const at = i * LOCK_FIELDS;
    let writer = 0;
    let readers = 0;
    let period = NONE;
    if (prev >= 0) {
      writer = L[prev * LOCK_FIELDS + 3];
      readers = L[prev * LOCK_FIELDS + 4];
      period = L[prev * LOCK_FIELDS + 5];
    }
    L[at] = writer;
    L[at + 1] = readers;
    L[at + 2] = period;
    const free = writer === 0 && readers === 0;
    switch (fp.kind) {
      case OpKind.Lock:
        writer = 1;
        if (free) period = i;
        break;
      case OpKind.ReadLock:
        readers++;
        if (free) period = i;
        break;
      case OpKind.Unlock:
        writer = 0;
        break;
      default:
        readers = Math.max(0, readers - 1);
    }
    L[at + 3] = writer;
    L[at + 4] = readers;
    L[at + 5] = writer === 0 && readers === 0 ? NONE : period;
  }

  private ensure(count: number): void {
    const n = this.cpus;
    while (this.fp.length < count) this.fp.push(new Footprint());
    if (count <= this.cpu.length && count * n <= this.clocks.length) return;
    const size = Math.max(count, this.cpu.length * 2);
    this.cpu = growInt(this.cpu, size);
    this.value = growInt(this.value, size);
    this.oldAt = growInt(this.oldAt, size);
    this.oldLen = growInt(this.oldLen, size);
    this.lock = growInt(this.lock, size * LOCK_FIELDS);
    this.clocks = growInt(this.clocks, size * n);
  }
}

function growInt(a: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  if (a.length >= length) return a;
  const b = new Int32Array(length);
  b.set(a);
  return b;
}
