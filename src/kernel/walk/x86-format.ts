import {
  __PAGE_KERNEL,
  _PAGE_PSE,
  entryFlags,
  entryPfn,
  entryPresent,
  mkTableEntry,
  PAGE_KERNEL_LARGE,
} from '../../arch/x86-64/entry.js';
import { MODEL_PFN_BASE } from '../phys.js';
import type { PageTableFormat } from './format.js';

const SHIFTS = [0n, 12n, 21n, 30n, 39n];

/** `pfnAddr` is the model's physical address of `pfn` (src/kernel/phys.ts: frame = pfn - base). */
function pfnAddr(pfn: bigint): bigint {
  return (pfn - MODEL_PFN_BASE) << 12n;
}

/**
 * `X86_64_L4` is x86-64 4-level paging (src/arch/x86-64/) as the walkers' generic level
 * description. Table entries hold model PFNs (src/kernel/phys.ts), so `addr` of a table entry is
 * the physical address of its frame in the simulated memory. p?d_bad is "not present" here
 * (a present PGD entry with PSE is bad too), enough for the entries the models write.
 */
export const X86_64_L4: PageTableFormat = {
  name: 'x86-64 4-level',
  levels: 4,
  shift: (level) => SHIFTS[level],
  none: (e) => e === 0n,
  present: (e) => entryPresent(e),
  leaf: (e, level) =>
    entryPresent(e) && (level === 1 || ((level === 2 || level === 3) && (e & _PAGE_PSE) !== 0n)),
  table: (e, level) => level > 1 && entryPresent(e) && (level === 4 || (e & _PAGE_PSE) === 0n),
  bad: (e, level) => e !== 0n && (!entryPresent(e) || (level === 4 && (entryFlags(e) & _PAGE_PSE) !== 0n)),
  addr: (e) => pfnAddr(entryPfn(e)),
  mkTable: (pa) => mkTableEntry(MODEL_PFN_BASE + (pa >> 12n)),
  mkLeaf: (pa, level) => BigInt.asIntN(64, pa | (level === 1 ? __PAGE_KERNEL : PAGE_KERNEL_LARGE)),
};
