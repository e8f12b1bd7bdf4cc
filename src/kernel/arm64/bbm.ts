import type { Cpu } from '../../engine/cpu.js';
import { BREAK_BEFORE_MAKE } from '../kinds.js';
import type { KernelMachine } from '../machine.js';
import { cachedEntryLines } from '../tlb.js';

const BIT = (n: number) => 1n << BigInt(n);
const PTE_VALID = BIT(0);
const PTE_TABLE_BIT = BIT(1);
const PTE_RDONLY = BIT(7);
const PTE_NG = BIT(11);
const PTE_WRITE = BIT(51);
const PTE_CONT = BIT(52);
const PTE_PXN = BIT(53);
/** PTE_SWBITS_MASK: bit 63 and bits 58..55 */
const PTE_SWBITS_MASK = BIT(63) | (0xfn << 55n);
/** the output address of a 4 KiB-granule descriptor, bits 47..12 */
const PTE_ADDR_MASK = ((1n << 48n) - 1n) & ~0xfffn;

/**
 * `pgattr_change_is_safe(old, new)` (arch/arm64/mm/mmu.c): whether a live entry may change from
 * `old` to `new` without break-before-make: creating or taking down a mapping always may; a live
 * one may change only PXN, RDONLY, WRITE (DBM), nG (to non-global, not back) and the software
 * bits, never its output address, its contiguous bit or anything else.
 */
export function pgattr_change_is_safe(old: bigint, next: bigint): boolean {
  const o = BigInt.asUintN(64, old);
  const n = BigInt.asUintN(64, next);
  const mask = PTE_PXN | PTE_RDONLY | PTE_WRITE | PTE_NG | PTE_SWBITS_MASK;
  if ((o & PTE_VALID) === 0n || (n & PTE_VALID) === 0n) return true;
  if ((o & PTE_ADDR_MASK) !== (n & PTE_ADDR_MASK)) return false;
  if (((o | n) & PTE_CONT) !== 0n) return false;
  if ((o & ~n & PTE_NG) !== 0n) return false;
  return ((o ^ n) & ~mask) === 0n;
}

/** whether `old` and `new` at `level` are a block and a table (a split or a collapse) */
function sizeChange(old: bigint, next: bigint, level: number): boolean {
  return level > 1 && ((old ^ next) & PTE_TABLE_BIT) !== 0n;
}

/**
 * `checkBreakBeforeMake` is the arm64 break-before-make oracle for a software store of `v` to the
 * entry at `p` (at `level`), right after the store: the Arm ARM requires that a valid entry be
 * replaced by one with a different output address, size or attributes only through an invalid
 * entry and a TLBI that removes every cached copy of the old one, so a CPU never holds two
 * conflicting translations. A violation is any CPU's TLB or walk cache still holding a valid
 * entry read from `p` that `v` could not safely replace (pgattr_change_is_safe): the old entry
 * written over directly, or broken but not flushed. With BBML2_NOABORT
 * (`system_supports_bbml2_noabort()`, the model's `arm64({ bbml2NoAbort: true })`), a block
 * replaced by a table or a table by a block is allowed without it, the relaxed rule the kernel's
 * split_kernel_leaf_mapping() relies on (the table's contents are not compared with the block).
 * Needs the caches (`--tlb on`): what no CPU has cached cannot conflict in this model. A cached
 * entry that maps no memory of the machine (garbage a walk read, which the bad-entry oracle
 * reports) is not compared.
 */
export function checkBreakBeforeMake(c: Cpu, k: KernelMachine, p: number, level: number, v: bigint): void {
  if (c.mem.tlb !== 'on') return;
  const bbml2 = k.arch.bbml2NoAbort === true;
  for (let cpu = 0; cpu < k.cpus.length; cpu++) {
    for (const e of k.tlb.entries(c.mem, cpu)) {
      if (e.from !== p || e.entry === v || pgattr_change_is_safe(e.entry, v)) continue;
      // a cached entry to no memory of the machine is garbage a walk read (the bad-entry oracle's)
      if (Number(k.fmt.addr(e.entry) >> 12n) >= k.frames) continue;
      if (bbml2 && sizeChange(e.entry, v, level)) continue;
      const g = k.ghost;
      const hex = (x: bigint) => `0x${BigInt.asUintN(64, x).toString(16)}`;
      const cached = cpu === c.id ? 'its own' : `${g.cpuName(cpu)}'s`;
      c.fail(
        BREAK_BEFORE_MAKE,
        `${g.cpuName(c.id)} in ${c.fn || 'its program'} wrote ${g.addrName(p, c.mem)} = ${hex(v)} while ${cached} TLB still holds ${hex(e.entry)} from it, a valid entry of another ${sizeChange(e.entry, v, level) ? 'size' : 'output address or attributes'}: no invalid entry and TLBI in between${bbml2 ? '' : ' (and no BBML2_NOABORT)'}`,
        [
          `BUG: break-before-make violated by ${g.cpuName(c.id)} in ${c.fn || 'its program'}`,
          `${g.addrName(p, c.mem)}: ${hex(e.entry)} -> ${hex(v)}, the old entry still cached by ${g.cpuName(cpu)} (pgattr_change_is_safe() is false)`,
          ...cachedEntryLines(k, c.mem, e.va),
        ],
      );
    }
  }
}
