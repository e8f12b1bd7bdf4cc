import type { Arch } from '../arch.js';
import { PGTBL_P4D_MODIFIED, PGTBL_PGD_MODIFIED } from '../pgtbl-mask.js';
import { MODEL_PHYS_BASE } from '../phys.js';
import { formatFor } from './format.js';
import { type KernelLayout, layoutFor } from './layout.js';
import { oopsHeadline, oopsWalkLine } from './oops.js';
import { formatVa, type PagingLevels } from './paging.js';

/** `X86Arch` is x86-64 with its paging mode and kernel address map (./layout.ts). */
export interface X86Arch extends Arch {
  id: 'x86-64';
  levels: PagingLevels;
  layout: KernelLayout;
}

/**
 * `x86_64Arch` is x86-64 with 4- or 5-level paging. Every mm's PGD has its own copy of the kernel
 * half (pgd_ctor), so a new top-level kernel entry must reach every PGD:
 * ARCH_PAGE_TABLE_SYNC_MASK is the top level, PGTBL_PGD_MODIFIED with 5 levels and
 * PGTBL_P4D_MODIFIED (the folded P4D is the top level) with 4 (6659d0279980,
 * arch/x86/include/asm/pgtable_64_types.h).
 */
export function x86_64Arch(levels: PagingLevels): X86Arch {
  const layout = layoutFor(levels);
  const fmt = formatFor(levels);
  return {
    id: 'x86-64',
    name: fmt.name,
    fmt,
    levels,
    layout,
    physBase: MODEL_PHYS_BASE,
    pageOffset: layout.pageOffset,
    vmemmapStart: layout.vmemmapStart,
    kernelPgdBoundary: layout.kernelPgdBoundary,
    kernelHalf: 'copied',
    syncMask: levels === 5 ? PGTBL_PGD_MODIFIED : PGTBL_P4D_MODIFIED,
    formatVa,
    faultReport: (va, kind, steps) => oopsHeadline(va, kind, oopsWalkLine(fmt, steps)),
  };
}
