/**
 * `pagerace` is the package entry point for people writing their own models: everything a model
 * file needs to build a machine, write CPU programs and oracles, and declare its variants.
 */

export { MachineBuilder } from './engine/builder.js';
export { Cpu, type Steps } from './engine/cpu.js';
export { type Op, OpKind } from './engine/op.js';
export type { CpuProgram, Oracle, Program } from './engine/program.js';
export {
  defineViolationKind,
  isViolationKind,
  Violation,
  type ViolationKind,
  violationKinds,
} from './engine/violation.js';
export { FrameState } from './machine/frame-state.js';
export { PAGE_SIZE } from './machine/layout.js';
export type { PhysicalMemory } from './machine/physical-memory.js';
export {
  type Commits,
  defineModel,
  type Expectation,
  type ModelDefinition,
  type Variant,
} from './model/define.js';
