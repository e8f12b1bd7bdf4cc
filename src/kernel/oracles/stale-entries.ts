import { frameLevel } from '../../arch/format.js';
import { OpKind } from '../../engine/op.js';
import type { Oracle } from '../../engine/program.js';
import type { KernelMachine } from '../machine.js';

/**
 * `staleEntriesOracle` keeps the ghost record of stale entries (src/kernel/ghost.ts) that I5 needs
 * for pointers into frames freed and reused: when a frame is freed, every present entry (a table
 * pointer or a leaf) that still points to it becomes stale (x86's free_pte_table frees the page before it clears the
 * pmd); when an entry is written it is not stale any more; entries in a freed table are gone. A
 * walker that follows a stale entry (`tableOf`) then reports a use-after-free even if the frame
 * was allocated again meanwhile, at any level or as data. Ghost only: it raises nothing.
 */
export function staleEntriesOracle(k: KernelMachine): Oracle {
  const fmt = k.fmt;
  const g = k.ghost;
  return {
    name: 'I5 stale entries into freed frames',
    afterStep(mem, _cpu, op) {
      switch (op.kind) {
        case OpKind.Store:
        case OpKind.Store32:
        case OpKind.Cas:
          g.dropStale(mem, op.addr & ~7);
          return;
        case OpKind.Copy:
          for (let i = 0; i < op.n; i++) g.dropStale(mem, op.addr + 8 * i);
          return;
        case OpKind.Free: {
          const freed = op.addr;
          g.dropStale(mem, -1, freed);
          for (let f = 1; f < mem.frames; f++) {
            const level = frameLevel(fmt, mem.state(f));
            if (level < 1) continue;
            const base = f * 4096;
            for (let i = 0; i < fmt.ptrs(level); i++) {
              const e = mem.load(base + 8 * i);
              if (e === 0n || !fmt.present(e, level)) continue;
              if (Number(fmt.addr(e) >> 12n) === freed) g.addStale(mem, base + 8 * i, freed);
            }
          }
          return;
        }
        default:
      }
    },
  };
}
