import { MAX_CPUS } from '../engine/execution.js';
import { conflicts, Footprint } from '../engine/footprint.js';
import type { Scheduler, SchedulingView } from './scheduler.js';

/** `Node` is one decision of the current execution, kept while the search is below it. */
interface Node {
  /** a data choice (explored over all values) rather than a CPU choice */
  value: boolean;
  /** CPU nodes: the enabled CPUs; value nodes: the number of values */
  enabled: number;
  /** CPUs that must be explored from here (FG's backtrack set) */
  backtrack: number;
  /** CPUs already explored from here */
  done: number;
  /** CPUs asleep on entry: exploring them here would only repeat explored behaviour */
  sleep: number;
  chosen: number;
  /** CPU nodes: index of the event this decision executed */
  event: number;
  /** CPU nodes: the sleep set handed to the decision after this one */
  after: number;
}

/** `Event` is one executed operation: who, what it touched, and its vector clock. */
interface Event {
  cpu: number;
  node: number;
  fp: Footprint;
  clock: Int32Array;
}

function lowestBit(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

/**
 * `DporScheduler` is exhaustive search with dynamic partial-order reduction: the stateless DFS
 * with vector clocks of Flanagan and Godefroid ("Dynamic Partial-Order Reduction for Model
 * Checking Software", POPL 2005), sleep sets (Godefroid 1996), and source-DPOR's rule for which
 * CPU must be tried where a race is found (Abdulla et al., POPL 2014). Two operations are dependent when they touch the same bytes and one
 * writes, or both use the frame allocator (`conflicts`); executions that differ only in the order
 * of independent operations are explored once. Happens-before is tracked with vector clocks.
 *
 * It finds every reachable final state and every violation that plain DFS finds (a differential
 * test checks this on generated programs), usually in far fewer executions. Executions that the
 * sleep sets cut short are counted as `pruned`, not as executions.
 */
export class DporScheduler implements Scheduler {
  private readonly nodes: Node[] = [];
  private readonly events: Event[] = [];
  /** vector clock of each CPU's last event */
  private readonly cpuClock: Int32Array[] = [];
  private readonly fps: Footprint[] = [];
  private readonly scratch = new Footprint();
  private view: SchedulingView | null = null;
  private depth = 0;
  private step = 0;
  /** decisions below this depth replay known nodes and events */
  private replayUntil = 0;
  /** sleep set handed to the next new node */
  private nextSleep = 0;
  private started = false;
  private done = false;
  /** the current execution was cut short by its sleep set */
  private blocked = false;
  /** executions cut short by sleep sets */
  pruned = 0;
  readonly continueAfterViolation = true;

  constructor() {
    for (let i = 0; i < MAX_CPUS; i++) this.fps.push(new Footprint());
  }

  get exhausted(): boolean {
    return this.done;
  }

  startExecution(): boolean {
    if (this.done) return false;
    if (this.started && !this.backtrack()) {
      this.done = true;
      return false;
    }
    this.started = true;
    this.depth = 0;
    this.step = 0;
    this.nextSleep = 0;
    return true;
  }

  pickCpu(enabled: number, _current: number, view: SchedulingView): number {
    this.view = view;
    this.ensureClocks(view.cpuCount);
    const d = this.depth++;
    if (d < this.replayUntil) {
      const node = this.nodes[d];
      this.step++;
      this.nextSleep = node.after;
      return node.chosen;
    }
    let node: Node;
    if (d < this.nodes.length) {
      // the branch point: the node exists, with a new choice made by backtrack()
      node = this.nodes[d];
      this.nextSleep = node.sleep;
    } else {
      this.analyzeRaces(view);
      const sleep = this.nextSleep & enabled;
      node = { value: false, enabled, backtrack: 0, done: 0, sleep, chosen: -1, event: this.step, after: 0 };
      const candidates = enabled & ~sleep;
      if (candidates === 0) {
        this.blocked = true;
        return -1;
      }
      const p = lowestBit(candidates);
      node.backtrack |= 1 << p;
      node.done |= 1 << p;
      node.chosen = p;
      this.nodes.push(node);
    }
    this.execute(node, d, view);
    return node.chosen;
  }

  pickValue(n: number): number {
    const d = this.depth++;
    if (d < this.nodes.length) return this.nodes[d].chosen;
    this.nodes.push({
      value: true,
      enabled: n,
      backtrack: 0,
      done: 0,
      sleep: 0,
      chosen: 0,
      event: -1,
      after: 0,
    });
    return 0;
  }

  endExecution(): void {
    if (this.blocked) this.pruned++;
    else if (this.view) this.analyzeRaces(this.view);
    this.blocked = false;
    this.view = null;
  }

  /** records the event `node.chosen` executes, and the sleep set of the node after it */
  private execute(node: Node, d: number, view: SchedulingView): void {
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
    let sleep = 0;
    const asleep = (node.sleep | node.done) & ~(1 << p);
    for (let q = 0; q < view.cpuCount; q++) {
      if ((asleep >>> q) & 1 && !conflicts(this.fps[q], fp)) sleep |= 1 << q;
    }
    node.after = sleep;
    this.nextSleep = sleep;
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
    const pre = this.nodes[e.node];
    let initials = 0;
    let seen = 0;
    const v: Event[] = [];
    for (let j = i + 1; j < this.step; j++) {
      const ej = this.events[j];
      if (this.before(e, ej)) continue;
      if (!((seen >>> ej.cpu) & 1)) {
        seen |= 1 << ej.cpu;
        let initial = true;
        for (const ek of v) if (this.before(ek, ej)) initial = false;
        if (initial) initials |= 1 << ej.cpu;
      }
      v.push(ej);
    }
    if (!((seen >>> p) & 1)) {
      let initial = true;
      const mine = this.cpuClock[p];
      for (const ek of v) if (ek.clock[ek.cpu] <= mine[ek.cpu] || conflicts(ek.fp, fp)) initial = false;
      if (initial) initials |= 1 << p;
    }
    if ((initials & pre.backtrack) !== 0) return;
    const candidates = initials & pre.enabled;
    if (candidates === 0) {
      pre.backtrack |= pre.enabled;
      return;
    }
    const awake = candidates & ~pre.sleep;
    pre.backtrack |= 1 << lowestBit(awake !== 0 ? awake : candidates);
  }

  causalChoices(step: number, avoid: readonly number[]): number[] | null {
    if (step < 0) return [];
    const e = this.events[step];
    for (const a of avoid) if (a >= 0 && a < step && this.before(this.events[a], e)) return null;
    const out: number[] = [];
    for (let j = 0; j <= step; j++) {
      const ej = this.events[j];
      if (j < step && !this.before(ej, e)) continue;
      out.push(ej.cpu);
      const next = this.nodes[ej.node + 1];
      if (next?.value) out.push(next.chosen);
    }
    return out;
  }

  /** `before` says whether event `a` happens before event `b` */
  private before(a: Event, b: Event): boolean {
    return a.clock[a.cpu] <= b.clock[a.cpu];
  }

  /** moves to the deepest decision with something left to explore */
  private backtrack(): boolean {
    for (let d = this.nodes.length - 1; d >= 0; d--) {
      const node = this.nodes[d];
      if (node.value) {
        if (node.chosen + 1 < node.enabled) {
          node.chosen++;
          this.truncate(d, false);
          return true;
        }
        continue;
      }
      const todo = node.backtrack & ~node.done & ~node.sleep;
      if (todo !== 0) {
        const p = lowestBit(todo);
        node.done |= 1 << p;
        node.chosen = p;
        this.truncate(d, true);
        return true;
      }
    }
    return false;
  }

  /** keeps nodes up to `d` and the events before it, and rebuilds the CPUs' clocks */
  private truncate(d: number, cpuNode: boolean): void {
    this.nodes.length = d + 1;
    let keep = 0;
    for (let k = d; k >= 0; k--) {
      const n = this.nodes[k];
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

  private ensureClocks(n: number): void {
    while (this.cpuClock.length < n) this.cpuClock.push(new Int32Array(n));
  }
}
