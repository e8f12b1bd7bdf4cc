import type { PageTableFormat } from './format.js';
import type { WalkStep } from './hw-walk.js';

/** `ArchId` names an architecture the kernel machine can be built for. */
export type ArchId = 'x86-64' | 'arm64' | 'x86-pae';

/** `AccessKind` is what a faulting access did. */
export type AccessKind = 'read' | 'write';

/**
 * `Arch` is everything the kernel code needs to know about an architecture, in one place: its
 * entry format (`fmt`), how the model's physical addresses look to the CPU, the kernel's address
 * map as far as the models use it, whether each mm has its own copy of the kernel half of the
 * top-level table, which table modifications need arch_sync_kernel_mappings(), and what the
 * kernel prints when a kernel access faults. The hardware walk is generic over `fmt`
 * (src/arch/hw-walk.ts); its report is the arch's `faultReport`.
 */
export interface Arch {
  id: ArchId;
  /** `x86-64 4-level`, `arm64 4K/48-bit`, `x86 PAE` */
  name: string;
  fmt: PageTableFormat;
  /** the physical address the CPU sees for model physical address 0 */
  physBase: bigint;
  /** PAGE_OFFSET: the direct map, `__va(pa) = pageOffset + pa` */
  pageOffset: bigint;
  /** VMEMMAP_START: the struct page array without KASLR */
  vmemmapStart: bigint;
  /** KERNEL_PGD_BOUNDARY: the first top-level slot of the kernel half */
  kernelPgdBoundary: number;
  /**
   * `copied`: every mm's PGD holds a copy of the kernel half, which new top-level entries must be
   * synced into (x86); `shared`: the kernel half is one table every CPU uses (arm64's TTBR1)
   */
  kernelHalf: 'copied' | 'shared';
  /** ARCH_PAGE_TABLE_SYNC_MASK (src/arch/pgtbl-mask.ts): 0 when nothing needs a sync */
  syncMask: number;
  /** `formatVa` prints a virtual address as the arch's oops does (16 hex digits on 64-bit) */
  formatVa(va: bigint): string;
  /** `faultReport` is what the kernel prints for a kernel-mode access to `va` that the walk `steps` could not translate */
  faultReport(va: bigint, kind: AccessKind, steps: readonly WalkStep[]): string[];
}
