import { isFolded, type LevelName, levelName, levelOf } from '../arch/format.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { FrameState } from '../machine/frame-state.js';
import { checkBreakBeforeMake } from './arm64/bbm.js';
import { BAD_ENTRY, STALE_TRANSLATION, USE_AFTER_FREE } from './kinds.js';
import type { KernelMachine } from './machine.js';

function hex(n: number | bigint): string {
  return `0x${(typeof n === 'bigint' ? BigInt.asUintN(64, n) : n).toString(16)}`;
}

/**
 * `checkTableAccess` is the use-after-free oracle (docs/invariants.md I5) for one access CPU `c`
 * has just made to the table at `level` holding `addr`: the frame must not be free, must not have
 * been freed (and reused) since the walker read the pointer to it, and the pointer must not be a
 * stale entry left pointing to it when it was freed, whatever the frame is used for now. It runs
 * between two yields, so it sees memory exactly as the access did.
 */
export function checkTableAccess(
  c: Cpu,
  k: KernelMachine,
  addr: number,
  level: number,
  what: string,
  write = false,
): void {
  const g = k.ghost;
  const mem = c.mem;
  const f = addr >>> 12;
  const rec = g.remembered(mem, c.id, level, f);
  const freed = mem.state(f) === FrameState.Free;
  const reused = !freed && rec !== null && rec.gen !== (mem.generation(f) & 0xffff);
  if (!freed && !reused) return;
  const how = write ? 'wrote' : 'read';
  const fn = c.fn || 'its program';
  const via = rec
    ? `; the pointer to it was read from ${g.addrName(rec.from, mem)}, which now holds ${hex(mem.load(rec.from))}`
    : '';
  const state = freed ? 'after' : 'reused after';
  const message = `${g.cpuName(c.id)} ${how} ${g.addrName(addr, mem)} (${what}) in ${fn} ${state} ${g.freedByText(mem, f)} freed ${g.frameName(f, mem)}, a ${levelName(k.fmt, level)} table${via}`;
  c.fail(USE_AFTER_FREE, message, [
    `BUG: KASAN: use-after-free in ${fn}`,
    `${write ? 'Write' : 'Read'} of size 8 at addr ${hex(addr)} (${g.addrName(addr, mem)}, ${what}) by ${g.cpuName(c.id)}`,
    `Freed by ${g.freedByText(mem, f)}${freed ? '' : ', then reused'}${via}`,
  ]);
}

/**
 * `readEntry` is READ_ONCE(*p) of an entry in a table at `level`, checked for use-after-free. It
 * depends through its address on the read of the entry that pointed to the table (`tableOf`), as
 * the kernel's pointer chasing does (pmd_install: "these data accesses consist of a chain of
 * data-dependent loads"); only a weak memory model looks at that.
 */
export function* readEntry(c: Cpu, k: KernelMachine, p: number, level: number, what: string): Steps<bigint> {
  const dep = c.memoryModel === 'sc' ? 0 : k.ghost.dependency(c.mem, c.id, level, p >>> 12);
  const v = yield c.load(p, what, dep);
  checkTableAccess(c, k, p, level, what);
  return v;
}

/**
 * `walkEntry` is the hardware page-table walker's read of an entry, checked like `readEntry`:
 * another observer of memory (`c.walkLoad`), whose `dep` is the walk's read of the level above
 * (the address comes from it).
 */
export function* walkEntry(
  c: Cpu,
  k: KernelMachine,
  p: number,
  level: number,
  what: string,
  dep = 0,
): Steps<bigint> {
  const v = yield c.walkLoad(p, what, dep);
  checkTableAccess(c, k, p, level, what);
  return v;
}

/** `writeEntry` is WRITE_ONCE(*p, v) (set_pte, pmd_clear, ...), checked for use-after-free. */
export function* writeEntry(
  c: Cpu,
  k: KernelMachine,
  p: number,
  level: number,
  v: bigint,
  what: string,
): Steps<void> {
  yield c.store(p, v, what);
  checkTableAccess(c, k, p, level, what, true);
  if (k.arch.id === 'arm64') checkBreakBeforeMake(c, k, p, level, v);
}

/**
 * `tableOf` follows entry `e`, read at `from` (an entry of a table at `level + 1`), to the table
 * at `level` it points to (p?d_offset, pte_offset_kernel), and remembers the generation of that
 * frame: a later access after it changed is a use-after-free even if the frame was reused; so is
 * one through a stale entry (`from` still pointed to the frame when it was freed). Returns the
 * physical address of the table.
 */
export function tableOf(c: Cpu, k: KernelMachine, e: bigint, level: number, from: number): number {
  const pa = Number(k.fmt.addr(e));
  const f = pa >>> 12;
  if (f <= 0 || f >= c.mem.frames) {
    c.fail(
      BAD_ENTRY,
      `${k.ghost.cpuName(c.id)} in ${c.fn} followed ${k.ghost.addrName(from, c.mem)} = ${hex(e)} to ${levelName(k.fmt, level)} table at ${hex(pa)}, outside the machine`,
    );
  }
  k.ghost.rememberTable(c.mem, c.id, level, f, from, c.lastLoad);
  return pa;
}

/** `entryAddr` is p?d_offset(table, va): the address of `va`'s entry in the table at `level`. */
export function entryAddr(k: KernelMachine, table: number, va: bigint, level: number): number {
  return table + 8 * Number((BigInt.asUintN(64, va) >> k.fmt.shift(level)) & BigInt(k.fmt.ptrs(level) - 1));
}

/**
 * `writeBack` is the store of a read-modify-write of a leaf (pageattr's __set_pte(pte, val) after
 * val = __ptep_get(pte)): `v` was computed from `old`, read earlier. It is the stale-translation
 * oracle: if the entry no longer holds `old` (another CPU cleared or changed it, and flushed),
 * the store would bring back a translation the page tables had dropped. The store is performed as
 * a compare-and-exchange against `old`, which behaves as the plain store whenever the entry is
 * unchanged; when it is not, the violation ends the execution at that step.
 */
export function* writeBack(
  c: Cpu,
  k: KernelMachine,
  p: number,
  level: number,
  old: bigint,
  v: bigint,
  what: string,
): Steps<void> {
  const was = yield c.cas(p, old, v, what);
  checkTableAccess(c, k, p, level, what, true);
  if (was === old) return;
  const g = k.ghost;
  c.fail(
    STALE_TRANSLATION,
    `${g.cpuName(c.id)} in ${c.fn} writes back ${g.addrName(p)} = ${hex(v)} from its read ${hex(old)}, but another CPU has since changed the entry to ${hex(was)}`,
    [
      `BUG: stale translation written back by ${g.cpuName(c.id)} in ${c.fn}`,
      `${g.addrName(p)}: read ${hex(old)}, now ${hex(was)}, write-back ${hex(v)} would map again what the page tables dropped`,
    ],
  );
}

/**
 * `childEntry` is p4d_offset / pud_offset / pmd_offset / pte_offset_kernel done by a walker: the
 * address of `addr`'s entry at kernel level `child`, below the entry at `parent` whose value the
 * walker read (`value`), remembering the table for the use-after-free checks. A folded `child`
 * is the parent entry itself.
 */
export function childEntry(
  c: Cpu,
  k: KernelMachine,
  child: LevelName,
  parent: number,
  value: bigint,
  addr: bigint,
): number {
  if (isFolded(k.fmt, child)) return parent;
  const level = levelOf(k.fmt, child);
  return entryAddr(k, tableOf(c, k, value, level, parent), addr, level);
}
