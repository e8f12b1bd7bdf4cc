import { describe, expect, it } from 'vitest';
import type { Cpu } from '../../../src/engine/cpu.js';
import { hw_access } from '../../../src/kernel/hw-access.js';
import { KernelBuilder } from '../../../src/kernel/machine-builder.js';
import { useAfterFreeOracle } from '../../../src/kernel/oracles/uaf.js';
import { free_pgtable_page } from '../../../src/kernel/pgalloc.js';
import { x86_64 } from '../../../src/kernel/x86/arch.js';
import { FrameState } from '../../../src/machine/frame-state.js';
import { dpor } from './solo.js';

describe('use-after-free of a page freed while still mapped', () => {
  /** CPU A reads `va` through the hardware walk; CPU B frees the page the PTE still maps */
  function program(
    access: (c: Cpu, kb: KernelBuilder, va: bigint, page: number) => Generator<unknown, unknown, bigint>,
  ) {
    const va = 0xffff888100000000n;
    const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A', 'B'], frames: 8 });
    const data = kb.frame(FrameState.Data, 'page');
    const pte = kb.table(va, 'pte');
    kb.set(pte, va, 1, kb.arch.fmt.mkLeaf(BigInt(0x4000 + data) << 12n, 1));
    return kb.program(
      [
        { name: 'A', run: (c: Cpu) => access(c, kb, va, data) as never },
        {
          name: 'B',
          *run(c: Cpu) {
            yield* c.call('free_pagetable', free_pgtable_page(c, kb.k, data, 'free_pages'));
          },
        },
      ],
      [useAfterFreeOracle(kb.k)],
    );
  }

  it('the hardware walk reports the leaf that still maps the freed page', () => {
    const r = dpor(program((c, kb, va) => c.call('memcpy', hw_access(c, kb.k, va, 'read', 8))));
    expect([...r.violations.keys()]).toEqual([
      'use-after-free: cpu0 A read ffff888100000000 in memcpy through pte[0], which still maps page after cpu1 B in free_pagetable freed it',
    ]);
  });

  it('the oracle reports any other access to the freed page (after the CPU has left memcpy)', () => {
    const r = dpor(
      program(function* (c, _kb, _va, page) {
        c.enter('memcpy');
        yield c.load(page * 4096, 'read');
        c.leave();
      }),
    );
    expect([...r.violations.keys()]).toEqual([
      'use-after-free: cpu0 A read page[0] in its program after cpu1 B in free_pagetable freed page',
    ]);
  });
});
