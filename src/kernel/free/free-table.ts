import type { Cpu, Steps } from '../../engine/cpu.js';
import type { WalkContext } from '../walk/access.js';

/**
 * `free_pgtable_page` frees page-table frame `frame` (pagetable_free, free_hotplug_pgtable_page,
 * pte_free_kernel, ...) and records in ghost state who freed it, so that a later use-after-free
 * report can say so. `label` is the kernel call that frees (it names the trace step).
 */
export function* free_pgtable_page(c: Cpu, w: WalkContext, frame: number, label: string): Steps {
  yield* c.free(frame, label);
  w.ghost.recordFree(c.mem, frame, c.id, c.fn);
}

/** `flush_tlb_kernel_range` is a visible step with no memory effect: the models have no TLB. */
export function* flush_tlb_kernel_range(c: Cpu, label = 'flush_tlb_kernel_range'): Steps {
  yield* c.fence(label);
}
