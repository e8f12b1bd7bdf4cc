import type { Oracle } from '../../engine/program.js';
import type { KernelMachine } from '../machine.js';
import { staleEntriesOracle } from './stale-entries.js';
import { useAfterFreeOracle } from './uaf.js';

/**
 * `machineOracles` are the invariants every execution on a kernel machine checks
 * (docs/invariants.md). The stale-entry record comes first: the others may consult it.
 */
export function machineOracles(k: KernelMachine): Oracle[] {
  return [staleEntriesOracle(k), useAfterFreeOracle(k)];
}
