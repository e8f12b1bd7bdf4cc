import type { PhysicalMemory } from '../physical-memory.js';
import type { FlushInfo, MachineState, MemoryModel } from './memory-model.js';

/**
 * `ScModel` is sequential consistency (Lamport 1979): every load reads the newest value and every
 * store is visible at once, in the order the scheduler interleaves the CPUs; barriers order
 * nothing that is not ordered already. The engine performs sc accesses on PhysicalMemory itself
 * (`weak` is false), which is the hot path of every search; this object answers for sc where
 * code asks a model.
 */
export class ScModel implements MemoryModel {
  readonly name = 'sc';
  readonly weak = false;
  readonly state = null;
  readonly deferredZeroing = false;

  constructor(
    readonly cpus: number,
    private readonly mem: PhysicalMemory,
  ) {}

  reset(): void {}

  peek(_cpu: number, addr: number, size: number): bigint {
    return size === 4 ? BigInt(this.mem.load32(addr)) : this.mem.load(addr);
  }

  drained(): boolean {
    return true;
  }

  overlay<T>(_cpu: number, _addr: number, _bytes: number, f: () => T): T {
    return f();
  }

  loadReady(): boolean {
    return true;
  }

  loadOptions(): number {
    return 1;
  }

  load(cpu: number, addr: number, size: number): bigint {
    return this.peek(cpu, addr, size);
  }

  storeReady(): boolean {
    return true;
  }

  store(_cpu: number, addr: number, size: number, value: bigint): void {
    if (size === 4) this.mem.store32(addr, Number(BigInt.asUintN(32, value)));
    else this.mem.store(addr, value);
  }

  rmwReady(): boolean {
    return true;
  }

  rmw(): void {}

  awaitRead(): void {}

  allocZeroed(): void {}

  barrierReady(): boolean {
    return true;
  }

  barrierDrains(): boolean {
    return false;
  }

  barrier(): void {}

  pending(): number {
    return 0;
  }

  flushOptions(): number {
    return 0;
  }

  flush(cpu: number): FlushInfo {
    throw new RangeError(`sc has no store buffer: cpu${cpu} has nothing to flush`);
  }

  lastReadTag(): number {
    return -2;
  }

  lastReadOld(): boolean {
    return false;
  }

  footprint(): void {}

  flushFootprint(): void {}

  describe(): MachineState[] {
    return [];
  }
}
