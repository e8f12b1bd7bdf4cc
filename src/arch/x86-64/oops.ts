import type { AccessKind } from '../arch.js';
import { isFolded, levelName, type PageTableFormat } from '../format.js';
import type { WalkStep } from '../hw-walk.js';
import { entryLeaf, entryPresent } from './entry.js';
import { formatVa } from './paging.js';

/**
 * `oopsHeadline` is the oops x86 prints for a kernel-mode not-present fault
 * (arch/x86/mm/fault.c: page_fault_oops, show_fault_oops, dump_pagetable, __die_header):
 *
 * ```
 * BUG: unable to handle page fault for address: ffffe70000000034
 * #PF: supervisor write access in kernel mode
 * #PF: error_code(0x0002) - not-present page
 * PGD 0 P4D 0
 * Oops: 0002 [#1] SMP NOPTI
 * ```
 *
 * The error code has W (bit 1) for a write and neither P (bit 0, the page was not present) nor
 * U (bit 2, kernel mode). `walkLine` comes from `oopsWalkLine`.
 */
export function oopsHeadline(va: bigint, kind: AccessKind, walkLine: string): string[] {
  const code = kind === 'write' ? 0x0002 : 0x0000;
  const hex = code.toString(16).padStart(4, '0');
  return [
    `BUG: unable to handle page fault for address: ${formatVa(va)}`,
    `#PF: supervisor ${kind} access in kernel mode`,
    `#PF: error_code(0x${hex}) - not-present page`,
    walkLine,
    `Oops: ${hex} [#1] SMP NOPTI`,
  ];
}

/**
 * `oopsWalkLine` prints the walk as dump_pagetable() in arch/x86/mm/fault.c does (64-bit):
 * `PGD <e>`, then, while the entry is present and not a leaf, the next level. With the P4D
 * folded, pgd_present() is always true, so the folded P4D is printed with the PGD's value:
 * `PGD 0 P4D 0`, `PGD 4003067 P4D 4003067 PUD 0`.
 */
export function oopsWalkLine(fmt: PageTableFormat, steps: readonly WalkStep[]): string {
  const parts: string[] = [];
  for (const s of steps) {
    const v = BigInt.asUintN(64, s.entry).toString(16);
    const name = levelName(fmt, s.level).toUpperCase();
    parts.push(`${name} ${v}`);
    if (s.level === fmt.levels && isFolded(fmt, 'p4d')) parts.push(`P4D ${v}`);
    if (!entryPresent(s.entry) || ((s.level === 2 || s.level === 3) && entryLeaf(s.entry))) break;
  }
  return parts.join(' ');
}
