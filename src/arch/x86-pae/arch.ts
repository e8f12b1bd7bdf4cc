import type { AccessKind, Arch } from '../arch.js';
import type { WalkStep } from '../hw-walk.js';
import { MODEL_PHYS_BASE } from '../phys.js';
import { X86_PAE } from './format.js';

/** `PAE_PAGE_OFFSET`: the 3G/1G split (CONFIG_PAGE_OFFSET). */
export const PAE_PAGE_OFFSET = 0xc0000000n;

function hex8(v: bigint): string {
  return BigInt.asUintN(32, v).toString(16).padStart(8, '0');
}

function hex16(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/**
 * `dumpPagetable` is the 32-bit PAE dump_pagetable() of arch/x86/mm/fault.c:
 * `*pdpt = <16 hex>`, and when present `*pde = <16 hex>`, then `*pte = ...` below a table.
 */
function dumpPagetable(steps: readonly WalkStep[]): string {
  const names = ['', '*pte', '*pde', '*pdpt'];
  return steps.map((s) => `${names[s.level]} = ${hex16(s.entry)}`).join(' ');
}

function oops(va: bigint, kind: AccessKind, steps: readonly WalkStep[]): string[] {
  const code = (kind === 'write' ? 0x0002 : 0).toString(16).padStart(4, '0');
  return [
    `BUG: unable to handle page fault for address: ${hex8(va)}`,
    `#PF: supervisor ${kind} access in kernel mode`,
    `#PF: error_code(0x${code}) - not-present page`,
    dumpPagetable(steps),
    `Oops: ${code} [#1] SMP`,
  ];
}

/**
 * `X86_PAE_ARCH` is x86-32 with PAE and the 3G/1G split. Each mm has its own PDPT whose kernel
 * entry points to PMD tables shared with init_mm (SHARED_KERNEL_PMD, no PTI), so nothing below
 * is synced: ARCH_PAGE_TABLE_SYNC_MASK is 0 (arch/x86/include/asm/pgtable-3level_types.h).
 */
export const X86_PAE_ARCH: Arch = {
  id: 'x86-pae',
  name: X86_PAE.name,
  fmt: X86_PAE,
  physBase: MODEL_PHYS_BASE,
  pageOffset: PAE_PAGE_OFFSET,
  vmemmapStart: 0n,
  kernelPgdBoundary: 3,
  kernelHalf: 'copied',
  syncMask: 0,
  formatVa: hex8,
  faultReport: oops,
};
