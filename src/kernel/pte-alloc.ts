import type { Cpu, Steps } from '../engine/cpu.js';
import { FrameState } from '../machine/frame-state.js';
import { PAGE_SIZE } from '../machine/layout.js';
import { smp_wmb } from './barrier.js';
import { free_pgtable_page } from './free/free-table.js';
import { readEntry, type WalkContext } from './walk/access.js';

/** `PteAllocOptions`: the variant of mm/memory.c a model runs. */
export interface PteAllocOptions {
  /**
   * the `smp_wmb()` before the entry is published. mm/memory.c, pmd_install(): "Ensure all pte
   * setup (eg. pte page lock and page clearing) are visible before the pte is made visible to
   * other CPUs by being put into page tables. The other side of the story is the pointer chasing
   * in the page table walking code (when walking the page table without locking; ie. most of the
   * time). Fortunately, these data accesses consist of a chain of data-dependent loads, meaning
   * most CPUs (alpha being the notable exception) will already guarantee loads are seen in-order."
   */
  smpWmb: boolean;
}

/** `pte_alloc_one_kernel`: a zeroed page for a kernel PTE table (__get_free_page(GFP_PGTABLE_KERNEL)). */
export function* pte_alloc_one_kernel(c: Cpu): Steps<number> {
  return Number(yield c.alloc(FrameState.Pte, 'pte', 'pte_alloc_one_kernel')) * PAGE_SIZE;
}

/**
 * `__pte_alloc_kernel` (mm/memory.c): allocate a PTE table, and under init_mm.page_table_lock
 * install it in `*pmdp` if nobody has ("Has another populated it ?"), after `smp_wmb()` ("See
 * comment in pmd_install()"); free it if somebody had. `populate` is the architecture's
 * pmd_populate_kernel. Returns the table in `*pmdp` (physical address).
 */
export function* __pte_alloc_kernel(
  c: Cpu,
  w: WalkContext,
  pmdp: number,
  pageTableLock: number,
  populate: (table: number) => Steps,
  opts: PteAllocOptions,
): Steps<number> {
  return yield* c.call(
    '__pte_alloc_kernel',
    (function* () {
      const table = yield* pte_alloc_one_kernel(c);
      yield c.lock(pageTableLock, 'spin_lock(&init_mm.page_table_lock)');
      const pmd = yield* readEntry(c, w, pmdp, 2, 'pmd_none(*pmd)');
      const installed = w.fmt.none(pmd);
      if (installed) {
        if (opts.smpWmb) yield smp_wmb(c);
        yield* c.call('pmd_populate_kernel', populate(table));
      }
      yield c.unlock(pageTableLock, 'spin_unlock(&init_mm.page_table_lock)');
      if (!installed)
        yield* c.call('pte_free_kernel', free_pgtable_page(c, w, table / PAGE_SIZE, 'pte_free_kernel'));
      return installed ? table : Number(w.fmt.addr(pmd));
    })(),
  );
}
