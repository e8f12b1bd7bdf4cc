import { describe, expect, it } from 'vitest';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { search } from '../../src/explore/search.js';
import type { MemoryModelName } from '../../src/machine/memory-model/memory-model.js';
import { loadModel, selectVariants } from '../../src/model/load.js';

async function check(spec: string, mm: MemoryModelName, keepGoing: boolean) {
  const [name, variant] = spec.split(':');
  const [t] = selectVariants(await loadModel(name), variant, undefined, mm);
  return search(t, { ...defaultSearchOptions(), keepGoing });
}

// The kernel models where ordering matters (models/ordering), each a pair under the memory model
// that breaks it: DPOR explores each completely; the breaking model finds the bug, the others and
// the kernel's order are clean.
describe('models/ordering under every memory model', () => {
  it.each([
    ['pte-alloc-publish:no-wmb', 'arm64', 170, 19, ['bad-entry']],
    ['pte-alloc-publish:no-wmb', 'sc', 3, 0, []],
    ['pte-alloc-publish:no-wmb', 'tso', 3, 0, []],
    ['pte-alloc-publish:wmb', 'arm64', 111, 0, []],
    ['pte-alloc-publish:wmb', 'sc', 3, 0, []],
    ['pte-alloc-publish:wmb', 'tso', 3, 0, []],
    ['plain-pte-read:plain', 'sc', 9, 9, ['data-race']],
    ['plain-pte-read:plain', 'tso', 9, 9, ['data-race']],
    ['plain-pte-read:plain', 'arm64', 14, 14, ['data-race']],
    ['plain-pte-read:ptep-get', 'sc', 2, 0, []],
    ['plain-pte-read:ptep-get', 'tso', 2, 0, []],
    ['plain-pte-read:ptep-get', 'arm64', 3, 0, []],
    ['arm64-create-mapping:no-clear-dsb', 'arm64', 252, 37, ['bad-entry']],
    ['arm64-create-mapping:no-clear-dsb', 'sc', 3, 0, []],
    ['arm64-create-mapping:no-clear-dsb', 'tso', 3, 0, []],
    ['arm64-create-mapping:no-pte-barriers', 'arm64', 398, 261, ['page-fault']],
    ['arm64-create-mapping:no-pte-barriers', 'sc', 3, 0, []],
    ['arm64-create-mapping:no-pte-barriers', 'tso', 12, 0, []],
    ['arm64-create-mapping:fixed', 'arm64', 71, 0, []],
    ['arm64-create-mapping:fixed', 'sc', 3, 0, []],
    ['arm64-create-mapping:fixed', 'tso', 3, 0, []],
  ] as const)('%s under %s: %i executions, %i violating, %j', async (spec, mm, executions, violating, kinds) => {
    const r = await check(spec, mm, true);
    expect([
      r.executions,
      r.violatingExecutions,
      [...new Set(r.violations.map((v) => v.kind))],
      r.complete,
    ]).toEqual([executions, violating, kinds, true]);
    expect(r.matches).toBe(true);
  });

  it("pte-alloc-publish:no-wmb under arm64: the walker reads the table's old contents; the report shows the pending stores and the order of visible writes", async () => {
    const r = await check('pte-alloc-publish:no-wmb', 'arm64', false);
    const v = r.violations[0];
    const last = v.trace[v.trace.length - 1];
    expect([last.fn, last.op, last.addr, last.value, last.violation]).toEqual([
      'vmalloc_to_page',
      'pte = ptep_get(ptep)',
      'pte@4[0]',
      '-> 0x6b6b6b6b6b6b6b6b (not the newest)',
      'bad-entry',
    ]);
    // the pmd became visible (2) before the zeroing of the table it points to (3)
    expect(last.machine).toEqual([
      {
        title: 'pending stores (oldest first; * may become visible next)',
        lines: ['cpu0 A: init_mm.page_table_lock = 0*, pte@4[0] = 0x0060000090000403*', 'cpu1 B: (empty)'],
      },
      {
        title: 'views (timestamps of the visible writes below)',
        lines: ['cpu0 A: vrOld 0, vwOld 3, vrNew 3, vRel 0', 'cpu1 B: vrOld 2, vwOld 0, vrNew 0, vRel 0'],
      },
      {
        title: 'visible writes, in the order they became visible',
        lines: [
          '1  cpu0 A  init_mm.page_table_lock = 0xffffffffffffffff',
          '2  cpu0 A  pmd[0] = 0x0000000000004003',
          '3  cpu0 A  pte@4[0..511] = 0',
        ],
      },
    ]);
  });

  it("arm64-create-mapping:no-pte-barriers: the CPU's own walker misses its pte store, still in its buffer", async () => {
    const r = await check('arm64-create-mapping:no-pte-barriers', 'arm64', false);
    const v = r.violations[0];
    const walk = v.trace.filter((s) => s.cpu === 0 && s.op === 'hw walk pte');
    expect(walk.map((s) => `${s.addr} ${s.value}`)).toEqual(['pte@4[0] -> 0']);
    expect(v.trace[v.trace.length - 1].machine?.[0].lines[0]).toBe('cpu0 A: pte@4[0] = 0x0060000090000403*');
  });
});
