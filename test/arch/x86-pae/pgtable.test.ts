import { describe, expect, it } from 'vitest';
import {
  describePae,
  PAE_NX,
  PAE_PSE,
  PAE_TABLE,
  paeHex,
  paeHigh,
  paeJoin,
  paeLow,
} from '../../../src/arch/x86-pae/pgtable.js';

describe('x86 PAE entries as two 32-bit halves', () => {
  const huge = PAE_NX | 0x100200000n | PAE_PSE | 0x63n;
  it('splits into pmd_low / pmd_high and joins back', () => {
    expect([paeLow(huge), paeHigh(huge)]).toEqual([0x002000e3, 0x80000001]);
    expect(paeJoin(0x002000e3, 0x80000001)).toBe(huge);
    expect(paeHex(paeJoin(0x002000e3, 0))).toBe('0x00000000002000e3');
  });

  it('describes what a pmd maps', () => {
    expect(describePae(huge)).toBe('a 2 MiB page at 0x100200000');
    expect(describePae(0x4003000n | PAE_TABLE)).toBe('a PTE table at 0x4003000');
    expect(describePae(paeJoin(0, 0x80000001))).toBe('not present');
    expect(describePae(0n)).toBe('none');
  });
});
