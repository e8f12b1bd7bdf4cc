import type { Cpu, Steps } from '../../engine/cpu.js';
import { entryAddr, tableOf, type WalkContext, walkEntry } from './access.js';
import { levelName } from './format.js';

/** `HwTranslation` is what a hardware walk found: the leaf's output address and level, or none. */
export interface HwTranslation {
  /** physical address `va` maps to, or null when an entry on the way was not present */
  pa: bigint | null;
  /** the level of the leaf, or of the entry that was not present */
  level: number;
}

/**
 * `hardware_walk` is the MMU of CPU `c` translating `va` from the top table at physical address
 * `pgd`, for the walkers' formats (arm64, x86-64): one read per level, each a scheduling point
 * and each checked by the use-after-free oracle (labels `hw walk <level>`), stopping at a leaf
 * or an entry that is not present. The reads are the walker's (`c.walkLoad`): another observer
 * of memory, each address-dependent on the level above; on arm64 it sees this CPU's own table
 * stores only after `dsb(ishst)`. While it runs, `hw_walk_in_flight[cpu]` is set, so a TLB flush
 * on another CPU (flush_tlb_kernel_range) completes only after it: clear, flush, free is safe
 * against hardware walks, clear then free without the flush is not.
 */
export function* hardware_walk(c: Cpu, w: WalkContext, pgd: number, va: bigint): Steps<HwTranslation> {
  const g = w.ghost;
  const fmt = w.fmt;
  yield c.immediateStore(g.hwWalkWord(c.id), 1n, 'hw walk begins');
  let table = pgd;
  let out: HwTranslation | null = null;
  let dep = 0;
  for (let level = fmt.levels; level >= 1 && out === null; level--) {
    const p = entryAddr(w, table, va, level);
    const e = yield* walkEntry(c, w, p, level, `hw walk ${levelName(fmt, level)}`, dep);
    dep = c.lastLoad;
    if (!fmt.present(e, level)) out = { pa: null, level };
    else if (level === 1 || fmt.leaf(e, level)) {
      const span = (1n << fmt.shift(level)) - 1n;
      out = { pa: (fmt.addr(e) & ~span) | (va & span), level };
    } else table = tableOf(c, w, e, level - 1, p);
  }
  yield c.immediateStore(g.hwWalkWord(c.id), 0n, 'hw walk ends');
  return out!;
}
