import { isFolded, type LevelName, levelOf, vaIndex } from '../arch/format.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { KernelMachine } from './machine.js';

/**
 * `pgtable` holds the generic table arithmetic of include/linux/pgtable.h that reads no memory,
 * over the machine's format: offsets of entries, and the folding of levels the hardware does not
 * have (include/asm-generic/pgtable-nop4d.h, pgtable-nopud.h): when a level is folded into the
 * one above, the upper level's predicates are constants (pgd_none() is 0 with the P4D folded, so
 * the kernel reads nothing there) and the lower level's entry is the upper one's (p4d_offset()
 * returns the pgd pointer).
 */

/** `EntryRef` is an entry a step ended on: its physical address and the value read there. */
export interface EntryRef {
  addr: number;
  value: bigint;
}

/** `Upper` is a level with a level below it. */
export type Upper = Exclude<LevelName, 'pte'>;

/** `CHILD` is the level below each level. */
export const CHILD: Record<Upper, LevelName> = { pgd: 'p4d', p4d: 'pud', pud: 'pmd', pmd: 'pte' };

/**
 * `foldedBelow` says whether the level below `name` is folded into it: then `name`'s entries have
 * constant predicates (none: false, present: true) and are not read.
 */
export function foldedBelow(k: KernelMachine, name: Upper): boolean {
  return isFolded(k.fmt, CHILD[name]);
}

/** `pgd_offset_k` is the address of `addr`'s entry in init_mm's PGD (swapper_pg_dir). */
export function pgd_offset_k(k: KernelMachine, mem: PhysicalMemory, addr: bigint): number {
  return k.swapper(mem) + 8 * vaIndex(k.fmt, addr, k.fmt.levels);
}

/**
 * `offset` is p4d_offset / pud_offset / pmd_offset / pte_offset_kernel: the address of `addr`'s
 * entry at level `child` below `parent`, from the value read there (the inlined kernel code uses
 * the value it has; no second read). A folded `child` is `parent` itself.
 */
export function offset(k: KernelMachine, child: LevelName, parent: EntryRef, addr: bigint): number {
  if (isFolded(k.fmt, child)) return parent.addr;
  const level = levelOf(k.fmt, child);
  return Number(k.fmt.addr(parent.value)) + 8 * vaIndex(k.fmt, addr, level);
}

/** `levelNumber` is the hardware level kernel level `name` lives at (a folded one: the level above). */
export function levelNumber(k: KernelMachine, name: LevelName): number {
  return levelOf(k.fmt, name);
}

/** `addrEnd` is p?d_addr_end(addr, end) at kernel level `name`. */
export function pXdAddrEnd(k: KernelMachine, name: LevelName, addr: bigint, end: bigint): bigint {
  const size = 1n << k.fmt.shift(levelNumber(k, name));
  const boundary = (addr + size) & ~(size - 1n);
  return boundary - 1n < end - 1n ? boundary : end;
}
