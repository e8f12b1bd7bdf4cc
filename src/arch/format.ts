import { FrameState, tableLevel, tableState } from '../machine/frame-state.js';

/**
 * `LevelName` is the kernel's name of a page-table level (include/linux/pgtable.h): pgd, p4d,
 * pud, pmd, pte, top down.
 */
export type LevelName = 'pgd' | 'p4d' | 'pud' | 'pmd' | 'pte';

/**
 * `PageTableFormat` is an architecture's entry format as the generic kernel code and the
 * hardware walk use it: how many levels the hardware walks, where an address indexes each, and
 * what an entry means (none, present, leaf, table, bad). Levels count up from 1 = PTE to
 * `levels` = the top table (the PGD). The physical address in an entry is a byte address of the
 * simulated memory (`addr`, `mkTable`, `mkLeaf`), so its frame is `addr >> 12`; how that address
 * is encoded (a PFN with a base, a raw output address) is the format's business.
 *
 * Kernel levels the hardware does not have are `folded` into the level above
 * (include/asm-generic/pgtable-nop4d.h, pgtable-nopud.h): x86-64 with 4-level paging and arm64
 * 4K/48-bit fold the p4d into the pgd; x86 PAE folds the p4d and the pud.
 */
export interface PageTableFormat {
  name: string;
  levels: number;
  shift(level: number): bigint;
  /** entries in a table at `level` (PTRS_PER_*: 512, or the 4 of the PAE PDPT) */
  ptrs(level: number): number;
  none(e: bigint): boolean;
  present(e: bigint, level: number): boolean;
  /** p?d_leaf(): maps memory at this level (a PTE, or a huge/block entry) */
  leaf(e: bigint, level: number): boolean;
  /** points to a table of the next level down */
  table(e: bigint, level: number): boolean;
  bad(e: bigint, level: number): boolean;
  /** physical address the entry points to (table or mapped memory) */
  addr(e: bigint): bigint;
  /** a table entry at `level` pointing to the table at physical address `pa` (p?d_populate) */
  mkTable(pa: bigint, level: number): bigint;
  /** a leaf at `level` mapping `pa` with the kernel's default protection */
  mkLeaf(pa: bigint, level: number): bigint;
  /** the kernel levels folded into the one above them */
  folded: readonly LevelName[];
}

const NAMES_BELOW_TOP: readonly LevelName[] = ['pte', 'pmd', 'pud', 'p4d'];

/** `levelName` names hardware level `level` of `fmt`: the top one is the pgd, then p4d, pud, pmd, pte down (skipping folded ones). */
export function levelName(fmt: PageTableFormat, level: number): LevelName {
  if (level === fmt.levels) return 'pgd';
  const present = NAMES_BELOW_TOP.filter((n) => !fmt.folded.includes(n));
  return present[level - 1];
}

/** `levelOf` is the hardware level of kernel level `name` in `fmt`: a folded level is the one above it. */
export function levelOf(fmt: PageTableFormat, name: LevelName): number {
  for (let l = 1; l <= fmt.levels; l++) if (levelName(fmt, l) === name) return l;
  const order: readonly LevelName[] = ['pte', 'pmd', 'pud', 'p4d', 'pgd'];
  for (let i = order.indexOf(name) + 1; i < order.length; i++) {
    const l = levelOf(fmt, order[i]);
    if (l > 0) return l;
  }
  return 0;
}

/** `isFolded` says whether kernel level `name` is folded into the one above in `fmt`. */
export function isFolded(fmt: PageTableFormat, name: LevelName): boolean {
  return fmt.folded.includes(name);
}

/** `tableFrameState` is the frame state of a table at `level` (the top one is a PGD frame). */
export function tableFrameState(fmt: PageTableFormat, level: number): FrameState {
  return level === fmt.levels ? FrameState.Pgd : tableState(level);
}

/** `frameLevel` is the level of a table frame in `fmt` (0 for data or free): the inverse of `tableFrameState`. */
export function frameLevel(fmt: PageTableFormat, state: FrameState): number {
  return state === FrameState.Pgd ? fmt.levels : tableLevel(state);
}

/** `vaIndex` is the index of `va` in a table at `level`. */
export function vaIndex(fmt: PageTableFormat, va: bigint, level: number): number {
  return Number((BigInt.asUintN(64, va) >> fmt.shift(level)) & BigInt(fmt.ptrs(level) - 1));
}

/** `addrEnd` is p?d_addr_end(addr, end): the end of the entry's span, clamped to `end`. */
export function addrEnd(fmt: PageTableFormat, addr: bigint, end: bigint, level: number): bigint {
  const size = 1n << fmt.shift(level);
  const boundary = (addr + size) & ~(size - 1n);
  return boundary - 1n < end - 1n ? boundary : end;
}

/** `levelSize` is the span of one entry at `level` (PMD_SIZE at level 2). */
export function levelSize(fmt: PageTableFormat, level: number): bigint {
  return 1n << fmt.shift(level);
}
