/** The benchmark's raw Atomics handoff partner (src/bench/handoff.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { handoffWorker } from '../src/bench/handoff.js';

parentPort!.postMessage('ready');
handoffWorker(workerData as SharedArrayBuffer);
