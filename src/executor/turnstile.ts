/**
 * `waitWhile` blocks until `ctl[index]` is no longer `value`: it re-reads the word `spin` times (a
 * handoff answered quickly costs no sleep), then sleeps in Atomics.wait. Atomics.load and
 * Atomics.wait are sequentially consistent, so once the new value is seen, every write the other
 * thread made before its Atomics.store of that value is visible too (the reply fields of a slot
 * are written before CMD is released).
 */
export function waitWhile(
  ctl: Int32Array,
  index: number,
  value: number,
  spin: number,
  timeoutMs = Number.POSITIVE_INFINITY,
): boolean {
  for (let i = 0; i < spin; i++) if (Atomics.load(ctl, index) !== value) return true;
  if (timeoutMs === Number.POSITIVE_INFINITY) {
    while (Atomics.load(ctl, index) === value) Atomics.wait(ctl, index, value);
    return true;
  }
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(ctl, index) === value) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(ctl, index, value, Math.min(left, 1000));
  }
  return true;
}

/**
 * `post` stores `value` in `ctl[index]` and wakes its waiter. The store is an Atomics.store
 * (sequentially consistent): everything written before it is visible to the thread that reads
 * the new value, which is what hands the slot over.
 */
export function post(ctl: Int32Array, index: number, value: number): void {
  Atomics.store(ctl, index, value);
  Atomics.notify(ctl, index);
}
