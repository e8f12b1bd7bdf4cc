import type { PhysicalMemory } from '../physical-memory.js';
import { E_TAG } from './layout.js';
import {
  type AccessMode,
  Barrier,
  type FlushFootprint,
  type FlushInfo,
  type FootprintSink,
  type MachineState,
  ModelStep,
  type Naming,
  type RmwOrder,
} from './memory-model.js';
import { BufferedModel } from './store-buffer.js';

/**
 * `TsoModel` is x86-TSO (Owens, Sarkar and Sewell, "A Better x86 Memory Model: x86-TSO",
 * TPHOLs 2009; Sewell et al., CACM 2010): every CPU has a FIFO store buffer; a store goes to the
 * buffer, a load reads the CPU's own newest buffered store to the address if there is one (store
 * forwarding) and memory otherwise, and a flush (a scheduling choice: agent `cpus + i` in the
 * enabled set) writes the oldest buffered store to memory. A locked instruction (cmpxchg, xchg,
 * the lock's `lock cmpxchg`, atomic_*) and `mfence` wait until the CPU's buffer is empty and then
 * act on memory directly.
 *
 * How the kernel's operations map (arch/x86/include/asm/barrier.h): `smp_mb()` is a locked
 * `addl $0,-4(%rsp)` (an mfence in effect, so it drains); `smp_wmb()` and `smp_rmb()` are
 * `barrier()`, compiler barriers only, because TSO keeps stores in order and loads in order;
 * `smp_store_release` is `barrier(); WRITE_ONCE()` and `smp_load_acquire` is `READ_ONCE();
 * barrier()`. spin_unlock is a plain store (queued_spin_unlock: smp_store_release of the locked
 * byte), so it is buffered; spin_lock, down_read and up_read are locked read-modify-writes.
 * Page-table entries written with set_p?d are ordinary stores.
 *
 * What is left out or assumed: a load that overlaps a buffered store only in part waits until
 * that store is flushed (the hardware stalls store forwarding too); the buffer holds SB_CAP
 * stores (a store to a full buffer waits for a flush); allocation, freeing and the one-step copy
 * are locked (the page allocator's refcount updates are locked operations). The hardware
 * page-table walker is taken to see the CPU's own buffered stores: Linux on x86 touches a mapping
 * right after creating it (vmemmap_use_new_sub_pmd memsets through a PMD it has just set), with no
 * barrier between, so the walk must be coherent with the CPU's own stores.
 */
export class TsoModel extends BufferedModel {
  readonly deferredZeroing = false;

  constructor(cpus: number, mem: PhysicalMemory, state?: SharedArrayBuffer) {
    super('tso', cpus, mem, false, state);
  }

  loadReady(cpu: number, addr: number, size: number, _mode: AccessMode): boolean {
    const k = this.forwardIndex(cpu, addr, size);
    return k < 0 || this.covers(cpu, k, addr, size);
  }

  loadOptions(): number {
    return 1;
  }

  load(cpu: number, addr: number, size: number, _mode: AccessMode, _dep: number, _choice: number): bigint {
    const k = this.forwardIndex(cpu, addr, size);
    if (k >= 0) {
      this.noteRead(cpu, this.entryField(cpu, k, E_TAG), false);
      return this.forwarded(cpu, k, addr, size);
    }
    this.noteRead(cpu, -2, false);
    return size === 4 ? BigInt(this.mem.load32(addr)) : this.mem.load(addr);
  }

  store(cpu: number, addr: number, size: number, value: bigint, _mode: AccessMode, tag: number): void {
    this.push(cpu, addr, size, value, 0, 0, 0, tag);
  }

  /** every read-modify-write is a locked instruction: it drains the buffer first */
  rmwReady(cpu: number, addr: number, order: RmwOrder): boolean {
    return order === 'none' ? this.drained(cpu, addr, 8) : this.pending(cpu) === 0;
  }

  rmw(cpu: number): void {
    this.noteRead(cpu, -2, false);
  }

  awaitRead(cpu: number, addr: number): void {
    const k = this.forwardIndex(cpu, addr, 8);
    this.noteRead(cpu, k >= 0 ? this.entryField(cpu, k, E_TAG) : -2, false);
  }

  allocZeroed(): void {}

  barrierDrains(b: Barrier): boolean {
    return drains(b);
  }

  barrierReady(cpu: number, b: Barrier): boolean {
    return !drains(b) || this.pending(cpu) === 0;
  }

  barrier(): void {}

  flushOptions(cpu: number): number {
    return this.pending(cpu) > 0 ? 1 : 0;
  }

  flush(cpu: number, _choice: number): FlushInfo {
    return this.commit(cpu, 0);
  }

  footprint(cpu: number, what: ModelStep, _addr: number, _size: number, out: FootprintSink): void {
    if (what === ModelStep.Store) {
      // the slot the store takes: a flush of an older store (another slot) commutes with it
      const r = this.slotResource(cpu, this.nextSeq(cpu));
      out.model(0, 0, r, r + 8, false);
    } else if (what === ModelStep.Drain || what === ModelStep.Rmw) {
      out.model(this.bufferLo(cpu), this.bufferHi(cpu), 0, 0, false);
    }
  }

  flushFootprint(cpu: number, out: FlushFootprint): void {
    const a = this.entryAddr(cpu, 0);
    out.set(0, 0, a, a + this.entrySize(cpu, 0), false);
    const r = this.slotResource(cpu, this.entrySeq(cpu, 0));
    out.model(0, 0, r, r + 8, false);
  }

  describe(names: Naming): MachineState[] {
    return [{ title: 'store buffers (oldest first)', lines: this.bufferLines(names) }];
  }
}

/** the barriers x86 implements with a drain: mb() and smp_mb(), and arm64's full barriers taken as such */
function drains(b: Barrier): boolean {
  return (
    b === Barrier.SmpMb ||
    b === Barrier.Mfence ||
    b === Barrier.DmbIsh ||
    b === Barrier.DsbIsh ||
    b === Barrier.DsbIshst
  );
}
