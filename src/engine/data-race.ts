import { AccessMode, Barrier, type FlushInfo } from '../machine/memory-model/memory-model.js';
import type { Symbols } from '../machine/symbols.js';
import { type Op, OpKind } from './op.js';
import { Violation } from './violation.js';

/** a growable set of access numbers */
class AccessSet {
  words = new Uint32Array(4);

  clear(): void {
    this.words.fill(0);
  }

  add(i: number): void {
    this.grow(i + 1);
    this.words[i >>> 5] |= 1 << (i & 31);
  }

  /** adds every member of `other` */
  or(other: Uint32Array): void {
    this.grow(other.length * 32);
    const w = this.words;
    for (let i = 0; i < other.length; i++) w[i] |= other[i];
  }

  /** the members below `n`, as a fixed array */
  below(n: number): Uint32Array {
    const out = new Uint32Array((n + 31) >>> 5);
    out.set(this.words.subarray(0, out.length));
    if (n & 31) out[out.length - 1] &= (1 << (n & 31)) - 1;
    return out;
  }

  private grow(bits: number): void {
    const need = (bits + 31) >>> 5;
    if (need <= this.words.length) return;
    const w = new Uint32Array(Math.max(need, this.words.length * 2));
    w.set(this.words);
    this.words = w;
  }
}

function has(set: Uint32Array, i: number): boolean {
  const k = i >>> 5;
  return k < set.length && ((set[k] >>> (i & 31)) & 1) === 1;
}

/** one access of the execution */
interface Access {
  cpu: number;
  task: string;
  fn: string;
  /** bytes read and written, [lo, hi) */
  rLo: number;
  rHi: number;
  wLo: number;
  wHi: number;
  plain: boolean;
  /** the accesses that happen before this one */
  before: Uint32Array;
}

/** what each CPU has established for its later accesses (sets of earlier accesses, with their pasts) */
interface CpuOrder {
  /** happen before every later access (smp_mb, acquire) */
  all: AccessSet;
  /** happen before every later read (smp_rmb) / write (smp_wmb) */
  reads: AccessSet;
  writes: AccessSet;
  /** every earlier access of the CPU, and earlier reads, writes: what a barrier orders */
  po: AccessSet;
  poReads: AccessSet;
  poWrites: AccessSet;
  /** the access of each load, by its number (Cpu.lastLoad), -1 for one that is not an access */
  loads: number[];
}

function cpuOrder(): CpuOrder {
  return {
    all: new AccessSet(),
    reads: new AccessSet(),
    writes: new AccessSet(),
    po: new AccessSet(),
    poReads: new AccessSet(),
    poWrites: new AccessSet(),
    loads: [],
  };
}

function overlaps(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aLo < bHi && bLo < aHi && aLo < aHi && bLo < bHi;
}

/**
 * `RaceTracker` finds data races as the Linux-kernel memory model defines them
 * (tools/memory-model/Documentation/explanation.txt, "PLAIN ACCESSES AND DATA RACES"): two
 * accesses of different CPUs to the same bytes, at least one a write and at least one plain, that
 * are not ordered by happens-before. Happens-before is built the way LKMM orders accesses across
 * CPUs, not by program order: an access is ordered after an earlier one of its CPU only by a
 * barrier between them that orders that pair (smp_mb: all; smp_wmb: write before write; smp_rmb:
 * read before read), by acquire (a load-acquire or lock before it), release (a store-release or
 * unlock after), a fully ordered atomic, or an address or data dependency on a marked load;
 * across CPUs by a marked load reading from a marked store (a lock reading its unlock). The plain
 * accesses a CPU makes without such ordering are concurrent with everything another CPU does.
 *
 * It runs in the step driver after every access, on every executor and under every memory model
 * (a load tells it which store it read from), and reports the race at the second access like
 * KCSAN: both accesses, their CPUs and functions. Simplifications: an access's own CPU's earlier
 * reads count as ordered before it whenever one of them does through a dependency (they are not
 * told apart), the hardware walker's reads and the allocator's zeroing are not accesses here, and
 * barrier() orders nothing (it only constrains the compiler).
 */
export class RaceTracker {
  private readonly accesses: Access[] = [];
  private readonly byWord = new Map<number, number[]>();
  /** the access that wrote the newest visible value of each word */
  private readonly visible = new Map<number, number>();
  private cpus: CpuOrder[] = [];
  private readonly scratch = new AccessSet();

  /** `begin` forgets the previous execution. */
  begin(cpus: number): void {
    this.accesses.length = 0;
    this.byWord.clear();
    this.visible.clear();
    this.cpus = Array.from({ length: cpus }, cpuOrder);
  }

  /** `nextId` is the number the next access gets (the tag a buffered store carries). */
  get nextId(): number {
    return this.accesses.length;
  }

  /** `flushed` notes that a buffered store became visible. */
  flushed(info: FlushInfo): void {
    if (info.tag < 0) return;
    for (let a = info.addr & ~7; a < info.addr + info.size; a += 8) this.visible.set(a, info.tag);
  }

  /**
   * `step` records CPU `cpu`'s operation `op`, just performed with `result`; `readTag` is what the
   * memory model says the load read from (-2: the newest visible store, -1: the initial value).
   * `weak`: stores become visible at their flush. Returns the data race it completes, if any.
   */
  step(
    cpu: number,
    task: string,
    fn: string,
    op: Op,
    result: bigint,
    readTag: number,
    weak: boolean,
    symbols: Symbols,
  ): Violation | null {
    const o = this.cpus[cpu];
    const a = op.addr;
    let rLo = 0;
    let rHi = 0;
    let wLo = 0;
    let wHi = 0;
    let acquire = false;
    let release = false;
    let full = false;
    let buffered = false;
    switch (op.kind) {
      case OpKind.Fence:
        this.barrier(o, op.n as Barrier);
        return null;
      case OpKind.Load:
      case OpKind.Load32:
        if (op.mode === AccessMode.Walk) {
          o.loads.push(-1);
          return null;
        }
        rLo = a;
        rHi = a + (op.kind === OpKind.Load ? 8 : 4);
        acquire = op.mode === AccessMode.Acquire;
        break;
      case OpKind.Await:
        rLo = a;
        rHi = a + 8 * op.n;
        break;
      case OpKind.Store:
      case OpKind.Store32:
        if (op.mode === AccessMode.Walk) return null;
        wLo = a;
        wHi = a + (op.kind === OpKind.Store ? 8 : 4);
        release = op.mode === AccessMode.Release;
        buffered = weak;
        break;
      case OpKind.Cas:
        rLo = a;
        rHi = a + 8;
        if (result === op.expected) {
          wLo = a;
          wHi = a + 8;
        }
        full = true;
        break;
      case OpKind.Lock:
      case OpKind.ReadLock:
        rLo = wLo = a;
        rHi = wHi = a + 8;
        acquire = true;
        break;
      case OpKind.Unlock:
        wLo = a;
        wHi = a + 8;
        release = true;
        buffered = weak;
        break;
      case OpKind.ReadUnlock:
        rLo = wLo = a;
        rHi = wHi = a + 8;
        release = true;
        break;
      case OpKind.Copy:
        rLo = op.src;
        rHi = op.src + 8 * op.n;
        wLo = a;
        wHi = a + 8 * op.n;
        full = true;
        break;
      default:
        return null;
    }
    const plain = op.mode === AccessMode.Plain;
    const id = this.accesses.length;
    const before = this.scratch;
    before.clear();
    before.or(o.all.words);
    if (rLo < rHi) before.or(o.reads.words);
    if (wLo < wHi) before.or(o.writes.words);
    if (release || full) before.or(o.po.words);
    if (op.dep > 0) {
      const d = o.loads[op.dep - 1] ?? -1;
      if (d >= 0) {
        before.or(this.accesses[d].before);
        before.add(d);
      }
    }
    if (!plain && rLo < rHi) {
      for (let w = rLo & ~7; w < rHi; w += 8) {
        const from = readTag >= -1 && rHi - rLo <= 8 ? readTag : (this.visible.get(w) ?? -1);
        const f = from >= 0 ? this.accesses[from] : undefined;
        if (f && f.cpu !== cpu && !f.plain) {
          before.or(f.before);
          before.add(from);
        }
      }
    }
    const e: Access = { cpu, task, fn, rLo, rHi, wLo, wHi, plain, before: before.below(id) };
    const race = this.findRace(e, symbols);
    this.accesses.push(e);
    this.index(id, rLo, rHi);
    this.index(id, wLo, wHi);
    // what the CPU's later accesses may be ordered after
    before.add(id);
    const past = before.words;
    o.po.or(past);
    if (rLo < rHi) o.poReads.or(past);
    if (wLo < wHi) o.poWrites.or(past);
    if (acquire || full) o.all.or(past);
    if (op.kind === OpKind.Load || op.kind === OpKind.Load32) o.loads.push(id);
    if (wLo < wHi && !buffered) for (let w = wLo & ~7; w < wHi; w += 8) this.visible.set(w, id);
    return race;
  }

  private barrier(o: CpuOrder, b: Barrier): void {
    switch (b) {
      case Barrier.SmpMb:
      case Barrier.Mfence:
      case Barrier.DmbIsh:
      case Barrier.DsbIsh:
        o.all.or(o.po.words);
        return;
      case Barrier.SmpWmb:
      case Barrier.DmbIshst:
        o.writes.or(o.poWrites.words);
        return;
      case Barrier.DsbIshst:
        o.all.or(o.poWrites.words);
        return;
      case Barrier.SmpRmb:
      case Barrier.DmbIshld:
        o.reads.or(o.poReads.words);
        return;
      default:
        return;
    }
  }

  private index(id: number, lo: number, hi: number): void {
    for (let w = lo & ~7; w < hi; w += 8) {
      let list = this.byWord.get(w);
      if (!list) {
        list = [];
        this.byWord.set(w, list);
      }
      list.push(id);
    }
  }

  /** the newest earlier access that races with `e`, as a violation */
  private findRace(e: Access, symbols: Symbols): Violation | null {
    const lo = Math.min(e.rLo < e.rHi ? e.rLo : e.wLo, e.wLo < e.wHi ? e.wLo : e.rLo);
    const hi = Math.max(e.rHi, e.wHi);
    for (let w = lo & ~7; w < hi; w += 8) {
      const list = this.byWord.get(w);
      if (!list) continue;
      for (let k = list.length - 1; k >= 0; k--) {
        const fid = list[k];
        const f = this.accesses[fid];
        if (f.cpu === e.cpu || !(f.plain || e.plain) || has(e.before, fid)) continue;
        const conflict =
          overlaps(e.wLo, e.wHi, f.rLo, f.rHi) ||
          overlaps(e.wLo, e.wHi, f.wLo, f.wHi) ||
          overlaps(f.wLo, f.wHi, e.rLo, e.rHi);
        if (conflict) return raceViolation(f, e, w, symbols);
      }
    }
    return null;
  }
}

function what(a: Access): string {
  const rw = a.wLo < a.wHi ? (a.rLo < a.rHi ? 'read-write' : 'write') : 'read';
  return `${rw} (${a.plain ? 'plain' : 'marked'})`;
}

function bytes(a: Access): number {
  return Math.max(a.rHi - a.rLo, a.wHi - a.wLo);
}

/**
 * the `data-race` violation of `first` (earlier) and `second`, in KCSAN's form; the message names
 * the two accesses in CPU order, so that both interleavings of a race are one bug
 */
function raceViolation(first: Access, second: Access, word: number, symbols: Symbols): Violation {
  const [x, y] = first.cpu < second.cpu ? [first, second] : [second, first];
  const fn = (a: Access) => a.fn || 'its program';
  const name = symbols.stableAddrName(word);
  const message = `${fn(x)} / ${fn(y)}: ${what(x)} of ${name} by cpu${x.cpu} ${x.task} and ${what(y)} by cpu${y.cpu} ${y.task} are not ordered`;
  const shown = symbols.addrName(word);
  const side = (a: Access) => [
    `${what(a)} to ${shown} of ${bytes(a)} bytes by task ${a.task} on cpu ${a.cpu}:`,
    ` ${fn(a)}`,
  ];
  return new Violation('data-race', message, [
    `BUG: KCSAN: data-race in ${fn(x)} / ${fn(y)}`,
    '',
    ...side(first),
    '',
    ...side(second),
  ]);
}
