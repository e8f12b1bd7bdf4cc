/**
 * `entry` encodes and decodes x86-64 page-table entries with the real bits
 * (arch/x86/include/asm/pgtable_types.h): P=0, RW=1, US=2, A=5, D=6, PSE=7 (a leaf at PMD/PUD
 * level), G=8, the PFN in bits 12..51, NX=63.
 */

export const _PAGE_PRESENT = 1n << 0n;
export const _PAGE_RW = 1n << 1n;
export const _PAGE_USER = 1n << 2n;
export const _PAGE_ACCESSED = 1n << 5n;
export const _PAGE_DIRTY = 1n << 6n;
/** `_PAGE_PSE`: a leaf at PMD (2 MiB) or PUD (1 GiB) level */
export const _PAGE_PSE = 1n << 7n;
export const _PAGE_GLOBAL = 1n << 8n;
export const _PAGE_NX = 1n << 63n;

/** `PTE_PFN_MASK`: bits 12..51 hold the page frame number. */
export const PTE_PFN_MASK = ((1n << 52n) - 1n) & ~0xfffn;

/** `_PAGE_TABLE` (0x67) is what `p?d_populate` writes for a table: P|RW|US|A|D. */
export const _PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
/** `_KERNPG_TABLE` (0x63) is a kernel table entry without US (set_pgd in early mapping code). */
export const _KERNPG_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
/** `__PAGE_KERNEL` is P|RW|A|D|G|NX: a kernel data page. */
export const __PAGE_KERNEL =
  _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX;
/** `PAGE_KERNEL_LARGE` adds PSE: a 2 MiB (or 1 GiB) kernel leaf. */
export const PAGE_KERNEL_LARGE = __PAGE_KERNEL | _PAGE_PSE;

/** `mkTableEntry` is `__p?d(__pa(table) | _PAGE_TABLE)`: what pud_populate and friends store. */
export function mkTableEntry(pfn: bigint): bigint {
  return (pfn << 12n) | _PAGE_TABLE;
}

/** `pfn_pte` builds a leaf entry for `pfn` with protection `prot` (PAGE_KERNEL, PAGE_KERNEL_LARGE). */
export function pfn_pte(pfn: bigint, prot: bigint): bigint {
  return BigInt.asIntN(64, (pfn << 12n) | prot);
}

/** `entryPfn` is the PFN an entry points to (`pte_pfn`, `pmd_pfn`, ...). */
export function entryPfn(e: bigint): bigint {
  return (BigInt.asUintN(64, e) & PTE_PFN_MASK) >> 12n;
}

/** `entryNone` is `p?d_none`: the entry is all zero. */
export function entryNone(e: bigint): boolean {
  return e === 0n;
}

/** `entryPresent` is `p?d_present`: the P bit. */
export function entryPresent(e: bigint): boolean {
  return (e & _PAGE_PRESENT) !== 0n;
}

/** `entryLeaf` is `p?d_leaf`: a present entry with PSE, at PMD or PUD level. */
export function entryLeaf(e: bigint): boolean {
  return entryPresent(e) && (e & _PAGE_PSE) !== 0n;
}

/** `entryFlags` is the entry without its PFN. */
export function entryFlags(e: bigint): bigint {
  return BigInt.asUintN(64, e) & ~PTE_PFN_MASK;
}
