import type { FrameState } from '../machine/frame-state.js';
import { PAGE_SIZE } from '../machine/layout.js';
import { PhysicalMemory } from '../machine/physical-memory.js';
import { Symbols } from '../machine/symbols.js';
import type { CpuProgram, Oracle, Program } from './program.js';

/**
 * `MachineBuilder` lays out a model's initial machine: named words (locks, counters) in the data
 * frame and named frames (page tables present at boot). `program()` snapshots the memory as every
 * execution's starting point.
 */
export class MachineBuilder {
  readonly memory: PhysicalMemory;
  readonly symbols = new Symbols();
  private nextFrame = 1;

  /** `hardwareFrames`: frames of hardware state after memory (PhysicalMemory.hardwareFrames) */
  constructor(frames = 8, hardwareFrames = 0) {
    this.memory = new PhysicalMemory(frames, undefined, hardwareFrames);
  }

  /** `word` reserves a named 64-bit word and returns its physical address. */
  word(name: string, initial = 0n): number {
    const addr = this.memory.allocWord(initial);
    this.symbols.nameWord(addr, name);
    return addr;
  }

  /** `frame` reserves the next frame at boot, in `state`, and returns its number. */
  frame(state: FrameState, name: string): number {
    const f = this.nextFrame++;
    if (f >= this.memory.frames)
      throw new RangeError(`MachineBuilder: all ${this.memory.frames} frames are in use; ask for more`);
    this.memory.setState(f, state);
    this.symbols.nameFrame(f, name);
    return f;
  }

  /** `frameAddr` is the physical address of word `index` of frame `frame`. */
  frameAddr(frame: number, index = 0): number {
    return frame * PAGE_SIZE + index * 8;
  }

  /** `program` freezes the machine and returns the program that runs on it. */
  program(cpus: CpuProgram[], oracles: Oracle[] = []): Program {
    this.memory.snapshot();
    return { memory: this.memory, symbols: this.symbols, cpus, oracles };
  }
}
