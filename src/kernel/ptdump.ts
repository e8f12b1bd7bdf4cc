import type { Cpu, Steps } from '../engine/cpu.js';
import { readEntry } from './access.js';
import { get_online_mems, mmap_write_lock, mmap_write_unlock, put_online_mems } from './locks.js';
import type { KernelMachine } from './machine.js';
import { type MmWalkOps, walk_kernel_page_table_range } from './pagewalk.js';

/** `PtdumpRange` is one struct ptdump_range: [start, end). */
export interface PtdumpRange {
  start: bigint;
  end: bigint;
}

/**
 * `ptdump_ops` (mm/ptdump.c): ptdump_pmd_entry reads the pmd once (READ_ONCE) and notes a leaf;
 * ptdump_pte_entry reads the pte with ptep_get_lockless and notes it. note_page only formats text,
 * so it is not modelled.
 */
export const ptdump_ops: MmWalkOps<null> = {
  name: 'ptdump',
  *pmd_entry(c, pmdp, _addr, _next, walk) {
    yield* readEntry(c, walk.k, pmdp, 2, 'READ_ONCE(*pmd)');
    return 0;
  },
  *pte_entry(c, ptep, _addr, _next, walk) {
    yield* readEntry(c, walk.k, ptep, 1, 'ptep_get_lockless(pte)');
    return 0;
  },
};

/**
 * `ptdump_walk_pgd` (mm/ptdump.c) dumps the kernel page tables: get_online_mems() (so memory
 * hot-remove cannot free tables under it), mmap_write_lock(&init_mm), walk each range,
 * unlock, put_online_mems(), over init_mm's tables. With `getOnlineMems` false it is the arm64 dump before
 * bf2b59f60ee1 ("arm64/mm: Hold memory hotplug lock while walking for kernel page table dump").
 */
export function* ptdump_walk_pgd(
  c: Cpu,
  k: KernelMachine,
  ranges: readonly PtdumpRange[],
  getOnlineMems = true,
): Steps {
  c.enter('ptdump_walk_pgd');
  if (getOnlineMems) yield get_online_mems(c, k);
  yield mmap_write_lock(c, k.initMm);
  const pgd = k.swapper(c.mem);
  for (const r of ranges) {
    c.enter('walk_page_range_debug');
    yield* walk_kernel_page_table_range(c, k, r.start, r.end, ptdump_ops, pgd, null);
    c.leave();
  }
  yield mmap_write_unlock(c, k.initMm);
  if (getOnlineMems) yield put_online_mems(c, k);
  c.leave();
}
