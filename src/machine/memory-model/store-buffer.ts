import { PAGE_SIZE } from '../layout.js';
import type { PhysicalMemory } from '../physical-memory.js';
import {
  C_COUNT,
  C_EPOCH,
  C_READ_OLD,
  C_READ_TAG,
  C_SEQ,
  CPU_INTS,
  E_ADDR,
  E_DEP_VIEW,
  E_EPOCH,
  E_FLAGS,
  E_SEQ,
  E_SIZE,
  E_TAG,
  HEADER_INTS,
  SB_CAP,
  StateLayout,
} from './layout.js';
import type {
  AccessMode,
  Barrier,
  FlushFootprint,
  FlushInfo,
  FootprintSink,
  MachineState,
  MemoryModel,
  MemoryModelName,
  ModelStep,
  Naming,
  RmwOrder,
} from './memory-model.js';

/**
 * `RESOURCE_BASE` is where the memory models' own resources start in the address space of
 * footprints: far above any physical address, so that they conflict only with each other. CPU
 * i's store buffer is `[RESOURCE_BASE + i * RESOURCE_STRIDE, ... + RESOURCE_STRIDE)`, one word per
 * buffer slot.
 */
export const RESOURCE_BASE = 2 ** 40;
export const RESOURCE_STRIDE = SB_CAP * 8;

/** `MemoryModelError` is a program the memory model cannot run (a 32-bit access on arm64, a full log). */
export class MemoryModelError extends Error {
  override name = 'MemoryModelError';
}

function overlaps(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aLo < bHi && bLo < aHi;
}

/** the 32-bit half of 64-bit `v` at byte offset `off` (0 or 4, little-endian), unsigned */
function half(v: bigint, off: number): bigint {
  return BigInt.asUintN(32, off === 0 ? v : v >> 32n);
}

/**
 * `BufferedModel` is what tso and arm64 share: a store buffer per CPU in the model's
 * SharedArrayBuffer (layout.ts), with entries in program order, forwarding to the CPU's own loads,
 * and flushes that make one entry visible by writing it to PhysicalMemory. A model says which
 * entries may be flushed next and what its loads read.
 */
export abstract class BufferedModel implements MemoryModel {
  readonly weak = true;
  readonly state: SharedArrayBuffer;
  protected readonly ints: Int32Array;
  protected readonly bigs: BigInt64Array;
  protected readonly L: StateLayout;

  constructor(
    readonly name: MemoryModelName,
    readonly cpus: number,
    protected readonly mem: PhysicalMemory,
    withMessages: boolean,
    state?: SharedArrayBuffer,
  ) {
    this.L = new StateLayout(cpus, withMessages);
    this.state = state ?? new SharedArrayBuffer(this.L.bytes);
    if (this.state.byteLength !== this.L.bytes)
      throw new RangeError(
        `${name} memory model: state buffer of ${this.state.byteLength} bytes, expected ${this.L.bytes}`,
      );
    this.ints = new Int32Array(this.state);
    this.bigs = new BigInt64Array(this.state);
  }

  reset(): void {
    // the counters of the header and of every CPU block; entries and messages past them are dead
    this.ints.fill(0, 0, HEADER_INTS + this.cpus * CPU_INTS);
  }

  abstract readonly deferredZeroing: boolean;
  abstract loadReady(cpu: number, addr: number, size: number, mode: AccessMode): boolean;
  abstract loadOptions(cpu: number, addr: number, size: number, mode: AccessMode, dep: number): number;
  abstract load(
    cpu: number,
    addr: number,
    size: number,
    mode: AccessMode,
    dep: number,
    choice: number,
  ): bigint;
  abstract store(cpu: number, addr: number, size: number, value: bigint, mode: AccessMode, tag: number): void;
  abstract rmwReady(cpu: number, addr: number, order: RmwOrder): boolean;
  abstract rmw(cpu: number, addr: number, bytes: number, writes: boolean, order: RmwOrder, tag: number): void;
  abstract awaitRead(cpu: number, addr: number): void;
  abstract allocZeroed(cpu: number, frame: number, tag: number): void;
  abstract barrierReady(cpu: number, b: Barrier): boolean;
  abstract barrierDrains(b: Barrier): boolean;
  abstract barrier(cpu: number, b: Barrier): void;
  abstract flushOptions(cpu: number): number;
  abstract flush(cpu: number, choice: number): FlushInfo;
  abstract footprint(cpu: number, what: ModelStep, addr: number, size: number, out: FootprintSink): void;
  abstract flushFootprint(cpu: number, out: FlushFootprint): void;
  abstract describe(names: Naming): MachineState[];

  // ---- the store buffer ----

  pending(cpu: number): number {
    return this.ints[this.L.cpu(cpu, C_COUNT)];
  }

  storeReady(cpu: number): boolean {
    return this.pending(cpu) < SB_CAP;
  }

  drained(cpu: number, addr: number, bytes: number): boolean {
    if (bytes === 0) return this.pending(cpu) === 0;
    for (let k = 0; k < this.pending(cpu); k++) if (this.entryOverlaps(cpu, k, addr, bytes)) return false;
    return true;
  }

  overlay<T>(cpu: number, addr: number, bytes: number, f: () => T): T {
    if (this.drained(cpu, addr, bytes)) return f();
    const mem = this.mem;
    const saved: bigint[] = [];
    for (let a = addr; a < addr + bytes; a += 8) saved.push(mem.load(a));
    try {
      // written straight into the words: these are not stores, and memory is put back below
      for (let a = addr; a < addr + bytes; a += 8) mem.words[a >>> 3] = this.peek(cpu, a, 8);
      return f();
    } finally {
      for (let i = 0; i < saved.length; i++) mem.words[(addr >>> 3) + i] = saved[i];
    }
  }

  peek(cpu: number, addr: number, size: number): bigint {
    // memory, with every pending store of the CPU laid over it oldest first, half by half
    let lo = size === 4 ? BigInt(this.mem.load32(addr)) : half(this.mem.load(addr), 0);
    let hi = size === 4 ? 0n : half(this.mem.load(addr), 4);
    for (let k = 0; k < this.pending(cpu); k++) {
      if (!this.entryOverlaps(cpu, k, addr, size)) continue;
      lo = this.overlayHalf(cpu, k, addr, lo);
      if (size === 8) hi = this.overlayHalf(cpu, k, addr + 4, hi);
    }
    const v = size === 4 ? lo : lo | (hi << 32n);
    return size === 4 ? v : BigInt.asIntN(64, v);
  }

  lastReadTag(cpu: number): number {
    return this.ints[this.L.cpu(cpu, C_READ_TAG)] - 2;
  }

  lastReadOld(cpu: number): boolean {
    return this.ints[this.L.cpu(cpu, C_READ_OLD)] === 1;
  }

  /** records what `cpu`'s last load read: `tag` (-2: the newest visible write, -1: the initial value) */
  protected noteRead(cpu: number, tag: number, old: boolean): void {
    this.ints[this.L.cpu(cpu, C_READ_TAG)] = tag + 2;
    this.ints[this.L.cpu(cpu, C_READ_OLD)] = old ? 1 : 0;
  }

  protected entryAddr(cpu: number, k: number): number {
    return this.ints[this.L.entry(cpu, k, E_ADDR)];
  }

  protected entrySize(cpu: number, k: number): number {
    return this.ints[this.L.entry(cpu, k, E_SIZE)];
  }

  protected entryField(cpu: number, k: number, f: number): number {
    return this.ints[this.L.entry(cpu, k, f)];
  }

  protected entryOverlaps(cpu: number, k: number, addr: number, size: number): boolean {
    const a = this.entryAddr(cpu, k);
    return overlaps(a, a + this.entrySize(cpu, k), addr, addr + size);
  }

  /** the half at `addr` (4-aligned) as entry `k` leaves it over `was` */
  private overlayHalf(cpu: number, k: number, addr: number, was: bigint): bigint {
    const a = this.entryAddr(cpu, k);
    const size = this.entrySize(cpu, k);
    if (!overlaps(a, a + size, addr, addr + 4)) return was;
    const v = this.bigs[this.L.entryValue(cpu, k)];
    if (size === 4) return BigInt.asUintN(32, v);
    if (size === 8) return half(v, addr - a);
    return half(v, (addr - a) & 4);
  }

  /**
   * `forwardIndex` is the newest pending store of `cpu` overlapping the load, or -1; `covers` says
   * whether it supplies every byte the load reads (else the load must wait for it).
   */
  protected forwardIndex(cpu: number, addr: number, size: number): number {
    for (let k = this.pending(cpu) - 1; k >= 0; k--) if (this.entryOverlaps(cpu, k, addr, size)) return k;
    return -1;
  }

  protected covers(cpu: number, k: number, addr: number, size: number): boolean {
    const a = this.entryAddr(cpu, k);
    return a <= addr && addr + size <= a + this.entrySize(cpu, k);
  }

  /** the value entry `k` (which covers the load) supplies to a load of `size` at `addr` */
  protected forwarded(cpu: number, k: number, addr: number, size: number): bigint {
    const a = this.entryAddr(cpu, k);
    const esize = this.entrySize(cpu, k);
    const v = this.bigs[this.L.entryValue(cpu, k)];
    if (esize > 8) return size === 4 ? half(v, (addr - a) & 4) : v;
    if (size === 4) return esize === 4 ? BigInt.asUintN(32, v) : half(v, addr - a);
    return v;
  }

  protected push(
    cpu: number,
    addr: number,
    size: number,
    value: bigint,
    epoch: number,
    flags: number,
    depView: number,
    tag: number,
  ): void {
    const n = this.pending(cpu);
    if (n >= SB_CAP) throw new MemoryModelError(`${this.name}: store buffer of cpu${cpu} overflowed`);
    const L = this.L;
    const ints = this.ints;
    const seq = ints[L.cpu(cpu, C_SEQ)]++;
    ints[L.entry(cpu, n, E_ADDR)] = addr;
    ints[L.entry(cpu, n, E_SIZE)] = size;
    ints[L.entry(cpu, n, E_EPOCH)] = epoch;
    ints[L.entry(cpu, n, E_FLAGS)] = flags;
    ints[L.entry(cpu, n, E_DEP_VIEW)] = depView;
    ints[L.entry(cpu, n, E_TAG)] = tag;
    ints[L.entry(cpu, n, E_SEQ)] = seq;
    this.bigs[L.entryValue(cpu, n)] = value;
    ints[L.cpu(cpu, C_COUNT)] = n + 1;
  }

  /** writes entry `k` of `cpu` to memory and takes it out of the buffer */
  protected commit(cpu: number, k: number): FlushInfo {
    const L = this.L;
    const addr = this.entryAddr(cpu, k);
    const size = this.entrySize(cpu, k);
    const value = this.bigs[L.entryValue(cpu, k)];
    const tag = this.entryField(cpu, k, E_TAG);
    if (size === 4) this.mem.store32(addr, Number(BigInt.asUintN(32, value)));
    else if (size === 8) this.mem.store(addr, value);
    else this.mem.fill(addr, size / 8, value);
    const n = this.pending(cpu);
    const from = L.entry(cpu, k + 1, 0);
    this.ints.copyWithin(L.entry(cpu, k, 0), from, L.entry(cpu, n, 0));
    this.bigs.copyWithin(L.entryValue(cpu, k), L.entryValue(cpu, k + 1), L.entryValue(cpu, n));
    this.ints[L.cpu(cpu, C_COUNT)] = n - 1;
    return { addr, size, value, tag };
  }

  protected epoch(cpu: number): number {
    return this.ints[this.L.cpu(cpu, C_EPOCH)];
  }

  protected bumpEpoch(cpu: number): void {
    this.ints[this.L.cpu(cpu, C_EPOCH)]++;
  }

  /** `slotResource` is the footprint word of the buffer slot of entry sequence number `seq` of `cpu` */
  protected slotResource(cpu: number, seq: number): number {
    return RESOURCE_BASE + cpu * RESOURCE_STRIDE + (seq % SB_CAP) * 8;
  }

  protected nextSeq(cpu: number): number {
    return this.ints[this.L.cpu(cpu, C_SEQ)];
  }

  protected entrySeq(cpu: number, k: number): number {
    return this.entryField(cpu, k, E_SEQ);
  }

  /** `bufferResource` is the footprint range of the whole store buffer of `cpu` */
  protected bufferLo(cpu: number): number {
    return RESOURCE_BASE + cpu * RESOURCE_STRIDE;
  }

  protected bufferHi(cpu: number): number {
    return RESOURCE_BASE + (cpu + 1) * RESOURCE_STRIDE;
  }

  /** one line per CPU: its pending stores, oldest first */
  protected bufferLines(names: Naming, mark: (cpu: number, k: number) => string = () => ''): string[] {
    const out: string[] = [];
    for (let c = 0; c < this.cpus; c++) {
      const items: string[] = [];
      for (let k = 0; k < this.pending(c); k++) items.push(this.entryText(names, c, k) + mark(c, k));
      out.push(`${names.cpu(c)}: ${items.length ? items.join(', ') : '(empty)'}`);
    }
    return out;
  }

  protected entryText(names: Naming, cpu: number, k: number): string {
    const size = this.entrySize(cpu, k);
    const v = this.bigs[this.L.entryValue(cpu, k)];
    const name = names.addr(this.entryAddr(cpu, k));
    if (size > 8) return `${rangeName(names, this.entryAddr(cpu, k), size)} = ${formatWord(v)}`;
    return `${name} = ${formatWord(size === 4 ? BigInt.asUintN(32, v) : v)}`;
  }
}

/** `rangeName` names the words `[addr, addr + size)` of one frame: `pte@4[0..511]`. */
export function rangeName(names: Naming, addr: number, size: number): string {
  const first = names.addr(addr);
  const last = (((addr & (PAGE_SIZE - 1)) + size) >>> 3) - 1;
  return first.replace(/\[(\d+)\]$/, (_m, i) => `[${i}..${last}]`);
}

/** `formatWord` prints a value as traces do: small ones in decimal, the rest as 16 hex digits */
export function formatWord(value: bigint): string {
  const u = BigInt.asUintN(64, value);
  return u < 0x100n ? u.toString() : `0x${u.toString(16).padStart(16, '0')}`;
}
