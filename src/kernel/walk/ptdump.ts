import type { Cpu, Steps } from '../../engine/cpu.js';
import { get_online_mems, put_online_mems } from '../locks.js';
import { readEntry, type WalkContext } from './access.js';
import { type MmWalkOps, walk_kernel_page_table_range } from './pagewalk.js';

/** `PtdumpLocks` are the locks ptdump_walk_pgd takes. */
export interface PtdumpLocks {
  /** init_mm.mmap_lock */
  mmapLock: number;
  /** mem_hotplug_lock (percpu rwsem: get_online_mems() takes it for read) */
  memHotplugLock: number;
}

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
    yield* readEntry(c, walk.w, pmdp, 2, 'READ_ONCE(*pmd)');
    return 0;
  },
  *pte_entry(c, ptep, _addr, _next, walk) {
    yield* readEntry(c, walk.w, ptep, 1, 'ptep_get_lockless(pte)');
    return 0;
  },
};

/**
 * `ptdump_walk_pgd` (mm/ptdump.c) dumps the kernel page tables: get_online_mems() (so memory
 * hot-remove cannot free tables under it), mmap_write_lock(&init_mm), walk each range,
 * unlock, put_online_mems(). With `getOnlineMems` false it is the arm64 dump before
 * bf2b59f60ee1 ("arm64/mm: Hold memory hotplug lock while walking for kernel page table dump").
 */
export function* ptdump_walk_pgd(
  c: Cpu,
  w: WalkContext,
  locks: PtdumpLocks,
  ranges: readonly PtdumpRange[],
  pgd: number,
  getOnlineMems = true,
): Steps {
  c.enter('ptdump_walk_pgd');
  if (getOnlineMems) yield* get_online_mems(c, locks);
  yield c.lock(locks.mmapLock, 'mmap_write_lock');
  for (const r of ranges) {
    c.enter('walk_page_range_debug');
    yield* walk_kernel_page_table_range(c, w, locks, r.start, r.end, ptdump_ops, pgd, null);
    c.leave();
  }
  yield c.unlock(locks.mmapLock, 'mmap_write_unlock');
  if (getOnlineMems) yield* put_online_mems(c, locks);
  c.leave();
}
