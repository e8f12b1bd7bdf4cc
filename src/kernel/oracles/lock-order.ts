import { OpKind } from '../../engine/op.js';
import type { Oracle } from '../../engine/program.js';
import { Violation } from '../../engine/violation.js';
import type { Kernel } from '../kernel.js';

const RANK_NAMES = ['', 'mem_hotplug_lock', 'pgd_lock', 'a page_table_lock'];

function lockName(k: Kernel, lock: number): string {
  const mm = k.mms.find((m) => m.pageTableLock === lock);
  return mm ? `${mm.name}.page_table_lock` : RANK_NAMES[k.lockRank(lock)];
}

/**
 * `lockOrderOracle` checks docs/invariants.md I9: mem_hotplug_lock -> pgd_lock -> page_table_lock. Each
 * CPU's held ranks are a bitmask in a ghost word; taking a lock whose rank is not above every
 * rank held (a page_table_lock inside another, pgd_lock under a page_table_lock, ...) is a
 * `lock-order` violation, found even in interleavings that happen not to deadlock.
 */
export function lockOrderOracle(k: Kernel): Oracle {
  return {
    name: 'I9 lock order',
    afterStep(mem, cpu, op) {
      const acquire = op.kind === OpKind.Lock || op.kind === OpKind.ReadLock;
      const release = op.kind === OpKind.Unlock || op.kind === OpKind.ReadUnlock;
      if (!acquire && !release) return;
      const rank = k.lockRank(op.addr);
      const info = k.cpus[cpu.id];
      if (rank === 0 || !info) return;
      const held = Number(mem.load(info.held));
      if (release) {
        mem.store(info.held, BigInt(held & ~(1 << rank)));
        return;
      }
      const above = held & ~((1 << rank) - 1);
      if (above !== 0) {
        const top = 31 - Math.clz32(above);
        throw new Violation(
          'lock-order',
          `${cpu.task} takes ${lockName(k, op.addr)} while holding ${RANK_NAMES[top]} (order: mem_hotplug_lock -> pgd_lock -> page_table_lock)`,
        );
      }
      mem.store(info.held, BigInt(held | (1 << rank)));
    },
  };
}
