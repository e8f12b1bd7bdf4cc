/**
 * `struct page` as the vmemmap models see it (include/linux/mm_types.h): 64 bytes without debug
 * options, `_refcount` at offset 0x34 (the low byte of the oops address of docs/scenarios.md), and
 * the struct page of pfn p at `vmemmap_base + 64 * p` (include/asm-generic/memory_model.h,
 * CONFIG_SPARSEMEM_VMEMMAP).
 */

/** `STRUCT_PAGE_SIZE`: sizeof(struct page). */
export const STRUCT_PAGE_SIZE = 64n;
/** `PAGE_REFCOUNT_OFFSET`: offsetof(struct page, _refcount). */
export const PAGE_REFCOUNT_OFFSET = 0x34n;
/** `PAGES_PER_SECTION`: 128 MiB sections of 4 KiB pages (SECTION_SIZE_BITS 27 on x86-64 and arm64). */
export const PAGES_PER_SECTION = 32768n;

/** `pfn_to_page` is the vmemmap address of the struct page of `pfn`: vmemmap_base + 64 * pfn. */
export function pfn_to_page(pfn: bigint, vmemmapBase: bigint): bigint {
  return BigInt.asUintN(64, vmemmapBase + STRUCT_PAGE_SIZE * pfn);
}
