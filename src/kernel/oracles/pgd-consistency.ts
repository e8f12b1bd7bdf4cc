import { OpKind } from '../../engine/op.js';
import type { Oracle } from '../../engine/program.js';
import { Violation } from '../../engine/violation.js';
import { FrameState } from '../../machine/frame-state.js';
import type { PhysicalMemory } from '../../machine/physical-memory.js';
import { PGD_MISMATCH } from '../kinds.js';
import type { KernelMachine } from '../machine.js';
import { ghostPgdList } from '../x86/pgd-list.js';

function hex(e: bigint): string {
  return `0x${BigInt.asUintN(64, e).toString(16).padStart(16, '0')}`;
}

/** the mms whose PGD page is live now (allocated and still a PGD), init_mm excluded */
function livePgds(k: KernelMachine, mem: PhysicalMemory): { name: string; pgd: number }[] {
  const out: { name: string; pgd: number }[] = [];
  for (const mm of k.mms) {
    if (mm.id === 0) continue;
    const pgd = k.pgdOf(mm, (a) => mem.load(a));
    if (pgd >= 0 && mem.state(pgd >>> 12) === FrameState.Pgd) out.push({ name: mm.name, pgd });
  }
  return out;
}

/**
 * `pgdConsistencyOracle` checks docs/invariants.md I3 after every store into a kernel slot of a PGD: each
 * task PGD's slot is none or equal to init_mm's (`pgd-mismatch`). At the end of an execution,
 * when no sync is in flight any more, every PGD on pgd_list equals init_mm in the whole kernel
 * half (the "equal when no sync is in flight" half of I3, also `pgd-mismatch`).
 */
export function pgdConsistencyOracle(k: KernelMachine): Oracle {
  const boundary = k.arch.kernelPgdBoundary;
  const ptrs = k.fmt.ptrs(k.fmt.levels);
  return {
    name: 'I3 task PGD slots none or equal to init_mm',
    afterStep(mem, _cpu, op) {
      if (op.kind !== OpKind.Store && op.kind !== OpKind.Cas) return;
      const frame = op.addr >>> 12;
      if (mem.state(frame) !== FrameState.Pgd) return;
      const index = (op.addr & 4095) >>> 3;
      if (index < boundary) return;
      const initPgd = k.pgdOf(k.initMm, (a) => mem.load(a));
      const ref = mem.load(initPgd + index * 8);
      for (const t of livePgds(k, mem)) {
        const e = mem.load(t.pgd + index * 8);
        if (e !== 0n && e !== ref) {
          throw new Violation(
            PGD_MISMATCH,
            `${t.name}.pgd[${index}] = ${hex(e)} but init_mm.pgd[${index}] = ${hex(ref)}`,
          );
        }
      }
    },
    atEnd(mem) {
      const load = (a: number) => mem.load(a);
      const initPgd = k.pgdOf(k.initMm, load);
      for (const mm of ghostPgdList(k, load)) {
        const pgd = k.pgdOf(mm, load);
        const d = mem.firstDifference(initPgd + boundary * 8, pgd + boundary * 8, ptrs - boundary);
        if (d >= 0) {
          const i = boundary + d;
          const ref = mem.load(initPgd + i * 8);
          const e = mem.load(pgd + i * 8);
          throw new Violation(
            PGD_MISMATCH,
            `at the end, with no sync in flight, ${mm.name}.pgd[${i}] = ${hex(e)} but init_mm.pgd[${i}] = ${hex(ref)}`,
          );
        }
      }
    },
  };
}
