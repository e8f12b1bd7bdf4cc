/**
 * `layout` names every offset of the SharedArrayBuffer that holds a machine, the way piscina's
 * `src/symbols.ts` keeps its shared layout in one place.
 *
 * ```
 * [ frame table: 2 x Int32 per frame (state, generation) ][ pad to PAGE_SIZE ][ frame 0 ][ frame 1 ] ...
 * ```
 *
 * A physical address is a byte offset into the frame area: frame `f` spans
 * `[f * PAGE_SIZE, (f + 1) * PAGE_SIZE)`. Frame 0 is reserved for the machine's named words
 * (locks, counters, lists): it is never handed out by the allocator, so a physical address of 0
 * in a pointer word can mean NULL.
 */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** `WORD_SIZE`: every entry and named word is 64 bits. */
export const WORD_SIZE = 8;
export const WORDS_PER_FRAME = PAGE_SIZE / WORD_SIZE;
/** `FRAME_TABLE_INTS`: Int32 slots per frame in the frame table: state, then generation. */
export const FRAME_TABLE_INTS = 2;
export const FRAME_STATE = 0;
export const FRAME_GENERATION = 1;
/** `DATA_FRAME`: the frame that holds the machine's named words. */
export const DATA_FRAME = 0;
/** `MAX_FRAMES`: a model that needs more is too big to explore anyway. */
export const MAX_FRAMES = 4096;

/** `headerBytes` is the size of the frame table, rounded up to a page so frames stay aligned. */
export function headerBytes(frames: number): number {
  const bytes = frames * FRAME_TABLE_INTS * 4;
  return Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;
}

/** `totalBytes` is the size of the SharedArrayBuffer for a machine of `frames` frames. */
export function totalBytes(frames: number): number {
  return headerBytes(frames) + frames * PAGE_SIZE;
}
