import { levelName } from '../arch/format.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { entryAddr, readEntry, tableOf } from './access.js';
import type { KernelMachine } from './machine.js';

/**
 * `vmalloc_to_page` (mm/vmalloc.c): a lockless walk of init_mm's tables to the page `addr` maps:
 * none at any level gives NULL (null here), a leaf its page; at the bottom `pte = ptep_get(ptep)`
 * and, when present, `pte_page(pte)`. Returns the physical address of the page. Each level is
 * read once, with READ_ONCE (the kernel reads `*pmd` for pmd_none, pmd_leaf, pmd_bad and
 * pte_offset_kernel: the model keeps one read), each address dependent on the read above it.
 *
 * The mutant `bugs.plainPteRead` reads the pte with a plain C dereference, `pte = *ptep` (and
 * `pte_page(*ptep)` again), as before "mm: ptep_get() conversion" (Ryan Roberts, 2023:
 * https://lkml.kernel.org/r/20230612151545.3317766-4-ryan.roberts@arm.com): the compiler may
 * tear the read or fetch it twice.
 */
export function* vmalloc_to_page(c: Cpu, k: KernelMachine, addr: bigint): Steps<bigint | null> {
  c.enter('vmalloc_to_page');
  const fmt = k.fmt;
  let table = k.swapper(c.mem);
  for (let level = fmt.levels; level > 1; level--) {
    const p = entryAddr(k, table, addr, level);
    const name = levelName(fmt, level);
    const e = yield* readEntry(c, k, p, level, `${name}_none(*${name})`);
    if (fmt.none(e)) return c.leave(null);
    if (fmt.leaf(e, level)) return c.leave(fmt.addr(e) | (addr & ((1n << fmt.shift(level)) - 1n)));
    table = tableOf(c, k, e, level - 1, p);
  }
  const ptep = entryAddr(k, table, addr, 1);
  let pte: bigint;
  if (k.bugs.plainPteRead) {
    pte = yield* c.plainLoad64(ptep, 'pte = *ptep', k.ghost.dependency(c.mem, c.id, 1, ptep >>> 12));
  } else pte = yield* readEntry(c, k, ptep, 1, 'pte = ptep_get(ptep)');
  if (!fmt.present(pte, 1)) return c.leave(null);
  const page = k.bugs.plainPteRead ? yield* c.refetch(ptep, pte, 'pte_page(*ptep)') : pte;
  return c.leave(fmt.addr(page));
}
