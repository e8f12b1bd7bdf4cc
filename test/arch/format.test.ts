import { describe, expect, it } from 'vitest';
import { ARM64 } from '../../src/arch/arm64/arch.js';
import { ARM64_4K_48 } from '../../src/arch/arm64/format.js';
import { levelName, levelOf, vaIndex } from '../../src/arch/format.js';
import { translate } from '../../src/arch/hw-walk.js';
import { X86_64_L4, X86_64_L5 } from '../../src/arch/x86-64/format.js';
import { X86_PAE_ARCH } from '../../src/arch/x86-pae/arch.js';
import { X86_PAE } from '../../src/arch/x86-pae/format.js';

describe('page-table formats: levels, folding, entries', () => {
  it('names the hardware levels as the kernel does, folded levels mapping to the one above', () => {
    const names = (f: typeof X86_64_L4) =>
      Array.from({ length: f.levels }, (_, i) => levelName(f, f.levels - i));
    expect(names(X86_64_L4)).toEqual(['pgd', 'pud', 'pmd', 'pte']);
    expect(names(X86_64_L5)).toEqual(['pgd', 'p4d', 'pud', 'pmd', 'pte']);
    expect(names(ARM64_4K_48)).toEqual(['pgd', 'pud', 'pmd', 'pte']);
    expect(names(X86_PAE)).toEqual(['pgd', 'pmd', 'pte']);
    expect([levelOf(X86_64_L4, 'p4d'), levelOf(X86_64_L5, 'p4d'), levelOf(X86_PAE, 'pud')]).toEqual([
      4, 4, 3,
    ]);
  });

  it('PAE: a 4-entry PDPT indexed by bits 30-31; a PDPTE is the address and the present bit', () => {
    expect(X86_PAE.ptrs(3)).toBe(4);
    expect(vaIndex(X86_PAE, 0xc0801234n, 3)).toBe(3);
    expect(vaIndex(X86_PAE, 0xc0801234n, 2)).toBe(4);
    expect(X86_PAE.mkTable(0x2000n, 3)).toBe(0x4002001n);
    expect(X86_PAE.mkTable(0x3000n, 2)).toBe(0x4003067n);
    expect(X86_PAE.addr(0x4003067n)).toBe(0x3000n);
  });
});

describe('fault reports', () => {
  it('arm64: the paging request, the syndrome of a translation fault at lookup level 1 (the pud) and show_pte()', () => {
    const va = 0xffff800080001234n;
    const t = translate(
      ARM64_4K_48,
      (a) => ({ [0x1000 + 256 * 8]: 0x2003n, [0x2000 + 2 * 8]: 0n })[a] ?? 0n,
      0x1000,
      va,
    );
    expect(ARM64.faultReport(va, 'write', t.steps)).toEqual([
      'Unable to handle kernel paging request at virtual address ffff800080001234',
      'Mem abort info: ESR = 0x0000000096000045, WnR = 1',
      'swapper pgtable: 4k pages, 48-bit VAs',
      '[ffff800080001234] pgd=0000000000002003, p4d=0000000000002003, pud=0000000000000000',
      'Internal error: Oops: 0000000096000045 [#1] SMP',
    ]);
  });

  it('x86 PAE: the 32-bit oops with *pdpt and *pde', () => {
    const va = 0xc0801234n;
    const t = translate(X86_PAE, (a) => (a === 0x1000 + 3 * 8 ? 0x4002001n : 0n), 0x1000, va);
    expect(X86_PAE_ARCH.faultReport(va, 'read', t.steps)).toEqual([
      'BUG: unable to handle page fault for address: c0801234',
      '#PF: supervisor read access in kernel mode',
      '#PF: error_code(0x0000) - not-present page',
      '*pdpt = 0000000004002001 *pde = 0000000000000000',
      'Oops: 0000 [#1] SMP',
    ]);
  });
});
