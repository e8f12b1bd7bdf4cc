import { formatVa } from '../arch/x86-64/paging.js';

/** `AccessKind` is what the faulting instruction did. */
export type AccessKind = 'read' | 'write';

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
 * U (bit 2, kernel mode). `walkLine` comes from `oopsWalkLine` (src/arch/x86-64/translate.ts).
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
