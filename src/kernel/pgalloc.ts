import { mkTableEntry } from '../arch/x86-64/entry.js';
import { formatVa, pgd_index } from '../arch/x86-64/paging.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import type { Kernel } from './kernel.js';
import { checkSyncPostcondition } from './oracles/sync-postcondition.js';
import { frameToPfn } from './phys.js';
import { arch_sync_kernel_mappings } from './sync.js';

/**
 * `pgalloc` installs table entries the way arch/x86/include/asm/pgalloc.h and
 * include/linux/pgalloc.h do. Each `p?d_populate` is one store of `__pa(table) | _PAGE_TABLE`
 * into the entry at physical address `entry`; `table` is the frame of the new table.
 */

/** `pgd_populate` writes a PGD entry in 5-level paging; in 4-level paging it does nothing (P4D folded). */
export function* pgd_populate(c: Cpu, k: Kernel, entry: number, table: number): Steps {
  if (k.levels !== 5) return;
  yield c.store(entry, mkTableEntry(frameToPfn(table)), 'set_pgd');
}

/** `p4d_populate` writes a P4D entry: in 4-level paging that is the top-level PGD slot itself. */
export function* p4d_populate(c: Cpu, _k: Kernel, entry: number, table: number): Steps {
  yield c.store(entry, mkTableEntry(frameToPfn(table)), 'set_p4d');
}

/** `pud_populate` writes a PUD entry; PUD tables are shared by every PGD, so nothing to sync. */
export function* pud_populate(c: Cpu, _k: Kernel, entry: number, table: number): Steps {
  yield c.store(entry, mkTableEntry(frameToPfn(table)), 'set_pud');
}

/** `pmd_populate_kernel` writes a PMD entry pointing to a PTE table. */
export function* pmd_populate_kernel(c: Cpu, _k: Kernel, entry: number, table: number): Steps {
  yield c.store(entry, mkTableEntry(frameToPfn(table)), 'set_pmd');
}

/**
 * `ARCH_PAGE_TABLE_SYNC_MASK` (arch/x86/include/asm/pgtable_64_types.h, 6659d0279980): the level
 * whose entries are top-level and must be synced: the PGD in 5-level paging, the (folded) P4D in
 * 4-level paging.
 */
export function syncsAt(k: Kernel): 'pgd' | 'p4d' {
  return k.levels === 5 ? 'pgd' : 'p4d';
}

/**
 * `populateKernel` is the body of both `_kernel` helpers: store, then arch_sync_kernel_mappings()
 * when this level is the one the arch syncs (the mutant `bugs.syncBeforeStore` syncs first). On
 * return it checks the helpers' contract (f2d2f9598ebb: they "ensure proper synchronization of
 * page tables when updating the kernel portion of top-level page tables"): every PGD on pgd_list
 * has the entry just written (docs/invariants.md I2). Ghost check, no scheduling point.
 */
function* populateKernel(
  c: Cpu,
  k: Kernel,
  addr: bigint,
  entry: number,
  sync: boolean,
  store: Steps,
  fn: string,
): Steps {
  const syncNow = () => arch_sync_kernel_mappings(c, k, addr, addr);
  if (sync && k.bugs.syncBeforeStore) yield* syncNow();
  yield* store;
  if (sync && !k.bugs.syncBeforeStore) yield* syncNow();
  if (sync) {
    const done = { slot: pgd_index(addr, k.levels), ref: c.mem.load(entry), va: formatVa(addr) };
    checkSyncPostcondition(k, c.mem, [done], fn);
  }
}

/**
 * `pgd_populate_kernel` (include/linux/pgalloc.h, f2d2f9598ebb): pgd_populate(&init_mm, ...),
 * then arch_sync_kernel_mappings(addr, addr) when the arch syncs PGD entries (5-level paging,
 * ARCH_PAGE_TABLE_SYNC_MASK). Before the fix (`bugs.noPopulateKernelSync`) callers used plain
 * pgd_populate.
 */
export function* pgd_populate_kernel(c: Cpu, k: Kernel, addr: bigint, entry: number, table: number): Steps {
  c.enter('pgd_populate_kernel');
  const sync = !k.bugs.noPopulateKernelSync && syncsAt(k) === 'pgd';
  yield* populateKernel(c, k, addr, entry, sync, pgd_populate(c, k, entry, table), 'pgd_populate_kernel');
  c.leave();
}

/**
 * `p4d_populate_kernel` (include/linux/pgalloc.h, f2d2f9598ebb): p4d_populate(&init_mm, ...),
 * then arch_sync_kernel_mappings(addr, addr) when the arch syncs P4D entries (4-level paging,
 * where the P4D is the top level).
 */
export function* p4d_populate_kernel(c: Cpu, k: Kernel, addr: bigint, entry: number, table: number): Steps {
  c.enter('p4d_populate_kernel');
  const sync = !k.bugs.noPopulateKernelSync && syncsAt(k) === 'p4d';
  yield* populateKernel(c, k, addr, entry, sync, p4d_populate(c, k, entry, table), 'p4d_populate_kernel');
  c.leave();
}
