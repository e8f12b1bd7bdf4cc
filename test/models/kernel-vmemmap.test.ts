import { describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/main.js';
import { Execution } from '../../src/engine/execution.js';
import { formatTrace } from '../../src/engine/trace.js';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { search } from '../../src/explore/search.js';
import { loadModel, selectVariants } from '../../src/model/load.js';
import { buildProgram } from '../../src/model/target.js';
import { formatViolation } from '../../src/report/text.js';
import { traceSchedule } from '../../src/scheduler/replay.js';
import { decodeToken } from '../../src/scheduler/token.js';
import { pagerace } from '../helpers/cli.js';

async function target(spec: string) {
  const [name, variant] = spec.split(':');
  const [t] = selectVariants(await loadModel(name), variant);
  return t;
}

async function check(spec: string) {
  return search(await target(spec), defaultSearchOptions());
}

/** replays a token on a freshly built program, as `pagerace replay` does */
async function replay(token: string) {
  const spec = decodeToken(token);
  const t = (await target(`${spec.model}:${spec.variant}`))!;
  const exec = new Execution(buildProgram(t), spec.maxSteps);
  return traceSchedule(exec, spec.choices);
}

const oops = (address: string, walk: string) => [
  `BUG: unable to handle page fault for address: ${address}`,
  '#PF: supervisor write access in kernel mode',
  '#PF: error_code(0x0002) - not-present page',
  walk,
  'Oops: 0002 [#1] SMP NOPTI',
];

// One pinned replay token per buggy variant (DPOR, the variants' own strategy): the report starts
// with the oops, names the commits, and the token replays the same trace and the same bug.
describe('x86-64 vmemmap sync bugs: pinned oopses and replay tokens', () => {
  it.each([
    [
      'vmemmap-compound-nosync:buggy-l4-fresh',
      'v1.ARd2bWVtbWFwLWNvbXBvdW5kLW5vc3luYw5idWdneS1sNC1mcmVzaKCNBgIADwECIPKs2A',
      'kernel write to ffffe70000000034 through B.pgd: PGD slot 462 is none, init_mm has it',
      oops('ffffe70000000034', 'PGD 0 P4D 0'),
      ['memmap_init_zone_device', '__init_zone_device_page', '__init_single_page'],
    ],
    [
      'vmemmap-compound-nosync:buggy-l5-fresh',
      'v1.ARd2bWVtbWFwLWNvbXBvdW5kLW5vc3luYw5idWdneS1sNS1mcmVzaKCNBgIAEgECkqr7WA',
      'kernel write to ffd5000000000034 through B.pgd: PGD slot 469 is none, init_mm has it',
      oops('ffd5000000000034', 'PGD 0'),
      ['memmap_init_zone_device', '__init_zone_device_page', '__init_single_page'],
    ],
    [
      'vmemmap-access-before-sync:buggy-l4-fresh',
      'v1.ARp2bWVtbWFwLWFjY2Vzcy1iZWZvcmUtc3luYw5idWdneS1sNC1mcmVzaKCNBgEADFUq90I',
      'kernel write to ffffe70000008000 through A.pgd: PGD slot 462 is none, init_mm has it',
      oops('ffffe70000008000', 'PGD 0 P4D 0'),
      [
        'add_pages',
        '__populate_section_memmap',
        'vmemmap_populate',
        'vmemmap_populate_hugepages',
        'vmemmap_set_pmd',
        'vmemmap_use_new_sub_pmd',
        '__vmemmap_use_sub_pmd',
      ],
    ],
    [
      'vmemmap-access-before-sync:buggy-l5-fresh',
      'v1.ARp2bWVtbWFwLWFjY2Vzcy1iZWZvcmUtc3luYw5idWdneS1sNS1mcmVzaKCNBgEAD6AuPUg',
      'kernel write to ffd5000000008000 through A.pgd: PGD slot 469 is none, init_mm has it',
      oops('ffd5000000008000', 'PGD 0'),
      [
        'add_pages',
        '__populate_section_memmap',
        'vmemmap_populate',
        'vmemmap_populate_hugepages',
        'vmemmap_set_pmd',
        'vmemmap_use_new_sub_pmd',
        '__vmemmap_use_sub_pmd',
      ],
    ],
  ])('%s', async (spec, token, message, headline, stack) => {
    const r = await check(spec);
    expect(r.matches).toBe(true);
    expect(r.violations).toHaveLength(1);
    const v = r.violations[0];
    expect([v.kind, v.message, v.token]).toEqual(['page-fault', message, token]);
    expect(v.headline).toEqual(headline);
    expect(v.kernelStack).toEqual(stack);
    const report = formatViolation(r, v);
    expect(report.slice(1, 6)).toEqual(headline);
    expect(report.some((l) => l.startsWith('Introduced by: '))).toBe(true);
    expect(report.some((l) => l.startsWith('Fixed by: f2d2f9598ebb'))).toBe(true);
    expect(report.at(-1)).toBe(`Replay: pagerace replay ${token}`);
    const again = await replay(token);
    expect(formatTrace(again.trace)).toEqual(formatTrace(v.trace));
    expect(again.violation?.key).toBe(`page-fault: ${message}`);
    expect(again.violation?.headline).toEqual(headline);
    // what `pagerace replay <token>` prints: the oops, then the same interleaving
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      out.push(...a.join(' ').split('\n'));
    });
    try {
      expect(await run(['replay', token])).toBe(1);
    } finally {
      log.mockRestore();
    }
    expect(out).toEqual([
      `Replaying ${spec}, ${v.trace.length} steps, 0 preemptions`,
      ...headline,
      ...formatTrace(v.trace),
    ]);
  });

  it('compound-nosync, 4-level, fresh slot: the interleaving of the mail, step by step', async () => {
    const r = await check('vmemmap-compound-nosync:buggy-l4-fresh');
    expect(formatTrace(r.violations[0].trace)).toEqual([
      '  cpu0 A   pagemap_range        mem_hotplug_begin mem_hotplug_lock',
      '  cpu0 A   vmemmap_p4d_populate p4d_none init_mm.pgd[462] -> 0',
      '  cpu0 A   vmemmap_p4d_populate vmemmap_alloc_block_zero pud@4 (pud table)',
      '  cpu0 A   p4d_populate_kernel  set_p4d init_mm.pgd[462] = 0x0000000004004067',
      '  cpu0 A   vmemmap_pud_populate pud_none pud@4[0] -> 0',
      '  cpu0 A   vmemmap_pud_populate vmemmap_alloc_block_zero pmd@5 (pmd table)',
      '  cpu0 A   vmemmap_pud_populate set_pud pud@4[0] = 0x0000000004005067',
      '  cpu0 A   vmemmap_pmd_populate pmd_none pmd@5[0] -> 0',
      '  cpu0 A   vmemmap_pmd_populate vmemmap_alloc_block_zero pte@6 (pte table)',
      '  cpu0 A   vmemmap_pmd_populate set_pmd pmd@5[0] = 0x0000000004006067',
      '  cpu0 A   vmemmap_pte_populate pte_none pte@6[0] -> 0',
      '  cpu0 A   vmemmap_pte_populate vmemmap_alloc_block_buf vmemmap@7 (data)',
      '  cpu0 A   vmemmap_pte_populate set_pte_at pte@6[0] = 0x8000000004007163',
      '  cpu0 A   pagemap_range        mem_hotplug_done mem_hotplug_lock',
      '  cpu0 A   pagemap_range        pgmap ready pgmap_ready = 1',
      '  cpu1 B                        wait pgmap pgmap_ready -> 1',
      '  cpu1 B   __init_single_page   walk   B.pgd[462] -> 0   <-- page-fault',
    ]);
  });

  it('fork-vs-sync mutants (fresh slot, 4- and 5-level) are each caught, with pinned tokens', async () => {
    const found: string[][] = [];
    for (const spec of [
      'fork-vs-sync:mutant-join-outside-lock-l4-fresh',
      'fork-vs-sync:mutant-sync-without-lock-l5-fresh',
      'fork-vs-sync:mutant-sync-before-store-l4-fresh',
      'fork-vs-sync:mutant-exit-without-lock-l4-fresh',
      'fork-vs-sync:mutant-join-outside-lock-l5-fresh',
      'fork-vs-sync:mutant-sync-without-lock-l4-fresh',
      'fork-vs-sync:mutant-sync-before-store-l5-fresh',
      'fork-vs-sync:mutant-exit-without-lock-l5-fresh',
    ]) {
      const r = await check(spec);
      expect(r.matches).toBe(true);
      const v = r.violations[0];
      found.push([v.kind, v.message, v.token]);
      expect((await replay(v.token)).violation?.key).toBe(`${v.kind}: ${v.message}`);
    }
    expect(found).toEqual([
      [
        'sync-postcondition',
        'C.pgd joined pgd_list after the sync of slot 462 returned, with C.pgd[462] = 0x0000000000000000, init_mm.pgd[462] = 0x0000000004004067',
        'v1.AQxmb3JrLXZzLXN5bmMhbXV0YW50LWpvaW4tb3V0c2lkZS1sb2NrLWw0LWZyZXNooI0GBAADAQoAHgEBCGdNOA',
      ],
      [
        'sync-postcondition',
        'C.pgd joined pgd_list after the sync of slot 469 returned, with C.pgd[469] = 0x0000000000000000, init_mm.pgd[469] = 0x0000000004004067',
        'v1.AQxmb3JrLXZzLXN5bmMhbXV0YW50LXN5bmMtd2l0aG91dC1sb2NrLWw1LWZyZXNooI0GBAADAQQAHwEGgj9VJw',
      ],
      [
        'sync-postcondition',
        'p4d_populate_kernel(ffffe70000000000) returned but B.pgd[462] = 0x0000000000000000, init_mm.pgd[462] = 0x0000000004004067',
        'v1.AQxmb3JrLXZzLXN5bmMhbXV0YW50LXN5bmMtYmVmb3JlLXN0b3JlLWw0LWZyZXNooI0GAQAFl7EeKw',
      ],
      [
        'kernel-bug',
        "list_for_each_entry on pgd_list followed a deleted entry's next (dead000000000100)",
        'v1.AQxmb3JrLXZzLXN5bmMhbXV0YW50LWV4aXQtd2l0aG91dC1sb2NrLWw0LWZyZXNooI0GBAEQABQBBQAB2M02LQ',
      ],
      [
        'sync-postcondition',
        'C.pgd joined pgd_list after the sync of slot 469 returned, with C.pgd[469] = 0x0000000000000000, init_mm.pgd[469] = 0x0000000004004067',
        'v1.AQxmb3JrLXZzLXN5bmMhbXV0YW50LWpvaW4tb3V0c2lkZS1sb2NrLWw1LWZyZXNooI0GBAADAQoAIQEBp2OBzg',
      ],
      [
        'sync-postcondition',
        'C.pgd joined pgd_list after the sync of slot 462 returned, with C.pgd[462] = 0x0000000000000000, init_mm.pgd[462] = 0x0000000004004067',
        'v1.AQxmb3JrLXZzLXN5bmMhbXV0YW50LXN5bmMtd2l0aG91dC1sb2NrLWw0LWZyZXNooI0GBAADAQQAHAEGAF84EQ',
      ],
      [
        'sync-postcondition',
        'pgd_populate_kernel(ffd5000000000000) returned but B.pgd[469] = 0x0000000000000000, init_mm.pgd[469] = 0x0000000004004067',
        'v1.AQxmb3JrLXZzLXN5bmMhbXV0YW50LXN5bmMtYmVmb3JlLXN0b3JlLWw1LWZyZXNooI0GAQAFSMOhnA',
      ],
      [
        'kernel-bug',
        "list_for_each_entry on pgd_list followed a deleted entry's next (dead000000000100)",
        'v1.AQxmb3JrLXZzLXN5bmMhbXV0YW50LWV4aXQtd2l0aG91dC1sb2NrLWw1LWZyZXNooI0GBAEQABQBBQABpxtLdg',
      ],
    ]);
  });

  // exact DPOR execution counts of the exhaustive searches (A, B and the child C besides init_mm)
  it.each([
    ['fork-vs-sync:fixed-l4-fresh', 9],
    ['fork-vs-sync:fixed-l4-present', 4],
    ['fork-vs-sync:fixed-l5-fresh', 10],
    ['fork-vs-sync:fixed-l5-present', 5],
    ['fork-vs-sync:fixed-exit-l4-fresh', 47],
    ['fork-vs-sync:fixed-exit-l5-fresh', 61],
    ['vmemmap-compound-nosync:fixed-l4-fresh', 1],
    ['vmemmap-access-before-sync:fixed-l5-fresh', 1],
  ] as const)('%s is clean after %i executions, complete', async (spec, executions) => {
    const r = await check(spec);
    expect([r.verdict, r.complete, r.executions]).toEqual(['clean', true, executions]);
  });

  it('a preemption-bounded search (2 preemptions) agrees with DPOR on fork-vs-sync', async () => {
    const opts = { ...defaultSearchOptions(), strategy: 'bounded', strategyOptions: { preemptions: 2 } };
    const fixed = await search(await target('fork-vs-sync:fixed-l4-fresh'), opts);
    // no violation within 2 preemptions (596 executions): a bound, not a proof, so 'unknown'
    expect([fixed.verdict, fixed.stoppedBy, fixed.violations.length, fixed.executions]).toEqual([
      'unknown',
      'bound',
      0,
      596,
    ]);
    const mutant = await search(await target('fork-vs-sync:mutant-join-outside-lock-l4-fresh'), opts);
    expect(mutant.violations.map((v) => v.kind)).toEqual(['sync-postcondition']);
  });

  it('pagerace replay reproduces the oops of the mail from its token', () => {
    const run = pagerace([
      'replay',
      'v1.ARd2bWVtbWFwLWNvbXBvdW5kLW5vc3luYw5idWdneS1sNC1mcmVzaKCNBgIADwECIPKs2A',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n').slice(0, 6)).toEqual([
      'Replaying vmemmap-compound-nosync:buggy-l4-fresh, 17 steps, 0 preemptions',
      ...oops('ffffe70000000034', 'PGD 0 P4D 0'),
    ]);
  });
});
