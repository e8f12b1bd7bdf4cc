import {
  describePae,
  PAE_HIGH_OFFSET,
  paeHex,
  paeHigh,
  paeJoin,
  paeLow,
} from '../../arch/x86-pae/pgtable.js';
import type { Cpu, Steps } from '../../engine/cpu.js';
import type { PhysicalMemory } from '../../machine/physical-memory.js';
import type { MachineBuilder } from '../../model/builder.js';

/** `HISTORY_SLOTS` bounds the values a watched entry may take in one execution. */
const HISTORY_SLOTS = 8;

/**
 * `TornReadWatch` is the torn-read oracle's ghost state for one PAE entry: every value the entry
 * has held during the execution (the initial one, and the value after each write, whole or half),
 * in words of the data frame. A 64-bit value a reader assembles from two halves is torn when the
 * entry never held it. Writers record through `native_*` below, right after their store.
 */
export class TornReadWatch {
  readonly count: number;
  readonly history: number;

  constructor(
    m: MachineBuilder,
    /** physical address of the watched entry */
    readonly entry: number,
    /** its name in messages (`pmd[0]`) */
    readonly name: string,
  ) {
    this.count = m.word(`ghost.${name}.history_count`);
    this.history = m.word(`ghost.${name}.history[0]`);
    for (let i = 1; i < HISTORY_SLOTS; i++) m.word(`ghost.${name}.history[${i}]`);
  }

  /** `init` records the entry's value at build time; call it after the entry is written. */
  init(mem: PhysicalMemory): void {
    mem.store(this.count, 0n);
    this.record(mem);
  }

  /** `record` appends the entry's current value to the history (once). */
  record(mem: PhysicalMemory): void {
    const v = mem.load(this.entry);
    if (this.held(mem, v)) return;
    const n = Number(mem.load(this.count));
    if (n >= HISTORY_SLOTS) throw new Error(`TornReadWatch ${this.name}: more than ${HISTORY_SLOTS} values`);
    mem.store(this.history + 8 * n, v);
    mem.store(this.count, BigInt(n + 1));
  }

  held(mem: PhysicalMemory, v: bigint): boolean {
    const n = Number(mem.load(this.count));
    for (let i = 0; i < n; i++) if (mem.load(this.history + 8 * i) === BigInt.asIntN(64, v)) return true;
    return false;
  }

  values(mem: PhysicalMemory): bigint[] {
    const n = Number(mem.load(this.count));
    const out: bigint[] = [];
    for (let i = 0; i < n; i++) out.push(mem.load(this.history + 8 * i));
    return out;
  }

  /**
   * `check` is the torn-read oracle: CPU `c` just assembled `v` from the entry's halves, the low
   * one first; fail unless the entry held `v` at some point.
   */
  check(c: Cpu, v: bigint, how: string): void {
    const mem = c.mem;
    if (this.held(mem, v)) return;
    const hist = this.values(mem);
    const from = (half: (e: bigint) => number) => {
      const e = hist.find((h) => half(h) === half(v));
      return e === undefined ? 'no value it held' : paeHex(e);
    };
    c.fail(
      'torn-read',
      `cpu${c.id} ${c.task} read ${this.name} as ${paeHex(v)} with ${how} in ${c.fn}: low half from ${from(paeLow)}, high half from ${from(paeHigh)}; ${this.name} never held it (it held ${hist.map(paeHex).join(', ')})`,
      [
        `BUG: torn read of PAE ${this.name} by cpu${c.id} ${c.task} in ${c.fn}`,
        `read ${paeHex(v)} = ${describePae(v)}; the entry held ${hist.map((h) => `${paeHex(h)} (${describePae(h)})`).join(', ')}`,
      ],
    );
  }
}

/**
 * `native_pmd_clear` (arch/x86/include/asm/pgtable-3level.h) clears the low half first, then the
 * high half: in between, the entry is not present but not none.
 */
export function* native_pmd_clear(c: Cpu, watch: TornReadWatch): Steps {
  c.enter('native_pmd_clear');
  yield c.store32(watch.entry, 0, 'pmd_low = 0');
  watch.record(c.mem);
  yield c.store32(watch.entry + PAE_HIGH_OFFSET, 0, 'pmd_high = 0');
  watch.record(c.mem);
  c.leave();
}

/** `native_set_pmd` (pgtable-3level.h) stores all 64 bits at once (pxx_xchg64: cmpxchg8b). */
export function* native_set_pmd(c: Cpu, watch: TornReadWatch, v: bigint): Steps {
  c.enter('native_set_pmd');
  yield c.store(watch.entry, BigInt.asIntN(64, v), 'pxx_xchg64');
  watch.record(c.mem);
  c.leave();
}

/**
 * `pmd_read_plain` is READ_ONCE(*pmdp) of a 64-bit pmd on a 32-bit CPU: two 32-bit loads, low then
 * high, with nothing to notice a write in between. Checked by the torn-read oracle.
 */
export function* pmd_read_plain(c: Cpu, watch: TornReadWatch): Steps<bigint> {
  const low = Number(yield c.load32(watch.entry, 'READ_ONCE(pmdp->pmd_low)'));
  const high = Number(yield c.load32(watch.entry + PAE_HIGH_OFFSET, 'READ_ONCE(pmdp->pmd_high)'));
  const v = paeJoin(low, high);
  watch.check(c, v, 'a plain 64-bit read (two 32-bit loads)');
  return v;
}

/**
 * `pmdp_get_lockless` (include/linux/pgtable.h, CONFIG_GUP_GET_PXX_LOW_HIGH; 024d232ae4fc
 * "mm: Fix pmd_read_atomic()"): read low, high, then low again, and retry until the low half is
 * unchanged. Paired with writers that order their half stores, the result is a value the entry
 * held. The loop ends because the writers make finitely many writes.
 */
export function* pmdp_get_lockless(c: Cpu, watch: TornReadWatch): Steps<bigint> {
  c.enter('pmdp_get_lockless');
  for (;;) {
    const low = Number(yield c.load32(watch.entry, 'pmd.pmd_low = pmdp->pmd_low'));
    const high = Number(yield c.load32(watch.entry + PAE_HIGH_OFFSET, 'pmd.pmd_high = pmdp->pmd_high'));
    const again = Number(yield c.load32(watch.entry, 'pmd.pmd_low != pmdp->pmd_low'));
    if (again !== low) continue;
    const v = paeJoin(low, high);
    watch.check(c, v, 'pmdp_get_lockless');
    return c.leave(v);
  }
}
