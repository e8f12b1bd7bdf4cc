import { _KERNPG_TABLE, _PAGE_ACCESSED, _PAGE_USER, entryFlags } from '../arch/x86-64/entry.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { type Rcu, rcu_read_lock, rcu_read_unlock } from './rcu.js';
import { entryAddr, readEntry, tableOf, type WalkContext } from './walk/access.js';

/**
 * The pte_offset_map family (mm/pgtable-generic.c, since Hugh Dickins' 2023 series "mm: allow
 * pte_offset_map[_lock]() to fail"), x86-64 flavour: map the PTE table a pmd points to, from ONE
 * snapshot of the pmd, or return NULL when the snapshot is not a page table. Page tables are
 * freed through RCU (pte_free_defer), so a table mapped inside rcu_read_lock() stays a valid,
 * though possibly detached, table until pte_unmap(); pte_offset_map_lock() then takes the PTE
 * lock and rechecks pmd_same() to know the table is still attached.
 *
 * I8 (docs/invariants.md) is checked inline, kind `pte-offset-map`: the result is NULL exactly when the
 * snapshot is none, not present, huge or bad, a table is mapped from the snapshot itself, and
 * after pte_offset_map_lock() returns the pmd equals the snapshot while the lock is held.
 */

/** `PteMapContext` is what the family needs: walkers' context, RCU, and the PTE locks. */
export interface PteMapContext {
  w: WalkContext;
  rcu: Rcu;
  /** pte_lockptr(): the split PTE lock word of a PTE table frame (in its struct page) */
  ptlOf(tableFrame: number): number;
}

/** `pmd_trans_huge` (x86): present with PSE. */
function pmd_trans_huge(w: WalkContext, v: bigint): boolean {
  return w.fmt.leaf(v, 2);
}

/** `pmd_bad` (arch/x86/include/asm/pgtable.h): flags other than USER/ACCESSED differ from _KERNPG_TABLE. */
export function pmd_bad(v: bigint): boolean {
  const mask = ~(_PAGE_USER | _PAGE_ACCESSED);
  return (entryFlags(v) & mask) !== (_KERNPG_TABLE & mask);
}

/** `nomapReason` is why __pte_offset_map returns NULL for `pmdval`, or null when it maps a table. */
export function nomapReason(w: WalkContext, pmdval: bigint): string | null {
  if (w.fmt.none(pmdval)) return 'none';
  if (!w.fmt.present(pmdval, 2)) return 'not present';
  if (pmd_trans_huge(w, pmdval)) return 'huge';
  if (pmd_bad(pmdval)) return 'bad';
  return null;
}

function hex(v: bigint): string {
  return `0x${BigInt.asUintN(64, v).toString(16)}`;
}

/**
 * `checkMapped` is I8's first rule for a PTE table about to be mapped from `mapped` after the
 * predicates were checked on `checked`: both must be the same value, and a page table.
 */
export function checkMapped(c: Cpu, w: WalkContext, pmdp: number, checked: bigint, mapped: bigint): void {
  const g = w.ghost;
  const why = nomapReason(w, mapped);
  if (checked === mapped && why === null) return;
  c.fail(
    'pte-offset-map',
    `${g.cpuName(c.id)} in ${c.fn} checked ${g.addrName(pmdp)} = ${hex(checked)} (${nomapReason(w, checked) ?? 'a page table'}) but mapped a PTE table from a second read ${hex(mapped)} (${why ?? 'another page table'})`,
    [
      `BUG: ${c.fn} mapped a PTE table from a pmd value it did not check (I8)`,
      `first read of ${g.addrName(pmdp)}: ${hex(checked)}; second read: ${hex(mapped)}`,
    ],
  );
}

/**
 * `checkLocked` is I8's second rule: right after pte_offset_map_lock() returned with the PTE lock
 * held, the pmd still equals the snapshot the table was mapped from.
 */
export function checkLocked(c: Cpu, w: WalkContext, pmdp: number, snapshot: bigint): void {
  const now = c.mem.load(pmdp);
  if (now === snapshot) return;
  const g = w.ghost;
  c.fail(
    'pte-offset-map',
    `${g.cpuName(c.id)} holds the PTE lock of a detached table: ${g.addrName(pmdp)} changed from ${hex(snapshot)} to ${hex(now)} (${nomapReason(w, now) ?? 'another page table'}) and ${c.fn} did not recheck pmd_same`,
    [
      `BUG: ${c.fn} returned a PTE table the pmd no longer points to (I8)`,
      `snapshot ${hex(snapshot)}, pmd now ${hex(now)}`,
    ],
  );
}

/** `MappedPte` is a mapped PTE: its address, the pmd value it came from, and the table frame. */
export interface MappedPte {
  pte: number;
  pmdval: bigint;
  table: number;
}

/**
 * `__pte_offset_map` (mm/pgtable-generic.c): rcu_read_lock(); one snapshot
 * pmdval = pmdp_get_lockless(pmd) (READ_ONCE on x86-64); NULL if none, not present, huge or bad
 * (a bad pmd is reported and cleared); else the PTE of `addr` in the table the SNAPSHOT points to.
 * Returns null for NULL (after rcu_read_unlock).
 */
export function* __pte_offset_map(
  c: Cpu,
  ctx: PteMapContext,
  pmdp: number,
  addr: bigint,
): Steps<MappedPte | null> {
  c.enter('__pte_offset_map');
  const w = ctx.w;
  yield* rcu_read_lock(c, ctx.rcu);
  const pmdval = yield* readEntry(c, w, pmdp, 2, 'pmdp_get_lockless(pmd)');
  const why = nomapReason(w, pmdval);
  if (why !== null) {
    if (why === 'bad') yield c.store(pmdp, 0n, 'pmd_clear_bad');
    yield* rcu_read_unlock(c, ctx.rcu);
    return c.leave(null);
  }
  checkMapped(c, w, pmdp, pmdval, pmdval);
  const table = tableOf(c, w, pmdval, 1, pmdp);
  return c.leave({ pte: entryAddr(w, table, addr, 1), pmdval, table: table >>> 12 });
}

/**
 * `pte_offset_map_double_fetch` is the pattern __pte_offset_map replaced: check
 * `pmd_none(*pmd) || pmd_trans_huge(*pmd)` on one read, then pte_offset_map(pmd, addr) computes
 * the table from a SECOND read of *pmd. No RCU.
 */
export function* pte_offset_map_double_fetch(
  c: Cpu,
  ctx: PteMapContext,
  pmdp: number,
  addr: bigint,
): Steps<MappedPte | null> {
  c.enter('pte_offset_map');
  const w = ctx.w;
  const checked = yield* readEntry(c, w, pmdp, 2, 'pmd_none(*pmd) || pmd_trans_huge(*pmd)');
  if (nomapReason(w, checked) !== null) return c.leave(null);
  const mapped = yield* readEntry(c, w, pmdp, 2, 'pmd_page_vaddr(*pmd)');
  checkMapped(c, w, pmdp, checked, mapped);
  const table = tableOf(c, w, mapped, 1, pmdp);
  return c.leave({ pte: entryAddr(w, table, addr, 1), pmdval: mapped, table: table >>> 12 });
}

/** `pte_unmap` ends the RCU read-side section __pte_offset_map began. */
export function* pte_unmap(c: Cpu, ctx: PteMapContext): Steps {
  yield* rcu_read_unlock(c, ctx.rcu);
}

/**
 * `pte_offset_map_lock` (__pte_offset_map_lock): map, take the PTE lock of the snapshot's table,
 * recheck pmd_same(pmdval, pmdp_get_lockless(pmd)); if the pmd changed, unlock, unmap and start
 * again. With `recheck` false it is the mutant that trusts the snapshot. Returns the mapped PTE
 * with its lock held, or null.
 */
export function* pte_offset_map_lock(
  c: Cpu,
  ctx: PteMapContext,
  pmdp: number,
  addr: bigint,
  recheck = true,
): Steps<MappedPte | null> {
  c.enter('pte_offset_map_lock');
  for (;;) {
    const m = yield* __pte_offset_map(c, ctx, pmdp, addr);
    if (!m) return c.leave(null);
    const ptl = ctx.ptlOf(m.table);
    yield c.lock(ptl, 'spin_lock(ptl)');
    if (recheck) {
      const now = yield* readEntry(c, ctx.w, pmdp, 2, 'pmd_same(pmdval, pmdp_get_lockless(pmd))');
      if (now !== m.pmdval) {
        yield c.unlock(ptl, 'spin_unlock(ptl)');
        yield* pte_unmap(c, ctx);
        continue;
      }
    }
    checkLocked(c, ctx.w, pmdp, m.pmdval);
    return c.leave(m);
  }
}

/** `pte_unmap_unlock` drops the PTE lock and the RCU section. */
export function* pte_unmap_unlock(c: Cpu, ctx: PteMapContext, m: MappedPte): Steps {
  yield c.unlock(ctx.ptlOf(m.table), 'spin_unlock(ptl)');
  yield* pte_unmap(c, ctx);
}

/**
 * `pte_offset_map_ro_nolock` maps like __pte_offset_map and hands back the PTE lock pointer of
 * the snapshot's table without taking it; the caller may only read (the table may be detached).
 */
export function* pte_offset_map_ro_nolock(
  c: Cpu,
  ctx: PteMapContext,
  pmdp: number,
  addr: bigint,
): Steps<{ m: MappedPte; ptl: number } | null> {
  c.enter('pte_offset_map_ro_nolock');
  const m = yield* __pte_offset_map(c, ctx, pmdp, addr);
  c.leave();
  return m ? { m, ptl: ctx.ptlOf(m.table) } : null;
}

/**
 * `pte_offset_map_rw_nolock` is the same but also returns the snapshot `pmdval`: a caller that
 * will modify the table must take `ptl` and recheck pmd_same(pmdval, *pmd) itself.
 */
export function* pte_offset_map_rw_nolock(
  c: Cpu,
  ctx: PteMapContext,
  pmdp: number,
  addr: bigint,
): Steps<{ m: MappedPte; ptl: number; pmdval: bigint } | null> {
  c.enter('pte_offset_map_rw_nolock');
  const m = yield* __pte_offset_map(c, ctx, pmdp, addr);
  c.leave();
  return m ? { m, ptl: ctx.ptlOf(m.table), pmdval: m.pmdval } : null;
}
