import type { Cpu, Steps } from '../engine/cpu.js';
import { Violation } from '../engine/violation.js';
import type { Kernel, MmInfo } from './kernel.js';

/**
 * `pgd-list` is pgd_list (arch/x86/mm/pgtable.c): a list_head threaded through the `lru` of every
 * task's PGD page, protected by pgd_lock. List pointers are the addresses of `lru.next` words;
 * each `next`/`prev` is a shared word, so list manipulation is a sequence of loads and stores
 * exactly as include/linux/list.h does them.
 */

/**
 * `pgd_list_add` is list_add(&page->lru, &pgd_list) (include/linux/list.h __list_add):
 * next->prev = new; new->next = next; new->prev = head; WRITE_ONCE(head->next, new).
 */
export function* pgd_list_add(c: Cpu, k: Kernel, mm: MmInfo): Steps {
  c.enter('pgd_list_add');
  const head = k.pgdListHead;
  const next = k.__pa(yield c.load(head, 'list_add'));
  yield c.store(next + 8, k.__va(mm.lruNext), 'list_add');
  yield c.store(mm.lruNext, k.__va(next), 'list_add');
  yield c.store(mm.lruPrev, k.__va(head), 'list_add');
  yield c.store(head, k.__va(mm.lruNext), 'list_add');
  c.leave();
}

/**
 * `LIST_POISON1` and `LIST_POISON2` are what list_del leaves in a removed entry
 * (include/linux/poison.h: 0x100 and 0x122 + POISON_POINTER_DELTA, 0xdead000000000000 on x86-64
 * with CONFIG_ILLEGAL_POINTER_VALUE): non-canonical, so following one is a general protection fault.
 */
export const LIST_POISON1 = BigInt.asIntN(64, 0xdead000000000100n);
export const LIST_POISON2 = BigInt.asIntN(64, 0xdead000000000122n);

/**
 * `pgd_list_del` is list_del(&page->lru) (include/linux/list.h __list_del_entry):
 * next->prev = prev; WRITE_ONCE(prev->next, next); then the entry is poisoned.
 */
export function* pgd_list_del(c: Cpu, k: Kernel, mm: MmInfo): Steps {
  c.enter('pgd_list_del');
  const next = k.__pa(yield c.load(mm.lruNext, 'list_del'));
  const prev = k.__pa(yield c.load(mm.lruPrev, 'list_del'));
  yield c.store(next + 8, k.__va(prev), 'list_del');
  yield c.store(prev, k.__va(next), 'list_del');
  yield c.store(mm.lruNext, LIST_POISON1, 'list_del');
  yield c.store(mm.lruPrev, LIST_POISON2, 'list_del');
  c.leave();
}

/**
 * `list_first` and `list_next` walk pgd_list as list_for_each_entry does: read head->next, then
 * each entry's next, until the head comes back. They return the mm of the entry, or null at the
 * end of the list.
 */
export function* list_first(c: Cpu, k: Kernel): Steps<MmInfo | null> {
  return entryMm(k, yield c.load(k.pgdListHead, 'list_for_each'));
}

export function* list_next(c: Cpu, k: Kernel, mm: MmInfo): Steps<MmInfo | null> {
  return entryMm(k, yield c.load(mm.lruNext, 'list_for_each'));
}

function entryMm(k: Kernel, ptr: bigint): MmInfo | null {
  const next = k.__pa(ptr);
  if (next === k.pgdListHead) return null;
  const mm = k.mmOfLru(next);
  if (mm) return mm;
  const hex = BigInt.asUintN(64, ptr).toString(16).padStart(16, '0');
  if (ptr === LIST_POISON1 || ptr === LIST_POISON2) {
    // the walker followed the next pointer of an entry list_del() had already removed
    throw new Violation(
      'kernel-bug',
      `list_for_each_entry on pgd_list followed a deleted entry's next (${hex})`,
      [`general protection fault, probably for non-canonical address 0x${hex}: 0000 [#1] SMP NOPTI`],
    );
  }
  throw new Error(`pgd_list points to 0x${hex}, which is no PGD page's lru`);
}

/** `ghostPgdList` lists the mms on pgd_list now, reading memory without scheduling points (oracles). */
export function ghostPgdList(k: Kernel, load: (addr: number) => bigint): MmInfo[] {
  const out: MmInfo[] = [];
  let next = k.__pa(load(k.pgdListHead));
  for (let guard = 0; next !== k.pgdListHead && guard < k.mms.length + 1; guard++) {
    const mm = k.mmOfLru(next);
    if (!mm) break;
    out.push(mm);
    next = k.__pa(load(mm.lruNext));
  }
  return out;
}
