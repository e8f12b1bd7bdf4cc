import { PAGE_SHIFT } from '../machine/layout.js';

/**
 * `phys` maps the model's frames to the physical frame numbers the page tables hold. Frame `f` of
 * PhysicalMemory is PFN `MODEL_PFN_BASE + f`, so entries look like the kernel's (a PUD table in
 * frame 3 is `0x4003067`, as in the oops `PGD 4003067 P4D 4003067 PUD 0`) while frame numbers
 * stay small. A PFN outside the model's frames has no frame (-1).
 */
export const MODEL_PFN_BASE = 0x4000n;

/** `MODEL_PHYS_BASE` is the physical address of frame 0: `MODEL_PFN_BASE << 12`. */
export const MODEL_PHYS_BASE = MODEL_PFN_BASE << 12n;

/** `frameToPfn` is the PFN of model frame `frame`. */
export function frameToPfn(frame: number): bigint {
  return MODEL_PFN_BASE + BigInt(frame);
}

/** `pfnToFrame` is the model frame of `pfn`, or -1 when the model has no such frame. */
export function pfnToFrame(pfn: bigint, frames: number): number {
  const f = pfn - MODEL_PFN_BASE;
  return f >= 0n && f < BigInt(frames) ? Number(f) : -1;
}

/** `frameAddr` is the physical address (byte offset in PhysicalMemory) of word `index` of a frame. */
export function frameAddr(frame: number, index = 0): number {
  return frame * (1 << PAGE_SHIFT) + index * 8;
}

/** `addrFrame` is the frame holding physical address `addr`. */
export function addrFrame(addr: number): number {
  return addr >>> PAGE_SHIFT;
}
