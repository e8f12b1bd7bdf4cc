import { entryNone, entryPfn } from '../../arch/x86-64/entry.js';
import { formatVa, pgd_index, pgdirSize } from '../../arch/x86-64/paging.js';
import type { Cpu, Steps } from '../../engine/cpu.js';
import { Violation } from '../../engine/violation.js';
import { KERNEL_BUG } from '../kinds.js';
import { spin_lock, spin_unlock } from '../locks.js';
import type { KernelMachine, MmInfo } from '../machine.js';
import { checkSyncPostcondition, type SyncedSlot } from '../oracles/sync-postcondition.js';
import { list_first, list_next } from './pgd-list.js';
import { x86Of } from './x86-arch.js';

function hex(e: bigint): string {
  return `0x${BigInt.asUintN(64, e).toString(16).padStart(16, '0')}`;
}

/** `ALIGN(addr + 1, PGDIR_SIZE)`: the start of the next top-level slot, or null past the top. */
function nextSlot(addr: bigint, size: bigint): bigint | null {
  const n = ((addr + size) / size) * size;
  return n > 0xffffffffffffffffn ? null : n;
}

/**
 * `syncOneSlot` is the body both sync_global_pgds_l4 and _l5 run for one top-level slot: read the
 * reference entry outside the lock; if present, take pgd_lock, and for every PGD on pgd_list take
 * its mm's page_table_lock, BUG if both entries are present and point to different tables, copy
 * the reference if the task's entry is none.
 */
function* syncOneSlot(
  c: Cpu,
  k: KernelMachine,
  addr: bigint,
  fn: string,
  level: 'pgd' | 'p4d',
): Steps<SyncedSlot | null> {
  const slot = pgd_index(addr, x86Of(k).levels);
  const load = (a: number) => c.mem.load(a);
  const refAddr = k.pgdOf(k.initMm, load) + slot * 8; // pgd_offset_k(addr): arithmetic
  const none = `${level}_none`;
  const set = `set_${level}`;
  const ref = yield c.load(refAddr, none);
  if (entryNone(ref)) return null;
  if (!k.bugs.syncWithoutLock) yield spin_lock(c, k.pgdLock);
  for (let mm: MmInfo | null = yield* list_first(c, k); mm; mm = yield* list_next(c, k, mm)) {
    // page_address(page) + pgd_index(addr) is arithmetic on the struct page
    const entry = k.pgdOf(mm, load) + slot * 8;
    const ptlMm = k.mmOfPtr(yield c.load(mm.ptMm, 'pgd_page_get_mm'));
    if (!ptlMm) {
      throw new Violation(
        KERNEL_BUG,
        `${fn}: pgd_page_get_mm() of ${mm.name}.pgd is NULL (pgd_set_mm not done)`,
        ['BUG: kernel NULL pointer dereference, address: 0000000000000000', 'Oops: 0000 [#1] SMP NOPTI'],
      );
    }
    yield spin_lock(c, ptlMm.pageTableLock);
    const r = yield c.load(refAddr, none);
    const e = yield c.load(entry, none);
    if (!entryNone(r) && !entryNone(e) && entryPfn(e) !== entryPfn(r)) {
      throw new Violation(
        KERNEL_BUG,
        `${fn}: ${mm.name}.pgd[${slot}] = ${hex(e)} points to another table than init_mm.pgd[${slot}] = ${hex(r)}`,
        ['kernel BUG at arch/x86/mm/init_64.c!', 'Oops: invalid opcode: 0000 [#1] SMP NOPTI'],
      );
    }
    if (entryNone(e)) yield c.store(entry, r, set);
    yield spin_unlock(c, ptlMm.pageTableLock);
  }
  if (!k.bugs.syncWithoutLock) yield spin_unlock(c, k.pgdLock);
  return { slot, ref, va: formatVa(addr) };
}

/** `sync_global_pgds_l4` (arch/x86/mm/init_64.c): sync the folded P4D (= PGD) slots of [start, end]. */
export function* sync_global_pgds_l4(
  c: Cpu,
  k: KernelMachine,
  start: bigint,
  end: bigint,
): Steps<SyncedSlot[]> {
  c.enter('sync_global_pgds_l4');
  const out: SyncedSlot[] = [];
  const size = pgdirSize(4);
  for (let addr: bigint | null = start; addr !== null && addr <= end; addr = nextSlot(addr, size)) {
    const s = yield* syncOneSlot(c, k, addr, 'sync_global_pgds_l4', 'p4d');
    if (s) out.push(s);
  }
  return c.leave(out);
}

/** `sync_global_pgds_l5` (arch/x86/mm/init_64.c): sync the PGD slots of [start, end]. */
export function* sync_global_pgds_l5(
  c: Cpu,
  k: KernelMachine,
  start: bigint,
  end: bigint,
): Steps<SyncedSlot[]> {
  c.enter('sync_global_pgds_l5');
  const out: SyncedSlot[] = [];
  const size = pgdirSize(5);
  for (let addr: bigint | null = start; addr !== null && addr <= end; addr = nextSlot(addr, size)) {
    const s = yield* syncOneSlot(c, k, addr, 'sync_global_pgds_l5', 'pgd');
    if (s) out.push(s);
  }
  return c.leave(out);
}

/**
 * `sync_global_pgds` (arch/x86/mm/init_64.c): "When memory was added make sure all the processes
 * MM have suitable PGD entries in the local PGD level page." On return the sync postcondition
 * (docs/invariants.md I2) is checked for every slot it found present.
 */
export function* sync_global_pgds(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.enter('sync_global_pgds');
  const synced =
    x86Of(k).levels === 5
      ? yield* sync_global_pgds_l5(c, k, start, end)
      : yield* sync_global_pgds_l4(c, k, start, end);
  checkSyncPostcondition(k, c.mem, synced);
  c.leave();
}

/**
 * `arch_sync_kernel_mappings` (arch/x86/mm/init_64.c, 6659d0279980): "Make kernel mappings
 * visible in all page tables in the system": sync_global_pgds(start, end).
 */
export function* arch_sync_kernel_mappings(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.enter('arch_sync_kernel_mappings');
  yield* sync_global_pgds(c, k, start, end);
  c.leave();
}
