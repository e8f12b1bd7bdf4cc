import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { type CpuPorts, DEFAULT_MAX_STEPS, StepDriver } from '../engine/driver.js';
import { checkCpuCount } from '../engine/execution.js';
import { Op, OpKind } from '../engine/op.js';
import type { Outcome } from '../engine/outcome.js';
import { performOp } from '../engine/perform.js';
import type { Program } from '../engine/program.js';
import type { Scheduler } from '../engine/scheduling.js';
import type { MachineSection, TraceStep } from '../engine/trace.js';
import { Violation } from '../engine/violation.js';
import { createMemoryModel } from '../machine/memory-model/create.js';
import type { MemoryModel } from '../machine/memory-model/memory-model.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Symbols } from '../machine/symbols.js';
import { ModelError } from '../model/load.js';
import type { TargetRef } from '../model/settings.js';
import type { CpuWorkerData, Failure, PortMessage } from './cpu-thread.js';
import { post, waitWhile } from './turnstile.js';
import {
  BIG_EXPECTED,
  BIG_RESULT,
  BIG_VALUE,
  bigBase,
  CHOICE,
  CMD,
  Cmd,
  CPU_STACK,
  CPU_TASK,
  controlBytes,
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
  SCHEDULER_SPIN,
  STATUS,
  STRINGS_POSTED,
  Status,
  slotBase,
} from './turnstile-layout.js';
import { WORKER_RESOURCE_LIMITS, workerFile } from './worker-file.js';

/** `DEFAULT_ANSWER_MS`: a CPU worker that has not answered a command by then is stalled. */
export const DEFAULT_ANSWER_MS = 10_000;

/**
 * `WorkerStallError` is a CPU worker that did not answer within the stall limit: its program
 * loops without yielding (or the worker is gone). It ends the search, not just the execution.
 */
export class WorkerStallError extends Error {
  override name = 'WorkerStallError';
  constructor(
    readonly cpu: number,
    readonly ms: number,
  ) {
    super(`cpu${cpu}'s worker did not answer within ${ms / 1000}s`);
  }
}

/** what the scheduler knows of a CPU worker: its pending operation, task and kernel function */
interface Mirror {
  op: Op;
  task: string;
  fn: string;
  /** the kernel function stack, outermost first (`fn` is its last) */
  stack: string[];
  /** the pending Await's condition as last evaluated, and the words it read then (valid = -1: none) */
  evalResult: number;
  evalWords: bigint[];
  /** the CPU's pending stores then (a weak memory model's await also sees its own buffer) */
  evalPending: number;
}

/**
 * `ThreadsExecution` is the threads executor: each CPU of the program runs in its own
 * worker_threads Worker (workers/cpu.ts) on the program's memory, shared through its
 * SharedArrayBuffer, and performs its own operations; this thread is the scheduler. Before each
 * operation a CPU waits at its turnstile (its slot's CMD word, turnstile-layout.ts) until the
 * scheduler grants the step. For a given schedule it gives exactly the inline executor's trace,
 * violation and choices (a test replays every bundled model's found tokens on both).
 *
 * Lock enabledness is read from memory here; an Await's condition is a closure in its CPU's
 * worker, so the scheduler asks the CPU to evaluate it (one more handoff).
 */
export class ThreadsExecution implements CpuPorts {
  readonly cpuCount: number;
  readonly memory: PhysicalMemory;
  readonly symbols: Symbols;
  private readonly driver: StepDriver;
  private readonly ctl: Int32Array;
  private readonly big: BigInt64Array;
  private readonly mirrors: Mirror[];
  private readonly strings: string[][];
  private readonly received: number[];
  private readonly failures: (Failure | null)[];
  /** the kernel stack each CPU posted last (Cmd.Stack) */
  private readonly stacks: string[][];
  /** the status each CPU posted for its last step, read by `resume` */
  private readonly stepStatus: Int32Array;
  private tracing = false;

  private constructor(
    readonly program: Program,
    maxSteps: number,
    private readonly workers: Worker[],
    private readonly ports: MessagePort[],
    control: SharedArrayBuffer,
    private readonly answerMs: number,
    readonly model: MemoryModel,
  ) {
    this.memory = program.memory;
    this.symbols = program.symbols;
    this.cpuCount = program.cpus.length;
    this.ctl = new Int32Array(control);
    this.big = new BigInt64Array(control);
    this.mirrors = program.cpus.map((p) => ({
      op: new Op(),
      task: p.name,
      fn: '',
      stack: [],
      evalResult: -1,
      evalWords: [],
      evalPending: 0,
    }));
    this.strings = program.cpus.map(() => []);
    this.received = program.cpus.map(() => 0);
    this.failures = program.cpus.map(() => null);
    this.stacks = program.cpus.map(() => []);
    this.stepStatus = new Int32Array(this.cpuCount);
    this.driver = new StepDriver(this, maxSteps);
  }

  /**
   * `launch` starts one CPU worker per CPU of `program` (built here from `ref`); each rebuilds the
   * model and attaches to `program.memory`. Resolves once every worker is ready. A CPU that does
   * not answer a command within `answerMs` (the stall watchdog, PAGERACE_STALL) ends the search
   * with a `WorkerStallError`.
   */
  static async launch(
    ref: TargetRef,
    program: Program,
    maxSteps = DEFAULT_MAX_STEPS,
    answerMs = DEFAULT_ANSWER_MS,
  ): Promise<ThreadsExecution> {
    const n = program.cpus.length;
    checkCpuCount(n);
    const control = new SharedArrayBuffer(controlBytes(n));
    // the CPUs perform their accesses through models attached to this one's state
    const model = createMemoryModel(program.memoryModel ?? 'sc', n, program.memory);
    const workers: Worker[] = [];
    const ports: MessagePort[] = [];
    const ready: Promise<void>[] = [];
    for (let cpu = 0; cpu < n; cpu++) {
      const { port1, port2 } = new MessageChannel();
      const data: CpuWorkerData = {
        mode: 'threads',
        target: ref,
        cpu,
        frames: program.memory.frames,
        memory: program.memory.sab,
        memoryModel: model.name,
        modelState: model.state,
        control,
        port: port2,
      };
      const w = new Worker(workerFile('cpu'), {
        workerData: data,
        transferList: [port2],
        resourceLimits: WORKER_RESOURCE_LIMITS,
      });
      workers.push(w);
      ports.push(port1);
      ready.push(readiness(w, cpu));
    }
    const exec = new ThreadsExecution(program, maxSteps, workers, ports, control, answerMs, model);
    try {
      await Promise.all(ready);
    } catch (e) {
      await exec.close();
      throw e;
    }
    for (const w of workers) w.unref();
    return exec;
  }

  /** `cpus` names the CPUs as the trace does: their current task. */
  get cpus(): { id: number; task: string }[] {
    return this.mirrors.map((m, id) => ({ id, task: m.task }));
  }

  /** `choices` is the schedule of the last execution (engine/scheduling.ts). */
  get choices(): number[] {
    return this.driver.choices;
  }

  /** `run` performs one execution under `scheduler`, as `Execution.run` does. */
  run(scheduler: Scheduler, trace: TraceStep[] | null = null): Outcome {
    return this.driver.run(scheduler, trace);
  }

  begin(tracing: boolean): void {
    this.tracing = tracing;
    // the CPUs' stores were made on other threads, so the local dirty bitmap knows nothing of them
    this.memory.resetAll();
    if (tracing) this.symbols.resetExecution();
  }

  start(i: number): boolean {
    const status = this.command(i, Cmd.Start);
    if (status === Status.Failed) throw new CpuFailure(this.failures[i]!, i);
    this.settle(i, status);
    return status !== Status.Done;
  }

  op(i: number): Op {
    return this.mirrors[i].op;
  }

  task(i: number): string {
    return this.mirrors[i].task;
  }

  fn(i: number): string {
    return this.mirrors[i].fn;
  }

  stack(i: number): readonly string[] {
    return this.mirrors[i].stack;
  }

  machine(i: number): MachineSection[] | undefined {
    return this.program.describeMachine?.(this.memory, i);
  }

  perform(i: number, value: number, event: number): bigint {
    const op = this.mirrors[i].op;
    this.ctl[slotBase(i) + CHOICE] = value;
    this.ctl[slotBase(i) + EVENT] = event;
    // one handoff performs the operation, runs the CPU on and runs the oracles: `resume` reads
    // what the CPU posted
    const status = this.command(i, Cmd.Step);
    if (status === Status.FailedInOp) throw this.failedInOp(i);
    this.stepStatus[i] = status;
    const result = this.big[bigBase(i) + BIG_RESULT];
    if (this.tracing && op.kind === OpKind.Alloc) this.symbols.tagFrame(Number(result), op.tag ?? 'frame');
    return result;
  }

  resume(i: number, _result: bigint): boolean {
    const status = this.stepStatus[i];
    if (status === Status.Failed) throw new CpuFailure(this.failures[i]!, i);
    this.settle(i, status);
    return status !== Status.Done;
  }

  atEnd(): void {
    const oracles = this.program.oracles;
    for (let k = 0; k < oracles.length; k++) oracles[k].atEnd?.(this.memory);
  }

  toViolation(e: unknown, i: number): Violation {
    if (e instanceof WorkerStallError) throw e;
    if (e instanceof CpuFailure) return this.violationFrom(e.failure, e.cpu);
    if (e instanceof EvalFailure) return this.violationFrom(e.failure, -1);
    if (e instanceof Violation) {
      // raised by the step driver about CPU i's last operation (a data race): as inline, it is
      // that CPU's, with its kernel stack at that operation
      if (i >= 0 && e.cpu < 0 && e.kind !== 'deadlock') {
        this.command(i, Cmd.Stack);
        e.cpu = i;
        e.kernelStack = this.stacks[i];
      }
      return e;
    }
    return localViolation(e);
  }

  /** `close` stops the CPU workers. */
  async close(): Promise<void> {
    for (let i = 0; i < this.workers.length; i++) post(this.ctl, slotBase(i) + CMD, Cmd.Exit);
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.ports) p.close();
  }

  /** posts `cmd` at CPU `c`'s turnstile, waits for the answer, and reads what it posted */
  private command(c: number, cmd: number): number {
    const base = slotBase(c);
    post(this.ctl, base + CMD, cmd);
    if (!waitWhile(this.ctl, base + CMD, cmd, SCHEDULER_SPIN, this.answerMs)) {
      throw new WorkerStallError(c, this.answerMs);
    }
    const posted = this.ctl[base + STRINGS_POSTED];
    while (this.received[c] < posted) {
      // posted before the turnstile was released; a message in flight is there within microseconds
      const got = receiveMessageOnPort(this.ports[c]);
      if (!got) continue;
      this.received[c]++;
      const msg = got.message as PortMessage;
      if ('s' in msg) this.strings[c].push(msg.s);
      else if ('stack' in msg) this.stacks[c] = msg.stack;
      else this.failures[c] = msg.failure;
    }
    return this.ctl[base + STATUS];
  }

  /** reads CPU `c`'s reply: its next operation, or that it finished */
  private settle(c: number, status: number): void {
    if (status === Status.Done) return;
    const base = slotBase(c);
    const bb = bigBase(c);
    const m = this.mirrors[c];
    const s = this.strings[c];
    const op = m.op;
    op.kind = this.ctl[base + OP_KIND];
    op.addr = this.ctl[base + OP_ADDR];
    op.src = this.ctl[base + OP_SRC];
    op.n = this.ctl[base + OP_N];
    op.mode = this.ctl[base + OP_MODE];
    op.dep = this.ctl[base + OP_DEP];
    const label = this.ctl[base + OP_LABEL];
    const tag = this.ctl[base + OP_TAG];
    op.label = label < 0 ? null : s[label];
    op.tag = tag < 0 ? null : s[tag];
    op.value = this.big[bb + BIG_VALUE];
    op.expected = this.big[bb + BIG_EXPECTED];
    m.task = s[this.ctl[base + CPU_TASK]];
    const stack = s[this.ctl[base + CPU_STACK]];
    m.stack = stack === '' ? [] : stack.split('\n');
    m.fn = m.stack.length ? m.stack[m.stack.length - 1] : '';
    m.evalResult = -1;
  }

  /**
   * whether CPU `c` can step now. An Await's condition reads only its `n` words from `addr` (the
   * awaitValue/awaitRange contract, which the footprints of partial-order reduction rely on too),
   * so it is evaluated again, by a handoff to the CPU, only when one of those words changed.
   */
  awaitHolds(c: number): boolean {
    const m = this.mirrors[c];
    const op = m.op;
    const words = m.evalWords;
    if (m.evalResult >= 0 && m.evalPending === this.model.pending(c)) {
      let same = true;
      for (let i = 0; i < op.n && same; i++) same = this.memory.load(op.addr + 8 * i) === words[i];
      if (same) return m.evalResult === 1;
    }
    this.command(c, Cmd.Eval);
    const e = this.ctl[slotBase(c) + ENABLED];
    if (e < 0) throw new EvalFailure(this.failures[c]!);
    words.length = op.n;
    for (let i = 0; i < op.n; i++) words[i] = this.memory.load(op.addr + 8 * i);
    m.evalResult = e;
    m.evalPending = this.model.pending(c);
    return e === 1;
  }

  /**
   * the violation of an operation that failed: performed again here, where the frame names of
   * this execution are known (every failure happens before the operation changes memory)
   */
  private failedInOp(c: number): Violation {
    const f = this.failures[c]!;
    const m = this.mirrors[c];
    let v: Violation | null = null;
    try {
      performOp(this.memory, this.model, c, m.task, m.op, this.program.symbols, false);
    } catch (e) {
      if (e instanceof Violation) v = e;
    }
    if (!v) return this.violationFrom(f, c);
    return this.violationFrom({ ...f, kind: v.kind, message: v.message, headline: [...v.headline] }, c);
  }

  /** the inline executor's toViolation, from what the CPU reported */
  private violationFrom(f: Failure, current: number): Violation {
    const v = new Violation(f.kind, f.message, f.headline);
    v.cpu = f.ownCpu;
    v.kernelStack = f.ownStack;
    v.detail = f.detail;
    if (v.kind !== 'deadlock' && current >= 0 && v.cpu < 0) {
      v.cpu = current;
      v.kernelStack = f.stack;
      if (v.kind === 'model-error')
        v.detail = `cpu${current} ${f.task}, step ${this.driver.steps}\n${v.detail}`;
    }
    return v;
  }
}

/** an Await condition that threw in its CPU's worker (inline, it throws out of `isEnabled`) */
class EvalFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/** a CPU that failed in its worker, as it reported (`Status.Failed`) */
class CpuFailure extends Error {
  constructor(
    readonly failure: Failure,
    readonly cpu: number,
  ) {
    super(failure.message);
  }
}

/** what the inline executor's toViolation makes of an error thrown outside any CPU (atEnd) */
function localViolation(e: unknown): Violation {
  if (e instanceof Violation) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const v = new Violation('model-error', `the model threw ${err.name}: ${err.message}`);
  v.detail = err.stack ?? '';
  return v;
}

function readiness(w: Worker, cpu: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (msg: string) => {
      w.off('message', onMessage);
      reject(new ModelError(`cpu${cpu}'s worker failed to start: ${msg}`));
    };
    const onMessage = (m: { ready?: true; error?: string }) => {
      if (m.ready) {
        w.off('message', onMessage);
        resolve();
      } else if (m.error) fail(m.error);
    };
    w.on('message', onMessage);
    w.once('error', (e) => fail(e.message));
    w.once('exit', (code) => fail(`it exited with code ${code}`));
  });
}
