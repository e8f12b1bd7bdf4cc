import { entryLeaf, entryPfn, entryPresent } from '../arch/x86-64/entry.js';
import {
  formatVa,
  hardwareLevels,
  LEVEL_NUMBER,
  type Level,
  levelIndex,
  levelShift,
} from '../arch/x86-64/paging.js';
import { oopsWalkLine, translate, type WalkStep } from '../arch/x86-64/translate.js';
import type { Cpu, Steps } from '../engine/cpu.js';
import { Violation } from '../engine/violation.js';
import { FrameState, frameStateName, tableState } from '../machine/frame-state.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Kernel } from './kernel.js';
import { type AccessKind, oopsHeadline } from './oops.js';
import { frameAddr, frameToPfn, pfnToFrame } from './phys.js';

/** `AccessSize` is the width of a data access in bytes. */
export type AccessSize = 4 | 8;

/** `ghostRead` reads a table entry by PFN for `translate`, without scheduling points. */
export function ghostRead(mem: PhysicalMemory): (pfn: bigint, index: number) => bigint {
  return (pfn, index) => {
    const f = pfnToFrame(pfn, mem.frames);
    return f < 0 ? 0n : mem.load(frameAddr(f, index));
  };
}

/** `currentMmName` is the name of the mm whose PGD cpu `c` runs on. */
export function currentMmName(k: Kernel, mem: PhysicalMemory, cpu: number): string {
  const id = Number(mem.load(k.cpus[cpu].current)) - 1;
  return k.mms[id]?.name ?? `mm${id}`;
}

function describeStop(level: Level, index: number): string {
  return level === 'pgd' ? `PGD slot ${index}` : `${level.toUpperCase()} entry ${index}`;
}

/**
 * `hw_access` is a kernel load or store to virtual address `va` by CPU `c`: the MMU walks the page
 * tables from the PGD in this CPU's CR3, one load per level (each a scheduling point, since another
 * CPU may be writing that entry; x86 does not cache non-present entries, so every walk reads
 * memory), then performs the access on the frame the leaf maps.
 *
 * A non-present entry at any level is a page fault, and x86-64 has no fixup for kernel addresses:
 * the access raises a `page-fault` violation with the oops text, right after the load that found
 * the entry (so the trace marks that step).
 *
 * Frame granularity: a 2 MiB or 1 GiB leaf is backed by the one frame its PFN names, and the
 * offset within the leaf is taken modulo 4 KiB. Models touch only a few struct pages in a block,
 * so aliasing inside the block changes no outcome the oracles look at.
 */
export function* hw_access(
  c: Cpu,
  k: Kernel,
  va: bigint,
  kind: AccessKind,
  size: AccessSize,
  value = 0n,
): Steps<bigint> {
  const mem = c.mem;
  const cr3 = k.fromCr3(mem.load(k.cpus[c.id].cr3)); // a register, not memory: no scheduling point
  let table = cr3;
  let generation = mem.generation(table >>> 12);
  const steps: WalkStep[] = [];
  let dep = 0;
  for (const level of hardwareLevels(k.levels)) {
    const index = levelIndex(level, va, k.levels);
    // the MMU's read, another observer of memory, its address from the level above
    const e = yield c.walkLoad(table + index * 8, 'walk', dep);
    dep = c.lastLoad;
    steps.push({ level, index, entry: e });
    checkTableLive(c, va, level, index, table >>> 12, generation);
    if (!entryPresent(e)) throw pageFault(k, mem, c.id, cr3, va, kind, steps, level, index);
    const frame = pfnToFrame(entryPfn(e), mem.frames);
    if (frame < 0) {
      throw new Violation(
        'bad-entry',
        `walk of ${formatVa(va)} read ${level} entry ${index} = 0x${BigInt.asUintN(64, e).toString(16)}, which points outside memory`,
      );
    }
    if (level === 'pte' || ((level === 'pud' || level === 'pmd') && entryLeaf(e))) {
      const span = 1n << BigInt(levelShift(level, k.levels));
      const offset = Number(BigInt.asUintN(64, va) & (span - 1n) & 0xfffn) & ~(size - 1);
      const phys = frameAddr(frame) + offset;
      if (kind === 'write') {
        if (size === 4) yield c.store32(phys, Number(value), 'write');
        else yield c.store(phys, value, 'write');
        return 0n;
      }
      return size === 4 ? yield c.load32(phys, 'read') : yield c.load(phys, 'read');
    }
    table = frameAddr(frame);
    generation = mem.generation(frame);
  }
  throw new Error('hw_access: walk ended without a leaf');
}

/**
 * `checkTableLive` is I5 for the hardware walker: the table it just read from must still be a
 * table, and the same one whose pointer it read at the level above (its generation unchanged),
 * or the MMU is walking freed or reused memory.
 */
function checkTableLive(
  c: Cpu,
  va: bigint,
  level: Level,
  index: number,
  frame: number,
  generation: number,
): void {
  const mem = c.mem;
  const state = mem.state(frame);
  const read = `hardware walk of ${formatVa(va)} by ${c.task} read ${level} entry ${index} from frame ${frame}`;
  if (state === FrameState.Free) throw new Violation('use-after-free', `${read}, which is free`);
  if (mem.generation(frame) !== generation) {
    throw new Violation(
      'use-after-free',
      `${read}, which was freed and reused since the walk read the pointer to it`,
    );
  }
  if (state !== tableState(LEVEL_NUMBER[level])) {
    throw new Violation('bad-entry', `${read}, which holds ${frameStateName(state)}, not a ${level} table`);
  }
}

/** builds the page-fault violation: the oops headline and a message naming the missing entry */
function pageFault(
  k: Kernel,
  mem: PhysicalMemory,
  cpu: number,
  cr3: number,
  va: bigint,
  kind: AccessKind,
  steps: WalkStep[],
  level: Level,
  index: number,
): Violation {
  const name = currentMmName(k, mem, cpu);
  const initPgd = k.pgdOf(k.initMm, (a) => mem.load(a));
  let whose: string;
  if (cr3 === initPgd) {
    whose = 'init_mm has none either';
  } else {
    // init_mm "has it" when its own walk gets past the level where this one stopped
    const ref = translate(ghostRead(mem), frameToPfn(initPgd >>> 12), va, k.levels);
    const order = hardwareLevels(k.levels);
    const deeper = ref.ok || order.indexOf(ref.stoppedAt!) > order.indexOf(level);
    whose = deeper ? 'init_mm has it' : 'init_mm has none either';
  }
  const msg = `kernel ${kind} to ${formatVa(va)} through ${name}.pgd: ${describeStop(level, index)} is none, ${whose}`;
  return new Violation('page-fault', msg, oopsHeadline(va, kind, oopsWalkLine(steps, k.levels)));
}
