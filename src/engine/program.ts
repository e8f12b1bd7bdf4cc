import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Symbols } from '../machine/symbols.js';
import type { Cpu, Steps } from './cpu.js';
import type { Op } from './op.js';
import type { MachineSection } from './trace.js';

/** `CpuProgram` is one simulated CPU: a name (the task it runs) and its program, whose return value is ignored. */
export interface CpuProgram {
  name: string;
  run(cpu: Cpu): Steps<unknown>;
}

/**
 * `Oracle` watches executions and throws a `Violation` when an invariant breaks. `afterStep`
 * runs after every operation, once the CPU that performed it has run on to its next operation
 * (so it sees that CPU's ghost writes too); `op` is a copy of the operation performed. `atEnd`
 * runs once every CPU has finished. Oracles keep no state of their own between calls: what they need to remember
 * lives in the machine's memory, so every executor sees the same thing.
 */
export interface Oracle {
  name: string;
  afterStep?(mem: PhysicalMemory, cpu: Cpu, op: Op, result: bigint): void;
  atEnd?(mem: PhysicalMemory): void;
}

/**
 * `Program` is a built model variant: the initial machine (memory as snapshotted, and the names
 * of its addresses), its CPUs and its oracles. Everything an execution changes lives in `memory`,
 * which is reset to the snapshot before each execution.
 */
export interface Program {
  memory: PhysicalMemory;
  symbols: Symbols;
  cpus: CpuProgram[];
  oracles: Oracle[];
  /**
   * a kernel machine's program (src/kernel/machine-builder.ts): its violations are reported the
   * way the kernel reports a bug, with the CPU, RIP and call trace; a plain model's as where its
   * program was
   */
  kernel?: boolean;
  /**
   * `describeMachine` says, for traces, what the machine holds after a step of `cpu` beyond its
   * memory: a memory model's store buffers or views, a TLB's cached translations. Called only
   * while tracing; each section is shown in the step's panel of the HTML timeline.
   */
  describeMachine?(mem: PhysicalMemory, cpu: number): MachineSection[];
  /** the machine's memory model (`--memory-model`); sc when absent */
  memoryModel?: MemoryModelName;
}
