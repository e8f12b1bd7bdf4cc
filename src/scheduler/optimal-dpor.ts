import { CpuSet } from '../engine/cpu-set.js';
import { conflicts, Footprint } from '../engine/footprint.js';
import { OpKind } from '../engine/op.js';
import { ScheduleError, type Scheduler, type SchedulingView, valueStep } from '../engine/scheduling.js';
import { DecisionTree } from './decision-tree.js';
import { EventList, LocationIndex } from './location-index.js';
import type { StrategyDescriptor } from './strategy.js';
import { insertSequence, WakeupNode, type WakeupSequence } from './wakeup-tree.js';

/**
 * `OptimalNode` is one CPU decision of the current execution: the state before event `d` (the
 * tree's depth is the event index; data choices are part of their step).
 */
interface OptimalNode {
  chosen: number;
  enabled: CpuSet;
  /**
   * the sleep set on entry, per CPU the data values of its next step that would only repeat
   * explored executions (bit v: value v; a step that is not a choice has value 0)
   */
  sleep: Int32Array;
  /** per CPU, the values of the branches explored from here (asleep for the branches after) */
  done: Int32Array;
  /** the branch being explored: a wakeup tree's, or null for a free choice of `chosen` */
  current: WakeupNode | null;
  /** the wakeup tree's branches still to explore from here, in order */
  wut: WakeupNode[];
}

/**
 * `Race` is a pair of dependent events whose order the search must also try the other way round,
 * found during an execution and turned into a wakeup sequence at its end.
 *
 * - a race of two events: `second` comes after `first` and could have come before it;
 * - a blocked step (`second` -1, `pos` >= 0): CPU `cpu` was blocked before event `pos` (an await
 *   that did not hold, a lock held by another CPU) and could have taken its step before `first`;
 * - another data value (`second` -1, `pos` -1): the choice `first` could have chosen `value`.
 */
interface Race {
  first: number;
  second: number;
  cpu: number;
  pos: number;
  value: number;
  fp: Footprint | null;
}

const NONE = -1;
const NO_BRANCHES: readonly WakeupNode[] = [];

/** `valueBit` is the sleep-set bit of data value `v` (values from 31 share the last bit) */
function valueBit(v: number): number {
  return 1 << Math.min(v, 31);
}

function isAcquire(kind: OpKind): boolean {
  return kind === OpKind.Lock || kind === OpKind.ReadLock;
}

function isLockOp(kind: OpKind): boolean {
  return kind >= OpKind.Lock && kind <= OpKind.ReadUnlock;
}

/**
 * `OptimalDporScheduler` is optimal dynamic partial-order reduction (Abdulla, Aronis, Jonsson and
 * Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014, and "Source Sets: A Foundation for
 * Optimal Dynamic Partial Order Reduction", JACM 2017, Algorithm 2): it explores exactly one
 * execution per Mazurkiewicz trace, where two steps are dependent when they touch the same bytes and
 * one writes, or both use the frame allocator (`conflicts`). Each race of the execution just run
 * (two dependent steps of different CPUs, the first not ordered before the second through anything
 * else) becomes a wakeup sequence, notdep(e).e': the steps after e that do not depend on it, then
 * e'. It goes into the wakeup tree of the state before e unless a CPU asleep there already covers
 * it; the tree's branches are explored before any free choice, so no execution ends blocked by its
 * sleep set.
 *
 * Steps that can block are handled the way Nidhugg handles mutexes:
 * - a lock acquisition races with the previous acquisition of that lock, not with the release that
 *   let it in (that order is fixed: an acquisition cannot go before the release it waited for), so
 *   critical sections of different locks commute and those of one lock are tried in every order;
 * - a CPU blocked on a held lock, or on an await that does not hold, is a step that could have been
 *   taken before the acquisition or the write that blocked it ("lock fail" races);
 * - a race is reversed only if the racing step can be taken at its new place: for an await, its
 *   condition is evaluated with the write it races with undone (the bytes that write overwrote are
 *   kept), so that no wakeup sequence leads to a step that cannot be taken.
 *
 * Data choices are events with alternatives: a choice explored with value 0 adds a wakeup sequence
 * for each other value.
 *
 * Per-step cost does not grow with the execution's length: an event's dependencies come from a
 * per-location index (the last write of each location and the reads since), vector clocks live in
 * one reused array, and only the races' wakeup sequences look along the execution.
 */
export class OptimalDporScheduler extends DecisionTree<OptimalNode> implements Scheduler {
  readonly continueAfterViolation = true;
  /** executions abandoned because every enabled CPU was asleep (none, if the theory holds) */
  pruned = 0;
  /** wakeup branches whose first step turned out not to be enabled, replaced by a free choice */
  fallbacks = 0;

  private cpus = 0;
  private view: SchedulingView | null = null;
  private readonly index = new LocationIndex();
  private events = 0;
  private evCpu = new Int32Array(256);
  private readonly evFp: Footprint[] = [];
  /** the value of a data choice, -1 for any other step */
  private evValue = new Int32Array(256);
  private evOldAt = new Int32Array(256);
  private evOldLen = new Int32Array(256);
  /** lock operations: the lock's state before (writer, readers, period) and after */
  private evLock = new Int32Array(256 * 6);
  /** vector clocks, `cpus` entries per event */
  private clocks = new Int32Array(256);
  private oldBytes = new Uint8Array(4096);
  private oldTop = 0;
  /** per CPU, its events in order */
  private cpuEvents: Int32Array<ArrayBuffer>[] = [];
  private cpuEventCount = new Int32Array(0);
  private readonly races: Race[] = [];
  /** decisions below this depth replay known events */
  private replayUntil = 0;
  private nextSleep = new Int32Array(0);
  private asleep = new Int32Array(0);
  /** the wakeup subtree the next new state starts with (empty: choose freely) */
  private subtree: readonly WakeupNode[] = NO_BRANCHES;
  private blocked = false;
  private readonly deps = new EventList();
  private readonly direct = new EventList();
  private fps: Footprint[] = [];
  private finalFps: Footprint[] = [];
  private finalHas = new Uint8Array(0);
  private scratchSet = new CpuSet(0);
  private firstClock = new Int32Array(0);
  private seq = new Int32Array(256);
  private patch = new Uint8Array(64);

  protected override beginExecution(): void {
    this.blocked = false;
    this.races.length = 0;
    this.subtree = NO_BRANCHES;
    this.nextSleep.fill(0);
  }

  protected makeNode(): OptimalNode {
    const n = this.cpus;
    return {
      chosen: NONE,
      enabled: new CpuSet(n),
      sleep: new Int32Array(n),
      done: new Int32Array(n),
      current: null,
      wut: [],
    };
  }

  pickCpu(enabled: CpuSet, _current: number, view: SchedulingView): number {
    this.view = view;
    this.ensureCpus(view.cpuCount);
    const d = this.depth++;
    if (d < this.replayUntil) return this.node(d).chosen;
    let node: OptimalNode;
    if (d < this.size) {
      node = this.node(d); // the branch point: advance() put the next branch first
    } else {
      if (d > 0) this.noteBlocked(d, enabled, view);
      node = this.push();
      node.enabled.copyFrom(enabled);
      node.sleep.set(this.nextSleep);
      node.done.fill(0);
      if (node.wut.length > 0) node.wut.length = 0;
      for (const w of this.subtree) node.wut.push(w);
      node.current = node.wut.length > 0 ? (node.wut.shift() as WakeupNode) : null;
      if (node.current === null) node.chosen = this.freeChoice(node);
      else node.chosen = node.current.cpu;
    }
    if (!this.enabledBranch(node, view)) {
      this.size--;
      this.depth--;
      this.blocked = true;
      return NONE;
    }
    this.execute(node, d, view);
    return node.chosen;
  }

  pickValue(n: number): number {
    const i = this.depth - 1;
    const value = this.evValue[i];
    if (value >= n)
      throw new ScheduleError(
        `the model is not deterministic: a choice offered ${n} values on replay, fewer than before`,
      );
    if (i >= this.replayUntil && value === 0) {
      // the other values are the choice's races: each is explored from the state before it
      const p = this.evCpu[i];
      for (let v = 1; v < n; v++) {
        this.races.push({ first: i, second: NONE, cpu: p, pos: NONE, value: v, fp: this.evFp[i] });
      }
    }
    return value;
  }

  override endExecution(): void {
    const view = this.view;
    if (this.blocked) this.pruned++;
    else if (view) {
      const s = this.depth;
      if (s > 0 && s - 1 >= this.replayUntil) {
        const enabled = this.scratchSet;
        enabled.clear();
        for (let q = 0; q < this.cpus; q++) if (!view.finished(q) && view.isEnabled(q)) enabled.add(q);
        this.noteBlocked(s, enabled, view);
      }
    }
    if (view) {
      for (let q = 0; q < this.cpus; q++) {
        this.finalHas[q] = view.finished(q) ? 0 : 1;
        if (this.finalHas[q] === 1) view.footprint(q, this.finalFps[q]);
      }
      this.races.sort((a, b) => a.first - b.first);
      for (const r of this.races) this.reverse(r);
    }
    this.races.length = 0;
    this.view = null;
    super.endExecution();
  }

  protected advance(node: OptimalNode, d: number): boolean {
    if (node.wut.length === 0) return false;
    node.done[node.chosen] |= valueBit(Math.max(0, this.evValue[d]));
    node.current = node.wut.shift() as WakeupNode;
    node.chosen = node.current.cpu;
    return true;
  }

  protected override truncated(d: number): void {
    this.index.truncate(d);
    for (let q = 0; q < this.cpus; q++) {
      const list = this.cpuEvents[q];
      let c = this.cpuEventCount[q];
      while (c > 0 && list[c - 1] >= d) c--;
      this.cpuEventCount[q] = c;
    }
    if (d < this.events) this.oldTop = this.evOldAt[d];
    this.events = d;
    this.replayUntil = d;
  }

  statistics(): Readonly<Record<string, number>> {
    return { pruned: this.pruned };
  }

  /**
   * `causalChoices` projects the current execution onto the causal past of event `step`, as the
   * vector clocks see it (the schedule steps of the events ordered before it, in their order).
   */
  causalChoices(step: number, avoid: readonly number[]): number[] | null {
    if (step < 0) return [];
    for (const a of avoid) if (a >= 0 && a < step && this.before(a, step)) return null;
    const out: number[] = [];
    for (let j = 0; j <= step; j++) {
      if (j < step && !this.before(j, step)) continue;
      out.push(this.evCpu[j]);
      if (this.evValue[j] >= 0) out.push(valueStep(this.evValue[j]));
    }
    return out;
  }

  /** a free choice at `node`: its lowest enabled CPU that is not asleep (-1: all asleep) */
  private freeChoice(node: OptimalNode): number {
    const e = node.enabled;
    for (let q = e.first(); q >= 0; q = e.next(q + 1)) if ((node.sleep[q] & 1) === 0) return q;
    return NONE;
  }

  /**
   * makes `node`'s branch one that can be taken: a wakeup branch whose first step is not enabled
   * (its await's condition failed where nothing foresaw it) gives way to every CPU that can step;
   * false when there is none (every enabled CPU asleep)
   */
  private enabledBranch(node: OptimalNode, view: SchedulingView): boolean {
    for (;;) {
      if (node.chosen < 0) return false;
      if (node.enabled.has(node.chosen)) return true;
      this.fallbacks++;
      for (let q = node.enabled.first(); q >= 0; q = node.enabled.next(q + 1)) {
        if ((node.sleep[q] & 1) !== 0 || node.wut.some((w) => w.cpu === q)) continue;
        view.footprint(q, this.fps[q]);
        node.wut.push(new WakeupNode(q, 0, this.fps[q]));
      }
      node.current = node.wut.shift() ?? null;
      node.chosen = node.current?.cpu ?? NONE;
    }
  }

  /** records event `i`, `node`'s branch, and the sleep set of the state after it */
  private execute(node: OptimalNode, i: number, view: SchedulingView): void {
    const p = node.chosen;
    const child = node.current;
    const n = this.cpus;
    const fp = this.fps[p];
    view.footprint(p, fp);
    // an allocation's frame depends on where it runs: the lowest free one then
    const moved = fp.kind === OpKind.Alloc;
    const expected = child?.fp;
    if (
      expected &&
      (expected.kind !== fp.kind ||
        (!moved && (expected.writeLo !== fp.writeLo || expected.readLo !== fp.readLo)))
    )
      throw new ScheduleError(
        `the model is not deterministic: cpu${p}'s step at decision ${i} is not the one an equivalent execution took (does it keep state outside PhysicalMemory, or use Math.random?)`,
      );
    this.ensureEvents(i + 1);
    this.evCpu[i] = p;
    this.evFp[i].copyFrom(fp);
    this.evValue[i] = fp.kind !== OpKind.Choose ? NONE : (child?.value ?? 0);
    // what the write overwrites: an await racing with it is evaluated without it
    const len = fp.writeHi - fp.writeLo;
    this.evOldAt[i] = this.oldTop;
    this.evOldLen[i] = len;
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
    this.findRaces(i, p, fp, last, view);
    this.index.record(i, p, fp);
    if (this.cpuEventCount[p] >= this.cpuEvents[p].length)
      this.cpuEvents[p] = growInt(this.cpuEvents[p], 2 * this.cpuEvents[p].length);
    this.cpuEvents[p][this.cpuEventCount[p]++] = i;
    this.events = i + 1;
    // the sleep set after the step: sleepers and explored siblings it does not wake
    const after = this.nextSleep;
    for (let q = 0; q < n; q++) {
      const bits = q === p ? 0 : node.sleep[q] | node.done[q];
      after[q] = bits;
      if (bits === 0) continue;
      view.footprint(q, this.fps[q]);
      if (conflicts(this.fps[q], fp)) after[q] = 0;
    }
    this.subtree = child?.children ?? NO_BRANCHES;
  }

  /** the races of new event `i` of `p` with the events it depends on directly */
  private findRaces(i: number, p: number, fp: Footprint, last: number, view: SchedulingView): void {
    const direct = this.directDeps(p, last, this.deps);
    for (let d = 0; d < direct.count; d++) {
      const j = direct.items[d];
      let first = j;
      if (isAcquire(fp.kind) && isLockOp(this.evFp[j].kind) && this.evFp[j].writeLo === fp.writeLo) {
        // an acquisition cannot go before the release it waited for: it races with the
        // acquisition that began the held period instead
        if (!this.acquirableBefore(fp.kind, j)) {
          first = this.evLock[j * 6 + 2];
          if (first < 0 || this.evCpu[first] === p || (last >= 0 && this.before(first, last))) continue;
        }
      } else if (fp.kind === OpKind.Await) {
        first = this.awaitPartner(p, fp, last, j, view);
        if (first < 0) continue;
      }
      this.races.push({ first, second: i, cpu: p, pos: NONE, value: 0, fp: null });
    }
  }

  /**
   * the races of CPUs blocked at new state `s` (before event `s`): the step that blocked a CPU
   * (it was enabled before it), or, for a CPU that just got to a blocked step, what blocks it
   */
  private noteBlocked(s: number, enabled: CpuSet, view: SchedulingView): void {
    const e = s - 1;
    const pe = this.evCpu[e];
    const before = this.node(e).enabled;
    const n = this.cpus;
    for (let q = 0; q < n; q++) {
      if (enabled.has(q) || view.finished(q)) continue;
      const fp = this.fps[q];
      view.footprint(q, fp);
      if (q !== pe) {
        if (before.has(q) && conflicts(fp, this.evFp[e])) this.blockedRace(e, q, s, fp);
        continue;
      }
      if (isAcquire(fp.kind)) {
        const holder = this.lockOpAt(fp.writeLo);
        const h = holder >= 0 ? this.evLock[holder * 6 + 5] : NONE;
        if (h >= 0 && this.evCpu[h] !== q && !this.before(h, e)) this.blockedRace(h, q, s, fp);
      } else if (fp.kind === OpKind.Await) {
        const deps = this.deps;
        deps.count = 0;
        this.index.dependencies(fp, deps);
        const direct = this.directDeps(q, e, deps);
        for (let k = 0; k < direct.count; k++) {
          const first = this.awaitPartner(q, fp, e, direct.items[k], view);
          if (first >= 0) this.blockedRace(first, q, s, fp);
        }
      }
    }
  }

  private blockedRace(first: number, cpu: number, pos: number, fp: Footprint): void {
    const copy = new Footprint();
    copy.copyFrom(fp);
    this.races.push({ first, second: NONE, cpu, pos, value: 0, fp: copy });
  }

  /** of `deps`, the events of other CPUs not ordered before `last` (p's previous) or each other */
  private directDeps(p: number, last: number, deps: EventList): EventList {
    const out = this.direct;
    out.count = 0;
    for (let k = 0; k < deps.count; k++) {
      const j = deps.items[k];
      if (this.evCpu[j] === p || (last >= 0 && this.before(j, last))) continue;
      let seen = false;
      for (let m = 0; m < out.count && !seen; m++) if (out.items[m] === j) seen = true;
      if (!seen) out.push(j);
    }
    if (out.count < 2) return out;
    let kept = 0;
    for (let a = 0; a < out.count; a++) {
      let covered = false;
      for (let b = 0; b < out.count && !covered; b++)
        if (b !== a && this.before(out.items[a], out.items[b])) covered = true;
      if (!covered) out.items[kept++] = out.items[a];
    }
    out.count = kept;
    return out;
  }

  /**
   * the write that `cpu`'s await (footprint `fp`, its CPU's previous event `last`) can be tried
   * before, given its direct race with write `j`: `j` itself if the await holds without it,
   * else the latest earlier write to the await's words, not ordered before the CPU, before which
   * it holds (a CPU waiting for x == 0 while x goes 1, 0, 1 can run before the first write or
   * between the second and third); -1 if there is none.
   */
  private awaitPartner(cpu: number, fp: Footprint, last: number, j: number, view: SchedulingView): number {
    if (this.awaitHoldsWithout(cpu, j, view)) return j;
    for (let x = j - 1; x >= 0; x--) {
      const w = this.evFp[x];
      if (w.writeHi <= fp.readLo || fp.readHi <= w.writeLo || w.writeHi <= w.writeLo) continue;
      if (this.evCpu[x] === cpu || (last >= 0 && this.before(x, last))) continue;
      if (this.awaitHoldsBefore(cpu, fp, x, view)) return x;
    }
    return NONE;
  }

  /**
   * whether `cpu`'s await (footprint `fp`) would hold just before write `x`, with everything that
   * does not depend on `x` still done: each of its words holds what it held before its first
   * write that is `x` or comes after it (the writes of a word are ordered)
   */
  private awaitHoldsBefore(cpu: number, fp: Footprint, x: number, view: SchedulingView): boolean {
    const lo = fp.readLo;
    const len = fp.readHi - lo;
    if (this.patch.length < len) this.patch = new Uint8Array(2 * len);
    const patch = this.patch;
    view.readBytes(lo, len, patch, 0);
    for (let y = this.events - 1; y >= x; y--) {
      const w = this.evFp[y];
      const a = Math.max(lo, w.writeLo);
      const b = Math.min(lo + len, w.writeHi);
      if (a >= b || (y !== x && !this.before(x, y))) continue;
      const from = this.evOldAt[y] + (a - w.writeLo);
      for (let k = 0; k < b - a; k++) patch[a - lo + k] = this.oldBytes[from + k];
    }
    return view.awaitHoldsWith(cpu, lo, len, patch, 0);
  }

  /** whether `cpu`'s pending await would hold with write `j` undone */
  private awaitHoldsWithout(cpu: number, j: number, view: SchedulingView): boolean {
    const len = this.evOldLen[j];
    if (len <= 0) return true;
    return view.awaitHoldsWith(cpu, this.evFp[j].writeLo, len, this.oldBytes, this.evOldAt[j]);
  }

  /** records lock operation `i`'s lock state before and after: [writer, readers, period] x 2 */
  private noteLock(i: number, fp: Footprint): void {
    const prev = this.lockOpAt(fp.writeLo);
    const L = this.evLock;
    const at = i * 6;
    let writer = 0;
    let readers = 0;
    let period = NONE;
    if (prev >= 0) {
      writer = L[prev * 6 + 3];
      readers = L[prev * 6 + 4];
      period = L[prev * 6 + 5];
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

  /** the last lock operation on the lock word at `addr`, if the last write to it was one */
  private lockOpAt(addr: number): number {
    const w = this.index.lastWrite(addr);
    return w >= 0 && isLockOp(this.evFp[w].kind) && this.evFp[w].writeLo === addr ? w : NONE;
  }

  /** whether an acquisition of `kind` could be taken in the state before lock operation `j` */
  private acquirableBefore(kind: OpKind, j: number): boolean {
    const writer = this.evLock[j * 6];
    const readers = this.evLock[j * 6 + 1];
    return kind === OpKind.Lock ? writer === 0 && readers === 0 : writer === 0;
  }

  /** turns race `r` into a wakeup sequence for the state before `r.first`, unless covered */
  private reverse(r: Race): void {
    const f = r.first;
    const n = this.cpus;
    const N = this.events;
    if (r.second < 0 && r.pos >= 0) {
      // a blocked step that the CPU took later, unordered with `first`: that event's race covers it
      const later = this.firstEventFrom(r.cpu, r.pos);
      if (later >= 0 && !this.before(f, later)) return;
    }
    // v = notdep(first) with the racing step at its place
    if (this.seq.length < N + 1) this.seq = new Int32Array(2 * N + 2);
    const seq = this.seq;
    let len = 0;
    for (let k = f + 1; k < N; k++) {
      if (r.second < 0 && k === r.pos) seq[len++] = NONE;
      if (!this.before(f, k)) seq[len++] = k;
    }
    if (r.second >= 0) seq[len++] = r.second;
    else if (r.pos < 0 || r.pos >= N) seq[len++] = NONE;
    const node = this.node(f);
    const fpOf = (k: number): Footprint => (seq[k] < 0 ? r.fp! : this.evFp[seq[k]]);
    const cpuOf = (k: number): number => (seq[k] < 0 ? r.cpu : this.evCpu[seq[k]]);
    // a CPU asleep before `first` whose next step could start v: v is covered (weak initials)
    const asleep = this.asleep;
    let sleepers = 0;
    for (let q = 0; q < n; q++) {
      asleep[q] = node.sleep[q] | node.done[q];
      if (asleep[q] !== 0) sleepers++;
    }
    if (sleepers > 0) {
      // among the steps after `first` that do not depend on it, the vector clocks say exactly
      // what comes before what; the racing step (and a blocked one) may be ordered after them in
      // the execution only through steps that v leaves out, so those are checked one by one
      const firstClock = this.firstClock;
      firstClock.fill(0x7fffffff);
      let extraAt = -1;
      for (let k = 0; k < len; k++) {
        const c = cpuOf(k);
        const racing = seq[k] < 0 || seq[k] === r.second;
        if (asleep[c] !== 0) {
          // the same step: the same CPU with the same data value
          const value = seq[k] < 0 ? r.value : Math.max(0, this.evValue[seq[k]]);
          let initial = value < 31 && ((asleep[c] >>> value) & 1) === 1;
          asleep[c] = 0;
          if (racing) {
            const fk = fpOf(k);
            for (let u = 0; u < k && initial; u++)
              if (cpuOf(u) === c || conflicts(fpOf(u), fk)) initial = false;
          } else {
            const row = seq[k] * n;
            for (let x = 0; x < n && initial; x++) if (this.clocks[row + x] >= firstClock[x]) initial = false;
            if (initial && extraAt >= 0 && conflicts(r.fp!, this.evFp[seq[k]])) initial = false;
          }
          if (initial) return;
        }
        if (seq[k] < 0) extraAt = k;
        else if (!racing) {
          const own = this.clocks[seq[k] * n + c];
          if (own < firstClock[c]) firstClock[c] = own;
        }
      }
      for (let q = 0; q < n; q++) {
        if (asleep[q] === 0) continue;
        const info = this.sleeperStep(q, f);
        if (info === null) continue;
        let independent = true;
        for (let k = 0; k < len && independent; k++) if (conflicts(info, fpOf(k))) independent = false;
        if (independent) return;
      }
    }
    const sequence: WakeupSequence = {
      length: len,
      cpu: cpuOf,
      value: (k) => (seq[k] < 0 ? r.value : Math.max(0, this.evValue[seq[k]])),
      footprint: fpOf,
    };
    insertSequence(node.wut, sequence);
  }

  /** the step CPU `q` had next in the state before event `f`, null if unknown */
  private sleeperStep(q: number, f: number): Footprint | null {
    const e = this.firstEventFrom(q, f);
    if (e >= 0) return this.evFp[e];
    return this.finalHas[q] === 1 ? this.finalFps[q] : null;
  }

  /** CPU `q`'s first event at index `from` or later, -1 if none */
  private firstEventFrom(q: number, from: number): number {
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

  /** CPU `p`'s last event before index `i`, -1 if none */
  private lastEventBefore(p: number, i: number): number {
    const list = this.cpuEvents[p];
    let c = this.cpuEventCount[p];
    while (c > 0 && list[c - 1] >= i) c--;
    return c > 0 ? list[c - 1] : NONE;
  }

  /** `before` says whether event `a` happens before event `b` (or is it) */
  private before(a: number, b: number): boolean {
    const n = this.cpus;
    const c = this.evCpu[a];
    return this.clocks[a * n + c] <= this.clocks[b * n + c];
  }

  private ensureEvents(count: number): void {
    const n = this.cpus;
    while (this.evFp.length < count) this.evFp.push(new Footprint());
    if (count <= this.evCpu.length && count * n <= this.clocks.length) return;
    const size = Math.max(count, this.evCpu.length * 2);
    this.evCpu = growInt(this.evCpu, size);
    this.evValue = growInt(this.evValue, size);
    this.evOldAt = growInt(this.evOldAt, size);
    this.evOldLen = growInt(this.evOldLen, size);
    this.evLock = growInt(this.evLock, size * 6);
    this.clocks = growInt(this.clocks, size * n);
  }

  private ensureCpus(n: number): void {
    if (this.cpus >= n) return;
    this.cpus = n;
    this.index.reset(n);
    this.nextSleep = new Int32Array(n);
    this.asleep = new Int32Array(n);
    this.scratchSet = new CpuSet(n);
    this.firstClock = new Int32Array(n);
    this.cpuEventCount = new Int32Array(n);
    this.finalHas = new Uint8Array(n);
    while (this.cpuEvents.length < n) this.cpuEvents.push(new Int32Array(256));
    while (this.fps.length < n) this.fps.push(new Footprint());
    while (this.finalFps.length < n) this.finalFps.push(new Footprint());
    this.clocks = new Int32Array(this.evCpu.length * n);
  }
}

function growInt(a: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  if (a.length >= length) return a;
  const b = new Int32Array(length);
  b.set(a);
  return b;
}

/** `dpor` is exhaustive search with optimal dynamic partial-order reduction. */
export const dpor: StrategyDescriptor = {
  name: 'dpor',
  summary: 'one interleaving per class of reorderings of independent operations (optimal DPOR, wakeup trees)',
  exhaustive: true,
  options: [],
  split: 'whole',
  create: () => new OptimalDporScheduler(),
};
