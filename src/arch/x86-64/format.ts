import type { PageTableFormat } from '../format.js';
import { MODEL_PFN_BASE } from '../phys.js';
import {
  __PAGE_KERNEL,
  _PAGE_PSE,
  entryFlags,
  entryPfn,
  entryPresent,
  mkTableEntry,
  PAGE_KERNEL_LARGE,
} from './entry.js';
import type { PagingLevels } from './paging.js';

const SHIFTS = [0n, 12n, 21n, 30n, 39n, 48n];

/** `pfnAddr` is the model's physical address of `pfn` (src/arch/phys.ts: frame = pfn - base). */
function pfnAddr(pfn: bigint): bigint {
  return (pfn - MODEL_PFN_BASE) << 12n;
}

function x86Format(levels: PagingLevels): PageTableFormat {
  const top = levels;
  return {
    name: `x86-64 ${levels}-level`,
    levels,
    shift: (level) => SHIFTS[level],
    ptrs: () => 512,
    none: (e) => e === 0n,
    present: (e) => entryPresent(e),
    leaf: (e, level) =>
      entryPresent(e) && (level === 1 || ((level === 2 || level === 3) && (e & _PAGE_PSE) !== 0n)),
    table: (e, level) => level > 1 && entryPresent(e) && (level >= 4 || (e & _PAGE_PSE) === 0n),
    bad: (e, level) =>
      e !== 0n && (!entryPresent(e) || (level === top && (entryFlags(e) & _PAGE_PSE) !== 0n)),
    addr: (e) => pfnAddr(entryPfn(e)),
    mkTable: (pa) => mkTableEntry(MODEL_PFN_BASE + (pa >> 12n)),
    mkLeaf: (pa, level) => BigInt.asIntN(64, pa | (level === 1 ? __PAGE_KERNEL : PAGE_KERNEL_LARGE)),
    folded: levels === 4 ? ['p4d'] : [],
  };
}

/**
 * `X86_64_L4` and `X86_64_L5` are x86-64 4- and 5-level paging (./paging.ts, ./entry.ts) as
 * generic formats. Table entries hold model PFNs (src/arch/phys.ts), so `addr` of a table entry is
 * the physical address of its frame in the simulated memory; `mkLeaf` takes the physical address
 * the leaf maps as the CPU sees it (memory outside the model's frames, such as the direct map of
 * 4 GiB, is data nobody reads). p?d_bad is "not present" here (a present
 * PGD entry with PSE is bad too), enough for the entries the models write.
 */
export const X86_64_L4: PageTableFormat = x86Format(4);
export const X86_64_L5: PageTableFormat = x86Format(5);

/** `formatFor` is the format of a paging mode. */
export function formatFor(levels: PagingLevels): PageTableFormat {
  return levels === 5 ? X86_64_L5 : X86_64_L4;
}
