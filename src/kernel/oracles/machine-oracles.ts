import type { Oracle } from '../../engine/program.js';
import type { KernelMachine } from '../machine.js';
import { entryFormatOracle } from './entry-format.js';
import { lockOrderOracle } from './lock-order.js';
import { pgdConsistencyOracle } from './pgd-consistency.js';
import { pgdJoinOracle } from './pgd-join.js';
import { staleEntriesOracle } from './stale-entries.js';
import { useAfterFreeOracle } from './uaf.js';

/**
 * `machineOracles` are the invariants every execution on a kernel machine checks
 * (docs/invariants.md): I3 (and I3 at the end), I4 with I2 for late joiners where each PGD copies
 * the kernel half, I7, I9, and I5 for every access (with the stale-entry record that I5's walker
 * checks need, first). I1 is the page fault the hardware walk raises (src/kernel/hw-access.ts);
 * I2 at a sync's return is checked by the sync; I6 and I8 by the code they are about.
 */
export function machineOracles(k: KernelMachine): Oracle[] {
  const copied = k.arch.kernelHalf === 'copied' ? [pgdConsistencyOracle(k), pgdJoinOracle(k)] : [];
  return [staleEntriesOracle(k), ...copied, entryFormatOracle(k), lockOrderOracle(k), useAfterFreeOracle(k)];
}
