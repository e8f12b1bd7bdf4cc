import { CpuSet } from '../engine/cpu-set.js';
import { conflicts, Footprint } from '../engine/footprint.js';
import { type Scheduler, type SchedulingView, valueStep } from '../engine/scheduling.js';
import { DecisionTree } from './decision-tree.js';
import type { StrategyDescriptor } from './strategy.js';

/** `DporNode` is one decision of the current execution, kept while the search is below it. */
interface DporNode {
  /** a data choice (explored over all values) rather than a CPU choice */
  value: boolean;
  /** value nodes: the number of values */
  count: number;
  /** CPU nodes: the enabled CPUs */
  enabled: CpuSet;
  /** CPUs that must be explored from here (FG's backtrack set) */
  backtrack: CpuSet;
  /** CPUs already explored from here */
  done: CpuSet;
  /** CPUs asleep on entry: exploring them here would only repeat explored behaviour */
  sleep: CpuSet;
  chosen: number;
  /** CPU nodes: index of the event this decision executed */
  event: number;
  /** CPU nodes: the sleep set handed to the decision after this one */
  after: CpuSet;
}

/** `Event` is one executed operation: who, what it touched, and its vector clock. */
interface Event {
  cpu: number;
  node: number;
  fp: Footprint;
  clock: Int32Array;
}

/**
 * `SourceDporScheduler` is exhaustive search with dynamic partial-order reduction: the stateless DFS
 * with vector clocks of Flanagan and Godefroid ("Dynamic Partial-Order Reduction for Model
 * Checking Software", POPL 2005), sleep sets (Godefroid 1996), and source-DPOR's rule for which
 * CPU must be tried where a race is found (Abdulla et al., POPL 2014). Two operations are
 * dependent when they touch the same bytes and one writes, or both use the frame allocator
 * (`conflicts`); executions that differ only in the order of independent operations are explored
 * once. Happens-before is tracked with vector clocks.
 *
 * It finds every reachable final state and every violation that plain DFS finds (a differential
 * test checks this on generated programs), usually in far fewer executions. Executions that the
 * sleep sets cut short are counted as `pruned`, not as executions.
 */
export class SourceDporScheduler extends DecisionTree<DporNode> implements Scheduler {
  private readonly events: Event[] = [];
  /** vector clock of each CPU's last event */
  private readonly cpuClock: Int32Array[] = [];
  private readonly fps: Footprint[] = [];
  private readonly scratch = new Footprint();
  private view: SchedulingView | null = null;
  private cpus = 0;
  private step = 0;
  /** decisions below this depth replay known nodes and events */
  private replayUntil = 0;
  /** sleep set handed to the next new node */
  private nextSleep = new CpuSet(0);
  private candidates = new CpuSet(0);
  /** the current execution was cut short by its sleep set */
  private blocked = false;
  /** executions cut short by sleep sets */
  pruned = 0;
  readonly continueAfterViolation = true;

  protected override beginExecution(): void {
    this.step = 0;
    this.nextSleep.clear();
  }

  protected makeNode(): DporNode {
    const n = this.cpus;
    return {
      value: false,
      count: 0,
      enabled: new CpuSet(n),
      backtrack: new CpuSet(n),
      done: new CpuSet(n),
      sleep: new CpuSet(n),
      chosen: -1,
      event: -1,
      after: new CpuSet(n),
    };
  }

  pickCpu(enabled: CpuSet, _current: number, view: SchedulingView): number {
    this.view = view;
    this.ensureCpus(view.cpuCount);
    const d = this.depth++;
    if (d < this.replayUntil) {
      const node = this.node(d);
      this.step++;
      this.nextSleep.copyFrom(node.after);
      return node.chosen;
    }
    let node: DporNode;
    if (d < this.size) {
      // the branch point: the node exists, with a new choice made by advance()
      node = this.node(d);
      this.nextSleep.copyFrom(node.sleep);
    } else {
      this.analyzeRaces(view);
      node = this.push();
      node.value = false;
      node.enabled.copyFrom(enabled);
      node.backtrack.clear();
      node.done.clear();
      node.sleep.copyFrom(this.nextSleep);
      node.sleep.intersect(enabled);
      node.event = this.step;
      const candidates = this.candidates;
      candidates.copyFrom(enabled);
      candidates.subtract(node.sleep);
      if (candidates.isEmpty()) {
        this.size--;
        this.depth--;
        this.blocked = true;
        return -1;
      }
      const p = candidates.first();
      node.backtrack.add(p);
      node.done.add(p);
      node.chosen = p;
    }
    this.execute(node, d, view);
    return node.chosen;
  }

  pickValue(n: number): number {
    const d = this.depth++;
    if (d < this.size) return this.node(d).chosen;
    const node = this.push();
    node.value = true;
    node.count = n;
    node.chosen = 0;
    node.event = -1;
    return 0;
  }

  override endExecution(): void {
    if (this.blocked) this.pruned++;
    else if (this.view) this.analyzeRaces(this.view);
    this.blocked = false;
    this.view = null;
    super.endExecution();
  }

  protected untried(node: DporNode): number {
    if (node.value) return Math.max(0, node.count - node.chosen - 1);
    const todo = this.candidates;
    todo.copyFrom(node.backtrack);
    todo.subtract(node.done);
    todo.subtract(node.sleep);
    return todo.size;
  }

  protected advance(node: DporNode): boolean {
    if (node.value) {
      if (node.chosen + 1 >= node.count) return false;
      node.chosen++;
      return true;
    }
    const todo = this.candidates;
    todo.copyFrom(node.backtrack);
    todo.subtract(node.done);
    todo.subtract(node.sleep);
    if (todo.isEmpty()) return false;
    const p = todo.first();
    node.done.add(p);
    node.chosen = p;
    return true;
  }

  /** keeps nodes up to `d` and the events before it, and rebuilds the CPUs' clocks */
  protected override truncated(d: number): void {
    const cpuNode = !this.node(d).value;
    let keep = 0;
    for (let k = d; k >= 0; k--) {
      const n = this.node(k);
      if (!n.value) {
        keep = cpuNode && k === d ? n.event : n.event + 1;
        break;
      }
    }
    this.events.length = keep;
    for (let q = 0; q < this.cpuClock.length; q++) this.cpuClock[q] = new Int32Array(this.cpuClock.length);
    for (const e of this.events) this.cpuClock[e.cpu] = e.clock;
    // a value node is replayed whole; a CPU node is re-executed with its new choice
    this.replayUntil = cpuNode ? d : d + 1;
  }

  /** records the event `node.chosen` executes, and the sleep set of the node after it */
  private execute(node: DporNode, d: number, view: SchedulingView): void {
    const p = node.chosen;
    node.event = this.step;
    for (let q = 0; q < view.cpuCount; q++) if (!view.finished(q)) view.footprint(q, this.fps[q]);
    const fp = this.fps[p];
    const clock = new Int32Array(view.cpuCount);
    clock.set(this.cpuClock[p]);
    for (let j = 0; j < this.step; j++) {
      const e = this.events[j];
      if (conflicts(e.fp, fp))
        for (let q = 0; q < clock.length; q++) if (e.clock[q] > clock[q]) clock[q] = e.clock[q];
    }
    clock[p]++;
    const ev: Event = { cpu: p, node: d, fp: new Footprint(), clock };
    ev.fp.copyFrom(fp);
    this.events.length = this.step;
    this.events.push(ev);
    this.cpuClock[p] = clock;
    this.step++;
    const after = node.after;
    after.clear();
    const asleep = this.candidates;
    asleep.copyFrom(node.sleep);
    asleep.union(node.done);
    asleep.delete(p);
    for (let q = asleep.first(); q >= 0; q = asleep.next(q + 1)) {
      if (!conflicts(this.fps[q], fp)) after.add(q);
    }
    this.nextSleep.copyFrom(after);
  }

  /**
   * Race detection at the current state, with source-DPOR's rule (Abdulla, Aronis, Jonsson and
   * Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014, Algorithm 1). For each CPU p
   * and each earlier event e that is dependent with p's pending operation and races with it (no
   * other path orders e before p), the state before e must also explore a CPU that can start the
   * sequence v = (the events after e that do not happen after e) . p, an "initial" of v. Adding p
   * itself, as Flanagan and Godefroid do, loses executions once sleep sets are added: p may be
   * asleep there while another CPU's operation has to come first (a differential test caught it).
   */
  private analyzeRaces(view: SchedulingView): void {
    const fp = this.scratch;
    const races: number[] = [];
    for (let p = 0; p < view.cpuCount; p++) {
      if (view.finished(p)) continue;
      view.footprint(p, fp);
      const mine = this.cpuClock[p];
      races.length = 0;
      for (let i = this.step - 1; i >= 0; i--) {
        const e = this.events[i];
        if (e.cpu === p || !conflicts(e.fp, fp)) continue;
        if (e.clock[e.cpu] <= mine[e.cpu]) continue; // e happens before p's next operation
        // e is ordered before p through a later racing event: not a race of its own
        let covered = false;
        for (const k of races) if (this.before(e, this.events[k])) covered = true;
        if (covered) continue;
        races.push(i);
        this.reverse(i, p, fp);
      }
    }
  }

  /** makes the state before event `i` explore an initial of notdep(e_i) . p */
  private reverse(i: number, p: number, fp: Footprint): void {
    const e = this.events[i];
    const pre = this.node(e.node);
    const initials = new CpuSet(this.cpus);
    const seen = new CpuSet(this.cpus);
    const v: Event[] = [];
    for (let j = i + 1; j < this.step; j++) {
      const ej = this.events[j];
      if (this.before(e, ej)) continue;
      if (!seen.has(ej.cpu)) {
        seen.add(ej.cpu);
        let initial = true;
        for (const ek of v) if (this.before(ek, ej)) initial = false;
        if (initial) initials.add(ej.cpu);
      }
      v.push(ej);
    }
    if (!seen.has(p)) {
      let initial = true;
      const mine = this.cpuClock[p];
      for (const ek of v) if (ek.clock[ek.cpu] <= mine[ek.cpu] || conflicts(ek.fp, fp)) initial = false;
      if (initial) initials.add(p);
    }
    if (initials.intersects(pre.backtrack)) return;
    initials.intersect(pre.enabled);
    if (initials.isEmpty()) {
      pre.backtrack.union(pre.enabled);
      return;
    }
    const awake = initials.clone();
    awake.subtract(pre.sleep);
    pre.backtrack.add(awake.isEmpty() ? initials.first() : awake.first());
  }

  statistics(): Readonly<Record<string, number>> {
    return { pruned: this.pruned };
  }

  /**
   * `causalChoices` projects the current execution onto the causal past of event `step`, as the
   * vector clocks see it: the events whose footprints order them before it. Dependencies that no
   * footprint shows are not in it: ghost state a CPU writes between its yields and another CPU's
   * code or oracle reads (a sync that records the slots it synced before its postcondition
   * fails, read by the pgd_list join oracle). A later violation that depends on an earlier one
   * that way is raised only after it, and its projection, which leaves the earlier one out, does
   * not raise it: the search replays each projection before it reports it
   * (explore/projection.ts) and leaves out those that do not replay.
   */
  causalChoices(step: number, avoid: readonly number[]): number[] | null {
    if (step < 0) return [];
    const e = this.events[step];
    for (const a of avoid) if (a >= 0 && a < step && this.before(this.events[a], e)) return null;
    const out: number[] = [];
    for (let j = 0; j <= step; j++) {
      const ej = this.events[j];
      if (j < step && !this.before(ej, e)) continue;
      out.push(ej.cpu);
      const next = ej.node + 1 < this.size ? this.node(ej.node + 1) : null;
      if (next?.value) out.push(valueStep(next.chosen));
    }
    return out;
  }

  /** `before` says whether event `a` happens before event `b` */
  private before(a: Event, b: Event): boolean {
    return a.clock[a.cpu] <= b.clock[a.cpu];
  }

  private ensureCpus(n: number): void {
    if (this.cpus >= n) return;
    this.cpus = n;
    this.nextSleep = new CpuSet(n);
    this.candidates = new CpuSet(n);
    while (this.cpuClock.length < n) this.cpuClock.push(new Int32Array(n));
    while (this.fps.length < n) this.fps.push(new Footprint());
  }
}

/**
 * `sourceDpor` is exhaustive search with source-DPOR: kept beside the optimal `dpor` as a second,
 * independent reduction (the differential test runs both) and for searches where it is faster.
 */
export const sourceDpor: StrategyDescriptor = {
  name: 'source-dpor',
  summary: 'every interleaving up to reordering of independent operations (source-DPOR, sleep sets)',
  exhaustive: true,
  options: [],
  split: 'whole',
  create: () => new SourceDporScheduler(),
};
