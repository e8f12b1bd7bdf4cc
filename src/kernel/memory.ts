import type { Cpu, Steps } from '../engine/cpu.js';
import { FrameState } from '../machine/frame-state.js';
import { childEntry, readEntry } from './access.js';
import { smp_wmb } from './barrier.js';
import { spin_lock, spin_unlock } from './locks.js';
import type { KernelMachine, MmInfo } from './machine.js';
import {
  alloc_pgtable,
  free_pgtable_page,
  p4d_populate,
  pgd_populate,
  pmd_populate_kernel,
  pud_populate,
} from './pgalloc.js';
import { foldedBelow, levelNumber } from './pgtable.js';

/**
 * mm/memory.c: the generic allocation of a missing page-table level, and include/linux/mm.h's
 * p?d_alloc wrappers around it. Each `__p?d_alloc` allocates the table outside the lock, takes
 * the mm's page_table_lock (pud_lock and pmd_lock are that lock without split PMD locks), and
 * only populates the entry if nobody else did meanwhile ("Another has populated it"), else frees
 * its table. `smp_wmb()` orders the table's zeroing before the entry that publishes it ("See
 * comment in pmd_install()"): a compiler barrier on x86 (TSO keeps stores in order), `dmb ishst`
 * on arm64, a step without effect under sc. The mutant `bugs.allocWithoutRecheck` populates
 * without the re-check, `bugs.pteAllocNoWmb` leaves out __pte_alloc_kernel's smp_wmb().
 *
 * Entries are addresses of words; the wrappers return the address of the next level's entry, or
 * -1 for NULL (-ENOMEM never happens in the model: allocation does not fail).
 */

const ENOMEM = -1;

/** the re-check under the lock and the populate or free after it, for every level */
function* installOrFree(
  c: Cpu,
  k: KernelMachine,
  entry: number,
  level: number,
  what: string,
  table: number,
  install: Steps,
  free: string,
): Steps {
  const taken = k.bugs.allocWithoutRecheck
    ? false
    : k.fmt.present(yield* readEntry(c, k, entry, level, what), level);
  if (taken) yield* free_pgtable_page(c, k, table, free);
  else {
    yield smp_wmb(c);
    yield* install;
  }
}

/** `__p4d_alloc`: allocate a P4D table for the empty PGD entry `pgdp` of `mm`. */
export function* __p4d_alloc(c: Cpu, k: KernelMachine, mm: MmInfo, pgdp: number): Steps<number> {
  c.enter('__p4d_alloc');
  const p4d = yield* alloc_pgtable(c, FrameState.P4d, 'p4d', 'p4d_alloc_one');
  yield spin_lock(c, mm.pageTableLock);
  const install = pgd_populate(c, k, pgdp, p4d);
  yield* installOrFree(c, k, pgdp, k.fmt.levels, 'pgd_present(*pgd)', p4d, install, 'p4d_free');
  yield spin_unlock(c, mm.pageTableLock);
  return c.leave(0);
}

/** `__pud_alloc`: allocate a PUD table for the empty P4D entry `p4dp` of `mm`. */
export function* __pud_alloc(c: Cpu, k: KernelMachine, mm: MmInfo, p4dp: number): Steps<number> {
  c.enter('__pud_alloc');
  const pud = yield* alloc_pgtable(c, FrameState.Pud, 'pud', 'pud_alloc_one');
  yield spin_lock(c, mm.pageTableLock);
  const install = p4d_populate(c, k, p4dp, pud);
  yield* installOrFree(c, k, p4dp, levelNumber(k, 'p4d'), 'p4d_present(*p4d)', pud, install, 'pud_free');
  yield spin_unlock(c, mm.pageTableLock);
  return c.leave(0);
}

/** `__pmd_alloc`: allocate a PMD table for the empty PUD entry `pudp` of `mm` (under pud_lock). */
export function* __pmd_alloc(c: Cpu, k: KernelMachine, mm: MmInfo, pudp: number): Steps<number> {
  c.enter('__pmd_alloc');
  const pmd = yield* alloc_pgtable(c, FrameState.Pmd, 'pmd', 'pmd_alloc_one');
  yield spin_lock(c, mm.pageTableLock);
  const install = pud_populate(c, k, pudp, pmd);
  yield* installOrFree(c, k, pudp, levelNumber(k, 'pud'), 'pud_present(*pud)', pmd, install, 'pmd_free');
  yield spin_unlock(c, mm.pageTableLock);
  return c.leave(0);
}

/**
 * `pmd_install`: under pmd_lock, if the pmd is still none, smp_wmb() and pmd_populate() with the
 * PTE table `pte`; returns whether the table was used (else the caller frees it).
 */
export function* pmd_install(
  c: Cpu,
  k: KernelMachine,
  mm: MmInfo,
  pmdp: number,
  pte: number,
): Steps<boolean> {
  c.enter('pmd_install');
  yield spin_lock(c, mm.pageTableLock);
  let used = false;
  const none = k.bugs.allocWithoutRecheck
    ? true
    : k.fmt.none(yield* readEntry(c, k, pmdp, 2, 'pmd_none(*pmd)'));
  if (none) {
    yield smp_wmb(c);
    yield* pmd_populate_kernel(c, k, pmdp, pte);
    used = true;
  }
  yield spin_unlock(c, mm.pageTableLock);
  return c.leave(used);
}

/** `__pte_alloc`: allocate a PTE table for the empty pmd `pmdp` of a user `mm` (pte_alloc_one, pmd_install, pte_free). */
export function* __pte_alloc(c: Cpu, k: KernelMachine, mm: MmInfo, pmdp: number): Steps<number> {
  c.enter('__pte_alloc');
  const pte = yield* alloc_pgtable(c, FrameState.Pte, 'pte', 'pte_alloc_one');
  if (!(yield* pmd_install(c, k, mm, pmdp, pte))) yield* free_pgtable_page(c, k, pte, 'pte_free');
  return c.leave(0);
}

/** `__pte_alloc_kernel`: as __pte_alloc for init_mm, under init_mm.page_table_lock. */
export function* __pte_alloc_kernel(c: Cpu, k: KernelMachine, pmdp: number): Steps<number> {
  c.enter('__pte_alloc_kernel');
  const pte = yield* alloc_pgtable(c, FrameState.Pte, 'pte', 'pte_alloc_one_kernel');
  const mm = k.initMm;
  yield spin_lock(c, mm.pageTableLock);
  const install = pmd_populate_kernel(c, k, pmdp, pte);
  const none = k.bugs.allocWithoutRecheck
    ? true
    : k.fmt.none(yield* readEntry(c, k, pmdp, 2, 'pmd_none(*pmd)'));
  if (none) {
    if (!k.bugs.pteAllocNoWmb) yield smp_wmb(c);
    yield* install;
  }
  yield spin_unlock(c, mm.pageTableLock);
  if (!none) yield* free_pgtable_page(c, k, pte, 'pte_free_kernel');
  return c.leave(0);
}

/**
 * `p4d_alloc` (include/linux/mm.h): if the PGD entry is none, __p4d_alloc; then p4d_offset,
 * which reads the entry again. With the P4D folded pgd_none() is 0: nothing is read and the
 * P4D entry is the PGD entry.
 */
export function* p4d_alloc(c: Cpu, k: KernelMachine, mm: MmInfo, pgdp: number, addr: bigint): Steps<number> {
  if (foldedBelow(k, 'pgd')) return pgdp;
  const top = k.fmt.levels;
  if (k.fmt.none(yield* readEntry(c, k, pgdp, top, 'pgd_none(*pgd)')) && (yield* __p4d_alloc(c, k, mm, pgdp)))
    return ENOMEM;
  const pgd = yield* readEntry(c, k, pgdp, top, 'p4d_offset(pgd, addr)');
  return childEntry(c, k, 'p4d', pgdp, pgd, addr);
}

/** `pud_alloc`: if the P4D entry is none, __pud_alloc; then pud_offset. */
export function* pud_alloc(c: Cpu, k: KernelMachine, mm: MmInfo, p4dp: number, addr: bigint): Steps<number> {
  if (foldedBelow(k, 'p4d')) return p4dp;
  const level = levelNumber(k, 'p4d');
  if (
    k.fmt.none(yield* readEntry(c, k, p4dp, level, 'p4d_none(*p4d)')) &&
    (yield* __pud_alloc(c, k, mm, p4dp))
  )
    return ENOMEM;
  const p4d = yield* readEntry(c, k, p4dp, level, 'pud_offset(p4d, addr)');
  return childEntry(c, k, 'pud', p4dp, p4d, addr);
}

/** `pmd_alloc`: if the PUD entry is none, __pmd_alloc; then pmd_offset. */
export function* pmd_alloc(c: Cpu, k: KernelMachine, mm: MmInfo, pudp: number, addr: bigint): Steps<number> {
  if (foldedBelow(k, 'pud')) return pudp;
  const level = levelNumber(k, 'pud');
  if (
    k.fmt.none(yield* readEntry(c, k, pudp, level, 'pud_none(*pud)')) &&
    (yield* __pmd_alloc(c, k, mm, pudp))
  )
    return ENOMEM;
  const pud = yield* readEntry(c, k, pudp, level, 'pmd_offset(pud, addr)');
  return childEntry(c, k, 'pmd', pudp, pud, addr);
}

/** `pte_alloc_kernel`: if the pmd is none, __pte_alloc_kernel; then pte_offset_kernel. */
export function* pte_alloc_kernel(c: Cpu, k: KernelMachine, pmdp: number, addr: bigint): Steps<number> {
  if (
    k.fmt.none(yield* readEntry(c, k, pmdp, 2, 'pmd_none(*pmd)')) &&
    (yield* __pte_alloc_kernel(c, k, pmdp))
  )
    return ENOMEM;
  const pmd = yield* readEntry(c, k, pmdp, 2, 'pte_offset_kernel(pmd, addr)');
  return childEntry(c, k, 'pte', pmdp, pmd, addr);
}
