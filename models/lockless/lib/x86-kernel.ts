import { vaIndex } from '../../../src/arch/format.js';
import { X86_64_L4 } from '../../../src/arch/x86-64/format.js';
import type { Level } from '../../../src/arch/x86-64/paging.js';
import { KernelBuilder } from '../../../src/kernel/builder.js';
import type { Kernel } from '../../../src/kernel/kernel.js';
import type { WalkContext } from '../../../src/kernel/walk/access.js';
import { Ghost } from '../../../src/kernel/walk/ghost.js';

const LEVEL_NAMES = ['', 'pte', 'pmd', 'pud', 'pgd'];

/**
 * `X86Tables` is an x86-64 4-level kernel machine from the kernel base (src/kernel/builder.ts)
 * with what the lockless models add: the walkers' ghost state, init_mm.mmap_lock (the base has
 * no mmap_lock), and helpers to lay out init_mm's tables for an address and fill leaves.
 */
export class X86Tables {
  readonly kb: KernelBuilder;
  readonly ghost: Ghost;
  readonly w: WalkContext;
  readonly mmapLock: number;

  constructor(frames: number, cpuNames: readonly string[]) {
    this.kb = new KernelBuilder({ levels: 4, frames });
    this.mmapLock = this.kb.m.word('init_mm.mmap_lock');
    this.ghost = new Ghost(this.kb.m, cpuNames);
    this.w = { fmt: X86_64_L4, ghost: this.ghost };
    this.ghost.nameFrame(this.pgdFrame, 'init_mm.pgd');
  }

  get k(): Kernel {
    return this.kb.k;
  }

  get pgdFrame(): number {
    return this.kb.k.initMm.bootPgdFrame;
  }

  /** the physical address of init_mm's PGD (swapper_pg_dir) */
  get pgdAddr(): number {
    return this.pgdFrame * 4096;
  }

  /** `entry` is the physical address of `va`'s entry in frame `table` at `level`. */
  entry(table: number, va: bigint, level: number): number {
    return table * 4096 + 8 * vaIndex(X86_64_L4, va, level);
  }

  /**
   * `tables` makes init_mm map `va` down to a table at `level` (kernel base `bootTables`) and
   * names the tables on the way for the oracles (`pud`, `pmd`, `pte`, or `names[level]`).
   * Returns the frame of the table at `level`.
   */
  tables(va: bigint, level: Level, names: Partial<Record<number, string>> = {}): number {
    this.kb.bootTables(va, level);
    const mem = this.kb.m.memory;
    let t = this.pgdFrame;
    for (let l = 4; l > 1; l--) {
      const e = mem.load(this.entry(t, va, l));
      if (e === 0n) break;
      t = Number(X86_64_L4.addr(e) >> 12n);
      const name = names[l - 1] ?? LEVEL_NAMES[l - 1];
      this.ghost.nameFrame(t, name);
      this.kb.m.symbols.nameFrame(t, name);
      if (LEVEL_NAMES[l - 1] === level) break;
    }
    return t;
  }

  /** `set` writes entry `va` of table frame `table` at `level` at build time. */
  set(table: number, va: bigint, level: number, e: bigint): void {
    this.kb.m.memory.store(this.entry(table, va, level), e);
  }
}
