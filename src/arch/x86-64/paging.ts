/**
 * `paging` holds the x86-64 paging geometry for 4-level and 5-level paging
 * (arch/x86/include/asm/pgtable_64_types.h, pgtable_types.h): 4 KiB pages, tables of 512 entries
 * of 8 bytes, and the shift of each level. In 4-level paging the P4D is folded into the PGD
 * (include/asm-generic/pgtable-nop4d.h): `p4d_offset(pgd, a)` is the PGD slot itself, so a walk
 * has four hardware levels; in 5-level paging it has five.
 *
 * Virtual addresses are bigints (unsigned 64-bit); indices and physical offsets are numbers.
 */

/** `PagingLevels` is the paging mode: 4-level (48-bit VA) or 5-level (LA57, 57-bit VA). */
export type PagingLevels = 4 | 5;

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** `PTRS_PER_TABLE`: every x86-64 table level has 512 entries of 8 bytes. */
export const PTRS_PER_TABLE = 512;
export const ENTRY_SIZE = 8;

export const PTE_SHIFT = 12;
export const PMD_SHIFT = 21;
export const PUD_SHIFT = 30;
export const P4D_SHIFT = 39;
/** `PGDIR_SHIFT_L4`: the PGD of 4-level paging indexes bits 39..47 (the folded P4D's bits). */
export const PGDIR_SHIFT_L4 = 39;
/** `PGDIR_SHIFT_L5`: the PGD of 5-level paging indexes bits 48..56. */
export const PGDIR_SHIFT_L5 = 48;

export const PMD_SIZE = 1n << BigInt(PMD_SHIFT);
export const PUD_SIZE = 1n << BigInt(PUD_SHIFT);

/**
 * `Level` names a table level the way the kernel does, top down. A walk in 4-level paging visits
 * pgd (= p4d), pud, pmd, pte; in 5-level pgd, p4d, pud, pmd, pte.
 */
export type Level = 'pgd' | 'p4d' | 'pud' | 'pmd' | 'pte';

/** `LEVEL_NUMBER` is the paging level of a table (1 = PTE .. 5 = PGD), as FrameState counts. */
export const LEVEL_NUMBER: Record<Level, number> = { pte: 1, pmd: 2, pud: 3, p4d: 4, pgd: 5 };

/** `pgdirShift` is PGDIR_SHIFT for the paging mode. */
export function pgdirShift(levels: PagingLevels): number {
  return levels === 5 ? PGDIR_SHIFT_L5 : PGDIR_SHIFT_L4;
}

/** `pgdirSize` is PGDIR_SIZE: the span of one top-level slot (512 GiB or 256 TiB). */
export function pgdirSize(levels: PagingLevels): bigint {
  return 1n << BigInt(pgdirShift(levels));
}

/** `hardwareLevels` are the tables a hardware walk reads, top down. */
export function hardwareLevels(levels: PagingLevels): readonly Level[] {
  return levels === 5 ? ['pgd', 'p4d', 'pud', 'pmd', 'pte'] : ['pgd', 'pud', 'pmd', 'pte'];
}

function index(va: bigint, shift: number): number {
  return Number((BigInt.asUintN(64, va) >> BigInt(shift)) & 511n);
}

/** `pgd_index` is the PGD slot of `va` (include/linux/pgtable.h). */
export function pgd_index(va: bigint, levels: PagingLevels): number {
  return index(va, pgdirShift(levels));
}

/** `p4d_index` is the P4D slot of `va` in 5-level paging; in 4-level it equals `pgd_index`. */
export function p4d_index(va: bigint): number {
  return index(va, P4D_SHIFT);
}

export function pud_index(va: bigint): number {
  return index(va, PUD_SHIFT);
}

export function pmd_index(va: bigint): number {
  return index(va, PMD_SHIFT);
}

export function pte_index(va: bigint): number {
  return index(va, PTE_SHIFT);
}

/** `levelIndex` is the index of `va` in a table of `level`. */
export function levelIndex(level: Level, va: bigint, levels: PagingLevels): number {
  switch (level) {
    case 'pgd':
      return pgd_index(va, levels);
    case 'p4d':
      return p4d_index(va);
    case 'pud':
      return pud_index(va);
    case 'pmd':
      return pmd_index(va);
    default:
      return pte_index(va);
  }
}

/** `levelShift` is the address shift a table of `level` indexes. */
export function levelShift(level: Level, levels: PagingLevels): number {
  switch (level) {
    case 'pgd':
      return pgdirShift(levels);
    case 'p4d':
      return P4D_SHIFT;
    case 'pud':
      return PUD_SHIFT;
    case 'pmd':
      return PMD_SHIFT;
    default:
      return PTE_SHIFT;
  }
}

/** `isCanonical` says whether `va` is canonical: bits above the VA width copy the top VA bit. */
export function isCanonical(va: bigint, levels: PagingLevels): boolean {
  const width = levels === 5 ? 57 : 48;
  const u = BigInt.asUintN(64, va);
  const high = u >> BigInt(width - 1);
  return high === 0n || high === (1n << BigInt(65 - width)) - 1n;
}

/** `formatVa` prints a virtual address as the kernel does in an oops: 16 hex digits. */
export function formatVa(va: bigint): string {
  return BigInt.asUintN(64, va).toString(16).padStart(16, '0');
}
