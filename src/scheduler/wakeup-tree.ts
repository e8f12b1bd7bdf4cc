import { conflicts, Footprint } from '../engine/footprint.js';

/**
 * `WakeupNode` is one event of a wakeup tree (Abdulla, Aronis, Jonsson and Sagonas, "Source Sets:
 * A Foundation for Optimal Dynamic Partial Order Reduction", JACM 2017, section 6): the next step of
 * CPU `cpu` (with data value `value` when that step is a choice), what it touches, and the
 * continuations to explore after it. A leaf is "run on freely from here".
 */
export class WakeupNode {
  readonly children: WakeupNode[] = [];
  readonly fp = new Footprint();

  constructor(
    readonly cpu: number,
    public value: number,
    fp: Footprint,
  ) {
    this.fp.copyFrom(fp);
  }
}

/** `WakeupSequence` is a sequence of events to insert: the reversal of a race. */
export interface WakeupSequence {
  readonly length: number;
  cpu(k: number): number;
  /** the data value of a choice step (0 for any other step) */
  value(k: number): number;
  footprint(k: number): Footprint;
}

/** `dependentSteps` is the dependence of two steps of different CPUs. */
export function dependentSteps(a: Footprint, b: Footprint): boolean {
  return conflicts(a, b);
}

/**
 * `insertSequence` inserts `seq` into the wakeup tree whose top-level branches are `children`
 * (the paper's insert_[E](v, wut)): it walks down the tree along branches compatible with the
 * sequence, taking off the sequence each event that a branch already performs first, and hangs the
 * rest below the first node where no branch fits. A branch fits when its event is the sequence's
 * next event of that CPU with nothing before it that it depends on, or when it is independent of
 * everything left (the sequence can be reordered to start with it). Reaching a leaf, or using up
 * the sequence, means the tree already leads to an execution that starts with an equivalent of
 * `seq`. Returns true when nodes were added.
 */
export function insertSequence(children: WakeupNode[], seq: WakeupSequence): boolean {
  const left = new Uint8Array(seq.length).fill(1);
  let remaining = seq.length;
  let level = children;
  let top = true;
  for (;;) {
    if (!top && level.length === 0) return false;
    top = false;
    let next: WakeupNode[] | null = null;
    for (const child of level) {
      let fits = true;
      let taken = -1;
      for (let k = 0; k < seq.length; k++) {
        if (left[k] === 0) continue;
        if (seq.cpu(k) === child.cpu) {
          if (seq.value(k) === child.value) taken = k;
          else fits = false;
          break;
        }
        if (dependentSteps(seq.footprint(k), child.fp)) {
          fits = false;
          break;
        }
      }
      if (!fits) continue;
      if (taken >= 0) {
        left[taken] = 0;
        if (--remaining === 0) return false;
      }
      next = child.children;
      break;
    }
    if (next === null) {
      let at = level;
      for (let k = 0; k < seq.length; k++) {
        if (left[k] === 0) continue;
        const n = new WakeupNode(seq.cpu(k), seq.value(k), seq.footprint(k));
        at.push(n);
        at = n.children;
      }
      return true;
    }
    level = next;
  }
}
