import { describe, expect, it } from 'vitest';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { search } from '../../src/explore/search.js';
import { loadModel, selectVariants } from '../../src/model/load.js';

async function check(model: string, variant: string, tlb: 'on' | 'off' = 'on') {
  const m = await loadModel(model);
  const [t] = selectVariants(m, variant, { params: {}, tlb });
  const r = await search(t, defaultSearchOptions());
  return { r, t, found: r.violations.map((v) => `${v.kind}: ${v.message}`) };
}

describe('the TLB models (models/tlb)', () => {
  it('free-before-flush:buggy: A walks through its cached pmd into the freed PTE table', async () => {
    const { found } = await check('free-before-flush', 'buggy');
    expect(found).toEqual([
      'stale-translation: cpu0 A translated ffffc90000000000 in speculative walk through its cached pmd entry pmd[0] = 0x4005067 (memory now holds 0x0); the pte table it points to, pte, was freed since (freed by cpu1 B in pmd_free_pte_page) with no TLB flush on cpu0 A in between',
    ]);
  });

  it("free-before-flush:buggy's report shows what each CPU caches for the address", async () => {
    const { r } = await check('free-before-flush', 'buggy');
    expect(r.violations[0].headline.slice(0, 4)).toEqual([
      'BUG: stale paging-structure cache entry used by cpu0 A for ffffc90000000000',
      'cached pmd pmd[0] = 0x4005067, memory 0x0; pte freed by cpu1 B in pmd_free_pte_page',
      'the flush that drops it (flush_tlb_kernel_range / __flush_tlb_kernel_pgtable) is missing between the change and the free',
      'cpu0 A caches for ffffc90000000000: pgd ffffc90000000000 = 0x4003067 (from init_mm.pgd[402]), pud ffffc90000000000 = 0x4004067 (from pud[0]), pmd ffffc90000000000 = 0x4005067 (from pmd[0]), pte ffffc90000000000 = 0x8000000004002163 (from pte[0])',
    ]);
  });

  it('free-before-flush:fixed is clean and complete under DPOR', async () => {
    const { r } = await check('free-before-flush', 'fixed');
    expect([r.violations.length, r.complete, r.executions]).toEqual([0, true, 1]);
  });

  it('vmalloc-lazy-purge:buggy: A still translates the area to the reused page', async () => {
    const { found } = await check('vmalloc-lazy-purge', 'buggy');
    expect(found).toEqual([
      'stale-translation: cpu0 A translated ffffc90000200000 in speculative walk through its cached pte entry pte[0] = 0x8000000004002163 (memory now holds 0x0); the page it maps, vmalloc page 0, was reused since (freed by cpu1 B in __free_pages) with no TLB flush on cpu0 A in between',
    ]);
  });

  it('vmalloc-lazy-purge:fixed is clean and complete under DPOR', async () => {
    const { r } = await check('vmalloc-lazy-purge', 'fixed');
    expect([r.violations.length, r.complete, r.executions]).toEqual([0, true, 1]);
  });

  it('arm64-split-bbm:buggy: the table written over the block A still caches', async () => {
    const { found } = await check('arm64-split-bbm', 'buggy');
    expect(found).toEqual([
      "break-before-make: cpu1 B in split_pmd wrote pmd[0] = 0x5003 while cpu0 A's TLB still holds 0x60000000002401 from it, a valid entry of another size: no invalid entry and TLBI in between (and no BBML2_NOABORT)",
    ]);
  });

  it('arm64-split-bbm: the BBM sequence, or BBML2_NOABORT declared, is clean and complete under DPOR', async () => {
    for (const variant of ['fixed-bbm', 'fixed-bbml2']) {
      const { r } = await check('arm64-split-bbm', variant);
      expect([variant, r.violations.length, r.complete, r.executions]).toEqual([variant, 0, true, 1]);
    }
  });

  it('--tlb off: memory alone has nothing mapped there, so the buggy kernels look clean; tokens record tlb=off', async () => {
    for (const model of ['free-before-flush', 'vmalloc-lazy-purge', 'arm64-split-bbm']) {
      const { r, t } = await check(model, 'buggy', 'off');
      expect([r.violations.length, r.complete]).toEqual([0, true]);
      expect(t.settings).toEqual({ tlb: 'off' });
    }
  });
});
