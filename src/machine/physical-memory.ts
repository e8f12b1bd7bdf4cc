import { FrameState } from './frame-state.js';
import {
  DATA_FRAME,
  FRAME_GENERATION,
  FRAME_STATE,
  FRAME_TABLE_INTS,
  headerBytes,
  MAX_FRAMES,
  PAGE_SHIFT,
  PAGE_SIZE,
  totalBytes,
  WORD_SIZE,
  WORDS_PER_FRAME,
} from './layout.js';

/**
 * `AllocMode` is how the frame allocator chooses: `lowest` hands out the lowest free frame (a
 * just-freed frame is reused at once), `any` lets the scheduler choose (a data choice) among the
 * frames that make a difference: each free frame freed during this execution, and one frame that
 * was never used (they are all alike but for their number, so only the lowest is offered).
 */
export type AllocMode = 'lowest' | 'any';

/** `POISON_FREE` is what a freed frame is filled with (include/linux/poison.h, 0x6b per byte). */
export const POISON_FREE = 0x6b6b6b6b6b6b6b6bn;

/** `UNDO_START` and `UNDO_MAX` bound the undo log (entries): it doubles from the one to the other. */
const UNDO_START = 256;
const UNDO_MAX = 1 << 14;

/**
 * `PhysicalMemory` is the simulated machine's RAM: one SharedArrayBuffer of 4 KiB frames, read and
 * written as 64-bit words with Atomics, plus a frame table that records what each frame holds and
 * a generation that changes on every free (so a walker can tell a reused frame from the one it
 * read the pointer to).
 *
 * Every execution starts from the same memory: `snapshot()` after the model is built, `reset()`
 * before each execution. The inline executor's `reset()` undoes what this instance wrote since:
 * a word-level undo log (local, unshared) holds the old value of every word a `store`, `cas` or
 * `store32` overwrote, and whole frames (`alloc`, `free`, `copy`) are marked dirty and copied
 * back from the snapshot. A log that would outgrow `UNDO_MAX` entries is dropped and the next
 * `reset()` copies everything, so an instance that never resets (a CPU worker's) stays small. An
 * executor whose stores happen on other threads calls `resetAll()`.
 */
export class PhysicalMemory {
  readonly sab: SharedArrayBuffer;
  readonly frames: number;
  readonly bytes: number;
  /** `words` views the frame area as 64-bit entries: word i is physical address i * 8. */
  readonly words: BigInt64Array;
  /** `halves` views the frame area as 32-bit halves, for the PAE torn-read view. */
  readonly halves: Int32Array;
  /** `table` is the frame table: state and generation of each frame. */
  private readonly table: Int32Array;
  private readonly all: Uint8Array;
  private readonly header: number;
  /** bytes of the frame table itself (the header is that, rounded up to a page) */
  private readonly tableBytes: number;
  private snap: Uint8Array | null = null;
  /** invariant: `dirtyList[0..dirtyCount)` are exactly the frames with `dirty[f] === 1`. */
  private readonly dirty: Uint8Array;
  private readonly dirtyList: Int32Array;
  private dirtyCount = 0;
  /** whether the frame table changed since the last reset (an alloc or a free) */
  private tableDirty = false;
  /**
   * the undo log: entry i says word `undoWord[i]` held halves `undoHalf[2i], undoHalf[2i+1]`
   * before a write; undone newest first. invariant: `undoCount <= undoWord.length`; with
   * `undoLost` the log is incomplete and the next reset copies all of memory.
   */
  private undoWord = new Int32Array(UNDO_START);
  private undoHalf = new Int32Array(2 * UNDO_START);
  private undoCount = 0;
  private undoLost = false;
  private nextWord = 0;
  /** how `alloc` chooses; set by the model's settings before the first execution */
  allocMode: AllocMode = 'lowest';
  /**
   * whether hardware walks use the translation caches kept in the hardware frames (`--tlb`); set
   * by the model's settings before the first execution
   */
  tlb: 'on' | 'off' = 'on';
  /**
   * `hardwareFrames` follow the last frame: state of the simulated hardware that is not memory
   * (per-CPU TLBs and paging-structure caches, src/arch/tlb.ts). Their addresses start at
   * `bytes`, past every physical address a page table can name, so no walk or allocation reaches
   * them; they are reset with every execution like any frame.
   */
  readonly hardwareFrames: number;

  constructor(frames: number, sab?: SharedArrayBuffer, hardwareFrames = 0) {
    if (!Number.isInteger(frames) || frames < 1 || frames > MAX_FRAMES) {
      throw new RangeError(`PhysicalMemory: frames must be an integer in 1..${MAX_FRAMES}, got ${frames}`);
    }
    this.frames = frames;
    this.hardwareFrames = hardwareFrames;
    const all = frames + hardwareFrames;
    this.header = headerBytes(all);
    this.tableBytes = all * FRAME_TABLE_INTS * 4;
    this.sab = sab ?? new SharedArrayBuffer(totalBytes(all));
    if (this.sab.byteLength !== totalBytes(all)) {
      throw new RangeError(
        `PhysicalMemory: buffer of ${this.sab.byteLength} bytes does not hold ${frames} frames`,
      );
    }
    this.bytes = frames * PAGE_SIZE;
    this.words = new BigInt64Array(this.sab, this.header, all * WORDS_PER_FRAME);
    this.halves = new Int32Array(this.sab, this.header, all * WORDS_PER_FRAME * 2);
    this.table = new Int32Array(this.sab, 0, all * FRAME_TABLE_INTS);
    this.all = new Uint8Array(this.sab);
    this.dirty = new Uint8Array(all);
    this.dirtyList = new Int32Array(all);
    if (!sab) this.table[DATA_FRAME * FRAME_TABLE_INTS + FRAME_STATE] = FrameState.Data;
  }

  /** `load` reads the 64-bit word at physical address `addr` (READ_ONCE). */
  load(addr: number): bigint {
    return Atomics.load(this.words, addr >>> 3);
  }

  /** `store` writes the 64-bit word at `addr` (WRITE_ONCE, set_pmd, ...). */
  store(addr: number, value: bigint): void {
    const i = addr >>> 3;
    this.logWord(i);
    Atomics.store(this.words, i, value);
  }

  /** `cas` is cmpxchg: stores `value` if the word equals `expected`; returns the old value. */
  cas(addr: number, expected: bigint, value: bigint): bigint {
    const i = addr >>> 3;
    this.logWord(i);
    return Atomics.compareExchange(this.words, i, expected, value);
  }

  /** `load32` reads the 32-bit half at `addr` (4-aligned), as an unsigned number. */
  load32(addr: number): number {
    return Atomics.load(this.halves, addr >>> 2) >>> 0;
  }

  /** `store32` writes the 32-bit half at `addr` (4-aligned). */
  store32(addr: number, value: number): void {
    this.logWord(addr >>> 3);
    Atomics.store(this.halves, addr >>> 2, value | 0);
  }

  /** `copy` copies `count` words from `src` to `dst` in one step (clone_pgd_range's memcpy). */
  copy(dst: number, src: number, count: number): void {
    this.touch(dst >>> PAGE_SHIFT);
    this.touch((dst + count * WORD_SIZE - 1) >>> PAGE_SHIFT);
    // one memmove: a copy is one step, and no other CPU runs during a step (inline, or soak's
    // sequencing lock)
    this.words.copyWithin(dst >>> 3, src >>> 3, (src >>> 3) + count);
  }

  /**
   * `firstNonZero` is the index of the first of the `count` words from `addr` that is not zero,
   * or -1 when all are: a ghost read for a whole-table emptiness check without a bigint per word.
   */
  firstNonZero(addr: number, count: number): number {
    const h = this.halves;
    const at = addr >>> 2;
    for (let i = 0; i < count; i++) {
      const k = at + (i << 1);
      if (h[k] !== 0 || h[k + 1] !== 0) return i;
    }
    return -1;
  }

  /**
   * `firstDifference` compares the `count` words from `a` with the `count` words from `b` and
   * returns the index of the first word that differs, or -1 when all are equal: a ghost read for
   * oracles that compares whole tables without making a bigint per word.
   */
  firstDifference(a: number, b: number, count: number): number {
    const h = this.halves;
    const ha = a >>> 2;
    const hb = b >>> 2;
    for (let i = 0; i < count; i++) {
      const k = i << 1;
      if (h[ha + k] !== h[hb + k] || h[ha + k + 1] !== h[hb + k + 1]) return i;
    }
    return -1;
  }

  /**
   * `readBytes` copies the `len` bytes at physical address `addr` into `out` from `at`: what a
   * write is about to overwrite, for a scheduler that must later ask what a read would have seen
   * without it.
   */
  readBytes(addr: number, len: number, out: Uint8Array, at: number): void {
    const start = this.header + addr;
    if (len <= 16) {
      // most writes are one word: a loop beats making a subarray
      const all = this.all;
      for (let i = 0; i < len; i++) out[at + i] = all[start + i];
      return;
    }
    out.set(this.all.subarray(start, start + len), at);
  }

  /** `writeBytes` puts the `len` bytes of `src` from `from` at physical address `addr`. */
  writeBytes(addr: number, src: Uint8Array, from: number, len: number): void {
    if (len <= 0) return;
    for (let f = addr >>> PAGE_SHIFT; f <= (addr + len - 1) >>> PAGE_SHIFT; f++) this.touch(f);
    this.all.set(src.subarray(from, from + len), this.header + addr);
  }

  /** `state` is what frame `frame` holds now. */
  state(frame: number): FrameState {
    return Atomics.load(this.table, frame * FRAME_TABLE_INTS + FRAME_STATE) as FrameState;
  }

  /** `generation` counts the frees of `frame`; it changes whenever the frame is freed. */
  generation(frame: number): number {
    return Atomics.load(this.table, frame * FRAME_TABLE_INTS + FRAME_GENERATION);
  }

  /** `frameOf` is the frame that holds physical address `addr`, or -1 outside memory. */
  frameOf(addr: number): number {
    return addr >= 0 && addr < this.bytes ? addr >>> PAGE_SHIFT : -1;
  }

  /**
   * `allocChoices` is how many blocks of 2^`order` frames an allocation may get now: 1 in
   * `lowest` mode (0 when none is free); in `any` mode every free block with a frame freed during
   * this execution (its generation moved) and the lowest free block never freed.
   */
  allocChoices(order = 0): number {
    if (this.allocMode === 'lowest') return this.lowestFree(order) < 0 ? 0 : 1;
    let n = 0;
    let pristine = false;
    for (let f = 1; f < this.frames; f++) {
      const kind = this.blockKind(f, order);
      if (kind === 0) continue;
      if (kind === 2) n++;
      else if (!pristine) {
        pristine = true;
        n++;
      }
    }
    return n;
  }

  /**
   * `allocCandidate` is the first frame of choice `choice` (0 .. allocChoices() - 1, in frame
   * order), or -1 when there is none. Choice 0 is always the lowest free block, what `lowest`
   * mode takes.
   */
  allocCandidate(choice: number, order = 0): number {
    if (this.allocMode === 'lowest') return choice === 0 ? this.lowestFree(order) : -1;
    let pristine = false;
    for (let f = 1; f < this.frames; f++) {
      const kind = this.blockKind(f, order);
      if (kind === 0) continue;
      if (kind === 1) {
        if (pristine) continue;
        pristine = true;
      }
      if (choice-- === 0) return f;
    }
    return -1;
  }

  /**
   * `alloc` hands out block `allocCandidate(choice, order)` in `state`, zeroed, and returns its
   * first frame, or -1 when memory is full. In `lowest` mode (choice 0) a just-freed frame is
   * reused at once, which is what exposes most use-after-free bugs; `any` mode explores the
   * other reuses too. With `zero` false the frames keep what they held (a memory model whose
   * stores are buffered makes the zeroing a store of the allocating CPU, `fill` when it becomes
   * visible).
   */
  alloc(state: FrameState, choice = 0, order = 0, zero = true): number {
    const first = this.allocCandidate(choice, order);
    if (first < 0) return -1;
    for (let f = first; f < first + (1 << order); f++) {
      this.touch(f);
      this.tableDirty = true;
      Atomics.store(this.table, f * FRAME_TABLE_INTS + FRAME_STATE, state);
      if (zero) this.words.fill(0n, f * WORDS_PER_FRAME, (f + 1) * WORDS_PER_FRAME);
    }
    return first;
  }

  /** `lowestFree` is the first frame of the lowest free block of 2^`order` frames, or -1. */
  lowestFree(order = 0): number {
    for (let f = 1; f < this.frames; f++) if (this.blockKind(f, order) !== 0) return f;
    return -1;
  }

  /**
   * what the block of 2^`order` frames at `f` is: 0 not a free block (misaligned, past memory,
   * or a frame in use), 1 free and never freed, 2 free with a frame freed during this execution.
   * Blocks are aligned to their size, as the buddy allocator hands them out; frame 0 holds the
   * machine's named words and is never free.
   */
  private blockKind(f: number, order: number): number {
    const n = 1 << order;
    if (f % n !== 0 || f + n > this.frames) return 0;
    let kind = 1;
    for (let g = f; g < f + n; g++) {
      if (this.state(g) !== FrameState.Free) return 0;
      if (this.generation(g) !== 0) kind = 2;
    }
    return kind;
  }

  /** `fill` writes `value` to `count` words from `addr` (within one frame). */
  fill(addr: number, count: number, value: bigint): void {
    this.touch(addr >>> PAGE_SHIFT);
    this.words.fill(value, addr >>> 3, (addr >>> 3) + count);
  }

  /** `free` returns `frame` to the allocator, fills it with POISON_FREE and bumps its generation. */
  free(frame: number): void {
    this.touch(frame);
    this.tableDirty = true;
    const base = frame * FRAME_TABLE_INTS;
    Atomics.store(this.table, base + FRAME_STATE, FrameState.Free);
    Atomics.add(this.table, base + FRAME_GENERATION, 1);
    this.words.fill(POISON_FREE, frame * WORDS_PER_FRAME, (frame + 1) * WORDS_PER_FRAME);
  }

  /** `setState` marks a frame at build time (before `snapshot`), e.g. the boot page tables. */
  setState(frame: number, state: FrameState): void {
    this.tableDirty = true;
    Atomics.store(this.table, frame * FRAME_TABLE_INTS + FRAME_STATE, state);
  }

  /**
   * `allocWord` reserves the next 64-bit word of the data frame at build time and returns its
   * physical address. Named words hold locks, counters and list heads.
   */
  allocWord(initial = 0n): number {
    if (this.nextWord >= WORDS_PER_FRAME)
      throw new RangeError('PhysicalMemory: the data frame is full (512 words)');
    const addr = DATA_FRAME * PAGE_SIZE + this.nextWord * WORD_SIZE;
    this.nextWord++;
    Atomics.store(this.words, addr >>> 3, initial);
    return addr;
  }

  /** `snapshot` records the current memory as the state every execution starts from. */
  snapshot(): void {
    this.snap = this.all.slice();
    this.clearDirty();
  }

  /**
   * `reset` restores the snapshot: undoes the logged word writes (newest first), then copies back
   * every dirtied frame and, after an alloc or free, the frame table. The stores must have been
   * made through this instance since the last reset (else call `resetAll`).
   */
  reset(): void {
    const snap = this.snapshotBytes();
    if (this.undoLost) {
      this.resetAll();
      return;
    }
    // plain (non-atomic) writes: nothing else runs on this machine between two executions
    const halves = this.halves;
    const word = this.undoWord;
    const half = this.undoHalf;
    for (let n = this.undoCount - 1; n >= 0; n--) {
      const h = word[n] << 1;
      halves[h] = half[2 * n];
      halves[h + 1] = half[2 * n + 1];
    }
    this.undoCount = 0;
    if (this.tableDirty) this.all.set(snap.subarray(0, this.tableBytes));
    for (let i = 0; i < this.dirtyCount; i++) {
      const start = this.header + this.dirtyList[i] * PAGE_SIZE;
      this.all.set(snap.subarray(start, start + PAGE_SIZE), start);
    }
    this.clearDirty();
  }

  /** `resetAll` restores the whole snapshot in one copy, whoever wrote since. */
  resetAll(): void {
    this.all.set(this.snapshotBytes());
    this.clearDirty();
  }

  /** `snapshotBytes` is the snapshot itself, for handing a machine to another thread. */
  snapshotBytes(): Uint8Array {
    if (!this.snap) throw new Error('PhysicalMemory: reset before snapshot');
    return this.snap;
  }

  /** `adoptSnapshot` installs a snapshot taken by another PhysicalMemory of the same size. */
  adoptSnapshot(bytes: Uint8Array): void {
    if (bytes.byteLength !== this.all.byteLength)
      throw new RangeError('PhysicalMemory: snapshot size mismatch');
    this.snap = bytes;
    this.resetAll();
  }

  /** records the old value of word `i` before a write; a log too long to keep is dropped */
  private logWord(i: number): void {
    const n = this.undoCount;
    if (n === this.undoWord.length) {
      if (this.undoLost) return;
      if (n >= UNDO_MAX) {
        this.undoLost = true;
        return;
      }
      this.growUndo();
    }
    this.undoWord[n] = i;
    const h = i << 1;
    this.undoHalf[2 * n] = this.halves[h];
    this.undoHalf[2 * n + 1] = this.halves[h + 1];
    this.undoCount = n + 1;
  }

  private growUndo(): void {
    const word = new Int32Array(this.undoWord.length * 2);
    word.set(this.undoWord);
    const half = new Int32Array(this.undoHalf.length * 2);
    half.set(this.undoHalf);
    this.undoWord = word;
    this.undoHalf = half;
  }

  private touch(frame: number): void {
    if (this.dirty[frame] === 0) {
      this.dirty[frame] = 1;
      this.dirtyList[this.dirtyCount++] = frame;
    }
  }

  /** forgets what was written since the last reset (the memory now equals the snapshot) */
  private clearDirty(): void {
    for (let i = 0; i < this.dirtyCount; i++) this.dirty[this.dirtyList[i]] = 0;
    this.dirtyCount = 0;
    this.tableDirty = false;
    this.undoCount = 0;
    this.undoLost = false;
  }
}
