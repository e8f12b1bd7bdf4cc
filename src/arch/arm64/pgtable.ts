/**
 * arm64 translation tables, 4 KiB granule, 48-bit VA (arch/arm64/include/asm/pgtable-hwdef.h,
 * pgtable-prot.h): four levels, shifts 39 (PGD), 30 (PUD), 21 (PMD), 12 (PTE); the P4D is folded.
 * The kernel half of the address space is one shared table (TTBR1), so there is nothing to sync
 * between tasks; what matters is walkers against freeing.
 *
 * Descriptor bits: bit 0 valid; bit 1 says table (levels 0-2) or page (level 3), and its absence at
 * levels 1-2 says block (a huge leaf); AF is bit 10, AP[2] (read-only) bit 7, nG bit 11, DBM 51,
 * contiguous 52, PXN 53, UXN 54; the output address is bits 12..47. (docs/kernel-facts.md marks these
 * unverified; they match pgtable-hwdef.h as mirrored here.)
 */
export const ARM64_LEVELS = 4;
export const PTRS_PER_TABLE = 512;
export const PAGE_SHIFT = 12n;
export const PMD_SHIFT = 21n;
export const PUD_SHIFT = 30n;
export const PGDIR_SHIFT = 39n;
export const PAGE_SIZE = 1n << PAGE_SHIFT;
export const PMD_SIZE = 1n << PMD_SHIFT;
export const PUD_SIZE = 1n << PUD_SHIFT;
export const PGDIR_SIZE = 1n << PGDIR_SHIFT;

export const PTE_VALID = 1n << 0n;
/** `PTE_TABLE_BIT` is bit 1: table at levels 0-2, page at level 3; clear at levels 1-2 means block. */
export const PTE_TABLE_BIT = 1n << 1n;
export const PTE_TYPE_MASK = 3n;
export const PMD_TYPE_TABLE = 3n;
export const PMD_TYPE_SECT = 1n;
export const PTE_TYPE_PAGE = 3n;
export const PTE_RDONLY = 1n << 7n;
export const PTE_AF = 1n << 10n;
export const PTE_NG = 1n << 11n;
export const PTE_DBM = 1n << 51n;
export const PTE_CONT = 1n << 52n;
export const PTE_PXN = 1n << 53n;
export const PTE_UXN = 1n << 54n;
/** `PTE_ADDR_MASK` is the output address, bits 12..47. */
export const PTE_ADDR_MASK = ((1n << 48n) - 1n) & ~((1n << 12n) - 1n);
/** `PROT_SECT_NORMAL`-like attributes used by the models' kernel mappings. */
export const PAGE_KERNEL = PTE_AF | PTE_PXN | PTE_UXN;
export const PAGE_KERNEL_RO = PAGE_KERNEL | PTE_RDONLY;

/** `shiftOf` is the shift of `level` (1 = PTE .. 4 = PGD). */
export function shiftOf(level: number): bigint {
  return PAGE_SHIFT + 9n * BigInt(level - 1);
}

/** `indexOf` is the index of `va` in a table of `level`. */
export function indexOf(va: bigint, level: number): number {
  return Number((va >> shiftOf(level)) & 511n);
}

/** `entryVal` normalizes a word read from memory (signed) to the unsigned descriptor. */
export function entryVal(e: bigint): bigint {
  return BigInt.asUintN(64, e);
}

export function descNone(e: bigint): boolean {
  return entryVal(e) === 0n;
}

export function descValid(e: bigint): boolean {
  return (entryVal(e) & PTE_VALID) !== 0n;
}

/** `descTable` is pmd_table()/pud_table(): valid with the table bit set (levels 2-4). */
export function descTable(e: bigint, level: number): boolean {
  return level > 1 && (entryVal(e) & PTE_TYPE_MASK) === PMD_TYPE_TABLE;
}

/** `descSect` is pmd_sect()/pud_sect(): a valid block descriptor at level 2 or 3. */
export function descSect(e: bigint, level: number): boolean {
  return (level === 2 || level === 3) && (entryVal(e) & PTE_TYPE_MASK) === PMD_TYPE_SECT;
}

/** `descLeaf` is p?d_leaf(): a page at level 1, a block at levels 2-3. */
export function descLeaf(e: bigint, level: number): boolean {
  if (level === 1) return (entryVal(e) & PTE_TYPE_MASK) === PTE_TYPE_PAGE;
  return descSect(e, level);
}

/** `descBad` is p?d_bad(): not a table at a level that can only hold tables (PGD), or invalid. */
export function descBad(e: bigint, level: number): boolean {
  if (descNone(e)) return false;
  if (level === 4) return !descTable(e, level);
  return !descValid(e);
}

/** `descAddr` is the output address of a descriptor. */
export function descAddr(e: bigint): bigint {
  return entryVal(e) & PTE_ADDR_MASK;
}

/** `mkTableDesc` is __p?d_populate(): a table descriptor pointing at physical address `pa`. */
export function mkTableDesc(pa: bigint): bigint {
  return (pa & PTE_ADDR_MASK) | PMD_TYPE_TABLE;
}

/** `mkPageDesc` is pfn_pte(pfn, PAGE_KERNEL): a valid level-3 page descriptor. */
export function mkPageDesc(pa: bigint, prot: bigint = PAGE_KERNEL): bigint {
  return (pa & PTE_ADDR_MASK) | prot | PTE_TYPE_PAGE;
}

/** `mkSectDesc` is pfn_pmd(pfn, mk_pmd_sect_prot(prot)): a block descriptor at level 2 or 3. */
export function mkSectDesc(pa: bigint, prot: bigint = PAGE_KERNEL): bigint {
  return (pa & PTE_ADDR_MASK) | prot | PMD_TYPE_SECT;
}
