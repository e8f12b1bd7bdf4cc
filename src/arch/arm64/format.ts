import type { PageTableFormat } from '../format.js';
import * as arm64 from './pgtable.js';

/**
 * `ARM64_4K_48` is arm64 with a 4 KiB granule and 48-bit VAs (./pgtable.ts) as a generic format:
 * four levels, the p4d folded (CONFIG_PGTABLE_LEVELS=4). Descriptors hold the output address
 * itself, so the physical address of model frame f is f * 4096.
 */
export const ARM64_4K_48: PageTableFormat = {
  name: 'arm64 4K/48-bit',
  levels: arm64.ARM64_LEVELS,
  shift: arm64.shiftOf,
  ptrs: () => arm64.PTRS_PER_TABLE,
  none: arm64.descNone,
  present: (e) => arm64.descValid(e),
  leaf: arm64.descLeaf,
  table: arm64.descTable,
  bad: arm64.descBad,
  addr: arm64.descAddr,
  mkTable: (pa) => arm64.mkTableDesc(pa),
  mkLeaf: (pa, level) => (level === 1 ? arm64.mkPageDesc(pa) : arm64.mkSectDesc(pa)),
  folded: ['p4d'],
};
