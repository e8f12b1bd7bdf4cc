import { describe, expect, it } from 'vitest';
import { pgattr_change_is_safe } from '../../src/kernel/arm64/bbm.js';

// arch/arm64/mm/mmu.c pgattr_change_is_safe(): which live changes need break-before-make
const PAGE = 0x0060000090000403n; // valid page, AF, UXN|PXN
describe('pgattr_change_is_safe', () => {
  it.each([
    ['creating a mapping', 0n, PAGE, true],
    ['taking a mapping down', PAGE, 0n, true],
    ['making it read-only (PTE_RDONLY)', PAGE, PAGE | (1n << 7n), true],
    ['setting PTE_WRITE (DBM)', PAGE, PAGE | (1n << 51n), true],
    ['clearing PXN', PAGE, PAGE & ~(1n << 53n), true],
    ['global to non-global', PAGE, PAGE | (1n << 11n), true],
    ['non-global to global', PAGE | (1n << 11n), PAGE, false],
    ['another output address', PAGE, PAGE + 0x1000n, false],
    ['setting the contiguous bit', PAGE, PAGE | (1n << 52n), false],
    ['another memory type (AttrIndx)', PAGE, PAGE | (1n << 2n), false],
    ['a block replaced by a table', 0x0060000000002401n, 0x5003n, false],
  ] as const)('%s: %s', (_what, old, next, safe) => {
    expect(pgattr_change_is_safe(old, next)).toBe(safe);
  });
});
