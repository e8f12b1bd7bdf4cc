import { FrameState } from '../machine/frame-state.js';
import { PAGE_SHIFT, PAGE_SIZE } from '../machine/layout.js';
import { AccessMode, type Barrier, type MemoryModel } from '../machine/memory-model/memory-model.js';
import { MemoryModelError } from '../machine/memory-model/store-buffer.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Symbols } from '../machine/symbols.js';
import type { Op } from './op.js';
import { OpKind } from './op.js';
import { Violation } from './violation.js';

/**
 * `performOp` carries out one operation on `mem` for CPU `cpu` (running `task`) under memory
 * model `model`, for every executor: lock words hold -(cpu + 1) while held exclusively (so a
 * deadlock report can name the holder) and the number of readers while held shared (the step
 * driver knows which CPUs they are). With `tag`, an allocated frame is named in `symbols` for
 * traces. `choice` is an allocation's choice of frame (`PhysicalMemory.allocCandidate`; 0 unless
 * the allocator runs in `any` mode), or the write a load reads (a data choice of the weak models,
 * 0 under sc);
 * `event` is the race tracker's number for this access (engine/data-race.ts), which a buffered
 * store carries until it is visible.
 *
 * Every failure is raised before the operation changes memory, so a failed operation can be
 * performed again elsewhere (the threads executor's scheduler does, to name what failed with the
 * frame names only it knows).
 */
export function performOp(
  mem: PhysicalMemory,
  model: MemoryModel,
  cpu: number,
  task: string,
  op: Op,
  symbols: Symbols,
  tag: boolean,
  choice = 0,
  event = -1,
): bigint {
  if (model.weak) return performWeak(mem, model, cpu, task, op, symbols, tag, choice, event);
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
      checkCopy(mem, op);
      mem.copy(op.addr, op.src, op.n);
      return 0n;
    case OpKind.Lock:
      mem.store(op.addr, BigInt(-(cpu + 1)));
      return 0n;
    case OpKind.Unlock:
      checkUnlock(mem.load(op.addr), cpu, task, op, symbols);
      mem.store(op.addr, 0n);
      return 0n;
    case OpKind.ReadLock:
      mem.store(op.addr, mem.load(op.addr) + 1n);
      return 0n;
    case OpKind.ReadUnlock: {
      const v = mem.load(op.addr);
      checkReadUnlock(v, cpu, task, op, symbols);
      mem.store(op.addr, v - 1n);
      return 0n;
    }
    case OpKind.Alloc:
      return BigInt(allocFrame(mem, op, symbols, tag, true, choice));
    case OpKind.Free:
      checkFree(mem, op);
      freeBlock(mem, op);
      return 0n;
    default:
      return 0n;
  }
}

/**
 * the operations under a weak memory model: loads, stores and barriers go through the model;
 * read-modify-writes, locks, copies and frees act on memory at once, when the model says they may
 * (the step driver only steps a CPU whose operation is ready), and tell the model what they did
 */
function performWeak(
  mem: PhysicalMemory,
  model: MemoryModel,
  cpu: number,
  task: string,
  op: Op,
  symbols: Symbols,
  tag: boolean,
  choice: number,
  event: number,
): bigint {
  if (op.kind <= OpKind.Await && op.kind !== OpKind.Copy) checkAddress(mem, op.addr);
  const a = op.addr;
  try {
    switch (op.kind) {
      case OpKind.Load:
        return model.load(cpu, a, 8, op.mode, op.dep, choice);
      case OpKind.Load32:
        return model.load(cpu, a, 4, op.mode, op.dep, choice);
      case OpKind.Await:
        checkAddress(mem, a + op.n * 8 - 8);
        model.awaitRead(cpu, a);
        return model.peek(cpu, a, 8);
      case OpKind.Store:
        if (op.mode === AccessMode.Walk) {
          // the MMU's own state: visible at once, ordered with nothing
          model.rmw(cpu, a, 8, true, 'none', event);
          mem.store(a, op.value);
        } else model.store(cpu, a, 8, op.value, op.mode, event);
        return 0n;
      case OpKind.Store32:
        model.store(cpu, a, 4, op.value, op.mode, event);
        return 0n;
      case OpKind.Cas: {
        const old = mem.load(a);
        const hit = old === op.expected;
        model.rmw(cpu, a, 8, hit, 'full', event);
        if (hit) mem.store(a, op.value);
        return old;
      }
      case OpKind.Lock:
        model.rmw(cpu, a, 8, true, 'acquire', event);
        mem.store(a, BigInt(-(cpu + 1)));
        return 0n;
      case OpKind.Unlock:
        // spin_unlock is a store-release: buffered like any store
        checkUnlock(model.peek(cpu, a, 8), cpu, task, op, symbols);
        model.store(cpu, a, 8, 0n, AccessMode.Release, event);
        return 0n;
      case OpKind.ReadLock:
        model.rmw(cpu, a, 8, true, 'acquire', event);
        mem.store(a, mem.load(a) + 1n);
        return 0n;
      case OpKind.ReadUnlock: {
        const v = mem.load(a);
        checkReadUnlock(v, cpu, task, op, symbols);
        model.rmw(cpu, a, 8, true, 'release', event);
        mem.store(a, v - 1n);
        return 0n;
      }
      case OpKind.Copy:
        checkCopy(mem, op);
        model.rmw(cpu, a, op.n * 8, true, 'full', event);
        mem.copy(a, op.src, op.n);
        return 0n;
      case OpKind.Alloc: {
        const f = allocFrame(mem, op, symbols, tag, !model.deferredZeroing, choice);
        if (model.deferredZeroing) model.allocZeroed(cpu, f, event);
        return BigInt(f);
      }
      case OpKind.Free:
        checkFree(mem, op);
        for (let f = a; f < a + (1 << op.src); f++)
          model.rmw(cpu, f << PAGE_SHIFT, PAGE_SIZE, true, 'full', event);
        freeBlock(mem, op);
        return 0n;
      case OpKind.Fence:
        model.barrier(cpu, op.n as Barrier);
        return 0n;
      default:
        return 0n;
    }
  } catch (e) {
    if (e instanceof MemoryModelError) throw new Violation('model-error', e.message);
    throw e;
  }
}

function checkCopy(mem: PhysicalMemory, op: Op): void {
  checkAddress(mem, op.addr);
  checkAddress(mem, op.addr + op.n * 8 - 8);
  checkAddress(mem, op.src);
  checkAddress(mem, op.src + op.n * 8 - 8);
}

function checkUnlock(held: bigint, cpu: number, task: string, op: Op, symbols: Symbols): void {
  if (held === BigInt(-(cpu + 1))) return;
  throw new Violation(
    'assertion',
    `${symbols.addrName(op.addr)} released by cpu${cpu} ${task}, which does not hold it`,
  );
}

/** the step driver checks that this CPU is one of the readers; the word only counts them */
function checkReadUnlock(readers: bigint, cpu: number, task: string, op: Op, symbols: Symbols): void {
  if (readers > 0n) return;
  throw new Violation(
    'assertion',
    `${symbols.addrName(op.addr)} read-released by cpu${cpu} ${task}, which does not hold it`,
  );
}

function allocFrame(
  mem: PhysicalMemory,
  op: Op,
  symbols: Symbols,
  tag: boolean,
  zero: boolean,
  choice: number,
): number {
  // op.src is the block's order (2^order frames: an order-1 PGD with PTI)
  const f = mem.alloc(op.n as FrameState, choice, op.src, zero);
  if (f < 0) throw new Violation('model-error', `out of physical memory: the model has ${mem.frames} frames`);
  if (tag) symbols.tagFrame(f, op.tag ?? 'frame');
  return f;
}

/** every frame of the block a Free names (2^op.src frames from op.addr) must be allocated */
function checkFree(mem: PhysicalMemory, op: Op): void {
  for (let f = op.addr; f < op.addr + (1 << op.src); f++) {
    if (f <= 0 || f >= mem.frames) {
      throw new Violation('model-error', `free of frame ${f}, which is not an allocatable frame`);
    }
    if (mem.state(f) === FrameState.Free) {
      // named by number: allocation tags are only kept while tracing, and a bug's message must not change with that
      throw new Violation('double-free', `frame ${f} freed twice`);
    }
  }
}

function freeBlock(mem: PhysicalMemory, op: Op): void {
  for (let f = op.addr; f < op.addr + (1 << op.src); f++) mem.free(f);
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
 * `awaitHolds` evaluates the condition of CPU `cpu`'s pending Await `op` under `model`, as that
 * CPU sees memory: its own pending stores to the words included (a one-word `awaitValue` reads
 * the CPU's view of the word; an `awaitRange` condition, which reads `cpu.mem`, is evaluated with
 * those stores laid over memory). Everything else it reads is the newest visible value.
 */
export function awaitHolds(mem: PhysicalMemory, model: MemoryModel, cpu: number, op: Op): boolean {
  if (!model.weak) return op.pred!(mem.load(op.addr));
  if (op.n === 1) return op.pred!(model.peek(cpu, op.addr, 8));
  return model.overlay(cpu, op.addr, op.n * 8, () => op.pred!(mem.load(op.addr)));
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
