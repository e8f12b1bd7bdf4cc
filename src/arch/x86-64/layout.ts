import { type PagingLevels, pgd_index } from './paging.js';

/**
 * `KernelLayout` is the x86-64 kernel address map without KASLR
 * (Documentation/arch/x86/x86_64/mm.rst, arch/x86/include/asm/page_64_types.h,
 * pgtable_64_types.h, kasan.h). KASLR moves the direct map, vmalloc and vmemmap bases at 1 GiB
 * (PUD) granularity, which is how a section's struct pages can land in a top-level slot nothing
 * has used yet; models pass such a base explicitly.
 */
export interface KernelLayout {
  levels: PagingLevels;
  /** `PAGE_OFFSET` (page_offset_base): the direct map of all physical memory */
  pageOffset: bigint;
  /** `VMALLOC_START` (vmalloc_base) */
  vmallocStart: bigint;
  /** `VMEMMAP_START` (vmemmap_base): the struct page array */
  vmemmapStart: bigint;
  /** `KASAN_SHADOW_START` = KASAN_SHADOW_OFFSET + ((-1UL << __VIRTUAL_MASK_SHIFT) >> 3) */
  kasanShadowStart: bigint;
  /** `KASAN_SHADOW_END` = KASAN_SHADOW_START + (1UL << (__VIRTUAL_MASK_SHIFT - 3)) */
  kasanShadowEnd: bigint;
  /** `CPU_ENTRY_AREA_BASE` */
  cpuEntryArea: bigint;
  /** `ESPFIX_BASE_ADDR` */
  espfix: bigint;
  /** `__START_KERNEL_map`: kernel text, modules and fixmap live in the last slot */
  startKernelMap: bigint;
  /**
   * `KERNEL_PGD_BOUNDARY` = pgd_index(PAGE_OFFSET) (arch/x86/include/asm/pgtable.h): pgd_ctor
   * copies slots from here up from swapper_pg_dir into every new PGD.
   */
  kernelPgdBoundary: number;
}

/** `KASAN_SHADOW_OFFSET` (CONFIG_KASAN_SHADOW_OFFSET on x86-64). */
export const KASAN_SHADOW_OFFSET = 0xdffffc0000000000n;
/** `STRUCT_PAGE_SIZE`: sizeof(struct page) without debug options. */
export const STRUCT_PAGE_SIZE = 64n;
/** `PAGE_REFCOUNT_OFFSET`: offsetof(struct page, _refcount), 0x34 (the oops address's low byte). */
export const PAGE_REFCOUNT_OFFSET = 0x34n;

function kasan(virtualMaskShift: number): { start: bigint; end: bigint } {
  const start = BigInt.asUintN(
    64,
    KASAN_SHADOW_OFFSET + (BigInt.asUintN(64, -1n << BigInt(virtualMaskShift)) >> 3n),
  );
  return { start, end: start + (1n << BigInt(virtualMaskShift - 3)) };
}

const L4_KASAN = kasan(47);
const L5_KASAN = kasan(56);

/** `LAYOUT_L4` is the 4-level map: direct map 273, vmalloc 402, vmemmap 468, KASAN 472-503. */
export const LAYOUT_L4: KernelLayout = {
  levels: 4,
  pageOffset: 0xffff888000000000n,
  vmallocStart: 0xffffc90000000000n,
  vmemmapStart: 0xffffea0000000000n,
  kasanShadowStart: L4_KASAN.start,
  kasanShadowEnd: L4_KASAN.end,
  cpuEntryArea: 0xfffffe0000000000n,
  espfix: 0xffffff0000000000n,
  startKernelMap: 0xffffffff80000000n,
  kernelPgdBoundary: pgd_index(0xffff888000000000n, 4),
};

/** `LAYOUT_L5` is the 5-level map: direct map ff11..., vmalloc ffa0..., vmemmap ffd4.... */
export const LAYOUT_L5: KernelLayout = {
  levels: 5,
  pageOffset: 0xff11000000000000n,
  vmallocStart: 0xffa0000000000000n,
  vmemmapStart: 0xffd4000000000000n,
  kasanShadowStart: L5_KASAN.start,
  kasanShadowEnd: L5_KASAN.end,
  cpuEntryArea: 0xfffffe0000000000n,
  espfix: 0xffffff0000000000n,
  startKernelMap: 0xffffffff80000000n,
  kernelPgdBoundary: pgd_index(0xff11000000000000n, 5),
};

/** `layoutFor` is the kernel map of a paging mode. */
export function layoutFor(levels: PagingLevels): KernelLayout {
  return levels === 5 ? LAYOUT_L5 : LAYOUT_L4;
}

/** `pfn_to_page` is the vmemmap address of the struct page of `pfn`: vmemmap_base + 64 * pfn. */
export function pfn_to_page(pfn: bigint, vmemmapBase: bigint): bigint {
  return BigInt.asUintN(64, vmemmapBase + STRUCT_PAGE_SIZE * pfn);
}
