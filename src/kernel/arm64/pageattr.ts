import * as arm64 from '../../arch/arm64/pgtable.js';
import type { Cpu, Steps } from '../../engine/cpu.js';
import { readEntry, writeBack } from '../access.js';
import type { KernelMachine } from '../machine.js';
import {
  type MmWalk,
  type MmWalkOps,
  WalkAction,
  walk_kernel_page_table_range_lockless,
} from '../pagewalk.js';
import { flush_tlb_kernel_range } from '../tlb.js';

/** `PageChangeData` is struct page_change_data: the bits to set and to clear. */
export interface PageChangeData {
  set_mask: bigint;
  clear_mask: bigint;
}

function set_pageattr_masks(val: bigint, walk: MmWalk<PageChangeData>): bigint {
  const v = arm64.entryVal(val);
  return (v & ~walk.priv.clear_mask) | walk.priv.set_mask;
}

/**
 * `pageattr_ops` (arch/arm64/mm/pageattr.c): pud/pmd callbacks rewrite a block in place and stop
 * the descent (ACTION_CONTINUE); the pte callback reads the PTE and writes it back with the masks
 * applied: a read-modify-write that is only safe if nobody else changes the entry meanwhile.
 */
export const pageattr_ops: MmWalkOps<PageChangeData> = {
  name: 'pageattr',
  *pud_entry(c, pudp, _addr, _next, walk) {
    const val = yield* readEntry(c, walk.k, pudp, 3, 'pudp_get(pud)');
    if (arm64.descSect(val, 3)) {
      yield* writeBack(c, walk.k, pudp, 3, val, set_pageattr_masks(val, walk), 'set_pud');
      walk.action = WalkAction.Continue;
    }
    return 0;
  },
  *pmd_entry(c, pmdp, _addr, _next, walk) {
    const val = yield* readEntry(c, walk.k, pmdp, 2, 'pmdp_get(pmd)');
    if (arm64.descSect(val, 2)) {
      yield* writeBack(c, walk.k, pmdp, 2, val, set_pageattr_masks(val, walk), 'set_pmd');
      walk.action = WalkAction.Continue;
    }
    return 0;
  },
  *pte_entry(c, ptep, _addr, _next, walk) {
    const val = yield* readEntry(c, walk.k, ptep, 1, '__ptep_get(pte)');
    yield* writeBack(c, walk.k, ptep, 1, val, set_pageattr_masks(val, walk), '__set_pte');
    return 0;
  },
};

/**
 * `__change_memory_common` (arch/arm64/mm/pageattr.c): `update_range_prot` walks [start,
 * start + size) with walk_kernel_page_table_range_lockless() and pageattr_ops, then the TLB is
 * flushed. split_kernel_leaf_mapping() (under pgtable_split_lock) is a no-op for a range already
 * mapped by PTEs and is not modelled. The caller must own the range exclusively.
 */
export function* __change_memory_common(
  c: Cpu,
  k: KernelMachine,
  start: bigint,
  size: bigint,
  data: PageChangeData,
): Steps<number> {
  c.enter('__change_memory_common');
  c.enter('update_range_prot');
  const pgd = k.swapper(c.mem);
  const ret = yield* walk_kernel_page_table_range_lockless(
    c,
    k,
    start,
    start + size,
    pageattr_ops,
    pgd,
    data,
  );
  c.leave();
  yield* flush_tlb_kernel_range(c, k, start, start + size);
  return c.leave(ret);
}

/** `set_memory_ro` (arch/arm64/mm/pageattr.c): set PTE_RDONLY, clear PTE_WRITE (DBM). */
export function* set_memory_ro(c: Cpu, k: KernelMachine, addr: bigint, numpages: number): Steps<number> {
  c.enter('set_memory_ro');
  return c.leave(
    yield* __change_memory_common(c, k, addr, BigInt(numpages) * arm64.PAGE_SIZE, {
      set_mask: arm64.PTE_RDONLY,
      clear_mask: arm64.PTE_DBM,
    }),
  );
}
