import type { Cpu, Steps } from '../engine/cpu.js';
import type { Kernel, MmInfo } from './kernel.js';

/**
 * `switch_mm` makes CPU `c` run `mm`'s task: it reads `mm->pgd` and loads it into CR3
 * (arch/x86/mm/tlb.c switch_mm_irqs_off -> load_new_mm_cr3). The trace shows the task's name
 * from then on.
 */
export function* switch_mm(c: Cpu, k: Kernel, mm: MmInfo): Steps {
  const pgd = k.__pa(yield c.load(mm.pgd, 'switch_mm'));
  yield c.store(k.cpus[c.id].cr3, k.cr3Of(pgd), 'write_cr3');
  c.mem.store(k.cpus[c.id].current, BigInt(mm.id + 1));
  c.task = mm.name;
}
