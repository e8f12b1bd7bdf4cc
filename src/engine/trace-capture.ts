import { tableLevel } from '../machine/frame-state.js';
import { PAGE_SHIFT, WORD_SIZE } from '../machine/layout.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Symbols } from '../machine/symbols.js';
import { Footprint, footprintOf } from './footprint.js';
import type { Op } from './op.js';
import { formatValue, type MachineSection, type TraceEntry, type TraceStep } from './trace.js';

/** `MAX_READ_ENTRIES`: a wider read (a 512-entry emptiness scan, a copy's source) lists no entries. */
export const MAX_READ_ENTRIES = 8;

/**
 * `StepCapture` adds to a traced step what a timeline needs beyond its one-line form: the CPU's
 * kernel stack, the bytes the operation read and wrote (so a report can tell which steps of
 * different CPUs conflict, as partial-order reduction does), the page-table entries it touched
 * with their values before and after, and the machine state the program describes. `begin` runs
 * before the operation is performed and `finish` after; tracing only, never on the search's path.
 */
export class StepCapture {
  private readonly fp = new Footprint();
  private readonly addrs: number[] = [];
  private readonly before: bigint[] = [];
  /** the words of `addrs` that a copy wrote: listed only when they changed */
  private readonly onlyChanged: boolean[] = [];

  /** `begin` notes what `op` is about to touch on `mem`. */
  begin(mem: PhysicalMemory, op: Op): void {
    const fp = this.fp;
    footprintOf(op, mem, fp);
    this.addrs.length = 0;
    this.before.length = 0;
    this.onlyChanged.length = 0;
    if (fp.allocator) return;
    const wide = fp.writeHi - fp.writeLo > WORD_SIZE;
    this.collect(mem, fp.writeLo, fp.writeHi, wide);
    if (fp.readHi - fp.readLo <= MAX_READ_ENTRIES * WORD_SIZE) this.collect(mem, fp.readLo, fp.readHi, false);
  }

  /**
   * `finish` completes `step` once the operation was performed (or failed) on `mem`: `stack` is
   * the CPU's kernel stack, `machine` what the program says the machine holds after the step.
   */
  finish(
    step: TraceStep,
    mem: PhysicalMemory,
    symbols: Symbols,
    stack: readonly string[],
    machine: MachineSection[] | undefined,
  ): TraceStep {
    const fp = this.fp;
    step.stack = stack.slice();
    if (fp.readHi > fp.readLo) step.read = [fp.readLo, fp.readHi];
    if (fp.writeHi > fp.writeLo) step.write = [fp.writeLo, fp.writeHi];
    if (fp.allocator) step.allocator = true;
    const entries: TraceEntry[] = [];
    for (let i = 0; i < this.addrs.length; i++) {
      const addr = this.addrs[i];
      const after = mem.load(addr);
      if (this.onlyChanged[i] && after === this.before[i]) continue;
      entries.push({
        addr,
        name: symbols.addrName(addr),
        level: tableLevel(mem.state(addr >>> PAGE_SHIFT)),
        before: formatValue(this.before[i]),
        after: formatValue(after),
      });
    }
    if (entries.length > 0) step.entries = entries;
    if (machine && machine.length > 0) step.machine = machine;
    return step;
  }

  /** the words of [lo, hi) that lie in page-table frames, with their values now */
  private collect(mem: PhysicalMemory, lo: number, hi: number, onlyChanged: boolean): void {
    const first = lo - (lo % WORD_SIZE);
    for (let a = first; a < hi; a += WORD_SIZE) {
      const frame = mem.frameOf(a);
      if (frame < 0 || tableLevel(mem.state(frame)) === 0 || this.addrs.includes(a)) continue;
      this.addrs.push(a);
      this.before.push(mem.load(a));
      this.onlyChanged.push(onlyChanged);
    }
  }
}
