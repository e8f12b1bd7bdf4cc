import type { CpuWorkerData, LoadedCpu } from './cpu-thread.js';

/** `runSoakCpu` is one free-running CPU of the soak executor (soak.ts). */
export function runSoakCpu(_d: CpuWorkerData, _loaded: LoadedCpu): void {}
