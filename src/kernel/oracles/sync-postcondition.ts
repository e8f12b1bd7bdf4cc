import { Violation } from '../../engine/violation.js';
import type { PhysicalMemory } from '../../machine/physical-memory.js';
import { SYNC_POSTCONDITION } from '../kinds.js';
import type { KernelMachine } from '../machine.js';
import { ghostPgdList } from '../x86/pgd-list.js';

/** `SyncedSlot` is a top-level slot a sync found present in init_mm, with the entry it copied. */
export interface SyncedSlot {
  slot: number;
  ref: bigint;
  /** the address the sync was for, as the arch prints it */
  va: string;
}

function hex(e: bigint): string {
  return `0x${BigInt.asUintN(64, e).toString(16).padStart(16, '0')}`;
}

/** `isSynced` says whether a sync of top-level slot `slot` has returned (ghost bitmap). */
export function isSynced(k: KernelMachine, mem: PhysicalMemory, slot: number): boolean {
  // the 32-bit half that holds the bit (little-endian: bits 0-31 first): no bigint per test
  const half = mem.load32(k.syncedSlots + (slot >>> 6) * 8 + ((slot & 32) >>> 3));
  return ((half >>> (slot & 31)) & 1) === 1;
}

/**
 * `checkSyncPostcondition` is docs/invariants.md I2 at the return of a sync (or of a `_kernel`
 * populate helper, `fn`): every PGD on pgd_list has each synced slot equal to the entry the sync
 * copied. It also records the slots as synced, so that a PGD joining pgd_list later is checked
 * too (`pgdJoinOracle`). Ghost only: it reads and writes memory between operations, never as one.
 */
export function checkSyncPostcondition(
  k: KernelMachine,
  mem: PhysicalMemory,
  synced: readonly SyncedSlot[],
  fn = 'sync_global_pgds',
): void {
  for (const s of synced) {
    const w = k.syncedSlots + (s.slot >>> 6) * 8;
    mem.store(w, mem.load(w) | (1n << BigInt(s.slot & 63)));
    for (const mm of ghostPgdList(k, (a) => mem.load(a))) {
      const e = mem.load(k.pgdOf(mm, (a) => mem.load(a)) + s.slot * 8);
      if (e !== s.ref) {
        throw new Violation(
          SYNC_POSTCONDITION,
          `${fn}(${s.va}) returned but ${mm.name}.pgd[${s.slot}] = ${hex(e)}, init_mm.pgd[${s.slot}] = ${hex(s.ref)}`,
        );
      }
    }
  }
}
