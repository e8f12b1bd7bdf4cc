import type { Cpu } from '../engine/cpu.js';
import type { Op } from '../engine/op.js';
import { Barrier } from '../machine/memory-model/memory-model.js';

/**
 * The kernel's barriers and marked accesses (include/asm-generic/barrier.h, include/linux/compiler.h,
 * tools/memory-model/linux-kernel.def), by their kernel names. What each orders is the memory
 * model's: the architecture's asm/barrier.h maps them (machine/memory-model/tso.ts for
 * arch/x86/include/asm/barrier.h, arm64.ts for arch/arm64/include/asm/barrier.h). Each is one
 * operation, labelled with its kernel name, performed with one `yield`: `yield smp_wmb(c)`.
 */

/** `READ_ONCE(*p)`: a marked load; `dep` names the load `p` was computed from (an address dependency). */
export function READ_ONCE(c: Cpu, p: number, label: string | null = 'READ_ONCE', dep = 0): Op {
  return c.load(p, label, dep);
}

/** `WRITE_ONCE(*p, v)`: a marked store. */
export function WRITE_ONCE(c: Cpu, p: number, v: bigint, label: string | null = 'WRITE_ONCE'): Op {
  return c.store(p, v, label);
}

/** `smp_mb()`: x86 a locked add (drains the store buffer), arm64 `dmb ish`. */
export function smp_mb(c: Cpu): Op {
  return c.barrier(Barrier.SmpMb, 'smp_mb');
}

/** `smp_wmb()`: x86 barrier() only (TSO keeps stores in order), arm64 `dmb ishst`. */
export function smp_wmb(c: Cpu): Op {
  return c.barrier(Barrier.SmpWmb, 'smp_wmb');
}

/** `smp_rmb()`: x86 barrier() only, arm64 `dmb ishld`. */
export function smp_rmb(c: Cpu): Op {
  return c.barrier(Barrier.SmpRmb, 'smp_rmb');
}

/** `barrier()`: a compiler barrier, no hardware ordering. */
export function barrier(c: Cpu): Op {
  return c.barrier(Barrier.Compiler, 'barrier');
}

/** `smp_store_release(p, v)`: x86 barrier(); WRITE_ONCE, arm64 `stlr`. */
export function smp_store_release(c: Cpu, p: number, v: bigint, label = 'smp_store_release'): Op {
  return c.storeRelease(p, v, label);
}

/** `smp_load_acquire(p)`: x86 READ_ONCE; barrier(), arm64 `ldar`. */
export function smp_load_acquire(c: Cpu, p: number, label = 'smp_load_acquire'): Op {
  return c.loadAcquire(p, label);
}

/** `dsb(ishst)` (arm64): waits until this CPU's stores are visible, the table walker's included. */
export function dsb_ishst(c: Cpu): Op {
  return c.barrier(Barrier.DsbIshst, 'dsb(ishst)');
}

/** `dsb(ish)` (arm64): a full barrier that waits for this CPU's stores. */
export function dsb_ish(c: Cpu): Op {
  return c.barrier(Barrier.DsbIsh, 'dsb(ish)');
}

/** `isb()` (arm64): later loads, the walker's included, after earlier ones. */
export function isb(c: Cpu): Op {
  return c.barrier(Barrier.Isb, 'isb');
}
