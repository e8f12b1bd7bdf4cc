/**
 * x86-32 PAE page-table entries (arch/x86/include/asm/pgtable-3level_types.h): 64-bit entries
 * that a 32-bit CPU reads and writes as two 32-bit halves, `pmd_low` at the entry's address and
 * `pmd_high` 4 bytes above (little endian). The bits are the x86 ones: P=0, RW=1, US=2, A=5, D=6,
 * PSE=7, the PFN from bit 12 up (above 4 GiB it reaches into the high half), NX=63 (high half).
 */
export const PAE_PRESENT = 1n << 0n;
export const PAE_RW = 1n << 1n;
export const PAE_USER = 1n << 2n;
export const PAE_ACCESSED = 1n << 5n;
export const PAE_DIRTY = 1n << 6n;
export const PAE_PSE = 1n << 7n;
export const PAE_NX = 1n << 63n;
/** `PAE_TABLE` (_PAGE_TABLE, 0x67): what pmd_populate writes for a PTE table */
export const PAE_TABLE = PAE_PRESENT | PAE_RW | PAE_USER | PAE_ACCESSED | PAE_DIRTY;
/** `PAE_PFN_MASK`: physical address bits 12..51 */
export const PAE_PFN_MASK = ((1n << 52n) - 1n) & ~0xfffn;
/** `PAE_HIGH_OFFSET`: byte offset of pmd_high within the entry */
export const PAE_HIGH_OFFSET = 4;

/** `paeLow` is pmd_low: bits 0..31. */
export function paeLow(e: bigint): number {
  return Number(BigInt.asUintN(32, e));
}

/** `paeHigh` is pmd_high: bits 32..63. */
export function paeHigh(e: bigint): number {
  return Number(BigInt.asUintN(32, BigInt.asUintN(64, e) >> 32n));
}

/** `paeJoin` is the 64-bit entry with halves `low` and `high` (unsigned 32-bit numbers). */
export function paeJoin(low: number, high: number): bigint {
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

/** `paeAddr` is the physical address an entry maps or points to. */
export function paeAddr(e: bigint): bigint {
  return BigInt.asUintN(64, e) & PAE_PFN_MASK;
}

export function paePresent(e: bigint): boolean {
  return (BigInt.asUintN(64, e) & PAE_PRESENT) !== 0n;
}

/** `paeHuge` is pmd_leaf on PAE: present with PSE (a 2 MiB page). */
export function paeHuge(e: bigint): boolean {
  return paePresent(e) && (BigInt.asUintN(64, e) & PAE_PSE) !== 0n;
}

/** `paeHex` prints an entry as 16 hex digits, `high_low` style. */
export function paeHex(e: bigint): string {
  return `0x${BigInt.asUintN(64, e).toString(16).padStart(16, '0')}`;
}

/** `describePae` says what a PMD entry means: none, a PTE table, a 2 MiB page, or not present. */
export function describePae(e: bigint): string {
  if (BigInt.asUintN(64, e) === 0n) return 'none';
  if (!paePresent(e)) return 'not present';
  const pa = `0x${paeAddr(e).toString(16)}`;
  return paeHuge(e) ? `a 2 MiB page at ${pa}` : `a PTE table at ${pa}`;
}
