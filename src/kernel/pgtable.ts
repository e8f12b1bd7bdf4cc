import { PTRS_PER_TABLE } from '../arch/x86-64/paging.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { FrameState } from '../machine/frame-state.js';
import type { Kernel, MmInfo } from './kernel.js';
import { spin_lock, spin_unlock } from './locks.js';
import { pgd_list_add, pgd_list_del } from './pgd-list.js';
import { frameAddr } from './phys.js';

/**
 * `pgd_ctor` (arch/x86/mm/pgtable.c), called with pgd_lock held: clone_pgd_range() copies the
 * kernel half (slots KERNEL_PGD_BOUNDARY..511) from swapper_pg_dir, then pgd_set_mm() and
 * pgd_list_add(). clone_pgd_range is a memcpy under pgd_lock; it is one `copy` step here: every
 * writer of init_mm's top-level slots that could race with it either holds pgd_lock (sync) or is
 * ordered against it through the copy's read of those slots, which the search sees as a conflict.
 *
 * With `bugs.forkJoinsOutsideLock` the caller links the PGD itself after dropping the lock.
 */
export function* pgd_ctor(c: Cpu, k: Kernel, mm: MmInfo, pgd: number): Steps {
  c.enter('pgd_ctor');
  const boundary = k.layout.kernelPgdBoundary;
  const swapper = k.pgdOf(k.initMm, (a) => c.mem.load(a));
  yield c.copy(pgd + boundary * 8, swapper + boundary * 8, PTRS_PER_TABLE - boundary, 'clone_pgd_range');
  c.mem.store(mm.cloneDone, 1n); // ghost (I4): the clone is complete
  yield c.store(mm.ptMm, k.__va(mm.pgd), 'pgd_set_mm');
  if (!k.bugs.forkJoinsOutsideLock) yield* pgd_list_add(c, k, mm);
  c.leave();
}

/**
 * `pgd_alloc` (arch/x86/mm/pgtable.c): allocate a zeroed PGD page outside the lock, set mm->pgd,
 * then "make sure that pre-populating the pmds is atomic with respect to anything walking the
 * pgd_list": spin_lock(&pgd_lock); pgd_ctor(); spin_unlock(&pgd_lock). Returns the PGD's
 * physical address.
 */
export function* pgd_alloc(c: Cpu, k: Kernel, mm: MmInfo): Steps<number> {
  const frame = Number(yield c.alloc(FrameState.Pgd, `${mm.name}.pgd`, '_pgd_alloc'));
  const pgd = frameAddr(frame);
  yield c.store(mm.pgd, k.__va(pgd), 'mm->pgd');
  yield* spin_lock(c, k.pgdLock);
  yield* pgd_ctor(c, k, mm, pgd);
  yield* spin_unlock(c, k.pgdLock);
  if (k.bugs.forkJoinsOutsideLock) yield* pgd_list_add(c, k, mm);
  return pgd;
}

/**
 * `pgd_dtor` (arch/x86/mm/pgtable.c): unlink the PGD from pgd_list under pgd_lock (the mutant
 * `bugs.exitWithoutLock` does it without).
 */
export function* pgd_dtor(c: Cpu, k: Kernel, mm: MmInfo): Steps {
  c.enter('pgd_dtor');
  if (!k.bugs.exitWithoutLock) yield* spin_lock(c, k.pgdLock);
  yield* pgd_list_del(c, k, mm);
  if (!k.bugs.exitWithoutLock) yield* spin_unlock(c, k.pgdLock);
  c.leave();
}

/**
 * `pgd_free` (arch/x86/mm/pgtable.c): pgd_dtor() unlinks the PGD from pgd_list, then the page is
 * freed (poisoned, in the model: a sync still holding a pointer to it reads 0x6b6b...).
 */
export function* pgd_free(c: Cpu, k: Kernel, mm: MmInfo): Steps {
  yield* pgd_dtor(c, k, mm);
  const pgd = k.__pa(yield c.load(mm.pgd, 'mm->pgd'));
  yield c.free(pgd >>> 12, '_pgd_free');
}
