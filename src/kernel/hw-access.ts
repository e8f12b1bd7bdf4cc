import type { AccessKind } from '../arch/arch.js';
import { levelName, vaIndex } from '../arch/format.js';
import { hardwareWalk, type Translation, translate, type WalkStep } from '../arch/hw-walk.js';
import type { CachedEntry } from '../arch/tlb.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { Violation } from '../engine/violation.js';
import { FrameState } from '../machine/frame-state.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import { checkTableAccess, tableOf } from './access.js';
import { PAGE_FAULT, STALE_TRANSLATION, USE_AFTER_FREE } from './kinds.js';
import type { KernelMachine } from './machine.js';
import { cachedEntryLines } from './tlb.js';

/** `AccessSize` is the width of a data access in bytes. */
export type AccessSize = 4 | 8;

/**
 * `hardware_walk` is the MMU of CPU `c` translating `va` from the top table at physical address
 * `top`: the walk of src/arch/hw-walk.ts, each of its reads a scheduling point (label `hw walk
 * <level>`) checked by the use-after-free oracle, each table it follows remembered. While it runs,
 * `hw_walk_in_flight[cpu]` is set, so a TLB flush on another CPU (src/kernel/tlb.ts) completes
 * only after it, as TLBI + DSB and the flush IPI do. The reads are the walker's (`c.walkLoad`):
 * another observer of memory, each address-dependent on the level above; on arm64 it sees this
 * CPU's own table stores only after `dsb(ishst)`. With `fault`, an entry that is not present ends
 * the walk with the violation `fault` builds, raised right after the read that found it.
 *
 * With the translation caches on (`mem.tlb`, `--tlb on`), the walk consults CPU `c`'s caches
 * (src/arch/tlb.ts) at every level, right after reading the entry from memory: where the cache
 * holds an entry for `va` at that level that differs from memory, or (no entry at that level,
 * memory's entry not present or a leaf) an entry at a lower level, whether the walk uses the
 * cached entry or memory's is a data choice of the schedule (`tlb <level>`: 0 the cached entry,
 * 1 memory's), so the search explores both; where cache and memory agree there is no choice and
 * no extra step. Entries the walk takes from memory and finds present are cached (both
 * architectures cache only valid entries); entries taken from the cache are not refilled. Using a
 * cached entry that points to a frame freed or reused since it was cached is a
 * `stale-translation`.
 */
export function* hardware_walk(
  c: Cpu,
  k: KernelMachine,
  top: number,
  va: bigint,
  fault: ((steps: readonly WalkStep[]) => Violation) | null = null,
): Steps<Translation> {
  const g = k.ghost;
  const fmt = k.fmt;
  const mem = c.mem;
  const caches = mem.tlb === 'on';
  yield c.immediateStore(g.hwWalkWord(c.id), 1n, 'hw walk begins');
  // the top table comes from CR3 (TTBR): remembered like a pointer read from that register
  g.rememberTable(mem, c.id, fmt.levels, top >>> 12, k.cpus[c.id].cr3);
  const walk = hardwareWalk(fmt, top, va);
  /** the cached table entry the walk followed to the table it reads now, if it did */
  let via: CachedEntry | null = null;
  const steps: WalkStep[] = [];
  let dep = 0;
  for (let r = walk.next(0n); ; ) {
    if (r.done) {
      yield c.immediateStore(g.hwWalkWord(c.id), 0n, 'hw walk ends');
      return r.value;
    }
    const { addr, level } = r.value;
    const what = `hw walk ${levelName(fmt, level)}`;
    // the MMU's read: another observer of memory, its address from the read of the level above
    const e = yield c.walkLoad(addr, what, dep);
    dep = c.lastLoad;
    // a table reached through a cached entry that was freed or reused since it was cached
    if (via && (mem.generation(addr >>> 12) & 0xffff) !== via.gen) staleTranslation(c, k, va, via);
    checkTableAccess(c, k, addr, level, what);
    const hit = caches ? yield* tlbChoice(c, k, va, level, e) : null;
    if (!hit && caches && fmt.present(e, level))
      k.tlb.fill(mem, c.id, va, level, e, addr, mem.generation(targetFrame(k, e)));
    via = hit;
    const step = hit ? { addr: hit.from, level: hit.level, entry: hit.entry } : { addr, level, entry: e };
    steps.push({ ...step, index: vaIndex(fmt, va, step.level) });
    if (!fmt.present(step.entry, step.level) && fault) {
      // the walk ends here; the flag is dropped with the fault, in the same step
      mem.store(g.hwWalkWord(c.id), 0n);
      throw fault(steps);
    }
    if (step.level > 1 && fmt.present(step.entry, step.level) && !fmt.leaf(step.entry, step.level))
      tableOf(c, k, step.entry, step.level - 1, step.addr);
    r = walk.next(hit ? step : e);
  }
}

/** the frame an entry points to: the next table, or the frame a leaf maps */
function targetFrame(k: KernelMachine, e: bigint): number {
  const f = Number(k.fmt.addr(e) >> 12n);
  return f > 0 && f < k.frames ? f : 0;
}

/**
 * `tlbChoice` is the cache's part of one level of a walk that read `mem` from memory: the cached
 * entry the walk may use instead (the one at `level` when it differs from memory's, else, when
 * there is none at `level` and memory's entry ends the walk, the nearest one below), chosen by
 * the schedule; null when the walk goes on with memory's entry. A chosen entry pointing to a
 * frame freed or reused since it was cached is a stale translation.
 */
function* tlbChoice(
  c: Cpu,
  k: KernelMachine,
  va: bigint,
  level: number,
  memory: bigint,
): Steps<CachedEntry | null> {
  const fmt = k.fmt;
  const mem = c.mem;
  let cached = k.tlb.lookup(mem, c.id, va, level);
  if (cached && cached.entry === memory) return null;
  if (!cached && fmt.present(memory, level) && !fmt.leaf(memory, level)) return null;
  for (let l = level - 1; !cached && l >= 1; l--) cached = k.tlb.lookup(mem, c.id, va, l);
  if (!cached) return null;
  if (Number(yield c.choose(2, `tlb ${levelName(fmt, cached.level)}`)) !== 0) return null;
  const f = targetFrame(k, cached.entry);
  if (f > 0 && (mem.generation(f) & 0xffff) !== cached.gen) staleTranslation(c, k, va, cached);
  return cached;
}

function hex(n: bigint): string {
  return `0x${BigInt.asUintN(64, n).toString(16)}`;
}

/** raises `stale-translation` for a cached entry to a frame freed or reused since it was cached */
function staleTranslation(c: Cpu, k: KernelMachine, va: bigint, e: CachedEntry): never {
  const g = k.ghost;
  const mem = c.mem;
  const f = targetFrame(k, e.entry);
  const name = levelName(k.fmt, e.level);
  const leaf = e.level === 1 || k.fmt.leaf(e.entry, e.level);
  const what = leaf ? 'the page it maps' : `the ${levelName(k.fmt, e.level - 1)} table it points to`;
  const state = mem.state(f) === FrameState.Free ? 'freed' : 'reused';
  const message = `${g.cpuName(c.id)} translated ${k.arch.formatVa(va)} in ${c.fn || 'its program'} through its cached ${name} entry ${g.addrName(e.from, mem)} = ${hex(e.entry)} (memory now holds ${hex(mem.load(e.from))}); ${what}, ${g.frameName(f, mem)}, was ${state} since (freed by ${g.freedByText(mem, f)}) with no TLB flush on ${g.cpuName(c.id)} in between`;
  c.fail(STALE_TRANSLATION, message, [
    `BUG: stale ${leaf ? 'TLB' : 'paging-structure cache'} entry used by ${g.cpuName(c.id)} for ${k.arch.formatVa(va)}`,
    `cached ${name} ${g.addrName(e.from, mem)} = ${hex(e.entry)}, memory ${hex(mem.load(e.from))}; ${g.frameName(f, mem)} freed by ${g.freedByText(mem, f)}${state === 'reused' ? ', then reused' : ''}`,
    'the flush that drops it (flush_tlb_kernel_range / __flush_tlb_kernel_pgtable) is missing between the change and the free',
    ...cachedEntryLines(k, mem, va),
  ]);
}

/**
 * `hw_access` is a kernel load or store of `size` bytes at virtual address `va` by CPU `c`: the
 * MMU walks from the table the CPU uses for `va` (its mm's PGD in CR3 on x86; swapper_pg_dir in
 * TTBR1 for a kernel address on arm64), then performs the access on the frame the leaf maps
 * (labels `read`, `write`). x86 does not cache non-present entries, so every walk reads memory.
 *
 * A non-present entry at any level is a page fault; the kernel has no fixup for these kernel
 * addresses: the access raises `page-fault` with the architecture's oops, right after the read
 * that found the entry. A leaf that still points to a frame freed since (a stale entry) is a
 * use-after-free, whatever the frame holds now.
 *
 * Frame granularity: a 2 MiB or 1 GiB leaf is backed by the one frame its address names, and the
 * offset within the leaf is taken modulo 4 KiB. Models touch only a few struct pages in a block,
 * so aliasing inside the block changes no outcome the oracles look at.
 */
export function* hw_access(
  c: Cpu,
  k: KernelMachine,
  va: bigint,
  kind: AccessKind,
  size: AccessSize,
  value = 0n,
): Steps<bigint> {
  const mem = c.mem;
  const top = k.walkTop(mem, c.id, va);
  const t = yield* hardware_walk(c, k, top, va, (steps) => pageFault(k, mem, top, va, kind, steps));
  const leaf = t.steps[t.steps.length - 1];
  const frame = Number(k.fmt.addr(leaf.entry) >> 12n);
  if (frame <= 0 || frame >= mem.frames) {
    throw new Violation(
      PAGE_FAULT,
      `kernel ${kind} to ${k.arch.formatVa(va)} maps physical memory outside the machine`,
    );
  }
  const phys = frame * 4096 + (Number(BigInt.asUintN(64, va) & 0xfffn) & ~(size - 1));
  let result = 0n;
  if (kind === 'write')
    yield size === 4 ? c.store32(phys, Number(value), 'write') : c.store(phys, value, 'write');
  else result = yield size === 4 ? c.load32(phys, 'read') : c.load(phys, 'read');
  // checked right after the access, as the walkers' reads are: the access is the step that races
  if (mem.state(frame) === FrameState.Free || k.ghost.isStale(mem, leaf.addr, frame)) {
    const g = k.ghost;
    throw new Violation(
      USE_AFTER_FREE,
      `${g.cpuName(c.id)} ${kind === 'write' ? 'wrote' : 'read'} ${k.arch.formatVa(va)} in ${c.fn || 'its program'} through ${g.addrName(leaf.addr, mem)}, which still maps ${g.frameName(frame, mem)} after ${g.freedByText(mem, frame)} freed it`,
    );
  }
  return result;
}

function describeStop(k: KernelMachine, step: WalkStep): string {
  const name = levelName(k.fmt, step.level);
  return name === 'pgd' ? `PGD slot ${step.index}` : `${name.toUpperCase()} entry ${step.index}`;
}

/** builds the page-fault violation: the oops headline and a message naming the missing entry */
function pageFault(
  k: KernelMachine,
  mem: PhysicalMemory,
  top: number,
  va: bigint,
  kind: AccessKind,
  steps: readonly WalkStep[],
): Violation {
  const stop = steps[steps.length - 1];
  const swapper = k.swapper(mem);
  let whose: string;
  if (top === swapper) {
    whose = 'init_mm has none either';
  } else {
    // init_mm "has it" when its own walk gets past the level where this one stopped
    const ref = translate(k.fmt, (a) => (a >= 0 && a < mem.bytes ? mem.load(a) : 0n), swapper, va);
    whose = ref.pa !== null || ref.level < stop.level ? 'init_mm has it' : 'init_mm has none either';
  }
  const msg = `kernel ${kind} to ${k.arch.formatVa(va)} through ${k.ghost.frameName(top >>> 12, mem)}: ${describeStop(k, stop)} is none, ${whose}`;
  return new Violation(PAGE_FAULT, msg, k.arch.faultReport(va, kind, steps));
}
