import { Worker } from 'node:worker_threads';
import { CPU_SPIN, SCHEDULER_SPIN } from '../executor/turnstile-layout.js';
import { workerFile } from '../executor/worker-file.js';

/** word 0: the turnstile (1: the worker's turn, 0: the main thread's), word 1: the worker's spin */
const TURN = 0;
const WORKER_SPIN = 1;
/** word 2: exit */
const EXIT = 2;

/**
 * `handoffWorker` is the worker side of the raw handoff benchmark: it waits for its turn the way
 * a CPU of the threads executor does (spin, then Atomics.wait) and hands the turn straight back.
 */
export function handoffWorker(control: SharedArrayBuffer): void {
  const ctl = new Int32Array(control);
  const spin = ctl[WORKER_SPIN];
  for (;;) {
    for (let i = 0; i < spin && Atomics.load(ctl, TURN) === 0; i++);
    while (Atomics.load(ctl, TURN) === 0) Atomics.wait(ctl, TURN, 0);
    if (Atomics.load(ctl, EXIT) !== 0) return;
    Atomics.store(ctl, TURN, 0);
    Atomics.notify(ctl, TURN);
  }
}

/**
 * `measureHandoff` is the cost of one round trip of the turn between this thread and a worker
 * through Atomics (store + notify; spin, then Atomics.wait; the threads executor's spin counts), in
 * ns: the floor under a step of the threads executor, which is one such round trip. With `gapUs`,
 * this thread pauses that long (not timed) before each round trip, so the worker is asleep in
 * Atomics.wait when the turn comes, as a CPU of the threads executor is when it is granted a step
 * after other CPUs ran; with 0 the two threads ping-pong and the worker is often still spinning.
 */
export async function measureHandoff(roundTrips: number, gapUs = 50, workerSpin = CPU_SPIN): Promise<number> {
  const control = new SharedArrayBuffer(16);
  const ctl = new Int32Array(control);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  ctl[WORKER_SPIN] = workerSpin;
  const w = new Worker(workerFile('bench-handoff'), { workerData: control });
  await new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
  let total = 0;
  const once = () => {
    if (gapUs > 0) Atomics.wait(pause, 0, 0, gapUs / 1000);
    const t0 = performance.now();
    Atomics.store(ctl, TURN, 1);
    Atomics.notify(ctl, TURN);
    for (let i = 0; i < SCHEDULER_SPIN && Atomics.load(ctl, TURN) === 1; i++);
    while (Atomics.load(ctl, TURN) === 1) Atomics.wait(ctl, TURN, 1);
    total += performance.now() - t0;
  };
  for (let i = 0; i < Math.min(500, roundTrips); i++) once();
  total = 0;
  for (let i = 0; i < roundTrips; i++) once();
  Atomics.store(ctl, EXIT, 1);
  Atomics.store(ctl, TURN, 1);
  Atomics.notify(ctl, TURN);
  await w.terminate();
  return (total * 1e6) / roundTrips;
}
