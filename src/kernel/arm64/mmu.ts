import type { Cpu, Steps } from '../../engine/cpu.js';
import { FrameState } from '../../machine/frame-state.js';
import { childEntry, readEntry, tableOf, writeEntry } from '../access.js';
import { KERNEL_BUG } from '../kinds.js';
import { assertNoLocklessWalk } from '../lockless.js';
import { mmap_read_lock, mmap_read_unlock } from '../locks.js';
import type { KernelMachine, MmInfo } from '../machine.js';
import { __add_pages } from '../memory-hotplug.js';
import { alloc_pgtable, free_pgtable_page } from '../pgalloc.js';
import { pgd_offset_k, pXdAddrEnd } from '../pgtable.js';
import { vmemmap_populate_basepages, vmemmap_populate_hugepages } from '../sparse-vmemmap.js';
import { PAGES_PER_SECTION, STRUCT_PAGE_SIZE } from '../struct-page.js';
import { __flush_tlb_kernel_pgtable } from '../tlb.js';

/**
 * arch/arm64/mm/mmu.c and pgd.c: the arm64 half of the kernel's page-table code. The kernel half
 * of the address space is swapper_pg_dir, shared by every CPU through TTBR1, so nothing here
 * syncs PGDs; what matters is walkers against freeing, and break-before-make.
 */

/**
 * `pmd_free_pte_page` frees the PTE table under `pmdp` so that vmalloc can put a huge mapping
 * there: read the pmd, pmd_clear, flush the table walk cache (__flush_tlb_kernel_pgtable), free the
 * table. With `ptdumpLock` (arm64_ptdump_lock_key enabled, fa93b45fd397) an empty
 * mmap_read_lock(&init_mm) section between the flush and the free waits out a ptdump walk that
 * still holds the old pointer.
 */
export function* pmd_free_pte_page(
  c: Cpu,
  k: KernelMachine,
  pmdp: number,
  addr: bigint,
  ptdumpLock = false,
): Steps<number> {
  c.enter('pmd_free_pte_page');
  const pmd = yield* readEntry(c, k, pmdp, 2, 'READ_ONCE(*pmdp)');
  if (!k.fmt.table(pmd, 2)) return c.leave(1);
  const table = tableOf(c, k, pmd, 1, pmdp);
  const lo = addr & ~((1n << k.fmt.shift(2)) - 1n);
  const hi = lo + (1n << k.fmt.shift(2));
  yield* assertNoLocklessWalk(c, k, lo, hi, 'pmd_clear');
  yield* writeEntry(c, k, pmdp, 2, 0n, 'pmd_clear');
  yield* __flush_tlb_kernel_pgtable(c, k, addr);
  if (ptdumpLock) {
    yield mmap_read_lock(c, k.initMm);
    yield mmap_read_unlock(c, k.initMm);
  }
  yield* assertNoLocklessWalk(c, k, lo, hi, `free ${k.ghost.frameName(table >>> 12)}`);
  yield* free_pgtable_page(c, k, table >>> 12, 'pte_free_kernel');
  return c.leave(1);
}

/** `pgd_alloc` (arch/arm64/mm/pgd.c): a zeroed page; nothing is cloned, the kernel half is TTBR1's. */
export function* pgd_alloc(c: Cpu, k: KernelMachine, mm: MmInfo): Steps<number> {
  const frame = Number(yield c.alloc(FrameState.Pgd, `${mm.name}.pgd`, '__pgd_alloc'));
  yield c.store(mm.pgd, k.__va(frame * 4096), 'mm->pgd');
  return frame * 4096;
}

/** `pgd_free` (arch/arm64/mm/pgd.c): free the page. */
export function* pgd_free(c: Cpu, k: KernelMachine, mm: MmInfo): Steps {
  const pgd = k.__pa(yield c.load(mm.pgd, 'mm->pgd'));
  yield c.free(pgd >>> 12, '__pgd_free');
  k.ghost.recordFree(c.mem, pgd >>> 12, c.id, 'pgd_free');
}

/**
 * `vmemmap_populate`: base pages for less than a section's memmap, else 2 MiB blocks (4 KiB
 * granule); no sync, the vmemmap lives in the shared kernel half.
 */
export function* vmemmap_populate(c: Cpu, k: KernelMachine, start: bigint, end: bigint): Steps {
  c.enter('vmemmap_populate');
  if (end - start < PAGES_PER_SECTION * STRUCT_PAGE_SIZE) yield* vmemmap_populate_basepages(c, k, start, end);
  else yield* vmemmap_populate_hugepages(c, k, start, end);
  c.leave();
}

/** `vmemmap_set_pmd`: pmd_set_huge(pmdp, __pa(block), PROT_SECT_NORMAL). */
export function* vmemmap_set_pmd(c: Cpu, k: KernelMachine, pmdp: number, block: number): Steps {
  c.enter('vmemmap_set_pmd');
  yield* writeEntry(c, k, pmdp, 2, k.fmt.mkLeaf(BigInt(block * 4096), 2), 'pmd_set_huge');
  c.leave();
}

/** `vmemmap_check_pmd`: reuse an existing block (vmemmap_verify is a warning): return pmd_sect(). */
// biome-ignore lint/correctness/useYield: it reads nothing more, but it is one of the arch's step functions
export function* vmemmap_check_pmd(_c: Cpu, k: KernelMachine, pmdval: bigint): Steps<boolean> {
  return k.fmt.leaf(pmdval, 2);
}

/**
 * `alloc_init_*` of __create_pgd_mapping at one level: read the entry at `p` (READ_ONCE); if
 * none, allocate the next table (pgd_pgtable_alloc_init_mm), populate the entry and read it
 * again; BUG on a bad one. Returns the entry's value. arm64 publishes a table before filling it,
 * top down: a walker meanwhile sees a table of none entries.
 */
function* allocInit(
  c: Cpu,
  k: KernelMachine,
  p: number,
  level: number,
  state: FrameState,
  tag: string,
): Steps<bigint> {
  let e = yield* readEntry(c, k, p, level, 'READ_ONCE(*p)');
  if (k.fmt.none(e)) {
    const t = yield* alloc_pgtable(c, state, tag, 'pgd_pgtable_alloc_init_mm');
    yield* writeEntry(
      c,
      k,
      p,
      level,
      k.fmt.mkTable(BigInt(t * 4096), level),
      `__${tag === 'pud' ? 'p4d' : tag === 'pmd' ? 'pud' : 'pmd'}_populate`,
    );
    e = yield* readEntry(c, k, p, level, 'READ_ONCE(*p)');
  }
  if (k.fmt.bad(e, level) || !k.fmt.table(e, level))
    c.fail(KERNEL_BUG, `__create_pgd_mapping: BUG_ON(p?d_bad) at ${k.ghost.addrName(p, c.mem)}`, [
      'kernel BUG at arch/arm64/mm/mmu.c!',
    ]);
  return e;
}

/**
 * `__create_pgd_mapping` (with NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS, as arch_add_memory uses it
 * when the linear map may be changed page by page): map virtual [virt, virt + size) to physical
 * `phys` in swapper_pg_dir with PTEs, allocating missing tables (alloc_init_pud,
 * alloc_init_cont_pmd, alloc_init_cont_pte, init_pte). fixmap_lock is not modelled:
 * mem_hotplug_lock serializes the hot-adds.
 */
export function* __create_pgd_mapping(
  c: Cpu,
  k: KernelMachine,
  phys: bigint,
  virt: bigint,
  size: bigint,
): Steps {
  c.enter('__create_pgd_mapping');
  const end = virt + size;
  for (let addr = virt, next: bigint; addr !== end; phys += next - addr, addr = next) {
    next = pXdAddrEnd(k, 'pgd', addr, end);
    const pgdp = pgd_offset_k(k, c.mem, addr);
    c.enter('alloc_init_pud');
    const p4d = yield* allocInit(c, k, pgdp, 4, FrameState.Pud, 'pud');
    for (let a = addr, pn: bigint; a !== next; phys += pn - a, a = pn) {
      pn = pXdAddrEnd(k, 'pud', a, next);
      const pudp = childEntry(c, k, 'pud', pgdp, p4d, a);
      c.enter('alloc_init_cont_pmd');
      const pud = yield* allocInit(c, k, pudp, 3, FrameState.Pmd, 'pmd');
      for (let b = a, mn: bigint; b !== pn; phys += mn - b, b = mn) {
        mn = pXdAddrEnd(k, 'pmd', b, pn);
        const pmdp = childEntry(c, k, 'pmd', pudp, pud, b);
        c.enter('alloc_init_cont_pte');
        const pmd = yield* allocInit(c, k, pmdp, 2, FrameState.Pte, 'pte');
        c.enter('init_pte');
        let ptep = childEntry(c, k, 'pte', pmdp, pmd, b);
        for (let x = b, pa = phys; x !== mn; x += 4096n, pa += 4096n, ptep += 8) {
          yield* readEntry(c, k, ptep, 1, '__ptep_get(ptep)');
          yield* writeEntry(c, k, ptep, 1, k.fmt.mkLeaf(pa, 1), '__set_pte_nosync');
        }
        c.leave();
        c.leave();
      }
      c.leave();
    }
    c.leave();
  }
  c.leave();
}

/**
 * `arch_add_memory`: map physical [start, start + size) in the linear map (__create_pgd_mapping),
 * then __add_pages (the vmemmap). Run it under add_memory.
 */
export function* arch_add_memory(c: Cpu, k: KernelMachine, start: bigint, size: bigint): Steps {
  c.enter('arch_add_memory');
  yield* __create_pgd_mapping(c, k, start, BigInt.asUintN(64, k.arch.pageOffset + start), size);
  yield* __add_pages(c, k, start >> 12n, size >> 12n);
  c.leave();
}
