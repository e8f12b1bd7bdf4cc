import { OpKind } from '../../engine/op.js';
import type { Oracle } from '../../engine/program.js';
import { Violation } from '../../engine/violation.js';
import { FrameState } from '../../machine/frame-state.js';
import { USE_AFTER_FREE } from '../kinds.js';
import type { KernelMachine } from '../machine.js';

const ACCESS: Partial<Record<OpKind, string>> = {
  [OpKind.Load]: 'read',
  [OpKind.Load32]: 'read',
  [OpKind.Await]: 'read',
  [OpKind.Store]: 'wrote',
  [OpKind.Store32]: 'wrote',
  [OpKind.Cas]: 'wrote',
};

/**
 * `useAfterFreeOracle` is the use-after-free oracle (docs/invariants.md I5) for every memory
 * access of a kernel machine: after each step it looks at the operation the CPU performed and
 * fails if it touched a frame that is free (a sync still walking a PGD that pgd_free released,
 * code reading a table through a pointer it kept). Walkers built on `readEntry` and the hardware
 * walk fail inline first, with the pointer's provenance; this catches every other access. A freed
 * PGD is named after the mm whose `mm->pgd` still points to it.
 */
export function useAfterFreeOracle(k: KernelMachine): Oracle {
  const g = k.ghost;
  return {
    name: 'I5 no access to a freed frame',
    afterStep(mem, cpu, op) {
      const how = ACCESS[op.kind];
      if (!how) return;
      const f = mem.frameOf(op.addr);
      if (f <= 0 || mem.state(f) !== FrameState.Free) return;
      const who = g.cpuName(cpu.id);
      const where = cpu.fn || 'its program';
      throw new Violation(
        USE_AFTER_FREE,
        `${who} ${how} ${g.addrName(op.addr, mem)} in ${where} after ${g.freedByText(mem, f)} freed ${g.frameName(f, mem)}`,
        [
          `BUG: KASAN: use-after-free in ${where}`,
          `${how === 'read' ? 'Read' : 'Write'} at addr 0x${op.addr.toString(16)} (${g.addrName(op.addr, mem)}) by ${who}`,
          `Freed by ${g.freedByText(mem, f)}`,
        ],
      );
    },
  };
}
