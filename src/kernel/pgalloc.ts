import { isFolded, type LevelName, levelOf, vaIndex } from '../arch/format.js';
import { PGTBL_P4D_MODIFIED, PGTBL_PGD_MODIFIED } from '../arch/pgtbl-mask.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import type { FrameState } from '../machine/frame-state.js';
import { dsb_ishst, isb } from './barrier.js';
import type { KernelMachine } from './machine.js';
import { checkSyncPostcondition } from './oracles/sync-postcondition.js';

/**
 * `pgalloc` installs and allocates table entries the way include/linux/pgalloc.h and each
 * arch's asm/pgalloc.h do. A `p?d_populate` is one store of the table's address with the
 * architecture's table bits (`fmt.mkTable`: `_PAGE_TABLE` on x86, a table descriptor on arm64, a
 * bare present bit in a PAE PDPTE) into the entry at physical address `entry`; `table` is the
 * frame of the new table. Populating an entry whose child level is folded does nothing
 * (pgtable-nop4d.h: pgd_populate with 4-level paging).
 */

const CHILD: Record<Exclude<LevelName, 'pte'>, LevelName> = {
  pgd: 'p4d',
  p4d: 'pud',
  pud: 'pmd',
  pmd: 'pte',
};
const LABEL: Record<Exclude<LevelName, 'pte'>, string> = {
  pgd: 'set_pgd',
  p4d: 'set_p4d',
  pud: 'set_pud',
  pmd: 'set_pmd',
};

/** `populate` is `name`_populate(): point the `name` entry at `entry` to table frame `table`. */
export function* populate(
  c: Cpu,
  k: KernelMachine,
  name: Exclude<LevelName, 'pte'>,
  entry: number,
  table: number,
): Steps {
  if (isFolded(k.fmt, CHILD[name])) return;
  yield c.store(entry, k.fmt.mkTable(BigInt(table * 4096), levelOf(k.fmt, name)), LABEL[name]);
  // arm64's set_p?d of a valid entry: dsb(ishst); isb() make it visible to the table walker
  // (arch/arm64/include/asm/pgtable.h); only a weak memory model tells them from no step
  if (k.arch.id === 'arm64' && c.memoryModel !== 'sc') {
    yield dsb_ishst(c);
    yield isb(c);
  }
}

/** `pgd_populate` writes a PGD entry; with the P4D folded it does nothing. */
export function* pgd_populate(c: Cpu, k: KernelMachine, entry: number, table: number): Steps {
  yield* populate(c, k, 'pgd', entry, table);
}

/** `p4d_populate` writes a P4D entry: with the P4D folded that is the top-level PGD slot itself. */
export function* p4d_populate(c: Cpu, k: KernelMachine, entry: number, table: number): Steps {
  yield* populate(c, k, 'p4d', entry, table);
}

/** `pud_populate` writes a PUD entry; on x86-64 and arm64 PUD tables are shared by every PGD. */
export function* pud_populate(c: Cpu, k: KernelMachine, entry: number, table: number): Steps {
  yield* populate(c, k, 'pud', entry, table);
}

/** `pmd_populate_kernel` writes a PMD entry pointing to a PTE table. */
export function* pmd_populate_kernel(c: Cpu, k: KernelMachine, entry: number, table: number): Steps {
  yield* populate(c, k, 'pmd', entry, table);
}

/**
 * `populateKernel` is the body of both `_kernel` helpers: store, then arch_sync_kernel_mappings()
 * when ARCH_PAGE_TABLE_SYNC_MASK has this level's bit (the mutant `bugs.syncBeforeStore` syncs
 * first). On return it checks the helpers' contract (f2d2f9598ebb: they "ensure proper
 * synchronization of page tables when updating the kernel portion of top-level page tables"):
 * every PGD on pgd_list has the entry just written (docs/invariants.md I2). Ghost check, no
 * scheduling point.
 */
function* populateKernel(
  c: Cpu,
  k: KernelMachine,
  addr: bigint,
  entry: number,
  sync: boolean,
  store: Steps,
  fn: string,
): Steps {
  const syncNow = () => k.arch.arch_sync_kernel_mappings(c, k, addr, addr);
  if (sync && k.bugs.syncBeforeStore) yield* syncNow();
  yield* store;
  if (sync && !k.bugs.syncBeforeStore) yield* syncNow();
  if (sync) {
    const slot = vaIndex(k.fmt, addr, k.fmt.levels);
    checkSyncPostcondition(k, c.mem, [{ slot, ref: c.mem.load(entry), va: k.arch.formatVa(addr) }], fn);
  }
}

/**
 * `pgd_populate_kernel` (include/linux/pgalloc.h, f2d2f9598ebb): pgd_populate(&init_mm, ...),
 * then arch_sync_kernel_mappings(addr, addr) when ARCH_PAGE_TABLE_SYNC_MASK has
 * PGTBL_PGD_MODIFIED (x86-64 with 5-level paging). Before the fix (`bugs.noPopulateKernelSync`)
 * callers used plain pgd_populate.
 */
export function* pgd_populate_kernel(
  c: Cpu,
  k: KernelMachine,
  addr: bigint,
  entry: number,
  table: number,
): Steps {
  c.enter('pgd_populate_kernel');
  const sync = !k.bugs.noPopulateKernelSync && (k.arch.syncMask & PGTBL_PGD_MODIFIED) !== 0;
  yield* populateKernel(c, k, addr, entry, sync, pgd_populate(c, k, entry, table), 'pgd_populate_kernel');
  c.leave();
}

/**
 * `p4d_populate_kernel` (include/linux/pgalloc.h, f2d2f9598ebb): p4d_populate(&init_mm, ...),
 * then arch_sync_kernel_mappings(addr, addr) when ARCH_PAGE_TABLE_SYNC_MASK has
 * PGTBL_P4D_MODIFIED (x86-64 with 4-level paging, where the P4D is the top level).
 */
export function* p4d_populate_kernel(
  c: Cpu,
  k: KernelMachine,
  addr: bigint,
  entry: number,
  table: number,
): Steps {
  c.enter('p4d_populate_kernel');
  const sync = !k.bugs.noPopulateKernelSync && (k.arch.syncMask & PGTBL_P4D_MODIFIED) !== 0;
  yield* populateKernel(c, k, addr, entry, sync, p4d_populate(c, k, entry, table), 'p4d_populate_kernel');
  c.leave();
}

/**
 * `free_pgtable_page` frees page-table frame `frame` (pagetable_free, free_hotplug_pgtable_page,
 * pte_free_kernel, free_pages, ...) and records in ghost state who freed it, so that a later
 * use-after-free report can say so. `label` is the kernel call that frees (it names the trace
 * step); the freeing function is the innermost one on the stack.
 */
export function* free_pgtable_page(c: Cpu, k: KernelMachine, frame: number, label: string): Steps {
  yield c.free(frame, label);
  k.ghost.recordFree(c.mem, frame, c.id, c.fn);
}

/**
 * `alloc_pgtable` allocates a zeroed page-table frame in `state` (p?d_alloc_one, alloc_low_page,
 * vmemmap_alloc_block_zero); `tag` names it in traces (`pud@4`), `label` is the kernel call.
 * Returns the frame.
 */
export function* alloc_pgtable(c: Cpu, state: FrameState, tag: string, label: string): Steps<number> {
  return Number(yield c.alloc(state, tag, label));
}
