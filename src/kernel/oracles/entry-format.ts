import { entryLeaf, entryPfn, entryPresent } from '../../arch/x86-64/entry.js';
import { OpKind } from '../../engine/op.js';
import type { Oracle } from '../../engine/program.js';
import { Violation } from '../../engine/violation.js';
import { FrameState, frameStateName, tableLevel, tableState } from '../../machine/frame-state.js';
import type { Kernel } from '../kernel.js';
import { addrFrame, pfnToFrame } from '../phys.js';

/**
 * `entryFormatOracle` checks docs/invariants.md I7 after every store into a page-table frame: a present
 * non-leaf entry points to a table of the next level down (in 4-level paging a PGD entry points
 * to a PUD table: the P4D is folded), and a leaf (a PTE, or PSE at PMD/PUD) to a data frame.
 */
export function entryFormatOracle(k: Kernel): Oracle {
  return {
    name: 'I7 table entries point to the next level',
    afterStep(mem, _cpu, op) {
      if (op.kind !== OpKind.Store && op.kind !== OpKind.Cas) return;
      const level = tableLevel(mem.state(addrFrame(op.addr)));
      if (level === 0) return;
      const e = mem.load(op.addr);
      if (!entryPresent(e)) return;
      const leaf = level === 1 || ((level === 2 || level === 3) && entryLeaf(e));
      let expected: FrameState;
      if (leaf) expected = FrameState.Data;
      else if (level === 5 && k.levels === 4) expected = FrameState.Pud;
      else expected = tableState(level - 1);
      const target = pfnToFrame(entryPfn(e), mem.frames);
      const got = target < 0 ? null : mem.state(target);
      if (got !== expected) {
        const where = `${frameStateName(tableState(level))} entry ${(op.addr & 4095) >>> 3}`;
        throw new Violation(
          'bad-entry',
          `${where} = 0x${BigInt.asUintN(64, e).toString(16)} points to ${got === null ? 'no frame' : `a ${frameStateName(got)}`}, expected a ${frameStateName(expected)}`,
        );
      }
    },
  };
}
