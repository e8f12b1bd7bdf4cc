import { describe, expect, it } from 'vitest';
import { Execution } from '../../src/engine/execution.js';
import type { TraceStep } from '../../src/engine/trace.js';
import { loadModel, selectVariants } from '../../src/model/load.js';
import { buildProgram } from '../../src/model/target.js';
import { DfsScheduler } from '../../src/scheduler/dfs.js';

/** the first execution of a variant under DFS (lowest CPU first), as `fn op addr value` lines of its writes */
async function writes(spec: string): Promise<string[]> {
  const [name, variant] = spec.split(':');
  const [t] = selectVariants(await loadModel(name), variant);
  const exec = new Execution(buildProgram(t));
  const s = new DfsScheduler();
  s.startExecution();
  const trace: TraceStep[] = [];
  const o = exec.run(s, trace);
  expect(o.violation).toBeNull();
  const kinds = new Set([
    'store',
    'set_p4d',
    'set_pgd',
    'set_pud',
    'set_pmd',
    'set_pte_at',
    'write',
    'pgmap ready',
  ]);
  return trace.filter((x) => kinds.has(x.op)).map((x) => `${x.task} ${x.fn} ${x.op} ${x.addr} ${x.value}`);
}

describe('vmemmap populate, fixed kernel (mainline order)', () => {
  it('x86 vmemmap_populate, 4-level, fresh slot: the entry reaches every PGD before the sub-PMD memsets', async () => {
    expect(await writes('vmemmap-access-before-sync:fixed-l4-fresh')).toEqual([
      'A p4d_populate_kernel set_p4d init_mm.pgd[462] = 0x0000000004004067',
      'A sync_global_pgds_l4 set_p4d B.pgd[462] = 0x0000000004004067',
      'A sync_global_pgds_l4 set_p4d A.pgd[462] = 0x0000000004004067',
      'A vmemmap_pud_populate set_pud pud@4[0] = 0x0000000004005067',
      'A vmemmap_set_pmd set_pmd pmd@5[0] = 0x80000000040061e3',
      'A __vmemmap_use_sub_pmd write vmemmap block@6[0] = 0',
      'A memset write vmemmap block@6[0] = 0xfdfdfdfdfdfdfdfd',
      'A vmemmap_set_pmd set_pmd pmd@5[1] = 0x80000000040071e3',
      'A __vmemmap_use_sub_pmd write vmemmap block@7[0] = 0',
      'A vmemmap_use_new_sub_pmd store unused_pmd_start = 0xffffe70000208000',
      'A add_pages pgmap ready pgmap_ready = 1',
      'B __init_single_page write vmemmap block@6[6]+4 = 1',
    ]);
  });

  it('compound populate, 5-level, fresh slot: pgd_populate_kernel syncs, p4d_populate_kernel does not', async () => {
    expect(await writes('vmemmap-compound-nosync:fixed-l5-fresh')).toEqual([
      'A pgd_populate_kernel set_pgd init_mm.pgd[469] = 0x0000000004004067',
      'A sync_global_pgds_l5 set_pgd B.pgd[469] = 0x0000000004004067',
      'A sync_global_pgds_l5 set_pgd A.pgd[469] = 0x0000000004004067',
      'A p4d_populate_kernel set_p4d p4d@4[0] = 0x0000000004005067',
      'A vmemmap_pud_populate set_pud pud@5[0] = 0x0000000004006067',
      'A vmemmap_pmd_populate set_pmd pmd@6[0] = 0x0000000004007067',
      'A vmemmap_pte_populate set_pte_at pte@7[0] = 0x8000000004008163',
      'A pagemap_range pgmap ready pgmap_ready = 1',
      'B __init_single_page write vmemmap@8[6]+4 = 1',
    ]);
  });

  it('fork: pgd_alloc clones the kernel half and links the child under pgd_lock', async () => {
    const [t] = selectVariants(await loadModel('fork-vs-sync'), 'fixed-l4-present');
    const exec = new Execution(buildProgram(t));
    const s = new DfsScheduler();
    s.startExecution();
    const trace: TraceStep[] = [];
    expect(exec.run(s, trace).violation).toBeNull();
    expect(
      trace.filter((x) => x.cpu === 1).map((x) => `${x.task} ${x.fn} ${x.op} ${x.addr} ${x.value}`.trim()),
    ).toEqual([
      'B mm_alloc_pgd _pgd_alloc C.pgd@8 (pgd table)',
      'B mm_alloc_pgd mm->pgd C.pgd = 0xffff888004008000',
      'B mm_alloc_pgd spin_lock pgd_lock',
      'B pgd_ctor clone_pgd_range C.pgd@8[273] <- init_mm.pgd[273] (239 words)',
      'B pgd_ctor pgd_set_mm C.pgd_page.pt_mm = 0xffff8880040000f8',
      'B pgd_list_add list_add pgd_list.next -> 0xffff8880040000d8',
      'B pgd_list_add list_add B.pgd_page.lru.prev = 0xffff888004000108',
      'B pgd_list_add list_add C.pgd_page.lru.next = 0xffff8880040000d8',
      'B pgd_list_add list_add C.pgd_page.lru.prev = 0xffff888004000000',
      'B pgd_list_add list_add pgd_list.next = 0xffff888004000108',
      'B mm_alloc_pgd spin_unlock pgd_lock',
      'B  switch_mm C.pgd -> 0xffff888004008000',
      'B  write_cr3 cpu1.cr3 = 0x0000000004008000',
      'C  wait pgmap pgmap_ready -> 1',
      'C page_ref_count walk C.pgd@8[468] -> 0x0000000004002067',
      'C page_ref_count walk boot.pud[256] -> 0x0000000004005067',
      'C page_ref_count walk pmd@5[0] -> 0x0000000004006067',
      'C page_ref_count walk pte@6[0] -> 0x8000000004007163',
      'C page_ref_count read vmemmap@7[6]+4 -> 0',
    ]);
  });
});
