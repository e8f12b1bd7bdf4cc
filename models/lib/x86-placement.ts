import { LAYOUT_L4, LAYOUT_L5 } from '../../src/arch/x86-64/layout.js';
import type { Level, PagingLevels } from '../../src/arch/x86-64/paging.js';
import { pgd_index } from '../../src/arch/x86-64/paging.js';
import type { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { pfn_to_page } from '../../src/kernel/struct-page.js';

/**
 * `Landing` is where a hot-added section's struct pages land: in a top-level slot nothing has used
 * yet (`fresh`, as in the mail: KASLR put vmemmap_base just below a slot boundary and the pmem sits
 * high in physical memory), or in a slot init_mm and every task already have (`present`).
 */
export type Landing = 'fresh' | 'present';

/** `PAGING_MODES` and `LANDINGS` are the axes every kernel vmemmap model is generated over. */
export const PAGING_MODES: readonly PagingLevels[] = [4, 5];
export const LANDINGS: readonly Landing[] = ['fresh', 'present'];

/** `PMEM_PFN`: the first pfn of the hot-added pmem, at 16 TiB of physical memory. */
export const PMEM_PFN = 1n << 32n;

/** `Placement` fixes vmemmap_base and what init_mm maps at boot for one paging mode and landing. */
export interface Placement {
  levels: PagingLevels;
  landing: Landing;
  /** vmemmap_base as KASLR chose it (1 GiB aligned) */
  vmemmapBase: bigint;
  /** the struct page of PMEM_PFN */
  page: bigint;
  /** the top-level slot the section lands in */
  slot: number;
  /** for `present`: the boot table below the slot (a PUD table in 4-level, a P4D table in 5-level) */
  boot: { va: bigint; level: Level } | null;
}

/**
 * `placement` gives the addresses of one configuration:
 * - 4-level fresh: vmemmap_base ffffe6c000000000, the section's struct pages at ffffe70000000000,
 *   the first bytes of slot 462 (the oops address ffffe70000000034 is its _refcount);
 * - 4-level present: vmemmap_base ffffea0000000000 (slot 468, present at boot), pages at ffffea4000000000;
 * - 5-level fresh: vmemmap_base ffd4ffc000000000, pages at ffd5000000000000, slot 469;
 * - 5-level present: vmemmap_base ffd4000000000000 (slot 468 present at boot, its P4D entry not).
 */
export function placement(levels: PagingLevels, landing: Landing): Placement {
  const layout = levels === 5 ? LAYOUT_L5 : LAYOUT_L4;
  let vmemmapBase: bigint;
  if (landing === 'present') vmemmapBase = layout.vmemmapStart;
  else vmemmapBase = levels === 5 ? 0xffd4ffc000000000n : 0xffffe6c000000000n;
  const page = pfn_to_page(PMEM_PFN, vmemmapBase);
  const boot = landing === 'present' ? { va: page, level: (levels === 5 ? 'p4d' : 'pud') as Level } : null;
  return { levels, landing, vmemmapBase, page, slot: pgd_index(page, levels), boot };
}

/** `applyBoot` maps the placement's boot tables in init_mm; call before declaring tasks. */
export function applyBoot(kb: KernelBuilder, p: Placement): void {
  if (p.boot) kb.table(p.boot.va, p.boot.level, { prefix: 'boot.' });
}

/** `configName` is the variant suffix of a configuration: `l4-fresh`, `l5-present`. */
export function configName(levels: PagingLevels, landing: Landing): string {
  return `l${levels}-${landing}`;
}
