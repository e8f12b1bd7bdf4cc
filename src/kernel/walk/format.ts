import * as arm64 from '../../arch/arm64/pgtable.js';
import { FrameState, tableState } from '../../machine/frame-state.js';

/**
 * `PageTableFormat` is the generic level description the walkers of mm/pagewalk.c are written
 * against: how many levels, where an address indexes each, and what an entry means (none, present,
 * leaf, table, bad). Levels count up from 1 = PTE to `levels` = PGD. The physical address in a
 * table entry is a byte address of the simulated memory, so its frame is `addr >> 12`.
 */
export interface PageTableFormat {
  name: string;
  levels: number;
  shift(level: number): bigint;
  none(e: bigint): boolean;
  present(e: bigint, level: number): boolean;
  /** p?d_leaf(): maps memory at this level (a PTE, or a huge/block entry) */
  leaf(e: bigint, level: number): boolean;
  /** points to a table of the next level down */
  table(e: bigint, level: number): boolean;
  bad(e: bigint, level: number): boolean;
  /** physical address the entry points to (table or mapped memory) */
  addr(e: bigint): bigint;
  mkTable(pa: bigint): bigint;
  mkLeaf(pa: bigint, level: number): bigint;
}

/** `LEVEL_NAMES` are the kernel's names of the levels, indexed by level. */
export const LEVEL_NAMES = ['', 'pte', 'pmd', 'pud', 'p4d', 'pgd'] as const;

/** `levelName` names level `level` of a `levels`-level format (the top one is always the pgd). */
export function levelName(fmt: PageTableFormat, level: number): string {
  return level === fmt.levels ? 'pgd' : LEVEL_NAMES[level];
}

/** `tableFrameState` is the frame state of a table at `level` (the top one is a PGD frame). */
export function tableFrameState(fmt: PageTableFormat, level: number): FrameState {
  return level === fmt.levels ? FrameState.Pgd : tableState(level);
}

/** `vaIndex` is the index of `va` in a table at `level`. */
export function vaIndex(fmt: PageTableFormat, va: bigint, level: number): number {
  return Number((va >> fmt.shift(level)) & 511n);
}

/** `addrEnd` is p?d_addr_end(addr, end): the end of the entry's span, clamped to `end`. */
export function addrEnd(fmt: PageTableFormat, addr: bigint, end: bigint, level: number): bigint {
  const size = 1n << fmt.shift(level);
  const boundary = (addr + size) & ~(size - 1n);
  return boundary - 1n < end - 1n ? boundary : end;
}

/** `ARM64_4K_48` is arm64 with a 4 KiB granule and 48-bit VAs (src/arch/arm64/pgtable.ts). */
export const ARM64_4K_48: PageTableFormat = {
  name: 'arm64 4K/48-bit',
  levels: arm64.ARM64_LEVELS,
  shift: arm64.shiftOf,
  none: arm64.descNone,
  present: (e) => arm64.descValid(e),
  leaf: arm64.descLeaf,
  table: arm64.descTable,
  bad: arm64.descBad,
  addr: arm64.descAddr,
  mkTable: arm64.mkTableDesc,
  mkLeaf: (pa, level) => (level === 1 ? arm64.mkPageDesc(pa) : arm64.mkSectDesc(pa)),
};
