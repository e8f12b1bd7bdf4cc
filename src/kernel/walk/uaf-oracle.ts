import { OpKind } from '../../engine/op.js';
import type { Oracle } from '../../engine/program.js';
import { Violation } from '../../engine/violation.js';
import { FrameState } from '../../machine/frame-state.js';
import type { Ghost } from './ghost.js';

const ACCESS: Partial<Record<OpKind, string>> = {
  [OpKind.Load]: 'read',
  [OpKind.Load32]: 'read',
  [OpKind.Store]: 'wrote',
  [OpKind.Store32]: 'wrote',
  [OpKind.Cas]: 'wrote',
};

/**
 * `useAfterFreeOracle` is the use-after-free oracle (docs/invariants.md I5) for every memory access of an
 * x86-64 kernel model, including the kernel base's hardware walk (`hw_access`, whose reads are
 * labelled `walk`): after each step it looks at the operation the CPU performed (recorded by
 * the engine) and fails if it touched a frame that is free. Software walkers built on
 * `readEntry` already fail inline, with the pointer's provenance, before this runs; and since
 * oracles run after the CPU has moved on to its next operation, code that validates what it
 * read (hw_access follows an entry and rejects poison as a bad entry) fails first too.
 */
export function useAfterFreeOracle(ghost: Ghost): Oracle {
  return {
    name: 'use-after-free',
    afterStep(mem, cpu, op) {
      const how = ACCESS[op.kind];
      if (!how) return;
      const f = mem.frameOf(op.addr);
      if (f <= 0 || mem.state(f) !== FrameState.Free) return;
      const who = ghost.cpuName(cpu.id);
      const where = cpu.fn || 'its program';
      throw new Violation(
        'use-after-free',
        `${who} ${how} ${ghost.addrName(op.addr)} in ${where} after ${ghost.freedByText(mem, f)} freed ${ghost.frameName(f)}`,
        [
          `BUG: KASAN: use-after-free in ${where}`,
          `${how === 'read' ? 'Read' : 'Write'} at addr 0x${op.addr.toString(16)} (${ghost.addrName(op.addr)}) by ${who}`,
          `Freed by ${ghost.freedByText(mem, f)}`,
        ],
      );
    },
  };
}
