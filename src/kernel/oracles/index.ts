import type { Oracle } from '../../engine/program.js';
import type { Kernel } from '../kernel.js';
import { entryFormatOracle } from './entry-format.js';
import { freedFrameOracle } from './freed-frame.js';
import { lockOrderOracle } from './lock-order.js';
import { pgdConsistencyOracle } from './pgd-consistency.js';
import { pgdJoinOracle } from './pgd-join.js';

/**
 * `kernelOracles` are the invariants every x86-64 kernel model checks (docs/invariants.md): I3
 * and the end-of-execution I2, I4 with I2 for late joiners, I7, I9, and I5 for freed frames. I1 is the page fault the
 * hardware walk raises (src/kernel/hw-access.ts); I2 at sync return is checked by sync_global_pgds.
 */
export function kernelOracles(k: Kernel): Oracle[] {
  return [
    pgdConsistencyOracle(k),
    pgdJoinOracle(k),
    entryFormatOracle(k),
    lockOrderOracle(k),
    freedFrameOracle(k),
  ];
}
