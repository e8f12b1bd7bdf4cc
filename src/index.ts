/**
 * `pagerace` is the package entry point for people writing their own models: everything a model
 * file needs to build a machine, write CPU programs and oracles, and declare its variants, and
 * `checkModel`, which checks a model as `pagerace check --json` does (`pagerace/vitest` has the
 * matchers built on it).
 */
export { type CheckModelOptions, checkModel } from './api/check-model.js';
export { MachineBuilder } from './engine/builder.js';
export { Cpu, type Steps } from './engine/cpu.js';
export { type Op, OpKind } from './engine/op.js';
export type { CpuProgram, Oracle, Program } from './engine/program.js';
export type { MachineSection, TraceEntry, TraceStep } from './engine/trace.js';
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
export type { Report, ReportResult } from './report/json.js';
