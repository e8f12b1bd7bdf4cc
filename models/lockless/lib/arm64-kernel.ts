import { ARM64_4K_48 } from '../../../src/arch/arm64/format.js';
import { ARM64_LEVELS } from '../../../src/arch/arm64/pgtable.js';
import { tableFrameState, vaIndex } from '../../../src/arch/format.js';
import type { WalkContext } from '../../../src/kernel/walk/access.js';
import { Ghost } from '../../../src/kernel/walk/ghost.js';
import type { FrameState } from '../../../src/machine/frame-state.js';
import { PAGE_SIZE } from '../../../src/machine/layout.js';
import { MachineBuilder } from '../../../src/model/builder.js';

const DEFAULT_NAMES: Record<number, string> = { 1: 'pte', 2: 'pmd', 3: 'pud' };

/**
 * `KernelTables` builds a small arm64 kernel address space for the lockless models: init_mm's
 * PGD (swapper_pg_dir) and the tables below it down to the addresses a model uses, plus the
 * locks (init_mm.mmap_lock, mem_hotplug_lock) and the oracles' ghost words.
 */
export class KernelTables {
  readonly m: MachineBuilder;
  readonly ghost: Ghost;
  readonly w: WalkContext;
  readonly mmapLock: number;
  readonly memHotplugLock: number;
  /** the PGD frame */
  readonly pgd: number;

  constructor(frames: number, cpuNames: readonly string[]) {
    this.m = new MachineBuilder(frames);
    this.mmapLock = this.m.word('init_mm.mmap_lock');
    this.memHotplugLock = this.m.word('mem_hotplug_lock');
    this.ghost = new Ghost(this.m, cpuNames);
    this.w = { fmt: ARM64_4K_48, ghost: this.ghost };
    this.pgd = this.frame(tableFrameState(ARM64_4K_48, ARM64_LEVELS), 'swapper_pg_dir');
  }

  /** the physical address of the PGD */
  get pgdAddr(): number {
    return this.pgd * PAGE_SIZE;
  }

  frame(state: FrameState, name: string): number {
    const f = this.m.frame(state, name);
    this.ghost.nameFrame(f, name);
    return f;
  }

  /** `entry` is the physical address of `va`'s entry in table frame `table` at `level`. */
  entry(table: number, va: bigint, level: number): number {
    return this.m.frameAddr(table, vaIndex(ARM64_4K_48, va, level));
  }

  /**
   * `table` returns the table at `level` for `va`, creating the missing ones on the way (named by
   * `names[level]`, default `pud`, `pmd`, `pte`).
   */
  table(va: bigint, level: number, names: Partial<Record<number, string>> = {}): number {
    let t = this.pgd;
    for (let l = ARM64_LEVELS; l > level; l--) {
      const p = this.entry(t, va, l);
      const e = this.m.memory.load(p);
      if (e !== 0n) {
        t = Number(ARM64_4K_48.addr(e)) / PAGE_SIZE;
        continue;
      }
      const child = this.frame(tableFrameState(ARM64_4K_48, l - 1), names[l - 1] ?? DEFAULT_NAMES[l - 1]);
      this.m.memory.store(p, ARM64_4K_48.mkTable(BigInt(child * PAGE_SIZE), l));
      t = child;
    }
    return t;
  }

  /** `map` installs a leaf for `va` at `level` (1: page, 2: block) to physical address `pa`. */
  map(va: bigint, level: number, pa: bigint, names: Partial<Record<number, string>> = {}): void {
    const t = this.table(va, level, names);
    this.m.memory.store(this.entry(t, va, level), ARM64_4K_48.mkLeaf(pa, level));
  }
}
