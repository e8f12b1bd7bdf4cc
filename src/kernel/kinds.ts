import { defineViolationKind } from '../engine/violation-kinds.js';

/**
 * `kinds` are the violation kinds the kernel library raises (docs/invariants.md names the
 * invariant behind each). Every module that raises one imports it from here, so loading any kernel
 * code registers them all.
 */

/** I1: a kernel access the hardware walk cannot translate (an oops). */
export const PAGE_FAULT = defineViolationKind(
  'page-fault',
  'a kernel access the hardware walk cannot translate',
);
/** I5: an access to a page-table frame that is free, or was freed and reused since the pointer to it was read. */
export const USE_AFTER_FREE = defineViolationKind(
  'use-after-free',
  'an access to a frame that is free, or was freed and reused since the pointer to it was read',
);
/** I6: tables freed, split or cleared inside the range of a lockless walk in flight. */
export const LOCKLESS_PRECONDITION = defineViolationKind(
  'lockless-precondition',
  'page tables freed, split or cleared inside the range of a lockless walk in flight',
);
/**
 * a translation the page tables had dropped is used: a CPU's cached entry (TLB or
 * paging-structure cache) no longer in memory points to a frame freed or reused since, or a
 * read-modify-write of a leaf writes back an entry another CPU has since changed.
 */
export const STALE_TRANSLATION = defineViolationKind(
  'stale-translation',
  'a translation the page tables had dropped is used: a cached entry to a frame freed or reused since, or a leaf written back over a change',
);
/**
 * arm64: a valid entry is changed to another valid one whose output address, size (block or
 * table) or attributes differ, without an invalid entry and a TLBI in between
 * (pgattr_change_is_safe(), arch/arm64/mm/mmu.c).
 */
export const BREAK_BEFORE_MAKE = defineViolationKind(
  'break-before-make',
  'arm64: a valid entry changed to a different valid one without break-before-make',
);
/** I2: a sync returned while a PGD on pgd_list lacks the entry it synced. */
export const SYNC_POSTCONDITION = defineViolationKind(
  'sync-postcondition',
  'a top-level sync returned while a PGD on pgd_list lacks the entry',
);
/** I3: a task PGD's kernel slot is neither none nor init_mm's. */
export const PGD_MISMATCH = defineViolationKind(
  'pgd-mismatch',
  "a task PGD's kernel slot is neither none nor init_mm's",
);
/** I4: a PGD joined pgd_list before its clone of the kernel half was complete. */
export const INCOMPLETE_CLONE = defineViolationKind(
  'incomplete-clone',
  'a PGD joined pgd_list before its clone of the kernel half was complete',
);
/** I7: a present table entry points to something other than a table of the next level. */
export const BAD_ENTRY = defineViolationKind(
  'bad-entry',
  'a present table entry points to something other than a table of the next level',
);
/** I9: locks taken against the kernel's lock order. */
export const LOCK_ORDER = defineViolationKind('lock-order', "locks taken against the kernel's lock order");
/** a BUG_ON, WARN_ON or general protection fault in kernel code. */
export const KERNEL_BUG = defineViolationKind('kernel-bug', 'a BUG_ON, WARN_ON or general protection fault');
/** a 64-bit entry read as two halves gave a value the entry never held. */
export const TORN_READ = defineViolationKind(
  'torn-read',
  'a 64-bit entry read as two halves gave a value the entry never held',
);
/** I8: pte_offset_map mapped a table from a pmd value it did not check, or returned a detached one. */
export const PTE_OFFSET_MAP = defineViolationKind(
  'pte-offset-map',
  'pte_offset_map mapped a PTE table from a pmd value it did not check, or returned a detached one',
);
