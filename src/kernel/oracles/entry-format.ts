import { frameLevel, levelName, tableFrameState } from '../../arch/format.js';
import { OpKind } from '../../engine/op.js';
import type { Oracle } from '../../engine/program.js';
import { Violation } from '../../engine/violation.js';
import { FrameState, frameStateName } from '../../machine/frame-state.js';
import { BAD_ENTRY } from '../kinds.js';
import type { KernelMachine } from '../machine.js';

/**
 * `entryFormatOracle` checks docs/invariants.md I7 after every store into a page-table frame: a
 * present non-leaf entry points to a table of the next level down (with the P4D folded, a PGD
 * entry points to a PUD table), and a leaf that maps a frame of the machine maps data (leaves may
 * also map physical memory beyond the machine's frames, which nothing reads).
 */
export function entryFormatOracle(k: KernelMachine): Oracle {
  const fmt = k.fmt;
  return {
    name: 'I7 table entries point to the next level',
    afterStep(mem, _cpu, op) {
      if (op.kind !== OpKind.Store && op.kind !== OpKind.Cas) return;
      const state = mem.state(op.addr >>> 12);
      const level = frameLevel(fmt, state);
      if (level === 0) return;
      const e = mem.load(op.addr);
      if (!fmt.present(e, level)) return;
      const leaf = level === 1 || fmt.leaf(e, level);
      const target = Number(fmt.addr(e) >> 12n);
      const inside = target >= 0 && target < mem.frames;
      if (leaf && !inside) return;
      const expected = leaf ? FrameState.Data : tableFrameState(fmt, level - 1);
      const got = inside ? mem.state(target) : null;
      if (got === expected) return;
      throw new Violation(
        BAD_ENTRY,
        `${frameStateName(state)} entry ${(op.addr & 4095) >>> 3} = 0x${BigInt.asUintN(64, e).toString(16)} points to ${got === null ? 'no frame' : `a ${frameStateName(got)}`}, expected a ${leaf ? frameStateName(expected) : `${levelName(fmt, level - 1)} table`}`,
      );
    },
  };
}
