import type { Cpu, Steps } from '../../engine/cpu.js';
import { readEntry, tableOf, type WalkContext } from './access.js';
import { levelName } from './format.js';

/** `VmallocToPageOptions`: which vmalloc_to_page a model runs. */
export interface VmallocToPageOptions {
  /**
   * read the pte with a plain C dereference, `pte = *ptep` (and `pte_page(*ptep)` again), as
   * before "mm: ptep_get() conversion" (Ryan Roberts, 2023; seed 004:
   * https://lkml.kernel.org/r/20230612151545.3317766-4-ryan.roberts@arm.com): the compiler may
   * tear the read or fetch it twice. Otherwise `pte = ptep_get(ptep)`, a READ_ONCE.
   */
  plainPte: boolean;
}

/**
 * `vmalloc_to_page` (mm/vmalloc.c): a lockless walk of init_mm's tables from `pgd` (physical
 * address) to the page `addr` maps: none at any level gives NULL (null here), a leaf its page;
 * at the bottom `pte = ptep_get(ptep)` and, when present, `pte_page(pte)`. Returns the physical
 * address of the page. Each level is read once, with READ_ONCE (the kernel reads `*pmd` for
 * pmd_none, pmd_leaf, pmd_bad and pte_offset_kernel: the model keeps one read), each address
 * dependent on the read above it.
 */
export function* vmalloc_to_page(
  c: Cpu,
  w: WalkContext,
  pgd: number,
  addr: bigint,
  opts: VmallocToPageOptions,
): Steps<bigint | null> {
  return yield* c.call(
    'vmalloc_to_page',
    (function* () {
      const fmt = w.fmt;
      let table = pgd;
      for (let level = fmt.levels; level > 1; level--) {
        const p = table + 8 * Number((addr >> fmt.shift(level)) & 511n);
        const name = levelName(fmt, level);
        const e = yield* readEntry(c, w, p, level, `${name}_none(*${name})`);
        if (fmt.none(e)) return null;
        if (fmt.leaf(e, level)) return fmt.addr(e) | (addr & ((1n << fmt.shift(level)) - 1n));
        table = tableOf(c, w, e, level - 1, p);
      }
      const ptep = table + 8 * Number((addr >> fmt.shift(1)) & 511n);
      let pte: bigint;
      if (opts.plainPte) {
        pte = yield* c.plainLoad64(ptep, 'pte = *ptep', w.ghost.dependency(c.mem, c.id, 1, ptep >>> 12));
      } else pte = yield* readEntry(c, w, ptep, 1, 'pte = ptep_get(ptep)');
      if (!fmt.present(pte, 1)) return null;
      const page = opts.plainPte ? yield* c.refetch(ptep, pte, 'pte_page(*ptep)') : pte;
      return fmt.addr(page);
    })(),
  );
}
