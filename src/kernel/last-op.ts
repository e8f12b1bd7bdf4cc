import type { Cpu, Steps } from '../engine/cpu.js';
import type { OpKind } from '../engine/op.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Kernel } from './kernel.js';

/**
 * `withLastOp` runs a kernel CPU program and, each time an operation has been performed, records
 * what it was (kind, address, value written) in the CPU's ghost words, before the program runs on
 * to its next operation. The kernel oracles read the operation just performed from there
 * (`lastOp`): the `op` an Oracle's afterStep receives is the CPU's one Op object, which the
 * executors let the program refill with its *next* operation before calling afterStep.
 *
 * The fields are copied out of the Op when it is yielded, since the program refills the same
 * object; the copies are locals of this generator, which is rebuilt for every execution.
 */
export function* withLastOp(c: Cpu, k: Kernel, body: Steps): Steps {
  const info = k.cpus[c.id];
  let r = body.next(0n);
  while (!r.done) {
    const op = r.value;
    const kind = op.kind;
    const addr = op.addr;
    const value = op.value;
    const result = yield op;
    c.mem.store(info.lastKind, BigInt(kind) + 1n);
    c.mem.store(info.lastAddr, BigInt(addr));
    c.mem.store(info.lastValue, value);
    r = body.next(result);
  }
}

/** `LastOp` is the operation a CPU performed last, as `withLastOp` recorded it. */
export interface LastOp {
  kind: OpKind;
  addr: number;
  value: bigint;
}

/** `lastOp` reads what CPU `cpu` performed last, or null before its first operation. */
export function lastOp(k: Kernel, mem: PhysicalMemory, cpu: number): LastOp | null {
  const info = k.cpus[cpu];
  if (!info) return null;
  const kind = Number(mem.load(info.lastKind)) - 1;
  if (kind < 0) return null;
  return { kind: kind as OpKind, addr: Number(mem.load(info.lastAddr)), value: mem.load(info.lastValue) };
}
