/**
 * `pagerace/arm64` is arm64 (4 KiB granule, 48-bit VAs) for the kernel library: the
 * architecture, its descriptor bits and the arch/arm64/mm code.
 */
export { ARM64, ARM64_PAGE_OFFSET, ARM64_VMALLOC_START } from '../../arch/arm64/arch.js';
export * as arm64 from '../../arch/arm64/pgtable.js';
