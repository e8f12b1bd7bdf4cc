/**
 * `parallel-control` is the layout of the SharedArrayBuffer through which the coordinator of a
 * parallel search talks to the units running on explorer workers while they run (everything
 * else goes through Piscina's task messages), kept in one place like piscina's `src/symbols.ts`:
 *
 * ```
 * Int32 [ UNITS_STARTED | YIELD, HEARTBEAT of slot 0 | YIELD, HEARTBEAT of slot 1 | ... ]
 * ```
 *
 * Each unit in flight owns one slot (the pool hands slots out and takes them back when the
 * unit's result arrives). A non-zero YIELD asks the unit to stop at its next execution boundary
 * and return its remaining work: to give part of its frontier to an idle worker, because a
 * violation earlier in the search order makes its work useless, or because the search is over.
 * HEARTBEAT counts the unit's finished executions, so the pool can tell a unit that is working
 * from one stuck in a model that loops without yielding.
 */
/** `UNITS_STARTED` counts the units workers have started, over the pool's life (test hook). */
export const UNITS_STARTED = 0;
/** `SLOTS_BASE`: index of slot 0. */
export const SLOTS_BASE = 1;
export const CONTROL_INTS_PER_SLOT = 2;
/** `YIELD`: offset within a slot of the yield request word. */
export const YIELD = 0;
/** `HEARTBEAT`: offset within a slot of the unit's count of finished executions. */
export const HEARTBEAT = 1;

/** `createControl` allocates the control words of `slots` units in flight. */
export function createControl(slots: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer((SLOTS_BASE + slots * CONTROL_INTS_PER_SLOT) * 4));
}

function yieldWord(slot: number): number {
  return SLOTS_BASE + slot * CONTROL_INTS_PER_SLOT + YIELD;
}

/**
 * `requestYield` asks the unit in `slot` to return early. Atomics.store is sequentially
 * consistent, so the unit's next Atomics.load sees it; nothing else is published with it (the
 * unit's answer travels back by message), so no stronger ordering is needed.
 */
export function requestYield(ctl: Int32Array, slot: number): void {
  Atomics.store(ctl, yieldWord(slot), 1);
}

/**
 * `clearYield` re-arms a slot before a unit is posted on it. It happens before the unit's task
 * message is posted, and posting a message orders it before the worker's first read of the slot.
 */
export function clearYield(ctl: Int32Array, slot: number): void {
  Atomics.store(ctl, yieldWord(slot), 0);
}

/** `yieldRequested` is polled by a unit between executions (an Atomics.load, a few ns). */
export function yieldRequested(ctl: Int32Array | null, slot: number): boolean {
  return ctl !== null && Atomics.load(ctl, yieldWord(slot)) !== 0;
}

/**
 * `countUnitStarted` returns how many units were started before this one, pool-wide. Atomics.add
 * is a single read-modify-write, so two workers starting at once get different numbers.
 */
export function countUnitStarted(ctl: Int32Array): number {
  return Atomics.add(ctl, UNITS_STARTED, 1);
}

function heartbeatWord(slot: number): number {
  return SLOTS_BASE + slot * CONTROL_INTS_PER_SLOT + HEARTBEAT;
}

/**
 * `beat` is called by a unit after each execution. The pool only compares successive values
 * (any change is progress), so a relaxed increment would do; Atomics.add is the one on offer.
 */
export function beat(ctl: Int32Array | null, slot: number): void {
  if (ctl !== null) Atomics.add(ctl, heartbeatWord(slot), 1);
}

/** `heartbeat` is the unit's execution count, read by the pool's stall watchdog. */
export function heartbeat(ctl: Int32Array, slot: number): number {
  return Atomics.load(ctl, heartbeatWord(slot));
}
