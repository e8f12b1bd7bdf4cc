/**
 * `measureFloor` is the floor of this design's step, in CPU nanoseconds: one generator resume
 * that yields a preallocated operation descriptor, plus one Atomics load and one Atomics store
 * of a 64-bit word, which is the least an inline step can do. The inline executor's ns/step is
 * compared with it (the target: at most 4x the floor).
 */
export function measureFloor(steps: number): number {
  const words = new BigInt64Array(new SharedArrayBuffer(4096));
  const op = { addr: 0, value: 0n };
  function* program(n: number): Generator<typeof op, void, bigint> {
    let v = 0n;
    for (let i = 0; i < n; i++) {
      op.addr = i & 7;
      op.value = v + 1n;
      v = yield op;
    }
  }
  const run = (n: number) => {
    const g = program(n);
    let r = g.next(0n);
    while (r.done !== true) {
      const o = r.value;
      const v = Atomics.load(words, o.addr);
      Atomics.store(words, o.addr, o.value);
      r = g.next(v);
    }
  };
  run(steps / 4);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const cpu0 = process.cpuUsage();
    run(steps);
    const used = process.cpuUsage(cpu0);
    best = Math.min(best, ((used.user + used.system) * 1000) / steps);
  }
  return best;
}
