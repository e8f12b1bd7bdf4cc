import type { MessagePort } from 'node:worker_threads';
import { Cpu, type Steps } from '../engine/cpu.js';
import { Op, OpKind } from '../engine/op.js';
import { awaitHolds, performOp } from '../engine/perform.js';
import type { Program } from '../engine/program.js';
import { Violation } from '../engine/violation.js';
import { createMemoryModel } from '../machine/memory-model/create.js';
import type { MemoryModel, MemoryModelName } from '../machine/memory-model/memory-model.js';
import { PhysicalMemory } from '../machine/physical-memory.js';
import { ModelError } from '../model/load.js';
import type { TargetRef } from '../model/settings.js';
import { buildProgram, loadTarget } from '../model/target.js';
import { waitWhile } from './turnstile.js';
import {
  BIG_EXPECTED,
  BIG_RESULT,
  BIG_VALUE,
  bigBase,
  CHOICE,
  CMD,
  Cmd,
  CPU_SPIN,
  CPU_STACK,
  CPU_TASK,
  ENABLED,
  EVENT,
  OP_ADDR,
  OP_DEP,
  OP_KIND,
  OP_LABEL,
  OP_MODE,
  OP_N,
  OP_SRC,
  OP_TAG,
  STATUS,
  STRINGS_POSTED,
  Status,
  slotBase,
} from './turnstile-layout.js';

/** `CpuWorkerData` is what a CPU worker is started with. */
export interface CpuWorkerData {
  mode: 'threads' | 'soak';
  /** the target to rebuild: model, variant and settings */
  target: TargetRef;
  cpu: number;
  frames: number;
  /** the machine's memory (the scheduler's PhysicalMemory) */
  memory: SharedArrayBuffer;
  /** the memory model, and its state (the scheduler's, null for sc) */
  memoryModel: MemoryModelName;
  modelState: SharedArrayBuffer | null;
  /** the control words (turnstile-layout.ts) */
  control: SharedArrayBuffer;
  /** strings and failures go to the scheduler on this port */
  port: MessagePort;
  /** soak only */
  soak?: { seed: string; record: boolean; recordCap: number; maxSteps: number; delayMax: number };
}

/** `PortMessage` is what a CPU worker posts: an interned string, a kernel stack, or the details of a failure. */
export type PortMessage =
  | { s: string }
  | { stack: string[] }
  | {
      failure: {
        kind: Violation['kind'];
        message: string;
        headline: string[];
        /** the Violation's own cpu (-1 unless the model set it) and kernel stack */
        ownCpu: number;
        ownStack: string[];
        detail: string;
        /** the CPU's task and kernel function stack when it failed */
        task: string;
        stack: string[];
      };
    };

/** `Failure` is what a CPU reports of a violation it raised. */
export type Failure = Extract<PortMessage, { failure: unknown }>['failure'];

/** `LoadedCpu` is a CPU worker's model: its program rebuilt, running on the shared memory. */
export interface LoadedCpu {
  program: Program;
  mem: PhysicalMemory;
  model: MemoryModel;
  cpu: Cpu;
}

/**
 * `loadCpu` rebuilds the model variant in this worker (the same build gives the same layout:
 * addresses, frames, oracles) and gives its CPU the scheduler's memory, attached through the
 * shared buffer. Programs and oracles only reach memory through `c.mem` and the oracle's `mem`.
 */
export async function loadCpu(d: CpuWorkerData): Promise<LoadedCpu> {
  const program = buildProgram(await loadTarget(d.target));
  if (program.memory.frames !== d.frames || d.cpu >= program.cpus.length) {
    throw new ModelError(
      `${d.target.model}:${d.target.variant} builds a different machine in a worker: is it deterministic?`,
    );
  }
  const mem = new PhysicalMemory(d.frames, d.memory, program.memory.hardwareFrames);
  mem.allocMode = program.memory.allocMode;
  mem.tlb = program.memory.tlb;
  // soak CPUs reset the memory themselves: every worker built the same machine, so its own
  // snapshot is the machine's initial memory (adopted before the worker says it is ready, so
  // before any iteration runs)
  if (d.mode === 'soak') mem.adoptSnapshot(program.memory.snapshotBytes());
  program.memoryModel = d.memoryModel;
  const model = createMemoryModel(d.memoryModel, program.cpus.length, mem, d.modelState);
  return {
    program,
    mem,
    model,
    cpu: new Cpu(d.cpu, program.cpus[d.cpu].name, mem, model.weak ? model : null),
  };
}

/** `failureOf` describes what a CPU threw, the way the inline executor's toViolation reads it. */
export function failureOf(e: unknown, cpu: Cpu): { failure: Failure } {
  let kind: Violation['kind'] = 'model-error';
  let message: string;
  let headline: string[] = [];
  let ownCpu = -1;
  let ownStack: string[] = [];
  let detail = '';
  if (e instanceof Violation) {
    kind = e.kind;
    message = e.message;
    headline = [...e.headline];
    ownCpu = e.cpu;
    ownStack = [...e.kernelStack];
    detail = e.detail;
  } else {
    const err = e instanceof Error ? e : new Error(String(e));
    message = `the model threw ${err.name}: ${err.message}`;
    detail = err.stack ?? '';
  }
  return {
    failure: { kind, message, headline, ownCpu, ownStack, detail, task: cpu.task, stack: cpu.stack.slice() },
  };
}

/**
 * `runThreadsCpu` is one CPU of the threads executor: it waits at its turnstile (its slot's CMD
 * word) for the scheduler, carries out each command on the shared memory, and answers in its slot.
 * A step performs the pending operation, resumes the program to its next operation and runs the
 * oracles' afterStep, in the inline executor's order.
 */
export function runThreadsCpu(d: CpuWorkerData, loaded: LoadedCpu): void {
  const { program, mem, model, cpu } = loaded;
  const ctl = new Int32Array(d.control);
  const big = new BigInt64Array(d.control);
  const base = slotBase(d.cpu);
  const bb = bigBase(d.cpu);
  const oracles = program.oracles;
  const strings = new Map<string, number>();
  let posted = 0;
  const intern = (s: string | null): number => {
    if (s === null) return -1;
    let id = strings.get(s);
    if (id === undefined) {
      id = strings.size;
      strings.set(s, id);
      d.port.postMessage({ s } satisfies PortMessage);
      posted++;
    }
    return id;
  };
  let gen: Steps<unknown> | null = null;
  const lastOp = new Op();
  /** the kernel stack at the operation last performed (the CPU has run on since) */
  const lastStack: string[] = [];

  /** writes the reply fields for where the program is now; CMD is released after */
  const atOp = (r: IteratorResult<unknown, unknown>) => {
    if (r.done) {
      ctl[base + STATUS] = Status.Done;
      return;
    }
    const op = cpu.op;
    ctl[base + OP_KIND] = op.kind;
    ctl[base + OP_ADDR] = op.addr;
    ctl[base + OP_SRC] = op.src;
    ctl[base + OP_N] = op.n;
    ctl[base + OP_MODE] = op.mode;
    ctl[base + OP_DEP] = op.dep;
    ctl[base + OP_LABEL] = intern(op.label);
    ctl[base + OP_TAG] = intern(op.tag);
    ctl[base + CPU_TASK] = intern(cpu.task);
    ctl[base + CPU_STACK] = intern(cpu.stack.join('\n'));
    big[bb + BIG_VALUE] = op.value;
    big[bb + BIG_EXPECTED] = op.expected;
    ctl[base + STATUS] = Status.AtOp;
  };
  const fail = (status: number, e: unknown) => {
    d.port.postMessage(failureOf(e, cpu));
    posted++;
    ctl[base + STATUS] = status;
  };

  for (;;) {
    waitWhile(ctl, base + CMD, Cmd.Idle, CPU_SPIN);
    const cmd = Atomics.load(ctl, base + CMD);
    if (cmd === Cmd.Exit) return;
    if (cmd === Cmd.Start) {
      cpu.reset();
      try {
        gen = program.cpus[d.cpu].run(cpu);
        atOp(gen.next(0n));
      } catch (e) {
        fail(Status.Failed, e);
      }
    } else if (cmd === Cmd.Eval) {
      try {
        ctl[base + ENABLED] = awaitHolds(mem, model, d.cpu, cpu.op) ? 1 : 0;
      } catch (e) {
        ctl[base + ENABLED] = -1;
        d.port.postMessage(failureOf(e, cpu));
        posted++;
      }
    } else if (cmd === Cmd.Stack) {
      d.port.postMessage({ stack: lastStack.slice() } satisfies PortMessage);
      posted++;
    } else if (cmd === Cmd.Step) {
      const op = cpu.op;
      let result = 0n;
      let performed = true;
      const choice = ctl[base + CHOICE];
      try {
        result = performOp(
          mem,
          model,
          d.cpu,
          cpu.task,
          op,
          program.symbols,
          false,
          choice,
          ctl[base + EVENT],
        );
      } catch (e) {
        fail(Status.FailedInOp, e);
        performed = false;
      }
      if (performed) {
        if (op.kind === OpKind.Choose) result = BigInt(choice);
        big[bb + BIG_RESULT] = result;
        try {
          // as inline: the CPU refills its Op as it runs on, so oracles get a copy of this one
          lastOp.copyFrom(op);
          lastStack.length = 0;
          for (const f of cpu.stack) lastStack.push(f);
          const r = gen!.next(result);
          for (let k = 0; k < oracles.length; k++) oracles[k].afterStep?.(mem, cpu, lastOp, result);
          atOp(r);
        } catch (e) {
          fail(Status.Failed, e);
        }
      }
    }
    ctl[base + STRINGS_POSTED] = posted;
    // releasing the turnstile publishes the reply: every field above is written before it
    Atomics.store(ctl, base + CMD, Cmd.Idle);
    Atomics.notify(ctl, base + CMD);
  }
}
