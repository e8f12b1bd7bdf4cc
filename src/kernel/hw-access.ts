import type { AccessKind } from '../arch/arch.js';
import { levelName } from '../arch/format.js';
import { hardwareWalk, type Translation, translate, type WalkStep } from '../arch/hw-walk.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { Violation } from '../engine/violation.js';
import { FrameState } from '../machine/frame-state.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import { checkTableAccess, tableOf } from './access.js';
import { PAGE_FAULT, USE_AFTER_FREE } from './kinds.js';
import type { KernelMachine } from './machine.js';

/** `AccessSize` is the width of a data access in bytes. */
export type AccessSize = 4 | 8;

/**
 * `hardware_walk` is the MMU of CPU `c` translating `va` from the top table at physical address
 * `top`: the walk of src/arch/hw-walk.ts, each of its reads a scheduling point (label `hw walk
 * <level>`) checked by the use-after-free oracle, each table it follows remembered. While it runs,
 * `hw_walk_in_flight[cpu]` is set, so a TLB flush on another CPU (flush_tlb_kernel_range)
 * completes only after it: clear, flush, free is safe against hardware walks, clear then free
 * without the flush is not. The reads are the walker's (`c.walkLoad`): another observer of
 * memory, each address-dependent on the level above; on arm64 it sees this CPU's own table stores
 * only after `dsb(ishst)`. With `fault`, an entry that is not present ends the walk with the
 * violation `fault` builds, raised right after the read that found it.
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
  yield c.immediateStore(g.hwWalkWord(c.id), 1n, 'hw walk begins');
  // the top table comes from CR3 (TTBR): remembered like a pointer read from that register
  g.rememberTable(mem, c.id, fmt.levels, top >>> 12, k.cpus[c.id].cr3);
  const walk = hardwareWalk(fmt, top, va);
  const steps: WalkStep[] = [];
  let dep = 0;
  for (let r = walk.next(0n); ; ) {
    if (r.done) {
      yield c.immediateStore(g.hwWalkWord(c.id), 0n, 'hw walk ends');
      return r.value;
    }
    const { addr, level, index } = r.value;
    // the MMU's read: another observer of memory, its address from the read of the level above
    const e = yield c.walkLoad(addr, `hw walk ${levelName(fmt, level)}`, dep);
    dep = c.lastLoad;
    steps.push({ addr, level, index, entry: e });
    checkTableAccess(c, k, addr, level, `hw walk ${levelName(fmt, level)}`);
    if (!fmt.present(e, level) && fault) {
      // the walk ends here; the flag is dropped with the fault, in the same step
      mem.store(g.hwWalkWord(c.id), 0n);
      throw fault(steps);
    }
    if (level > 1 && fmt.present(e, level) && !fmt.leaf(e, level)) tableOf(c, k, e, level - 1, addr);
    r = walk.next(e);
  }
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
