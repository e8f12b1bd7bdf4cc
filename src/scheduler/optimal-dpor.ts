import { CpuSet } from '../engine/cpu-set.js';
import { conflicts, Footprint } from '../engine/footprint.js';
import { OpKind } from '../engine/op.js';
import { ScheduleError, type Scheduler, type SchedulingView, valueStep } from '../engine/scheduling.js';
import { DecisionTree } from './decision-tree.js';
import { EventLog, isLockOp } from './event-log.js';
import { EventList } from './location-index.js';
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
 *   condition is evaluated with the write it races with undone (the bytes each write overwrote are
 *   kept); where it does not hold, the await goes before the latest earlier write to its words
 *   before which it does, so that no wakeup sequence leads to a step that cannot be taken.
 *
 * Data choices are events with alternatives: a choice explored with value 0 adds a wakeup sequence
 * for each other value, and sleep sets hold steps with their values, not just CPUs.
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
  private readonly log = new EventLog();
  private readonly races: Race[] = [];
  /** decisions below this depth replay known events */
  private replayUntil = 0;
  private nextSleep = new Int32Array(0);
  private asleep = new Int32Array(0);
  /** the wakeup subtree the next new state starts with (empty: choose freely) */
  private subtree: readonly WakeupNode[] = NO_BRANCHES;
  private blocked = false;
  private readonly direct = new EventList();
  private readonly blockedDeps = new EventList();
  private fps: Footprint[] = [];
  private finalFps: Footprint[] = [];
  private finalHas = new Uint8Array(0);
  private scratchSet = new CpuSet(0);
  private firstClock = new Int32Array(0);
  private seq = new Int32Array(256);

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
    const value = this.log.value[i];
    if (value >= n)
      throw new ScheduleError(
        `the model is not deterministic: a choice offered ${n} values on replay, fewer than before`,
      );
    if (i >= this.replayUntil && value === 0) {
      // the other values are the choice's races: each is explored from the state before it
      const p = this.log.cpu[i];
      for (let v = 1; v < n; v++) {
        this.races.push({ first: i, second: NONE, cpu: p, pos: NONE, value: v, fp: this.log.fp[i] });
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

  /** a node's untried options are the wakeup tree's branches still to explore from it */
  protected untried(node: OptimalNode): number {
    return node.wut.length;
  }

  protected advance(node: OptimalNode, d: number): boolean {
    if (node.wut.length === 0) return false;
    node.done[node.chosen] |= valueBit(Math.max(0, this.log.value[d]));
    node.current = node.wut.shift() as WakeupNode;
    node.chosen = node.current.cpu;
    return true;
  }

  protected override truncated(d: number): void {
    this.log.truncate(d);
    this.replayUntil = d;
  }

  statistics(): Readonly<Record<string, number>> {
    return { pruned: this.pruned, fallbacks: this.fallbacks };
  }

  /**
   * `causalChoices` projects the current execution onto the causal past of event `step`, as the
   * vector clocks see it (the schedule steps of the events ordered before it, in their order).
   */
  causalChoices(step: number, avoid: readonly number[]): number[] | null {
    if (step < 0) return [];
    for (const a of avoid) if (a >= 0 && a < step && this.log.before(a, step)) return null;
    const out: number[] = [];
    for (let j = 0; j <= step; j++) {
      if (j < step && !this.log.before(j, step)) continue;
      out.push(this.log.cpu[j]);
      if (this.log.value[j] >= 0) out.push(valueStep(this.log.value[j]));
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
    const log = this.log;
    const last = log.lastEventBefore(p, i);
    log.add(i, p, fp, fp.kind !== OpKind.Choose ? NONE : (child?.value ?? 0), view);
    this.findRaces(i, p, fp, last, view);
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
    const direct = this.directDeps(p, last, this.log.deps);
    for (let d = 0; d < direct.count; d++) {
      const j = direct.items[d];
      let first = j;
      if (isAcquire(fp.kind) && isLockOp(this.log.fp[j].kind) && this.log.fp[j].writeLo === fp.writeLo) {
        // an acquisition cannot go before the release it waited for: it races with the
        // acquisition that began the held period instead
        if (!this.log.acquirableBefore(fp.kind, j)) {
          first = this.log.periodBefore(j);
          if (first < 0 || this.log.cpu[first] === p || (last >= 0 && this.log.before(first, last))) continue;
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
    const pe = this.log.cpu[e];
    const before = this.node(e).enabled;
    const n = this.cpus;
    for (let q = 0; q < n; q++) {
      if (enabled.has(q) || view.finished(q)) continue;
      const fp = this.fps[q];
      view.footprint(q, fp);
      if (q !== pe) {
        if (before.has(q) && conflicts(fp, this.log.fp[e])) this.blockedRace(e, q, s, fp);
        continue;
      }
      if (isAcquire(fp.kind)) {
        const holder = this.log.lockOpAt(fp.writeLo);
        const h = holder >= 0 ? this.log.periodAfter(holder) : NONE;
        if (h >= 0 && this.log.cpu[h] !== q && !this.log.before(h, e)) this.blockedRace(h, q, s, fp);
      } else if (fp.kind === OpKind.Await) {
        const deps = this.blockedDeps;
        deps.count = 0;
        this.log.index.dependencies(fp, deps);
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
      if (this.log.cpu[j] === p || (last >= 0 && this.log.before(j, last))) continue;
      let seen = false;
      for (let m = 0; m < out.count && !seen; m++) if (out.items[m] === j) seen = true;
      if (!seen) out.push(j);
    }
    if (out.count < 2) return out;
    let kept = 0;
    for (let a = 0; a < out.count; a++) {
      let covered = false;
      for (let b = 0; b < out.count && !covered; b++)
        if (b !== a && this.log.before(out.items[a], out.items[b])) covered = true;
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
    if (this.log.awaitHoldsWithout(cpu, j, view)) return j;
    for (let x = j - 1; x >= 0; x--) {
      const w = this.log.fp[x];
      if (w.writeHi <= fp.readLo || fp.readHi <= w.writeLo || w.writeHi <= w.writeLo) continue;
      if (this.log.cpu[x] === cpu || (last >= 0 && this.log.before(x, last))) continue;
      if (this.log.awaitHoldsBefore(cpu, fp, x, view)) return x;
    }
    return NONE;
  }

  /** turns race `r` into a wakeup sequence for the state before `r.first`, unless covered */
  private reverse(r: Race): void {
    const f = r.first;
    const n = this.cpus;
    const N = this.log.count;
    if (r.second < 0 && r.pos >= 0) {
      // a blocked step that the CPU took later, unordered with `first`: that event's race covers it
      const later = this.log.firstEventFrom(r.cpu, r.pos);
      if (later >= 0 && !this.log.before(f, later)) return;
    }
    // v = notdep(first) with the racing step at its place
    if (this.seq.length < N + 1) this.seq = new Int32Array(2 * N + 2);
    const seq = this.seq;
    let len = 0;
    for (let k = f + 1; k < N; k++) {
      if (r.second < 0 && k === r.pos) seq[len++] = NONE;
      if (!this.log.before(f, k)) seq[len++] = k;
    }
    if (r.second >= 0) seq[len++] = r.second;
    else if (r.pos < 0 || r.pos >= N) seq[len++] = NONE;
    const node = this.node(f);
    const fpOf = (k: number): Footprint => (seq[k] < 0 ? r.fp! : this.log.fp[seq[k]]);
    const cpuOf = (k: number): number => (seq[k] < 0 ? r.cpu : this.log.cpu[seq[k]]);
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
          const value = seq[k] < 0 ? r.value : Math.max(0, this.log.value[seq[k]]);
          let initial = value < 31 && ((asleep[c] >>> value) & 1) === 1;
          asleep[c] = 0;
          if (racing) {
            const fk = fpOf(k);
            for (let u = 0; u < k && initial; u++)
              if (cpuOf(u) === c || conflicts(fpOf(u), fk)) initial = false;
          } else {
            const row = seq[k] * n;
            for (let x = 0; x < n && initial; x++)
              if (this.log.clocks[row + x] >= firstClock[x]) initial = false;
            if (initial && extraAt >= 0 && conflicts(r.fp!, this.log.fp[seq[k]])) initial = false;
          }
          if (initial) return;
        }
        if (seq[k] < 0) extraAt = k;
        else if (!racing) {
          const own = this.log.clocks[seq[k] * n + c];
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
      value: (k) => (seq[k] < 0 ? r.value : Math.max(0, this.log.value[seq[k]])),
      footprint: fpOf,
    };
    insertSequence(node.wut, sequence);
  }

  /** the step CPU `q` had next in the state before event `f`, null if unknown */
  private sleeperStep(q: number, f: number): Footprint | null {
    const e = this.log.firstEventFrom(q, f);
    if (e >= 0) return this.log.fp[e];
    return this.finalHas[q] === 1 ? this.finalFps[q] : null;
  }

  private ensureCpus(n: number): void {
    if (this.cpus >= n) return;
    this.cpus = n;
    this.log.reset(n);
    this.nextSleep = new Int32Array(n);
    this.asleep = new Int32Array(n);
    this.scratchSet = new CpuSet(n);
    this.firstClock = new Int32Array(n);
    this.finalHas = new Uint8Array(n);
    while (this.fps.length < n) this.fps.push(new Footprint());
    while (this.finalFps.length < n) this.finalFps.push(new Footprint());
  }
}

/** `dpor` is exhaustive search with optimal dynamic partial-order reduction. */
export const dpor: StrategyDescriptor = {
  name: 'dpor',
  summary: 'one interleaving per class of reorderings of independent operations (optimal DPOR, wakeup trees)',
  exhaustive: true,
  options: [],
  split: 'whole',
  // its races do not yet order a store, its flush and the loads in between (store-buffer agents)
  underWeakMemory: 'source-dpor',
  create: () => new OptimalDporScheduler(),
};
