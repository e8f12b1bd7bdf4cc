import { PAGE_SIZE } from '../layout.js';
import type { PhysicalMemory } from '../physical-memory.js';
import {
  C_DEPS,
  C_LOADS,
  C_V_REL,
  C_VR_NEW,
  C_VR_OLD,
  C_VW_OLD,
  DEP_RING,
  E_DEP_VIEW,
  E_EPOCH,
  E_FLAGS,
  E_RELEASE,
  E_TAG,
  H_MSGS,
  H_SAVES,
  M_ADDR,
  M_SAVE,
  M_SEEN,
  M_SIZE,
  M_TAG,
  M_WRITER,
  MAX_ARM64_CPUS,
  MSG_CAP,
  SAVE_CAP,
} from './layout.js';
import {
  AccessMode,
  Barrier,
  type FlushFootprint,
  type FlushInfo,
  type FootprintSink,
  type MachineState,
  ModelStep,
  type Naming,
  type RmwOrder,
} from './memory-model.js';
import { BufferedModel, formatWord, MemoryModelError, rangeName } from './store-buffer.js';

/**
 * `Arm64Model` is an operational model of ARMv8-A, which is other-multicopy-atomic: a store
 * becomes visible to every other CPU at once, and before that only to its own CPU. It combines
 * the two mechanisms by which ARMv8 reorders:
 *
 * - Stores wait in a per-CPU buffer and become visible one at a time (a flush: agent `cpus + i`,
 *   with a data choice when several may go). Unlike TSO, a store may become visible before an
 *   older one of its CPU unless they overlap (coherence) or a barrier separates them (`dmb
 *   ishst`, `dmb ish`, or the store is a store-release `stlr`): W->W reordering (MP, 2+2W, S).
 * - Loads read from the writes that have become visible, numbered in the order they did (the
 *   timestamps of Promising-ARM: Pulte, Pichon-Pharabod, Kang, Lee and Hur, "Promising-ARM/RISC-V",
 *   PLDI 2019), constrained by views: a load may read any write to its location from the newest
 *   one at or before its pre-view on (which one is a data choice), and never one older than a
 *   write its CPU has already read or written there (coherence, CoRR, CoWR). The pre-view is
 *   `vrNew` (raised by `dmb ishld`/`dmb ish`), the view of the load its address depends on
 *   (`c.load(addr, label, dep)`: MP+addr, WRC+addrs, IRIW+addrs), and for a load-acquire
 *   (`ldar`) the CPU's last store-release, which it must wait for (RCsc). A load-acquire raises
 *   `vrNew` to what it read. A load of the CPU's own pending store reads it (forwarding).
 * - Barriers: `dmb ish` (smp_mb) waits until the CPU's stores are visible and raises `vrNew` to
 *   everything the CPU has read or written (SB+dmbs); `dmb ishld` (smp_rmb) raises `vrNew` to
 *   what it has read; `dmb ishst` (smp_wmb) separates older from newer stores; `dsb ish` is
 *   `dmb ish`; `dsb ishst` waits for the stores and raises `vrNew` to them; `isb` is taken as
 *   ordering the loads after it after the loads before it.
 *
 * The kernel's barriers map as arch/arm64/include/asm/barrier.h says: `__smp_mb()` is
 * `dmb(ish)`, `__smp_rmb()` `dmb(ishld)`, `__smp_wmb()` `dmb(ishst)`; `__smp_store_release` is
 * `stlr` and `__smp_load_acquire` `ldar`; READ_ONCE/WRITE_ONCE are single-copy-atomic `ldr`/`str`.
 * Value-returning atomics (cmpxchg) are fully ordered; spin_lock and down_read are acquire
 * read-modify-writes on the newest value, spin_unlock is a store-release, up_read a release
 * read-modify-write. The hardware page-table walker is another observer: its reads do not see the
 * CPU's pending stores, nor its coherence, only what `vrNew` and the walk's own address
 * dependencies force, so a walk is guaranteed to see the CPU's own table stores only after
 * `dsb ishst` (arch/arm64/include/asm/pgtable.h, emit_pte_barriers: "The dsb makes the store
 * visible to the table walker").
 *
 * What it leaves out: promises, so a store is never visible before a load that precedes it in
 * program order: load buffering (LB) is not produced, and every store is ordered after every
 * earlier load (as if control-dependent on all of them, which keeps it sound where the model does
 * not say what a store depends on). 32-bit accesses (mixed-size) are refused. A spin-assume
 * (`awaitValue`) exits on the newest value. The zeroing of an allocated frame is one store of the
 * allocating CPU (clear_page), which a barrier must order before the entry that publishes it.
 */
export class Arm64Model extends BufferedModel {
  readonly deferredZeroing = true;
  /** the writes a load may read, newest first (0: the initial memory) */
  private readonly cand = new Int32Array(MSG_CAP + 1);
  private candCount = 0;

  constructor(cpus: number, mem: PhysicalMemory, state?: SharedArrayBuffer) {
    if (cpus > MAX_ARM64_CPUS)
      throw new MemoryModelError(`the arm64 memory model runs at most ${MAX_ARM64_CPUS} CPUs, got ${cpus}`);
    super('arm64', cpus, mem, true, state);
  }

  // ---- views and messages ----

  private v(cpu: number, f: number): number {
    return this.ints[this.L.cpu(cpu, f)];
  }

  private join(cpu: number, f: number, t: number): void {
    const i = this.L.cpu(cpu, f);
    if (t > this.ints[i]) this.ints[i] = t;
  }

  private get messages(): number {
    return this.ints[H_MSGS];
  }

  private msgField(t: number, f: number): number {
    return this.ints[this.L.msg(t, f)];
  }

  private msgCovers(t: number, addr: number): boolean {
    const a = this.msgField(t, M_ADDR);
    return a <= addr && addr + 8 <= a + this.msgField(t, M_SIZE);
  }

  /** the word at `addr` as it was just before message `t` (which covers it) */
  private before(t: number, addr: number): bigint {
    const save = this.msgField(t, M_SAVE);
    if (save < 0) return this.bigs[this.L.prevBase + t - 1];
    return this.bigs[this.L.saveBase + save * 512 + ((addr - this.msgField(t, M_ADDR)) >>> 3)];
  }

  private see(t: number, cpu: number): void {
    this.ints[this.L.msg(t, M_SEEN)] |= 1 << cpu;
  }

  /** appends a write of `[addr, addr + bytes)` by `cpu`, keeping what it overwrites; returns its timestamp */
  private append(cpu: number, addr: number, bytes: number, tag: number): number {
    const t = this.messages + 1;
    if (t > MSG_CAP)
      throw new MemoryModelError(`arm64 memory model: more than ${MSG_CAP} stores in one execution`);
    const L = this.L;
    const ints = this.ints;
    ints[L.msg(t, M_ADDR)] = addr;
    ints[L.msg(t, M_SIZE)] = bytes;
    ints[L.msg(t, M_WRITER)] = cpu;
    ints[L.msg(t, M_SEEN)] = 1 << cpu;
    ints[L.msg(t, M_TAG)] = tag;
    if (bytes === 8) {
      ints[L.msg(t, M_SAVE)] = -1;
      this.bigs[L.prevBase + t - 1] = this.mem.load(addr);
    } else {
      const save = ints[H_SAVES]++;
      if (save >= SAVE_CAP || bytes > PAGE_SIZE)
        throw new MemoryModelError(
          `arm64 memory model: more than ${SAVE_CAP} page-sized writes (zeroing, poisoning, copies) in one execution`,
        );
      ints[L.msg(t, M_SAVE)] = save;
      const from = addr >>> 3;
      const to = L.saveBase + save * 512;
      for (let i = 0; i < bytes / 8; i++) this.bigs[to + i] = this.mem.words[from + i];
    }
    ints[H_MSGS] = t;
    return t;
  }

  /** the newest visible write covering `addr`, or 0 */
  private newest(addr: number): number {
    for (let t = this.messages; t >= 1; t--) if (this.msgCovers(t, addr)) return t;
    return 0;
  }

  /** the pre-view of a load: vrNew, the view of the load it depends on, and for ldar the last stlr */
  private preView(cpu: number, mode: AccessMode, dep: number): number {
    let v = this.v(cpu, C_VR_NEW);
    if (dep > 0) {
      const loads = this.v(cpu, C_LOADS);
      if (dep > loads)
        throw new MemoryModelError(`a load depends on load #${dep} of cpu${cpu}, which it has not made yet`);
      // a dependency older than the ring counts as on everything read so far (stronger, still sound)
      const d = loads - dep < DEP_RING ? this.v(cpu, C_DEPS + ((dep - 1) % DEP_RING)) : this.v(cpu, C_VR_OLD);
      if (d > v) v = d;
    }
    if (mode === AccessMode.Acquire) {
      const r = this.v(cpu, C_V_REL);
      if (r > v) v = r;
    }
    return v;
  }

  /** fills `cand` with the writes to `addr` a load of `cpu` with pre-view `vpre` may read */
  private gather(cpu: number, addr: number, vpre: number, coherent: boolean): void {
    const bit = 1 << cpu;
    let n = 0;
    for (let t = this.messages; t >= 1; t--) {
      if (!this.msgCovers(t, addr)) continue;
      this.cand[n++] = t;
      if (t <= vpre || (coherent && (this.msgField(t, M_SEEN) & bit) !== 0)) {
        this.candCount = n;
        return;
      }
    }
    this.cand[n++] = 0;
    this.candCount = n;
  }

  /** the value of candidate `j` of the last gather */
  private candidateValue(addr: number, j: number): bigint {
    let v = this.mem.load(addr);
    for (let i = 0; i < j; i++) v = this.before(this.cand[i], addr);
    return v;
  }

  private refuse32(size: number): void {
    if (size !== 8)
      throw new MemoryModelError(
        'the arm64 memory model does not model 32-bit stores (mixed-size writes); run this model under sc or tso',
      );
  }

  // ---- loads ----

  loadReady(cpu: number, addr: number, size: number, mode: AccessMode): boolean {
    if (mode === AccessMode.Walk) return true;
    if (mode === AccessMode.Acquire) {
      for (let k = 0; k < this.pending(cpu); k++)
        if ((this.entryField(cpu, k, E_FLAGS) & E_RELEASE) !== 0) return false;
    }
    const k = this.forwardIndex(cpu, addr, size);
    return k < 0 || this.covers(cpu, k, addr, size);
  }

  loadOptions(cpu: number, addr: number, size: number, mode: AccessMode, dep: number): number {
    if (mode !== AccessMode.Walk && this.forwardIndex(cpu, addr, size) >= 0) return 1;
    this.gather(cpu, addr & ~7, this.preView(cpu, mode, dep), mode !== AccessMode.Walk);
    return this.candCount;
  }

  /** a 32-bit load reads one half of the writes to its word (32-bit stores are refused) */
  load(cpu: number, addr: number, size: number, mode: AccessMode, dep: number, choice: number): bigint {
    let value: bigint;
    let post: number;
    const k = mode === AccessMode.Walk ? -1 : this.forwardIndex(cpu, addr, size);
    if (k >= 0) {
      value = this.forwarded(cpu, k, addr, size);
      post = this.entryField(cpu, k, E_DEP_VIEW);
      this.noteRead(cpu, this.entryField(cpu, k, E_TAG), false);
    } else {
      const word = addr & ~7;
      this.gather(cpu, word, this.preView(cpu, mode, dep), mode !== AccessMode.Walk);
      if (choice >= this.candCount)
        throw new MemoryModelError(
          `a load of cpu${cpu} has ${this.candCount} writes to read, not ${choice + 1}`,
        );
      post = this.cand[choice];
      value = this.candidateValue(word, choice);
      if (size === 4) value = BigInt.asUintN(32, addr === word ? value : value >> 32n);
      if (post > 0 && mode !== AccessMode.Walk) this.see(post, cpu);
      this.noteRead(cpu, post > 0 ? this.msgField(post, M_TAG) : -1, choice > 0);
    }
    this.join(cpu, C_VR_OLD, post);
    const n = ++this.ints[this.L.cpu(cpu, C_LOADS)];
    this.ints[this.L.cpu(cpu, C_DEPS + ((n - 1) % DEP_RING))] = post;
    if (mode === AccessMode.Acquire) this.join(cpu, C_VR_NEW, post);
    return value;
  }

  awaitRead(cpu: number, addr: number): void {
    const k = this.forwardIndex(cpu, addr, 8);
    if (k >= 0) {
      this.noteRead(cpu, this.entryField(cpu, k, E_TAG), false);
      return;
    }
    const t = this.newest(addr);
    if (t > 0) this.see(t, cpu);
    this.join(cpu, C_VR_OLD, t);
    this.noteRead(cpu, t > 0 ? this.msgField(t, M_TAG) : -1, false);
  }

  // ---- stores ----

  store(cpu: number, addr: number, size: number, value: bigint, mode: AccessMode, tag: number): void {
    this.refuse32(size);
    const release = mode === AccessMode.Release;
    // a store-release may not pass any older store: it starts an epoch of its own
    if (release) this.bumpEpoch(cpu);
    this.push(cpu, addr, 8, value, this.epoch(cpu), release ? E_RELEASE : 0, this.v(cpu, C_VR_OLD), tag);
  }

  allocZeroed(cpu: number, frame: number, tag: number): void {
    this.push(cpu, frame * PAGE_SIZE, PAGE_SIZE, 0n, this.epoch(cpu), 0, this.v(cpu, C_VR_OLD), tag);
  }

  rmwReady(cpu: number, addr: number, order: RmwOrder): boolean {
    return order === 'acquire' || order === 'none' ? this.drained(cpu, addr, 8) : this.pending(cpu) === 0;
  }

  rmw(cpu: number, addr: number, bytes: number, writes: boolean, order: RmwOrder, tag: number): void {
    if (order === 'none') {
      // state outside the kernel's memory: visible at once, and no part of the CPU's views
      if (writes) this.append(cpu, addr, bytes, tag);
      this.noteRead(cpu, -2, false);
      return;
    }
    const read = this.newest(addr);
    if (read > 0) this.see(read, cpu);
    this.join(cpu, C_VR_OLD, read);
    const t = writes ? this.append(cpu, addr, bytes, tag) : read;
    if (writes) this.join(cpu, C_VW_OLD, t);
    if (order === 'full') {
      this.join(cpu, C_VR_NEW, Math.max(this.v(cpu, C_VR_OLD), this.v(cpu, C_VW_OLD), t));
      this.bumpEpoch(cpu);
    } else if (order === 'acquire') {
      this.join(cpu, C_VR_NEW, t);
    } else if (order === 'release' && writes) {
      this.join(cpu, C_V_REL, t);
    }
    this.noteRead(cpu, read > 0 ? this.msgField(read, M_TAG) : -1, false);
  }

  // ---- barriers ----

  barrierDrains(b: Barrier): boolean {
    return waitsForStores(b);
  }

  barrierReady(cpu: number, b: Barrier): boolean {
    return !waitsForStores(b) || this.pending(cpu) === 0;
  }

  barrier(cpu: number, b: Barrier): void {
    switch (b) {
      case Barrier.SmpMb:
      case Barrier.DmbIsh:
      case Barrier.DsbIsh:
      case Barrier.Mfence:
        this.join(cpu, C_VR_NEW, Math.max(this.v(cpu, C_VR_OLD), this.v(cpu, C_VW_OLD)));
        this.bumpEpoch(cpu);
        return;
      case Barrier.DsbIshst:
        this.join(cpu, C_VR_NEW, this.v(cpu, C_VW_OLD));
        this.bumpEpoch(cpu);
        return;
      case Barrier.SmpWmb:
      case Barrier.DmbIshst:
        this.bumpEpoch(cpu);
        return;
      case Barrier.SmpRmb:
      case Barrier.DmbIshld:
      case Barrier.Isb:
        this.join(cpu, C_VR_NEW, this.v(cpu, C_VR_OLD));
        return;
      default:
        return;
    }
  }

  // ---- flushes ----

  /** entry `k` may become visible now: no older pending store overlaps it or is in an older epoch */
  private eligible(cpu: number, k: number): boolean {
    const epoch = this.entryField(cpu, k, E_EPOCH);
    const a = this.entryAddr(cpu, k);
    const size = this.entrySize(cpu, k);
    for (let j = 0; j < k; j++) {
      if (this.entryField(cpu, j, E_EPOCH) !== epoch) return false;
      if (this.entryOverlaps(cpu, j, a, size)) return false;
    }
    return true;
  }

  flushOptions(cpu: number): number {
    let n = 0;
    for (let k = 0; k < this.pending(cpu); k++) if (this.eligible(cpu, k)) n++;
    return n;
  }

  flush(cpu: number, choice: number): FlushInfo {
    let left = choice;
    for (let k = 0; k < this.pending(cpu); k++) {
      if (!this.eligible(cpu, k)) continue;
      if (left-- > 0) continue;
      const t = this.append(
        cpu,
        this.entryAddr(cpu, k),
        this.entrySize(cpu, k),
        this.entryField(cpu, k, E_TAG),
      );
      this.join(cpu, C_VW_OLD, t);
      if ((this.entryField(cpu, k, E_FLAGS) & E_RELEASE) !== 0) this.join(cpu, C_V_REL, t);
      return this.commit(cpu, k);
    }
    throw new MemoryModelError(`cpu${cpu} has no pending store number ${choice + 1} to make visible`);
  }

  // ---- partial-order reduction ----

  footprint(cpu: number, what: ModelStep, _addr: number, _size: number, out: FootprintSink): void {
    const lo = this.bufferLo(cpu);
    const hi = this.bufferHi(cpu);
    switch (what) {
      case ModelStep.Store:
        // a new store changes which of the buffer's stores may go next: it conflicts with the flusher
        out.model(0, 0, lo, hi, false);
        return;
      case ModelStep.Rmw:
        // appends to the order of visible writes, which every flush does too
        out.model(lo, hi, 0, 0, true);
        return;
      case ModelStep.Drain:
      case ModelStep.LoadOrdered:
      case ModelStep.Forward:
        out.model(lo, hi, 0, 0, false);
        return;
      default:
        return;
    }
  }

  flushFootprint(cpu: number, out: FlushFootprint): void {
    let lo = Number.POSITIVE_INFINITY;
    let hi = 0;
    for (let k = 0; k < this.pending(cpu); k++) {
      if (!this.eligible(cpu, k)) continue;
      const a = this.entryAddr(cpu, k);
      if (a < lo) lo = a;
      if (a + this.entrySize(cpu, k) > hi) hi = a + this.entrySize(cpu, k);
    }
    out.set(0, 0, lo, hi, false);
    // the order in which writes become visible is observable (through views): flushes conflict
    out.model(0, 0, this.bufferLo(cpu), this.bufferHi(cpu), true);
  }

  // ---- reports ----

  describe(names: Naming): MachineState[] {
    const views: string[] = [];
    for (let c = 0; c < this.cpus; c++) {
      views.push(
        `${names.cpu(c)}: vrOld ${this.v(c, C_VR_OLD)}, vwOld ${this.v(c, C_VW_OLD)}, vrNew ${this.v(c, C_VR_NEW)}, vRel ${this.v(c, C_V_REL)}`,
      );
    }
    const order: string[] = [];
    const from = Math.max(1, this.messages - 15);
    if (from > 1) order.push(`(${from - 1} earlier writes)`);
    for (let t = from; t <= this.messages; t++) {
      const a = this.msgField(t, M_ADDR);
      const size = this.msgField(t, M_SIZE);
      const what = size === 8 ? names.addr(a) : rangeName(names, a, size);
      order.push(
        `${t}  ${names.cpu(this.msgField(t, M_WRITER))}  ${what} = ${formatWord(this.writtenValue(t, a))}`,
      );
    }
    return [
      {
        title: 'pending stores (oldest first; * may become visible next)',
        lines: this.bufferLines(names, (c, k) => (this.eligible(c, k) ? '*' : '')),
      },
      { title: 'views (timestamps of the visible writes below)', lines: views },
      { title: 'visible writes, in the order they became visible', lines: order.length ? order : ['(none)'] },
    ];
  }

  /** the value message `t` wrote at `addr` */
  private writtenValue(t: number, addr: number): bigint {
    for (let u = t + 1; u <= this.messages; u++) if (this.msgCovers(u, addr)) return this.before(u, addr);
    return this.mem.load(addr);
  }
}

/** the barriers that wait until the CPU's stores are visible */
function waitsForStores(b: Barrier): boolean {
  return (
    b === Barrier.SmpMb ||
    b === Barrier.DmbIsh ||
    b === Barrier.DsbIsh ||
    b === Barrier.DsbIshst ||
    b === Barrier.Mfence
  );
}
