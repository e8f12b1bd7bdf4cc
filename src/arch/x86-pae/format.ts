import type { PageTableFormat } from '../format.js';
import { MODEL_PHYS_BASE } from '../phys.js';
import {
  PAE_ACCESSED,
  PAE_DIRTY,
  PAE_PRESENT,
  PAE_PSE,
  PAE_RW,
  PAE_TABLE,
  paeAddr,
  paePresent,
} from './pgtable.js';

/** `PAE_KERNEL` is a kernel leaf's protection: P|RW|A|D (0x63). */
const PAE_KERNEL = PAE_PRESENT | PAE_RW | PAE_ACCESSED | PAE_DIRTY;

const SHIFTS = [0n, 12n, 21n, 30n];
/** `PTRS_PER_PGD` on PAE: the PDPT has 4 entries (arch/x86/include/asm/pgtable-3level_types.h) */
export const PAE_PTRS_PER_PGD = 4;

/**
 * `X86_PAE` is x86-32 PAE paging (./pgtable.ts) as a generic format: three levels (PGD = the
 * 4-entry PDPT, PMD, PTE), the p4d and pud folded (pgtable-nop4d.h, pgtable-nopud.h). A PDPTE
 * has only its present bit besides the address: PAE's pud_populate() writes `__pa(pmd) |
 * _PAGE_PRESENT` (arch/x86/include/asm/pgalloc.h). Table entries hold model PFNs like x86-64's
 * (src/arch/phys.ts).
 */
export const X86_PAE: PageTableFormat = {
  name: 'x86 PAE',
  levels: 3,
  shift: (level) => SHIFTS[level],
  ptrs: (level) => (level === 3 ? PAE_PTRS_PER_PGD : 512),
  none: (e) => e === 0n,
  present: (e) => paePresent(e),
  leaf: (e, level) =>
    paePresent(e) && (level === 1 || (level === 2 && (BigInt.asUintN(64, e) & PAE_PSE) !== 0n)),
  table: (e, level) =>
    level > 1 && paePresent(e) && (level === 3 || (BigInt.asUintN(64, e) & PAE_PSE) === 0n),
  bad: (e) => e !== 0n && !paePresent(e),
  addr: (e) => paeAddr(e) - MODEL_PHYS_BASE,
  mkTable: (pa, level) => (MODEL_PHYS_BASE + pa) | (level === 3 ? PAE_PRESENT : PAE_TABLE),
  mkLeaf: (pa, level) => BigInt.asIntN(64, pa | PAE_KERNEL | (level === 2 ? PAE_PSE : 0n)),
  folded: ['p4d', 'pud'],
};
