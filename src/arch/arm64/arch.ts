import type { AccessKind, Arch } from '../arch.js';
import { isFolded, levelName } from '../format.js';
import type { WalkStep } from '../hw-walk.js';
import { ARM64_4K_48 } from './format.js';

/** `PAGE_OFFSET` with 48-bit VAs: -(1 << VA_BITS), the start of the linear map (arch/arm64/include/asm/memory.h). */
export const ARM64_PAGE_OFFSET = 0xffff000000000000n;
/** `VMEMMAP_START` with 48-bit VAs and 4 KiB pages (Documentation/arch/arm64/memory.rst: 2 TB of vmemmap). */
export const ARM64_VMEMMAP_START = 0xfffffc0000000000n;
/** `VMALLOC_START` = MODULES_END with 48-bit VAs and a 2 GiB module region (as the models place vmalloc). */
export const ARM64_VMALLOC_START = 0xffff800080000000n;

function hex16(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/**
 * `showPte` is the line arch/arm64/mm/fault.c show_pte() prints for a kernel address: the pgd,
 * then each level down while the entry is neither none nor bad (a block is "bad" below the pgd
 * there: p?d_bad() is "not a table"), the folded p4d with the pgd's value.
 */
function showPte(va: bigint, steps: readonly WalkStep[]): string {
  const fmt = ARM64_4K_48;
  const parts: string[] = [];
  for (const s of steps) {
    const name = levelName(fmt, s.level);
    parts.push(`${name}=${hex16(s.entry)}`);
    if (s.level === fmt.levels && isFolded(fmt, 'p4d')) {
      if (fmt.none(s.entry) || fmt.bad(s.entry, s.level)) break;
      parts.push(`p4d=${hex16(s.entry)}`);
    }
    if (fmt.none(s.entry) || (s.level > 1 && !fmt.table(s.entry, s.level))) break;
  }
  return `[${hex16(va)}] ${parts.join(', ')}`;
}

/**
 * `esr` is the syndrome of a translation fault on a kernel data access (arch/arm64/include/asm/esr.h):
 * EC 0x25 (data abort, current EL) with IL, WnR (bit 6) for a write, and DFSC 0b0001LL, a
 * translation fault at lookup level LL (0 = pgd .. 3 = pte with 4 levels).
 */
function esr(kind: AccessKind, level: number): string {
  const v = 0x96000004 + (ARM64_4K_48.levels - level) + (kind === 'write' ? 0x40 : 0);
  return v.toString(16).padStart(16, '0');
}

/**
 * `ARM64` is arm64 with a 4 KiB granule and 48-bit VAs. The kernel half of the address space is
 * one table (swapper_pg_dir, in TTBR1) that every CPU uses whatever the current mm, so nothing is
 * ever synced between PGDs: ARCH_PAGE_TABLE_SYNC_MASK is not defined (0).
 */
export const ARM64: Arch = {
  id: 'arm64',
  name: ARM64_4K_48.name,
  fmt: ARM64_4K_48,
  physBase: 0n,
  pageOffset: ARM64_PAGE_OFFSET,
  vmemmapStart: ARM64_VMEMMAP_START,
  kernelPgdBoundary: 0,
  kernelHalf: 'shared',
  syncMask: 0,
  formatVa: hex16,
  faultReport(va, kind, steps) {
    const code = esr(kind, steps[steps.length - 1].level);
    return [
      `Unable to handle kernel paging request at virtual address ${hex16(va)}`,
      `Mem abort info: ESR = 0x${code}, WnR = ${kind === 'write' ? 1 : 0}`,
      'swapper pgtable: 4k pages, 48-bit VAs',
      showPte(va, steps),
      `Internal error: Oops: ${code} [#1] SMP`,
    ];
  },
};
