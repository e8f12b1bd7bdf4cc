import type { Cpu, Steps } from '../../engine/cpu.js';
import { dsb_ishst } from '../barrier.js';
import type { WalkContext } from '../walk/access.js';

/**
 * `free_pgtable_page` frees page-table frame `frame` (pagetable_free, free_hotplug_pgtable_page,
 * pte_free_kernel, ...) and records in ghost state who freed it, so that a later use-after-free
 * report can say so. `label` is the kernel call that frees (it names the trace step).
 */
export function* free_pgtable_page(c: Cpu, w: WalkContext, frame: number, label: string): Steps {
  yield c.free(frame, label);
  w.ghost.recordFree(c.mem, frame, c.id, c.fn);
}

/**
 * `flush_tlb_kernel_range` (and __flush_tlb_kernel_pgtable, flush_tlb_all): the models have no
 * TLB, so the flush changes no memory; what it guarantees is that hardware walks in flight on
 * other CPUs have completed when it returns (TLBI + DSB on arm64, the IPI on x86). It is one
 * step that waits until no other CPU's `hw_walk_in_flight` word is set (under sc, the only step).
 */
export function* flush_tlb_kernel_range(c: Cpu, w: WalkContext, label = 'flush_tlb_kernel_range'): Steps {
  const g = w.ghost;
  // under a weak memory model the flush first makes the CPU's table stores visible to the walkers
  // (__flush_tlb_kernel_pgtable: dsb(ishst) before the TLBI; on x86 the flush IPI's locked
  // operations drain the store buffer); under sc there is nothing to drain, and no step
  if (c.memoryModel !== 'sc') yield dsb_ishst(c);
  const n = g.cpuNames.length;
  yield c.awaitRange(
    g.hwWalk,
    n,
    () => {
      for (let i = 0; i < n; i++) if (i !== c.id && c.mem.load(g.hwWalkWord(i)) !== 0n) return false;
      return true;
    },
    label,
  );
}
