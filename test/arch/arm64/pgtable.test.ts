import { describe, expect, it } from 'vitest';
import {
  descBad,
  descLeaf,
  descNone,
  descSect,
  descTable,
  indexOf,
  mkPageDesc,
  mkSectDesc,
  mkTableDesc,
  PAGE_KERNEL,
  PTE_AF,
  PTE_UXN,
  shiftOf,
} from '../../../src/arch/arm64/pgtable.js';

describe('arm64 4K granule, 48-bit VA descriptors', () => {
  it('shifts 12/21/30/39 and indices of a linear-map address', () => {
    expect([1, 2, 3, 4].map(shiftOf)).toEqual([12n, 21n, 30n, 39n]);
    const va = 0xffff000040201000n;
    expect([4, 3, 2, 1].map((l) => indexOf(va, l))).toEqual([0, 1, 1, 1]);
  });

  it('table, block and page descriptors differ in bits 0-1', () => {
    const table = mkTableDesc(0x4000n);
    const block = mkSectDesc(0x80200000n);
    const page = mkPageDesc(0x80000000n);
    expect(table).toBe(0x4003n);
    expect(block & 3n).toBe(1n);
    expect(page & 3n).toBe(3n);
    expect(page & PAGE_KERNEL).toBe(PTE_AF | (1n << 53n) | PTE_UXN);
    expect([descTable(table, 2), descSect(table, 2), descLeaf(table, 2)]).toEqual([true, false, false]);
    expect([descTable(block, 2), descSect(block, 2), descLeaf(block, 2)]).toEqual([false, true, true]);
    // at level 1 (PTE) bits 0-1 = 3 is a page, not a table
    expect([descTable(page, 1), descLeaf(page, 1)]).toEqual([false, true]);
  });

  it('none and bad: a PGD entry must be a table; poison 0x6b.. looks like a valid table', () => {
    expect(descNone(0n)).toBe(true);
    expect(descBad(mkSectDesc(0x80000000n), 4)).toBe(true);
    expect(descBad(mkTableDesc(0x4000n), 4)).toBe(false);
    expect(descTable(0x6b6b6b6b6b6b6b6bn, 2)).toBe(true);
  });
});
