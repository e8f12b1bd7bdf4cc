import { OpKind } from '../../engine/op.js';
import type { Oracle } from '../../engine/program.js';
import { Violation } from '../../engine/violation.js';
import { FrameState } from '../../machine/frame-state.js';
import type { Kernel } from '../kernel.js';
import { addrFrame, frameAddr } from '../phys.js';

const READS = new Set([OpKind.Load, OpKind.Load32, OpKind.Await]);
const WRITES = new Set([OpKind.Store, OpKind.Store32, OpKind.Cas]);

/**
 * `freedFrameOracle` is the part of docs/invariants.md I5 the x86 sync models need: no kernel load or
 * store touches a frame after it was freed (a sync still walking a PGD that pgd_free released).
 * A PGD frame is named after the mm whose `mm->pgd` still points to it.
 */
export function freedFrameOracle(k: Kernel): Oracle {
  return {
    name: 'I5 no access to a freed frame',
    afterStep(mem, cpu, op) {
      const read = READS.has(op.kind);
      if (!read && !WRITES.has(op.kind)) return;
      const f = addrFrame(op.addr);
      if (f <= 0 || f >= mem.frames || mem.state(f) !== FrameState.Free) return;
      const load = (a: number) => mem.load(a);
      const owner = k.mms.find((m) => k.pgdOf(m, load) === frameAddr(f));
      const where = `${owner ? `${owner.name}.pgd` : `frame ${f}`}[${(op.addr & 4095) >>> 3}]`;
      throw new Violation(
        'use-after-free',
        `${cpu.task} ${read ? 'reads' : 'writes'} ${where} after the page was freed`,
      );
    },
  };
}
