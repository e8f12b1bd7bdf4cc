import type { Cpu, Steps } from '../../engine/cpu.js';
import { FrameState } from '../../machine/frame-state.js';
import { readEntry, tableOf, writeEntry } from '../access.js';
import { spin_lock, spin_unlock } from '../locks.js';
import type { KernelMachine, MmInfo } from '../machine.js';
import { free_pgtable_page } from '../pgalloc.js';
import { flush_tlb_kernel_range } from '../tlb.js';
import { pgd_list_add, pgd_list_del } from './pgd-list.js';
import { x86Of } from './x86-arch.js';

/**
 * `PGD_ALLOCATION_ORDER` (arch/x86/include/asm/pgalloc.h): with page-table isolation a PGD is
 * two pages, the kernel's and, right after it, the user copy (kernel_to_user_pgdp()).
 */
export function pgdAllocationOrder(k: KernelMachine): number {
  return x86Of(k).pti ? 1 : 0;
}

/**
 * `clone_pgd_range` (arch/x86/include/asm/pgtable.h): memcpy of `count` top-level entries, and
 * with PTI the same for the user copies ("Clone the user space pgd as well"). Each memcpy is one
 * `copy` step, under pgd_lock.
 */
export function* clone_pgd_range(c: Cpu, k: KernelMachine, dst: number, src: number, count: number): Steps {
  yield c.copy(dst, src, count, 'clone_pgd_range');
  if (x86Of(k).pti) yield c.copy(dst + 4096, src + 4096, count, 'clone_pgd_range (user copy)');
}

/**
 * `pgd_ctor` (arch/x86/mm/pgtable.c), called with pgd_lock held: clone_pgd_range() copies the
 * kernel half (slots KERNEL_PGD_BOUNDARY up) from swapper_pg_dir, then pgd_set_mm() and
 * pgd_list_add(). Every writer of init_mm's top-level slots that could race with the copy either
 * holds pgd_lock (sync) or is ordered against it through the copy's read of those slots, which
 * the search sees as a conflict. With `bugs.forkJoinsOutsideLock` the caller links the PGD
 * itself after dropping the lock.
 */
export function* pgd_ctor(c: Cpu, k: KernelMachine, mm: MmInfo, pgd: number): Steps {
  c.enter('pgd_ctor');
  const boundary = k.arch.kernelPgdBoundary;
  const swapper = k.swapper(c.mem);
  yield* clone_pgd_range(
    c,
    k,
    pgd + boundary * 8,
    swapper + boundary * 8,
    k.fmt.ptrs(k.fmt.levels) - boundary,
  );
  c.mem.store(mm.cloneDone, 1n); // ghost (I4): the clone is complete
  yield c.store(mm.ptMm, k.__va(mm.pgd), 'pgd_set_mm');
  if (!k.bugs.forkJoinsOutsideLock) yield* pgd_list_add(c, k, mm);
  c.leave();
}

/**
 * `pgd_alloc` (arch/x86/mm/pgtable.c): allocate a zeroed PGD (_pgd_alloc: order 1 with PTI)
 * outside the lock, set mm->pgd, then "make sure that pre-populating the pmds is atomic with
 * respect to anything walking the pgd_list": spin_lock(&pgd_lock); pgd_ctor(); spin_unlock().
 * (x86-64 preallocates no PMDs.) Returns the PGD's physical address.
 */
export function* pgd_alloc(c: Cpu, k: KernelMachine, mm: MmInfo): Steps<number> {
  const frame = Number(yield c.alloc(FrameState.Pgd, `${mm.name}.pgd`, '_pgd_alloc', pgdAllocationOrder(k)));
  const pgd = frame * 4096;
  yield c.store(mm.pgd, k.__va(pgd), 'mm->pgd');
  yield spin_lock(c, k.pgdLock);
  yield* pgd_ctor(c, k, mm, pgd);
  yield spin_unlock(c, k.pgdLock);
  if (k.bugs.forkJoinsOutsideLock) yield* pgd_list_add(c, k, mm);
  return pgd;
}

/**
 * `pgd_dtor` (arch/x86/mm/pgtable.c): unlink the PGD from pgd_list under pgd_lock (the mutant
 * `bugs.exitWithoutLock` does it without).
 */
export function* pgd_dtor(c: Cpu, k: KernelMachine, mm: MmInfo): Steps {
  c.enter('pgd_dtor');
  if (!k.bugs.exitWithoutLock) yield spin_lock(c, k.pgdLock);
  yield* pgd_list_del(c, k, mm);
  if (!k.bugs.exitWithoutLock) yield spin_unlock(c, k.pgdLock);
  c.leave();
}

/**
 * `pgd_free` (arch/x86/mm/pgtable.c): pgd_dtor() unlinks the PGD from pgd_list, then the page
 * (two with PTI) is freed (poisoned, in the model: a sync still holding a pointer to it reads
 * 0x6b6b..., and the use-after-free oracle says who freed it).
 */
export function* pgd_free(c: Cpu, k: KernelMachine, mm: MmInfo): Steps {
  yield* pgd_dtor(c, k, mm);
  const pgd = k.__pa(yield c.load(mm.pgd, 'mm->pgd'));
  yield c.free(pgd >>> 12, '_pgd_free', pgdAllocationOrder(k));
  k.ghost.recordFree(c.mem, pgd >>> 12, c.id, '_pgd_free');
}

/**
 * `pmd_free_pte_page` (arch/x86/mm/pgtable.c) for vmalloc's huge mappings: take the PTE table
 * the pmd points to, pmd_clear(), "INVLPG to clear all paging-structure caches"
 * (flush_tlb_kernel_range), then free the table. Returns 1.
 */
export function* pmd_free_pte_page(c: Cpu, k: KernelMachine, pmdp: number, addr: bigint): Steps<number> {
  c.enter('pmd_free_pte_page');
  const pmd = yield* readEntry(c, k, pmdp, 2, 'pmd_page_vaddr(*pmd)');
  const pte = tableOf(c, k, pmd, 1, pmdp) >>> 12;
  yield* writeEntry(c, k, pmdp, 2, 0n, 'pmd_clear');
  yield* flush_tlb_kernel_range(c, k, addr, addr + 4096n);
  yield* free_pgtable_page(c, k, pte, 'free_page');
  return c.leave(1);
}
