import { levelName } from '../arch/format.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import { dsb_ishst } from './barrier.js';
import type { KernelMachine } from './machine.js';

/** `tlb_single_page_flush_ceiling` (arch/x86/mm/tlb.c): above this many pages a range flush flushes all. */
export const TLB_SINGLE_PAGE_FLUSH_CEILING = 33;
/** `MAX_DVM_OPS` (arch/arm64/include/asm/tlbflush.h, PTRS_PER_PTE): above this many pages, flush_tlb_all. */
export const MAX_DVM_OPS = 512;

const PAGE = 4096n;

/** which cached entries one CPU drops: by level, span [first, last] and whether the entry is a leaf */
type Drop = (level: number, first: bigint, last: bigint, leaf: boolean) => boolean;

/**
 * `broadcastFlush` is a TLB flush every CPU carries out: the flush IPI of on_each_cpu() on x86,
 * a broadcast TLBI completed by DSB ISH on arm64. It is one step that waits until no other
 * CPU's hardware walk is in flight (`hw_walk_in_flight`, src/kernel/ghost.ts): a walk is part of
 * one instruction, which the IPI cannot interrupt, and the DSB after a TLBI completes only once
 * the walks that may use the invalidated entries have. Under a weak memory model a `dsb(ishst)`
 * step comes first (under sc there is nothing to drain, and no step). Once it returns, every
 * CPU's caches have dropped the entries `drop` selects (with the caches off, only the wait
 * remains).
 */
function* broadcastFlush(c: Cpu, k: KernelMachine, label: string, drop: Drop): Steps {
  const g = k.ghost;
  const n = k.cpus.length;
  // under a weak memory model the flush first makes the CPU's table stores visible to the walkers
  // (__flush_tlb_kernel_pgtable: dsb(ishst) before the TLBI; on x86 the flush IPI's locked
  // operations drain the store buffer); under sc there is nothing to drain, and no step
  if (c.memoryModel !== 'sc') yield dsb_ishst(c);
  yield c.awaitRange(
    g.hwWalk,
    n,
    () => {
      for (let i = 0; i < n; i++) if (i !== c.id && c.mem.load(g.hwWalkWord(i)) !== 0n) return false;
      return true;
    },
    label,
  );
  // between two yields: no other CPU steps, and none of them is walking
  if (c.mem.tlb === 'on') for (let i = 0; i < n; i++) k.tlb.drop(c.mem, i, drop);
}

function overlaps(start: bigint, end: bigint): (first: bigint, last: bigint) => boolean {
  const s = BigInt.asUintN(64, start);
  const e = BigInt.asUintN(64, end);
  return (first, last) => first < e && last >= s;
}

/**
 * `flush_tlb_kernel_range(start, end)` drops every CPU's cached translations of [start, end).
 * - x86 (arch/x86/mm/tlb.c): on_each_cpu(do_kernel_range_flush), an INVLPG per page, which also
 *   drops every paging-structure-cache entry; above `tlb_single_page_flush_ceiling` pages,
 *   do_flush_tlb_all.
 * - arm64 (arch/arm64/include/asm/tlbflush.h): `dsb(ishst); TLBI VAALE1IS` per page; `dsb(ish)`:
 *   last level only, so the walk cache keeps its table entries (what __flush_tlb_kernel_pgtable
 *   is for); above MAX_DVM_OPS pages, flush_tlb_all.
 */
export function* flush_tlb_kernel_range(
  c: Cpu,
  k: KernelMachine,
  start: bigint,
  end: bigint,
  label = 'flush_tlb_kernel_range',
): Steps {
  const pages = (BigInt.asUintN(64, end) - BigInt.asUintN(64, start)) / PAGE;
  const arm64 = k.arch.id === 'arm64';
  if (pages > BigInt(arm64 ? MAX_DVM_OPS : TLB_SINGLE_PAGE_FLUSH_CEILING)) {
    yield* broadcastFlush(c, k, label, () => true);
    return;
  }
  const inRange = overlaps(start, end);
  yield* broadcastFlush(c, k, label, (_l, first, last, leaf) =>
    arm64 ? leaf && inRange(first, last) : !leaf || inRange(first, last),
  );
}

/**
 * `__flush_tlb_kernel_pgtable(addr)` (arch/arm64/include/asm/tlbflush.h): `dsb(ishst); TLBI
 * VAAE1IS, addr; dsb(ish)`: every CPU drops its entries at every level, table entries of the
 * walk cache too, for the span holding `addr`. Called after clearing a table entry, before the
 * table it pointed to is freed.
 */
export function* __flush_tlb_kernel_pgtable(c: Cpu, k: KernelMachine, addr: bigint): Steps {
  const a = BigInt.asUintN(64, addr);
  yield* broadcastFlush(c, k, '__flush_tlb_kernel_pgtable', (_l, first, last) => first <= a && a <= last);
}

/**
 * `flush_tlb_all()`: every CPU drops every cached entry: on_each_cpu(do_flush_tlb_all) on x86
 * (arch/x86/mm/tlb.c), `TLBI VMALLE1IS` + `DSB ISH` on arm64 (arch/arm64/include/asm/tlbflush.h).
 */
export function* flush_tlb_all(c: Cpu, k: KernelMachine): Steps {
  yield* broadcastFlush(c, k, 'flush_tlb_all', () => true);
}

/**
 * `invlpg(addr)` (x86 __flush_tlb_one_kernel, arch/x86/mm/tlb.c): this CPU alone drops its TLB
 * entries for the page holding `addr` and, as the SDM says of INVLPG, every paging-structure
 * cache entry, whatever address it is for. Another CPU keeps its entries: that takes the IPI of
 * flush_tlb_kernel_range.
 */
export function* invlpg(c: Cpu, k: KernelMachine, addr: bigint): Steps {
  yield c.fence('invlpg');
  const a = BigInt.asUintN(64, addr);
  if (c.mem.tlb === 'on')
    k.tlb.drop(c.mem, c.id, (_l, first, last, leaf) => !leaf || (first <= a && a <= last));
}

/**
 * `tlbLines` describes CPU `cpu`'s cached entries (those translating `va`, when given), one line
 * each in slot order, for traces and reports: `pmd ffff888000200000 = 0x4004067 (from pmd[1])`.
 */
export function tlbLines(k: KernelMachine, mem: PhysicalMemory, cpu: number, va?: bigint): string[] {
  const a = va === undefined ? 0n : BigInt.asUintN(64, va);
  return k.tlb
    .entries(mem, cpu)
    .filter((e) => va === undefined || (e.va <= a && a < e.va + (1n << k.fmt.shift(e.level))))
    .map(
      (e) =>
        `${levelName(k.fmt, e.level)} ${k.arch.formatVa(e.va)} = 0x${BigInt.asUintN(64, e.entry).toString(16)} (from ${k.ghost.addrName(e.from, mem)})`,
    );
}

/**
 * `cachedEntryLines` is what every CPU caches for `va`, for a violation's report: `cpu0 A caches
 * for ffffc90000000000: pgd ... = ..., pmd ... = ...`, one line per CPU that caches anything.
 */
export function cachedEntryLines(k: KernelMachine, mem: PhysicalMemory, va: bigint): string[] {
  const out: string[] = [];
  for (let cpu = 0; cpu < k.cpus.length; cpu++) {
    const lines = tlbLines(k, mem, cpu, va);
    if (lines.length) out.push(`${k.cpuName(cpu)} caches for ${k.arch.formatVa(va)}: ${lines.join(', ')}`);
  }
  return out;
}
