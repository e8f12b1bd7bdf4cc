import { createMemoryModel } from '../machine/memory-model/create.js';
import type { MemoryModel } from '../machine/memory-model/memory-model.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Symbols } from '../machine/symbols.js';
import { Cpu, type Steps } from './cpu.js';
import { type CpuPorts, DEFAULT_MAX_STEPS, StepDriver } from './driver.js';
import { Op, OpKind } from './op.js';
import type { Outcome } from './outcome.js';
import { awaitHolds, performOp } from './perform.js';
import type { Oracle, Program } from './program.js';
import { MAX_CPUS, type Scheduler } from './scheduling.js';
import type { MachineSection, TraceStep } from './trace.js';
import { Violation } from './violation.js';

export { DEFAULT_MAX_STEPS } from './driver.js';
export type { LaterViolation, Outcome } from './outcome.js';

/** `checkCpuCount` refuses a program with no CPUs or more than `MAX_CPUS`. */
export function checkCpuCount(n: number): void {
  if (n < 1 || n > MAX_CPUS) {
    throw new RangeError(`a program needs 1 to ${MAX_CPUS} CPUs, got ${n}`);
  }
}

/**
 * `Execution` is the inline executor: all CPUs are generators in this thread, stepped one
 * operation at a time by the step driver in the order the scheduler picks, on the program's
 * PhysicalMemory. It is the hot path of every search: a step is one generator resume plus the
 * operation, and tracing is off unless a report needs the trace.
 */
export class Execution implements CpuPorts {
  readonly cpus: Cpu[];
  readonly cpuCount: number;
  readonly memory: PhysicalMemory;
  readonly symbols: Symbols;
  readonly model: MemoryModel;
  private readonly driver: StepDriver;
  private readonly gens: Steps<unknown>[];
  /** the operation just performed, as afterStep oracles see it */
  private readonly performed = new Op();
  /** the program's oracles that look at every step (most only check at the end) */
  private readonly stepOracles: Oracle[];
  private tracing = false;

  constructor(
    readonly program: Program,
    maxSteps: number = DEFAULT_MAX_STEPS,
  ) {
    checkCpuCount(program.cpus.length);
    this.memory = program.memory;
    this.symbols = program.symbols;
    this.cpuCount = program.cpus.length;
    this.model = createMemoryModel(program.memoryModel ?? 'sc', this.cpuCount, this.memory);
    const weak = this.model.weak ? this.model : null;
    this.cpus = program.cpus.map((p, i) => new Cpu(i, p.name, this.memory, weak));
    this.gens = new Array(this.cpuCount);
    this.stepOracles = program.oracles.filter((o) => o.afterStep !== undefined);
    this.driver = new StepDriver(this, maxSteps);
  }

  /** `choices` is the schedule of the last execution (scheduling.ts). */
  get choices(): number[] {
    return this.driver.choices;
  }

  get maxSteps(): number {
    return this.driver.maxSteps;
  }

  /** `run` performs one execution under `scheduler`; with `trace`, every step is appended to it. */
  run(scheduler: Scheduler, trace: TraceStep[] | null = null): Outcome {
    return this.driver.run(scheduler, trace);
  }

  begin(tracing: boolean): void {
    this.tracing = tracing;
    this.memory.reset();
    if (tracing) this.symbols.resetExecution();
  }

  start(i: number): boolean {
    const cpu = this.cpus[i];
    cpu.reset();
    const gen = this.program.cpus[i].run(cpu);
    this.gens[i] = gen;
    return gen.next(0n).done !== true;
  }

  op(i: number): Op {
    return this.cpus[i].op;
  }

  task(i: number): string {
    return this.cpus[i].task;
  }

  fn(i: number): string {
    return this.cpus[i].fn;
  }

  stack(i: number): readonly string[] {
    return this.cpus[i].stack;
  }

  machine(i: number): MachineSection[] | undefined {
    return this.program.describeMachine?.(this.memory, i);
  }

  awaitHolds(i: number): boolean {
    return awaitHolds(this.memory, this.model, i, this.cpus[i].op);
  }

  perform(i: number, value: number, event: number): bigint {
    const cpu = this.cpus[i];
    const r = performOp(
      this.memory,
      this.model,
      i,
      cpu.task,
      cpu.op,
      this.symbols,
      this.tracing,
      value,
      event,
    );
    return cpu.op.kind === OpKind.Choose ? BigInt(value) : r;
  }

  resume(i: number, result: bigint): boolean {
    const oracles = this.stepOracles;
    if (oracles.length === 0) return this.gens[i].next(result).done !== true;
    // the CPU refills its Op with its next operation as it runs on: oracles get a copy
    const cpu = this.cpus[i];
    const performed = this.performed;
    performed.copyFrom(cpu.op);
    const done = this.gens[i].next(result).done === true;
    for (let k = 0; k < oracles.length; k++) oracles[k].afterStep!(this.memory, cpu, performed, result);
    return !done;
  }

  atEnd(): void {
    const oracles = this.program.oracles;
    for (let k = 0; k < oracles.length; k++) oracles[k].atEnd?.(this.memory);
  }

  toViolation(e: unknown, current: number): Violation {
    let v: Violation;
    if (e instanceof Violation) {
      v = e;
    } else {
      const err = e instanceof Error ? e : new Error(String(e));
      v = new Violation('model-error', `the model threw ${err.name}: ${err.message}`);
      v.detailFrom(err);
    }
    if (v.kind !== 'deadlock' && current >= 0 && v.cpu < 0) {
      v.cpu = current;
      v.kernelStack = this.cpus[current].stack.slice();
      if (v.kind === 'model-error')
        v.prependDetail(`cpu${current} ${this.cpus[current].task}, step ${this.driver.steps}`);
    }
    return v;
  }
}
