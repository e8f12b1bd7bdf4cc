import { describe, expect, it } from 'vitest';
import { replayToken } from '../../src/explore/replay-token.js';

/** the token of the 2025 boot failure (vmemmap-compound-nosync:buggy-l4-fresh), as README prints it */
const OOPS = 'v1.ARd2bWVtbWFwLWNvbXBvdW5kLW5vc3luYw5idWdneS1sNC1mcmVzaKCNBgIADwEDIfKuaw';

describe('StepCapture: what a traced step carries beyond its one-line form', () => {
  it('set_p4d: the whole kernel stack, the 8 bytes written, init_mm.pgd[462] before and after', async () => {
    const { trace } = await replayToken(OOPS, { stallMs: 10_000 });
    const s = trace[3];
    expect(s).toMatchObject({ cpu: 0, fn: 'p4d_populate_kernel', op: 'set_p4d', addr: 'init_mm.pgd[462]' });
    expect(s.stack).toEqual([
      'memremap_pages',
      'pagemap_range',
      '__populate_section_memmap',
      'vmemmap_populate_compound_pages',
      'vmemmap_populate_address',
      'vmemmap_p4d_populate',
      'p4d_populate_kernel',
    ]);
    expect(s.write).toEqual([7792, 7800]);
    expect(s.read).toBeUndefined();
    expect(s.entries).toEqual([
      { addr: 7792, name: 'init_mm.pgd[462]', level: 5, before: '0', after: '0x0000000004004067' },
    ]);
    expect(s.machine).toBeUndefined();
  });

  it('an allocation is an allocator step with its frame as footprint and no entries; a lock word is not a page-table entry', async () => {
    const { trace } = await replayToken(OOPS, { stallMs: 10_000 });
    expect(trace[2]).toMatchObject({
      op: 'vmemmap_alloc_block_zero',
      write: [16384, 20480],
      allocator: true,
    });
    expect(trace[2].entries).toBeUndefined();
    expect(trace[0]).toMatchObject({ op: 'mem_hotplug_begin', write: [24, 32] });
    expect(trace[0].entries).toBeUndefined();
  });

  it('the faulting walk of B: its read of B.pgd[462], which still holds 0', async () => {
    const { trace } = await replayToken(OOPS, { stallMs: 10_000 });
    const last = trace.at(-1)!;
    expect(last).toMatchObject({ violation: 'page-fault', read: [15984, 15992] });
    expect(last.stack).toEqual(['memmap_init_zone_device', '__init_zone_device_page', '__init_single_page']);
    expect(last.entries).toEqual([{ addr: 15984, name: 'B.pgd[462]', level: 5, before: '0', after: '0' }]);
  });
});
