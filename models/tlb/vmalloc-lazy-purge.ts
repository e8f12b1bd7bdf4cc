import type { Cpu } from '../../src/engine/cpu.js';
import type { Program } from '../../src/engine/program.js';
import { hardware_walk, hw_access } from '../../src/kernel/hw-access.js';
import { KernelBuilder } from '../../src/kernel/machine-builder.js';
import { flush_tlb_kernel_range } from '../../src/kernel/tlb.js';
import { vunmap_range_noflush } from '../../src/kernel/vmalloc.js';
import { x86_64 } from '../../src/kernel/x86/arch.js';
import { FrameState } from '../../src/machine/frame-state.js';
import { defineModel } from '../../src/model/define.js';

/**
 * vmalloc-lazy-purge (x86-64). CPU A writes to a vmalloc area (its TLB caches the translation)
 * and hands it back; CPU B vfree()s it: vunmap clears the PTEs but, lazily, flushes nothing
 * (vunmap_range_noflush; the flush waits for __purge_vmap_area_lazy, mm/vmalloc.c, which runs
 * flush_tlb_kernel_range once enough lazily freed areas have piled up). If B frees the pages and
 * they are reused (here: allocated again at once) before the purge, A's TLB still translates the
 * area to the reused pages, and A's MMU may use that entry at any time (a write through it would
 * corrupt whoever owns the page now). Fixed: the pages are not reused before the purge, as
 * vm_reset_perms() does for VM_FLUSH_RESET_PERMS areas (vm_unmap_aliases() before
 * the pages go back, flushing the range on every CPU).
 *
 * Abstractions: `pages` pages under one PTE table; A's later use of its TLB is a walk without an
 * access; the lazy purge of the buggy kernel is left to after the reuse (not modelled); the
 * pages go straight back to the frame allocator and the next allocation gets them.
 */
const VA = 0xffffc90000200000n; // VMALLOC_START + 2 MiB, 4-level
const PAGE = 0x1000n;

function build(purgeFirst: boolean, pages: number): Program {
  const kb = new KernelBuilder(x86_64({ levels: 4 }), { cpus: ['A', 'B'], frames: 10 + pages });
  const k = kb.k;
  const frames: number[] = [];
  for (let i = 0; i < pages; i++) {
    const page = kb.m.frame(FrameState.Data, `vmalloc page ${i}`);
    frames.push(page);
    kb.map(VA + BigInt(i) * PAGE, 1, k.page_to_phys(page));
  }
  const end = VA + BigInt(pages) * PAGE;
  const done = kb.m.word('A done');
  const reused = kb.m.word('B reused');
  return kb.program([
    {
      name: 'A',
      *run(c: Cpu) {
        c.enter('user');
        for (let i = 0; i < pages; i++) yield* hw_access(c, k, VA + BigInt(i) * PAGE, 'write', 8, 1n);
        yield c.store(done, 1n, 'vfree(area) may go');
        yield c.awaitValue(reused, (v) => v === 1n, 'later');
        c.leave();
        c.enter('speculative walk');
        yield* hardware_walk(c, k, kb.pgdAddr, VA);
        c.leave();
      },
    },
    {
      name: 'B',
      *run(c: Cpu) {
        yield c.awaitValue(done, (v) => v === 1n, 'after A');
        c.enter('vfree');
        yield* vunmap_range_noflush(c, k, VA, end);
        if (purgeFirst) {
          c.enter('vm_reset_perms');
          yield* flush_tlb_kernel_range(c, k, VA, end);
          c.leave();
        }
        c.enter('__free_pages');
        for (const f of frames) {
          yield c.free(f, 'free the page');
          k.ghost.recordFree(c.mem, f, c.id, '__free_pages');
        }
        c.leave();
        c.leave();
        c.enter('alloc_pages');
        for (let i = 0; i < pages; i++) yield c.alloc(FrameState.Data, 'reused page', 'reuse the page');
        c.leave();
        yield c.store(reused, 1n, 'done');
      },
    },
  ]);
}

export default defineModel({
  name: 'vmalloc-lazy-purge',
  summary:
    'vunmap leaves TLB entries until the lazy purge; pages reused before it are still reachable through them',
  params: {
    pages: { default: 1, min: 1, max: 4, summary: 'pages of the vmalloc area' },
  },
  variants: {
    buggy: {
      summary: 'vfree frees the pages, which are reused, before the lazy purge flushes the TLBs',
      expect: { violation: 'stale-translation' },
      strategy: 'dpor',
      build: ({ pages }) => build(false, pages),
    },
    fixed: {
      summary: 'flush_tlb_kernel_range of the area before its pages go back (vm_reset_perms)',
      expect: 'clean',
      strategy: 'dpor',
      build: ({ pages }) => build(true, pages),
    },
  },
});
