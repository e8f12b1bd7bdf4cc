import { PMD_SIZE } from '../arch/x86-64/paging.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import type { Kernel } from './kernel.js';
import { vmemmap_populate_basepages, vmemmap_populate_hugepages } from './sparse-vmemmap.js';
import { sync_global_pgds } from './sync.js';

/**
 * `vmemmap_populate` (arch/x86/mm/init_64.c): a range smaller than one section's memmap
 * (PAGES_PER_SECTION * sizeof(struct page) = 2 MiB) gets base pages, otherwise 2 MiB blocks
 * (X86_FEATURE_PSE); then sync_global_pgds(start, end - 1) copies new top-level entries into
 * every PGD. Anything that touches the vmemmap before that sync, on a CPU whose PGD lacks the
 * entry, faults (8d400913c231).
 */
export function* vmemmap_populate(c: Cpu, k: Kernel, start: bigint, end: bigint): Steps {
  c.enter('vmemmap_populate');
  if (end - start < PMD_SIZE) yield* vmemmap_populate_basepages(c, k, start, end);
  else yield* vmemmap_populate_hugepages(c, k, start, end);
  yield* sync_global_pgds(c, k, start, end - 1n);
  c.leave();
}
