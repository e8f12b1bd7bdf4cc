import { describe, expect, it } from 'vitest';
import { Execution } from '../../src/engine/execution.js';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { search } from '../../src/explore/search.js';
import { loadModel, selectVariants } from '../../src/model/load.js';
import { buildProgram } from '../../src/model/target.js';
import { traceSchedule } from '../../src/scheduler/replay.js';
import { decodeToken } from '../../src/scheduler/token.js';

async function target(spec: string) {
  const [name, variant] = spec.split(':');
  const [t] = selectVariants(await loadModel(name), variant);
  return t;
}

// models/lockless, each variant with its own strategy (dpor), as `npm start` runs it: exact
// execution counts; fixed variants complete and clean.
describe('models/lockless: fixed variants are clean under exhaustive DPOR', () => {
  it.each([
    ['hotremove-vs-ptdump:fixed', 2],
    ['lockless-walk-vs-free:fixed', 6],
    ['x86-free-before-clear:fixed', 2],
    ['pte-offset-map:fixed', 21],
    ['two-populators:fixed', 2],
    ['pae-torn-read:fixed', 20],
  ] as const)('%s: %i executions, complete', async (spec, executions) => {
    const r = await search(await target(spec), defaultSearchOptions());
    expect(r).toMatchObject({
      executions,
      verdict: 'clean',
      complete: true,
      matches: true,
      strategy: 'dpor',
    });
  });
});

// Each bug, pinned by its replay token: the search finds it at the same execution and reports
// the same token; replaying the token gives the same violation with the reads and writes named.
describe('models/lockless: each bug pinned by its replay token', () => {
  it.each([
    [
      'hotremove-vs-ptdump:buggy',
      3,
      'use-after-free',
      'cpu0 A read pte[1] (ptep_get_lockless(pte)) in ptdump_pte_entry after cpu1 B in free_empty_pte_table freed pte, a pte table; the pointer to it was read from pmd[0], which now holds 0x0',
      'v1.ARNob3RyZW1vdmUtdnMtcHRkdW1wBWJ1Z2d5oI0GAwANAR4AAf5aEkk',
    ],
    [
      'lockless-walk-vs-free:buggy',
      2,
      'lockless-precondition',
      "cpu1 B in pmd_free_pte_page is about to pmd_clear (mapping [0xffff800080000000, 0xffff800080200000)) inside [0xffff800080000000, 0xffff800080001000), the range of cpu0 A's lockless walk in flight",
      'v1.ARVsb2NrbGVzcy13YWxrLXZzLWZyZWUFYnVnZ3mgjQYCAA8BA2auleE',
    ],
    [
      'x86-free-before-clear:buggy',
      3,
      'use-after-free',
      'cpu0 A read pte[1] (ptep_get_lockless(pte)) in ptdump_pte_entry after cpu1 B in free_pagetable freed pte, a pte table; the pointer to it was read from pmd[0], which now holds 0x4004067',
      'v1.ARV4ODYtZnJlZS1iZWZvcmUtY2xlYXIFYnVnZ3mgjQYDAA0BGgABitjEWA',
    ],
    [
      'pte-offset-map:buggy',
      3,
      'pte-offset-map',
      'cpu0 A in pte_offset_map checked pmd[1] = 0x4005067 (a page table) but mapped a PTE table from a second read 0x0 (none)',
      'v1.AQ5wdGUtb2Zmc2V0LW1hcAVidWdneaCNBgMAAgEIAAH6gqd3',
    ],
    [
      'pte-offset-map:buggy-no-recheck',
      3,
      'pte-offset-map',
      'cpu0 A holds the PTE lock of a detached table: pmd[1] changed from 0x4005067 to 0x0 (none) and pte_offset_map_lock did not recheck pmd_same',
      'v1.AQ5wdGUtb2Zmc2V0LW1hcBBidWdneS1uby1yZWNoZWNroI0GAwACAQgAAW_dfuA',
    ],
    [
      'pte-offset-map:buggy-no-rcu',
      2,
      'use-after-free',
      'cpu0 A read pte[0] (ptep_get(pte)) in handle_pte_fault after cpu1 B in pte_free freed pte, a pte table; the pointer to it was read from pmd[1], which now holds 0x0',
      'v1.AQ5wdGUtb2Zmc2V0LW1hcAxidWdneS1uby1yY3WgjQYDAAIBCAABRzwOlQ',
    ],
    [
      'two-populators:buggy',
      201,
      'page-fault',
      'kernel write to ffffe70040008000 through B.pgd: PGD slot 462 is none, init_mm has it',
      'v1.AQ50d28tcG9wdWxhdG9ycwVidWdneaCNBgIACgEJvTmV0A',
    ],
    [
      'pae-torn-read:buggy',
      2,
      'torn-read',
      'cpu0 A read pmd[0] as 0x00000000002000e3 with a plain 64-bit read (two 32-bit loads) in pte_offset_map: low half from 0x80000001002000e3, high half from 0x0000000000000000; pmd[0] never held it (it held 0x80000001002000e3, 0x8000000100000000, 0x0000000000000000)',
      'v1.AQ1wYWUtdG9ybi1yZWFkBWJ1Z2d5oI0GAwABAQIAAQl_kf4',
    ],
  ] as const)('%s: found at execution %i as %s', async (spec, executions, kind, message, token) => {
    const t = await target(spec);
    const r = await search(t, defaultSearchOptions());
    expect(r.executions).toBe(executions);
    expect(r.matches).toBe(true);
    expect(r.violations.map((v) => [v.kind, v.message, v.token])).toEqual([[kind, message, token]]);
    const spec2 = decodeToken(token);
    expect(`${spec2.model}:${spec2.variant}`).toBe(spec);
    const replay = traceSchedule(new Execution(buildProgram(t), spec2.maxSteps), spec2.choices);
    expect(replay.violation?.kind).toBe(kind);
    expect(replay.violation?.message).toBe(message);
    expect(replay.trace.at(-1)?.violation).toBe(kind);
  });
});

describe('models/lockless: the reports name the accesses involved', () => {
  it('hotremove-vs-ptdump:buggy: the dump reads the PTE table after free_empty_pte_table cleared the pmd and freed it', async () => {
    const r = await search(await target('hotremove-vs-ptdump:buggy'), defaultSearchOptions());
    const v = r.violations[0];
    expect(v.headline).toEqual([
      'BUG: KASAN: use-after-free in ptdump_pte_entry',
      'Read of size 8 at addr 0x4008 (pte[1], ptep_get_lockless(pte)) by cpu0 A',
      'Freed by cpu1 B in free_empty_pte_table; the pointer to it was read from pmd[0], which now holds 0x0',
    ]);
    const lines = v.trace.map((s) => `${s.cpu} ${s.fn} ${s.op} ${s.addr}`);
    expect(lines).toContain('1 free_empty_pte_table pmd_clear pmd[0]');
    expect(lines).toContain('1 free_empty_pte_table free_hotplug_pgtable_page pte');
    expect(lines.at(-1)).toBe('0 ptdump_pte_entry ptep_get_lockless(pte) pte[1]');
    expect(r.commits).toEqual({
      introduced: 'bbd6ec605c0f ("arm64/mm: Enable memory hot remove")',
      fixed: ['bf2b59f60ee1 ("arm64/mm: Hold memory hotplug lock while walking for kernel page table dump")'],
    });
  });

  it('pae-torn-read:buggy: the low half is read before pmd_clear, the high half after', async () => {
    const r = await search(await target('pae-torn-read:buggy'), defaultSearchOptions());
    expect(r.violations[0].trace.map((s) => `${s.cpu} ${s.op} ${s.addr} ${s.value}`)).toEqual([
      '0 READ_ONCE(pmdp->pmd_low) pmd[0] -> 0x00000000002000e3',
      '1 pmd_low = 0 pmd[0] = 0',
      '1 pmd_high = 0 pmd[0]+4 = 0',
      '0 READ_ONCE(pmdp->pmd_high) pmd[0]+4 -> 0',
    ]);
  });
});
