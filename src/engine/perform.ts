import { FrameState } from '../machine/frame-state.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Symbols } from '../machine/symbols.js';
import type { Op } from './op.js';
import { OpKind } from './op.js';
import { Violation } from './violation.js';

/**
 * `performOp` carries out one operation on `mem` for CPU `cpu` (running `task`), for every
 * executor: lock words hold -(cpu + 1) while held exclusively (so a deadlock report can name the
 * holder) and the number of readers while held shared (the step driver knows which CPUs they are). With `tag`, an allocated frame is
 * named in `symbols` for traces.
 *
 * Every failure is raised before the operation changes memory, so a failed operation can be
 * performed again elsewhere (the threads executor's scheduler does, to name what failed with the
 * frame names only it knows).
 */
export function performOp(
  mem: PhysicalMemory,
  cpu: number,
  task: string,
  op: Op,
  symbols: Symbols,
  tag: boolean,
): bigint {
  if (op.kind <= OpKind.Await && op.kind !== OpKind.Copy) checkAddress(mem, op.addr);
  switch (op.kind) {
    case OpKind.Load:
      return mem.load(op.addr);
    case OpKind.Await:
      checkAddress(mem, op.addr + op.n * 8 - 8);
      return mem.load(op.addr);
    case OpKind.Store:
      mem.store(op.addr, op.value);
      return 0n;
    case OpKind.Cas:
      return mem.cas(op.addr, op.expected, op.value);
    case OpKind.Load32:
      return BigInt(mem.load32(op.addr));
    case OpKind.Store32:
      mem.store32(op.addr, Number(op.value));
      return 0n;
    case OpKind.Copy:
      checkAddress(mem, op.addr);
      checkAddress(mem, op.addr + op.n * 8 - 8);
      checkAddress(mem, op.src);
      checkAddress(mem, op.src + op.n * 8 - 8);
      mem.copy(op.addr, op.src, op.n);
      return 0n;
    case OpKind.Lock:
      mem.store(op.addr, BigInt(-(cpu + 1)));
      return 0n;
    case OpKind.Unlock: {
      const v = mem.load(op.addr);
      if (v !== BigInt(-(cpu + 1))) {
        throw new Violation(
          'assertion',
          `${symbols.addrName(op.addr)} released by cpu${cpu} ${task}, which does not hold it`,
        );
      }
      mem.store(op.addr, 0n);
      return 0n;
    }
    case OpKind.ReadLock:
      mem.store(op.addr, mem.load(op.addr) + 1n);
      return 0n;
    case OpKind.ReadUnlock: {
      // the step driver checks that this CPU is one of the readers; the word only counts them
      const v = mem.load(op.addr);
      if (v <= 0n) {
        throw new Violation(
          'assertion',
          `${symbols.addrName(op.addr)} read-released by cpu${cpu} ${task}, which does not hold it`,
        );
      }
      mem.store(op.addr, v - 1n);
      return 0n;
    }
    case OpKind.Alloc: {
      const f = mem.alloc(op.n as FrameState);
      if (f < 0)
        throw new Violation('model-error', `out of physical memory: the model has ${mem.frames} frames`);
      if (tag) symbols.tagFrame(f, op.tag ?? 'frame');
      return BigInt(f);
    }
    case OpKind.Free: {
      if (op.addr <= 0 || op.addr >= mem.frames) {
        throw new Violation('model-error', `free of frame ${op.addr}, which is not an allocatable frame`);
      }
      if (mem.state(op.addr) === FrameState.Free) {
        // named by number: allocation tags are only kept while tracing, and a bug's message must not change with that
        throw new Violation('double-free', `frame ${op.addr} freed twice`);
      }
      mem.free(op.addr);
      return 0n;
    }
    default:
      return 0n;
  }
}

function checkAddress(mem: PhysicalMemory, addr: number): void {
  if (!(addr >= 0 && addr < mem.bytes) || addr % 4 !== 0) {
    throw new Violation(
      'model-error',
      `access to physical address 0x${addr.toString(16)}, outside the model's ${mem.frames} frames or unaligned`,
    );
  }
}

/**
 * `lockEnabled` is whether a pending Lock or ReadLock can be taken now; any other kind but Await
 * is always enabled. Await needs its CPU's condition.
 */
export function lockEnabled(mem: PhysicalMemory, kind: OpKind, addr: number): boolean {
  if (kind === OpKind.Lock) return mem.load(addr) === 0n;
  if (kind === OpKind.ReadLock) return mem.load(addr) >= 0n;
  return true;
}
