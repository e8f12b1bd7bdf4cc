import { describe, expect, it } from 'vitest';
import { X86Tables } from '../../../models/lockless/lib/x86-kernel.js';
import { X86_64_L4 } from '../../../src/arch/x86-64/format.js';
import type { Cpu } from '../../../src/engine/cpu.js';
import { free_pgtable_page } from '../../../src/kernel/free/free-table.js';
import { hw_access } from '../../../src/kernel/hw-access.js';
import { useAfterFreeOracle } from '../../../src/kernel/walk/uaf-oracle.js';
import { FrameState } from '../../../src/machine/frame-state.js';
import { dpor } from './solo.js';

describe('use-after-free oracle for every access of an x86 kernel model', () => {
  // A PTE table freed under a hardware walk is reported by hw_access itself as a bad entry (it
  // follows the poison before any oracle runs); a freed page that is still mapped is this oracle's.
  it("catches an access through the kernel base's hardware walk to a page freed while still mapped", () => {
    const va = 0xffff888100000000n;
    const x = new X86Tables(8, ['A', 'B']);
    const data = x.kb.m.frame(FrameState.Data, 'page');
    x.ghost.nameFrame(data, 'page');
    const pte = x.tables(va, 'pte');
    x.set(pte, va, 1, X86_64_L4.mkLeaf(BigInt(0x4000 + data) << 12n, 1));
    x.kb.cpu(x.k.initMm);
    x.kb.cpu(x.k.initMm);
    const prog = x.kb.program(
      [
        {
          name: 'A',
          *run(c: Cpu) {
            yield* c.call('memcpy', hw_access(c, x.k, va, 'read', 8));
          },
        },
        {
          name: 'B',
          *run(c: Cpu) {
            yield* c.call('free_pagetable', free_pgtable_page(c, x.w, data, 'free_pages'));
          },
        },
      ],
      [useAfterFreeOracle(x.ghost)],
    );
    const r = dpor(prog);
    expect([...r.violations.keys()]).toEqual([
      'use-after-free: cpu0 A read page[0] in its program after cpu1 B in free_pagetable freed page',
    ]);
  });
});
