import type { Cpu, Steps } from '../engine/cpu.js';
import { dsb_ishst } from './barrier.js';
import type { KernelMachine } from './machine.js';

/**
 * `flush_tlb_kernel_range` (and __flush_tlb_kernel_pgtable, flush_tlb_all,
 * arch/x86/mm/tlb.c, arch/arm64/include/asm/tlbflush.h): the machine has no TLB yet, so the flush
 * changes no memory; what it guarantees is that hardware walks in flight on other CPUs have
 * completed when it returns (TLBI + DSB on arm64, the flush IPI on x86). It is one step that
 * waits until no other CPU's `hw_walk_in_flight` word is set (src/kernel/ghost.ts; under sc,
 * the only step); a TLB or
 * paging-structure cache would also drop its entries for the range here.
 */
export function* flush_tlb_kernel_range(c: Cpu, k: KernelMachine, label = 'flush_tlb_kernel_range'): Steps {
  const g = k.ghost;
  const n = k.cpus.length;
  // under a weak memory model the flush first makes the CPU's table stores visible to the walkers
  // (__flush_tlb_kernel_pgtable: dsb(ishst) before the TLBI; on x86 the flush IPI's locked
  // operations drain the store buffer); under sc there is nothing to drain, and no step
  if (c.memoryModel !== 'sc') yield dsb_ishst(c);
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

/** `flush_tlb_all` (arch/x86/mm/tlb.c) flushes every CPU's TLB: as flush_tlb_kernel_range here. */
export function* flush_tlb_all(c: Cpu, k: KernelMachine): Steps {
  yield* flush_tlb_kernel_range(c, k, 'flush_tlb_all');
}
