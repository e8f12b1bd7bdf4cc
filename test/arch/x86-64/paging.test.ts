import { describe, expect, it } from 'vitest';
import { translate } from '../../../src/arch/hw-walk.js';
import {
  __PAGE_KERNEL,
  _PAGE_TABLE,
  entryLeaf,
  entryNone,
  entryPfn,
  entryPresent,
  mkTableEntry,
  PAGE_KERNEL_LARGE,
  pfn_pte,
} from '../../../src/arch/x86-64/entry.js';
import { X86_64_L4, X86_64_L5 } from '../../../src/arch/x86-64/format.js';
import { LAYOUT_L4, LAYOUT_L5 } from '../../../src/arch/x86-64/layout.js';
import { oopsWalkLine } from '../../../src/arch/x86-64/oops.js';
import {
  isCanonical,
  p4d_index,
  pgd_index,
  pgdirSize,
  pmd_index,
  pte_index,
  pud_index,
} from '../../../src/arch/x86-64/paging.js';
import { pfn_to_page } from '../../../src/kernel/struct-page.js';

describe('x86-64 paging indices', () => {
  it('the oops address of the mail, ffffe70000000034, is PGD 462, PUD 0, PMD 0 in 4-level paging', () => {
    const va = 0xffffe70000000034n;
    expect(pgd_index(va, 4)).toBe(462);
    expect(p4d_index(va)).toBe(462);
    expect(pud_index(va)).toBe(0);
    expect(pmd_index(va)).toBe(0);
    expect(pte_index(va)).toBe(0);
  });

  it('the vmemmap_set_pmd oops address ffffeb3ff1200000 (6659d0279980) is PGD 470, PUD 255, PMD 393', () => {
    const va = 0xffffeb3ff1200000n;
    expect(pgd_index(va, 4)).toBe(470);
    expect(pud_index(va)).toBe(255);
    expect(pmd_index(va)).toBe(393);
  });

  it('5-level paging indexes the PGD with bits 48..56', () => {
    expect(pgd_index(0xffd4000000000000n, 5)).toBe(468);
    expect(pgd_index(0xffd5000000000034n, 5)).toBe(469);
    expect(p4d_index(0xffd5000000000034n)).toBe(0);
    expect(pgdirSize(4)).toBe(1n << 39n);
    expect(pgdirSize(5)).toBe(1n << 48n);
  });

  it('canonical addresses', () => {
    expect(isCanonical(0xffff800000000000n, 4)).toBe(true);
    expect(isCanonical(0xff00000000000000n, 4)).toBe(false);
    expect(isCanonical(0xff00000000000000n, 5)).toBe(true);
    expect(isCanonical(0x00007fffffffffffn, 4)).toBe(true);
  });
});

describe('x86-64 entries', () => {
  it('_PAGE_TABLE is 0x67, __PAGE_KERNEL has G and NX, PAGE_KERNEL_LARGE adds PSE', () => {
    expect(_PAGE_TABLE).toBe(0x67n);
    expect(BigInt.asUintN(64, __PAGE_KERNEL)).toBe(0x8000000000000163n);
    expect(BigInt.asUintN(64, PAGE_KERNEL_LARGE)).toBe(0x80000000000001e3n);
  });

  it('encodes and decodes a table entry and a 2 MiB leaf', () => {
    const t = mkTableEntry(0x4003n);
    expect(t).toBe(0x4003067n);
    expect(entryPfn(t)).toBe(0x4003n);
    expect(entryPresent(t)).toBe(true);
    expect(entryLeaf(t)).toBe(false);
    const leaf = pfn_pte(0x4200n, PAGE_KERNEL_LARGE);
    expect(entryPfn(leaf)).toBe(0x4200n);
    expect(entryLeaf(leaf)).toBe(true);
    expect(entryNone(0n)).toBe(true);
  });
});

describe('x86-64 kernel layout', () => {
  it('4-level: direct map 273, vmalloc 402, vmemmap 468, KASAN 472..503, boundary 273', () => {
    expect(pgd_index(LAYOUT_L4.pageOffset, 4)).toBe(273);
    expect(pgd_index(LAYOUT_L4.vmallocStart, 4)).toBe(402);
    expect(pgd_index(LAYOUT_L4.vmemmapStart, 4)).toBe(468);
    expect(LAYOUT_L4.kasanShadowStart).toBe(0xffffec0000000000n);
    expect(pgd_index(LAYOUT_L4.kasanShadowStart, 4)).toBe(472);
    expect(pgd_index(LAYOUT_L4.kasanShadowEnd - 1n, 4)).toBe(503);
    expect(pgd_index(LAYOUT_L4.cpuEntryArea, 4)).toBe(508);
    expect(pgd_index(LAYOUT_L4.espfix, 4)).toBe(510);
    expect(pgd_index(LAYOUT_L4.startKernelMap, 4)).toBe(511);
    expect(LAYOUT_L4.kernelPgdBoundary).toBe(273);
  });

  it('5-level: direct map ff11..., vmalloc ffa0..., vmemmap ffd4..., KASAN ffdffc...', () => {
    expect(pgd_index(LAYOUT_L5.pageOffset, 5)).toBe(273);
    expect(pgd_index(LAYOUT_L5.vmallocStart, 5)).toBe(416);
    expect(pgd_index(LAYOUT_L5.vmemmapStart, 5)).toBe(468);
    expect(LAYOUT_L5.kasanShadowStart).toBe(0xffdffc0000000000n);
    expect(LAYOUT_L5.kasanShadowEnd).toBe(0xfffffc0000000000n);
    expect(LAYOUT_L5.kernelPgdBoundary).toBe(273);
  });

  it('pfn_to_page: the struct page of pfn p sits at vmemmap_base + 64 p', () => {
    expect(pfn_to_page(0x100n, LAYOUT_L4.vmemmapStart)).toBe(0xffffea0000004000n);
  });
});

describe('translate (ghost hardware walk) and the oops walk line', () => {
  /** a tiny table store: tables[pfn][index], read by physical address (frame f is pfn 0x4000 + f) */
  function tables(t: Record<string, Record<number, bigint>>) {
    return (addr: number) => t[(0x4000 + (addr >>> 12)).toString(16)]?.[(addr & 4095) >>> 3] ?? 0n;
  }
  const PGD = 0x1000; // pfn 0x4001

  it('stops at the none PGD slot and prints PGD 0 P4D 0 in 4-level paging', () => {
    const va = 0xffffe70000000034n;
    const t = translate(X86_64_L4, tables({}), PGD, va);
    expect([t.pa, t.level]).toEqual([null, 4]);
    expect(oopsWalkLine(X86_64_L4, t.steps)).toBe('PGD 0 P4D 0');
  });

  it('stops at the none PUD and prints PGD 4003067 P4D 4003067 PUD 0', () => {
    const va = 0xffffe70000000034n;
    const t = translate(X86_64_L4, tables({ '4001': { 462: 0x4003067n } }), PGD, va);
    expect([t.pa, t.level]).toEqual([null, 3]);
    expect(oopsWalkLine(X86_64_L4, t.steps)).toBe('PGD 4003067 P4D 4003067 PUD 0');
  });

  it('5-level: PGD 0 alone when the PGD slot is none; P4D printed when present', () => {
    const va = 0xffd5000000000034n;
    expect(oopsWalkLine(X86_64_L5, translate(X86_64_L5, tables({}), PGD, va).steps)).toBe('PGD 0');
    const t = translate(X86_64_L5, tables({ '4001': { 469: 0x4003067n } }), PGD, va);
    expect(t.level).toBe(4);
    expect(oopsWalkLine(X86_64_L5, t.steps)).toBe('PGD 4003067 P4D 0');
  });

  it('translates through a 2 MiB leaf and through a 4 KiB PTE', () => {
    const va = 0xffffe70000008034n;
    const huge = translate(
      X86_64_L4,
      tables({
        '4001': { 462: 0x4003067n },
        '4003': { 0: 0x4004067n },
        '4004': { 0: pfn_pte(0x4005n, PAGE_KERNEL_LARGE) },
      }),
      PGD,
      va,
    );
    expect([huge.pa, huge.level]).toEqual([0x5000n + 0x8034n, 2]);
    const small = translate(
      X86_64_L4,
      tables({
        '4001': { 462: 0x4003067n },
        '4003': { 0: 0x4004067n },
        '4004': { 0: 0x4006067n },
        '4006': { 8: pfn_pte(0x4007n, __PAGE_KERNEL) },
      }),
      PGD,
      va,
    );
    expect([small.pa, small.level]).toEqual([0x7034n, 1]);
  });
});
