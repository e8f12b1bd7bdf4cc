import type { Cpu, Steps } from '../../engine/cpu.js';
import { entryAddr, readEntry, tableOf, type WalkContext, writeEntry } from './access.js';
import { addrEnd } from './format.js';
import { locklessWalkBegin, locklessWalkEnd } from './lockless.js';

/** `WalkAction` is walk->action: what the walker does after a p?d_entry callback. */
export enum WalkAction {
  Subtree = 0,
  Again = 1,
  Continue = 2,
}

/** `MmWalk` is struct mm_walk: the callbacks, the action they ask for, and private data. */
export interface MmWalk<P = unknown> {
  w: WalkContext;
  ops: MmWalkOps<P>;
  action: WalkAction;
  priv: P;
}

/**
 * `MmWalkOps` is struct mm_walk_ops (include/linux/pagewalk.h): callbacks get the address of the
 * entry (`pudp`, `pmdp`, `ptep`) and read or rewrite it themselves. A non-zero return ends the walk.
 */
export interface MmWalkOps<P = unknown> {
  /** prefix of the callbacks' kernel names: `ptdump` gives ptdump_pte_entry, ptdump_pmd_entry */
  name: string;
  pud_entry?(c: Cpu, pudp: number, addr: bigint, next: bigint, walk: MmWalk<P>): Steps<number>;
  pmd_entry?(c: Cpu, pmdp: number, addr: bigint, next: bigint, walk: MmWalk<P>): Steps<number>;
  pte_entry?(c: Cpu, ptep: number, addr: bigint, next: bigint, walk: MmWalk<P>): Steps<number>;
  pte_hole?(c: Cpu, addr: bigint, next: bigint, depth: number, walk: MmWalk<P>): Steps<number>;
}

/** `InitMmLocks` are the locks of init_mm the kernel walkers assert or take. */
export interface InitMmLocks {
  /** init_mm.mmap_lock (rwsem: -(cpu+1) held for write, a reader bitmask held for read) */
  mmapLock: number;
}

/** `actionOf` reads walk->action after a callback may have changed it. */
function actionOf(walk: MmWalk): WalkAction {
  return walk.action;
}

/**
 * `p?d_none_or_clear_bad` (include/linux/pgtable.h): read the entry; none -> true; bad -> report,
 * clear it (a write!) and return true.
 */
function* noneOrClearBad(c: Cpu, walk: MmWalk, p: number, level: number, name: string): Steps<boolean> {
  const fmt = walk.w.fmt;
  const e = yield* readEntry(c, walk.w, p, level, `${name}_none_or_clear_bad(${name})`);
  if (fmt.none(e)) return true;
  if (fmt.bad(e, level)) {
    yield* writeEntry(c, walk.w, p, level, 0n, `${name}_clear_bad(${name})`);
    return true;
  }
  return false;
}

/** `walk_pte_range_inner` (mm/pagewalk.c): pte_entry for every PTE of [addr, end). */
function* walk_pte_range_inner(c: Cpu, pte: number, addr: bigint, end: bigint, walk: MmWalk): Steps<number> {
  const pageSize = 1n << walk.w.fmt.shift(1);
  for (;;) {
    c.enter(`${walk.ops.name}_pte_entry`);
    const err = yield* walk.ops.pte_entry!(c, pte, addr, addr + pageSize, walk);
    c.leave();
    if (err) return err;
    if (addr >= end - pageSize) return 0;
    addr += pageSize;
    pte += 8;
  }
}

/** `walk_pte_range` (mm/pagewalk.c), kernel form: pte_offset_kernel(pmd, addr) reads *pmd once more. */
function* walk_pte_range(c: Cpu, pmdp: number, addr: bigint, end: bigint, walk: MmWalk): Steps<number> {
  c.enter('walk_pte_range');
  const w = walk.w;
  const pmd = yield* readEntry(c, w, pmdp, 2, 'pte_offset_kernel(pmd)');
  const table = tableOf(c, w, pmd, 1, pmdp);
  return c.leave(yield* walk_pte_range_inner(c, entryAddr(w, table, addr, 1), addr, end, walk));
}

/**
 * `walk_pmd_range` (mm/pagewalk.c): per PMD, read it for pmd_none, call pmd_entry, read it again
 * for pmd_leaf / pmd_present, then descend (reading it a third time in pte_offset_kernel).
 */
function* walk_pmd_range(c: Cpu, pudp: number, addr: bigint, end: bigint, walk: MmWalk): Steps<number> {
  c.enter('walk_pmd_range');
  const { w, ops } = walk;
  const fmt = w.fmt;
  const pud = yield* readEntry(c, w, pudp, 3, 'pmd_offset(pud)');
  let pmdp = entryAddr(w, tableOf(c, w, pud, 2, pudp), addr, 2);
  do {
    const next = addrEnd(fmt, addr, end, 2);
    for (;;) {
      if (fmt.none(yield* readEntry(c, w, pmdp, 2, 'pmd_none(*pmd)'))) {
        if (ops.pte_hole) {
          const err = yield* ops.pte_hole(c, addr, next, 3, walk);
          if (err) return c.leave(err);
        }
        break;
      }
      walk.action = WalkAction.Subtree;
      if (ops.pmd_entry) {
        c.enter(`${ops.name}_pmd_entry`);
        const err = yield* ops.pmd_entry(c, pmdp, addr, next, walk);
        c.leave();
        if (err) return c.leave(err);
      }
      if (actionOf(walk) === WalkAction.Again) continue;
      if (actionOf(walk) === WalkAction.Continue || !ops.pte_entry) break;
      if (fmt.leaf(yield* readEntry(c, w, pmdp, 2, 'pmd_leaf(*pmd)'), 2)) break;
      if (!fmt.present(yield* readEntry(c, w, pmdp, 2, 'pmd_present(*pmd)'), 2)) break;
      const err = yield* walk_pte_range(c, pmdp, addr, next, walk);
      if (err) return c.leave(err);
      break;
    }
    pmdp += 8;
    addr = next;
  } while (addr !== end);
  return c.leave(0);
}

/** `walk_pud_range` (mm/pagewalk.c): the same shape one level up. */
function* walk_pud_range(c: Cpu, p4dp: number, addr: bigint, end: bigint, walk: MmWalk): Steps<number> {
  c.enter('walk_pud_range');
  const { w, ops } = walk;
  const fmt = w.fmt;
  const p4d = yield* readEntry(c, w, p4dp, 4, 'pud_offset(p4d)');
  let pudp = entryAddr(w, tableOf(c, w, p4d, 3, p4dp), addr, 3);
  do {
    const next = addrEnd(fmt, addr, end, 3);
    for (;;) {
      if (fmt.none(yield* readEntry(c, w, pudp, 3, 'pud_none(*pud)'))) {
        if (ops.pte_hole) {
          const err = yield* ops.pte_hole(c, addr, next, 2, walk);
          if (err) return c.leave(err);
        }
        break;
      }
      walk.action = WalkAction.Subtree;
      if (ops.pud_entry) {
        c.enter(`${ops.name}_pud_entry`);
        const err = yield* ops.pud_entry(c, pudp, addr, next, walk);
        c.leave();
        if (err) return c.leave(err);
      }
      if (actionOf(walk) === WalkAction.Again) continue;
      if (actionOf(walk) === WalkAction.Continue || !(ops.pmd_entry || ops.pte_entry)) break;
      if (fmt.leaf(yield* readEntry(c, w, pudp, 3, 'pud_leaf(*pud)'), 3)) break;
      if (!fmt.present(yield* readEntry(c, w, pudp, 3, 'pud_present(*pud)'), 3)) break;
      const err = yield* walk_pmd_range(c, pudp, addr, next, walk);
      if (err) return c.leave(err);
      break;
    }
    pudp += 8;
    addr = next;
  } while (addr !== end);
  return c.leave(0);
}

/**
 * `walk_pgd_range` (mm/pagewalk.c) for a 4-level format: the P4D is folded into the PGD, so
 * p4d_none_or_clear_bad() reads nothing and pud_offset() reads the PGD entry again.
 */
function* walk_pgd_range(c: Cpu, pgd: number, addr: bigint, end: bigint, walk: MmWalk): Steps<number> {
  const { w } = walk;
  const fmt = w.fmt;
  if (fmt.levels !== 4) throw new Error(`walk_pgd_range: only 4-level formats are modelled, got ${fmt.name}`);
  let pgdp = entryAddr(w, pgd, addr, 4);
  do {
    const next = addrEnd(fmt, addr, end, 4);
    if (yield* noneOrClearBad(c, walk, pgdp, 4, 'pgd')) {
      if (walk.ops.pte_hole) {
        const err = yield* walk.ops.pte_hole(c, addr, next, 0, walk);
        if (err) return err;
      }
    } else {
      const err = yield* walk_pud_range(c, pgdp, addr, next, walk);
      if (err) return err;
    }
    pgdp += 8;
    addr = next;
  } while (addr !== end);
  return 0;
}

/**
 * `walk_kernel_page_table_range` (mm/pagewalk.c) walks init_mm's tables over [start, end) from
 * `pgd` (the physical address of the top table). It asserts `mmap_assert_locked(&init_mm)`: the
 * lock keeps the intermediate tables of the range from being freed only if every freer takes it
 * too, which is the caller's business.
 */
export function* walk_kernel_page_table_range<P>(
  c: Cpu,
  w: WalkContext,
  locks: InitMmLocks,
  start: bigint,
  end: bigint,
  ops: MmWalkOps<P>,
  pgd: number,
  priv: P,
): Steps<number> {
  c.enter('walk_kernel_page_table_range');
  if (c.mem.load(locks.mmapLock) === 0n) {
    c.fail(
      'assertion',
      `${w.ghost.cpuName(c.id)}: walk_kernel_page_table_range without init_mm.mmap_lock (mmap_assert_locked)`,
    );
  }
  const walk: MmWalk<P> = { w, ops, action: WalkAction.Subtree, priv };
  return c.leave(yield* walk_pgd_range(c, pgd, start, end, walk as MmWalk));
}

/**
 * `walk_kernel_page_table_range_lockless` (mm/pagewalk.c) is the same walk without any lock. The
 * caller claims exclusive control of [start, end): nobody frees, splits or clears tables there
 * while it runs. The walk is registered in ghost state so that `assertNoLocklessWalk` can tell.
 * (The v1/v2 form of the series was walk_kernel_page_table_range() with PGWALK_NOLOCK; docs/scenarios.md.)
 */
export function* walk_kernel_page_table_range_lockless<P>(
  c: Cpu,
  w: WalkContext,
  start: bigint,
  end: bigint,
  ops: MmWalkOps<P>,
  pgd: number,
  priv: P,
): Steps<number> {
  c.enter('walk_kernel_page_table_range_lockless');
  yield* locklessWalkBegin(c, w, start, end);
  const walk: MmWalk<P> = { w, ops, action: WalkAction.Subtree, priv };
  const err = yield* walk_pgd_range(c, pgd, start, end, walk as MmWalk);
  yield* locklessWalkEnd(c, w);
  return c.leave(err);
}
