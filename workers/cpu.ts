/**
 * A CPU worker of the threads and soak executors: it rebuilds the model, attaches to the
 * machine's shared memory and runs one CPU's program. Policy lives in src/executor/.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type CpuWorkerData, loadCpu, runThreadsCpu } from '../src/executor/cpu-thread.js';
import { runSoakCpu } from '../src/executor/soak-cpu.js';

const data = workerData as CpuWorkerData;
let loaded: Awaited<ReturnType<typeof loadCpu>> | null = null;
try {
  loaded = await loadCpu(data);
  parentPort!.postMessage({ ready: true });
} catch (e) {
  parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
if (loaded && data.mode === 'threads') runThreadsCpu(data, loaded);
else if (loaded) runSoakCpu(data, loaded);
data.port.close();
