import { AccessMode, type Barrier, type MemoryModel } from '../machine/memory-model/memory-model.js';
import { MemoryModelError } from '../machine/memory-model/store-buffer.js';
import type { PhysicalMemory } from '../machine/physical-memory.js';
import type { Symbols } from '../machine/symbols.js';
import { CpuSet } from './cpu-set.js';
import { RaceTracker } from './data-race.js';
import { type Footprint, footprintOf, footprintUnder } from './footprint.js';
import { type Op, OpKind } from './op.js';
import { NO_OTHERS, type Outcome, ViolationLog } from './outcome.js';
import { lockEnabled } from './perform.js';
import { ScheduleError, type Scheduler, type SchedulingView, valueStep } from './scheduling.js';
import { describeFlush, describeStep, type MachineSection, type TraceStep } from './trace.js';
import { StepCapture } from './trace-capture.js';
import { Violation } from './violation.js';

/** `DEFAULT_MAX_STEPS` bounds one execution (`--max-steps`, PAGERACE_MAX_STEPS). */
export const DEFAULT_MAX_STEPS = 100_000;

/**
 * `CpuPorts` is how the step driver reaches the CPUs of one executor: generators in this thread
 * (inline), or workers behind a turnstile (threads). The driver owns the policy-free mechanics
 * that every executor shares (who is enabled, asking the scheduler, the trace, deadlock and
 * step-limit, violations and their log); a port only starts, performs and resumes its CPUs.
 *
 * A step is `perform` then `resume`: `perform` carries out the pending operation (throwing, before
 * memory changes, if the operation itself fails), `resume` runs the CPU on to its next operation
 * and then the oracles' `afterStep`. Until `resume`, `op(i)`, `task(i)` and `fn(i)` still describe
 * the operation just performed, which is what the trace records.
 */
export interface CpuPorts {
  readonly cpuCount: number;
  readonly memory: PhysicalMemory;
  readonly symbols: Symbols;
  /** the machine's memory model, over state every executor shares (the driver flushes through it) */
  readonly model: MemoryModel;
  /** `begin` prepares a new execution: memory back to the snapshot, every CPU before its start */
  begin(tracing: boolean): void;
  /** `start` runs CPU `i` to its first operation; false when it finished without one */
  start(i: number): boolean;
  /** `op` is CPU `i`'s pending operation */
  op(i: number): Op;
  /** `task` and `fn`: CPU `i`'s current task and innermost kernel function */
  task(i: number): string;
  fn(i: number): string;
  /** `stack` is CPU `i`'s kernel function stack, outermost first (traces only) */
  stack(i: number): readonly string[];
  /** `machine` is the machine state the program describes after CPU `i`'s step (traces only) */
  machine(i: number): MachineSection[] | undefined;
  /** `awaitHolds` evaluates the condition of CPU `i`'s pending Await (perform.ts `awaitHolds`) */
  awaitHolds(i: number): boolean;
  /**
   * `perform` carries out CPU `i`'s pending operation; `value` is a Choose's chosen value, an Alloc's choice
   * of frame or the write a load reads (a weak model's data choice); `event` the race tracker's number for it
   */
  perform(i: number, value: number, event: number): bigint;
  /** `resume` runs CPU `i` on with `result` to its next operation; false when it finished */
  resume(i: number, result: bigint): boolean;
  /** `atEnd` runs the oracles' end-of-execution checks */
  atEnd(): void;
  /** `toViolation` turns what a port call for CPU `i` (-1: none) threw into a violation */
  toViolation(e: unknown, i: number): Violation;
}

/** thrown inside a run to start it again with the race tracker on (see `run`) */
const RESTART = Symbol('restart with the race tracker');

/**
 * `StepDriver` is the one step loop of every executor: it runs an execution of `ports` under a
 * scheduler, records the schedule (every choice, CPU and data, `scheduling.ts`) and, when asked,
 * the trace. It allocates nothing per step beyond what the CPUs' own code does.
 *
 * Its scheduling agents are the CPUs, then, under a memory model with store buffers (tso,
 * arm64), one flusher per CPU: agent `cpuCount + i` is enabled while CPU i has a store pending,
 * and stepping it makes one visible (a data choice when the model lets several go). A load that
 * may read one of several writes (arm64) is a data choice too. So DFS, DPOR, replay and tokens
 * cover the memory model's own nondeterminism. An execution ends when every CPU has finished and
 * every store is visible.
 *
 * Data races (LKMM: conflicting accesses, one plain, not ordered) are checked by a `RaceTracker`
 * after every access, from the first execution that makes a plain access on: that execution is
 * run again from its start with the tracker on (its choices so far replayed, then the scheduler
 * asked as before), so that programs without plain accesses pay nothing for it.
 *
 * Normally the execution ends at its first violation. A scheduler that asks for
 * `continueAfterViolation` (DPOR) gets a run in which the violating CPU halts and the others go
 * on: ending everything at a violation would make the violating step disable every other CPU,
 * which breaks the independence that partial-order reduction relies on. The outcome still
 * reports the first violation, with `cut` choices and `preemptions` counted up to it.
 */
export class StepDriver implements SchedulingView {
  /** the choices of the last execution: per step the CPU, followed by the value for a Choose */
  readonly choices: number[] = [];
  private readonly done: Uint8Array;
  private readonly enabled: CpuSet;
  private readonly log = new ViolationLog();
  /** which CPUs hold each shared lock (lock words count readers; deadlock reports name them) */
  private readonly readers = new Map<number, CpuSet>();
  private step = 0;
  private preemptions = 0;
  private trace: TraceStep[] | null = null;
  private readonly capture = new StepCapture();
  /** the bytes `awaitHoldsWith` puts back */
  private scratch = new Uint8Array(64);
  private readonly model: MemoryModel;
  /** the memory model has store buffers: flusher agents, model checks on every step */
  private readonly weak: boolean;
  /** CPUs plus flushers */
  private readonly agents: number;
  /** the data-race tracker, once the program has made a plain access */
  private races: RaceTracker | null = null;

  constructor(
    private readonly ports: CpuPorts,
    readonly maxSteps: number = DEFAULT_MAX_STEPS,
  ) {
    this.model = ports.model;
    this.weak = ports.model.weak;
    this.agents = this.weak ? 2 * ports.cpuCount : ports.cpuCount;
    this.done = new Uint8Array(ports.cpuCount);
    this.enabled = new CpuSet(this.agents);
  }

  /** `steps` is how many operations the current execution has performed. */
  get steps(): number {
    return this.step;
  }

  /** `cpuCount` is the number of scheduling agents: the CPUs, then the store-buffer flushers. */
  get cpuCount(): number {
    return this.agents;
  }

  /** `finished` is true once CPU `i` has finished its program (a flusher: its buffer is empty). */
  finished(i: number): boolean {
    const n = this.ports.cpuCount;
    return i < n ? this.done[i] === 1 : this.model.pending(i - n) === 0;
  }

  footprint(i: number, out: Footprint): void {
    const ports = this.ports;
    const n = ports.cpuCount;
    if (!this.weak) footprintOf(ports.op(i), ports.memory, out);
    else if (i < n) footprintUnder(this.model, i, ports.op(i), ports.memory, out);
    else {
      out.kind = OpKind.Store;
      this.model.flushFootprint(i - n, out);
    }
  }

  readBytes(addr: number, len: number, out: Uint8Array, at: number): void {
    this.ports.memory.readBytes(addr, len, out, at);
  }

  awaitHoldsWith(cpu: number, addr: number, len: number, bytes: Uint8Array, at: number): boolean {
    const mem = this.ports.memory;
    if (this.scratch.length < len) this.scratch = new Uint8Array(len * 2);
    const saved = this.scratch;
    mem.readBytes(addr, len, saved, 0);
    mem.writeBytes(addr, bytes, at, len);
    try {
      return this.ports.awaitHolds(cpu);
    } finally {
      mem.writeBytes(addr, saved, 0, len);
    }
  }

  /**
   * `run` performs one execution under `scheduler`; with `trace`, every step is appended to it.
   * The first plain access of a program starts the execution again with the race tracker on.
   */
  run(scheduler: Scheduler, trace: TraceStep[] | null = null): Outcome {
    const from = trace?.length ?? 0;
    try {
      return this.runOnce(scheduler, trace);
    } catch (e) {
      if (e !== RESTART) throw e;
      if (trace) trace.length = from;
      this.races = new RaceTracker();
      return this.runOnce(new PrefixScheduler(this.choices.slice(), scheduler), trace);
    }
  }

  private runOnce(scheduler: Scheduler, trace: TraceStep[] | null): Outcome {
    const ports = this.ports;
    const n = ports.cpuCount;
    const done = this.done;
    const enabled = this.enabled;
    const choices = this.choices;
    const goOn = scheduler.continueAfterViolation === true && trace === null;
    const log = this.log;
    const weak = this.weak;
    const model = this.model;
    const races = this.races;
    this.trace = trace;
    choices.length = 0;
    this.step = 0;
    this.preemptions = 0;
    if (this.readers.size > 0) this.readers.clear();
    log.reset();
    races?.begin(n);
    let current = -1;
    try {
      ports.begin(trace !== null);
      model.reset();
      for (let i = 0; i < n; i++) done[i] = 0;
      for (let i = 0; i < n; i++) {
        try {
          if (!ports.start(i)) done[i] = 1;
        } catch (e) {
          const o = this.raise(e, i, -1, scheduler, goOn);
          if (o) return o;
        }
      }
      for (;;) {
        // the enabled set, a 32-bit word at a time
        const words = enabled.words;
        let alive = 0;
        let bits = 0;
        for (let i = 0; i < n; i++) {
          if (done[i] === 0) {
            alive++;
            if (this.isEnabled(i)) bits |= 1 << (i & 31);
          }
          if ((i & 31) === 31 || i === n - 1) {
            words[i >>> 5] = bits;
            bits = 0;
          }
        }
        if (weak) alive += this.addFlushers(n);
        if (alive === 0) break;
        if (enabled.isEmpty()) return this.stop(this.deadlock(), scheduler);
        const c = scheduler.pickCpu(enabled, current, this);
        if (c < 0)
          return {
            violation: null,
            steps: this.step,
            preemptions: this.preemptions,
            pruned: true,
            cut: 0,
            others: NO_OTHERS,
          };
        choices.push(c);
        if (current >= 0 && c !== current && enabled.has(current)) this.preemptions++;
        current = c;
        if (c >= n) {
          const o = this.flushStep(c - n, scheduler);
          if (o) return o;
          if (this.step >= this.maxSteps) return this.stop(this.stepLimit(), scheduler);
          continue;
        }
        const op = ports.op(c);
        if (op.mode === AccessMode.Plain && races === null) throw RESTART;
        let value = 0;
        if (op.kind === OpKind.Choose) {
          // performing a Choose does nothing and cannot fail: its value is picked first
          value = scheduler.pickValue(op.n);
          choices.push(valueStep(value));
        } else if (op.kind === OpKind.Alloc && ports.memory.allocMode === 'any') {
          // which frame an allocation gets is a data choice when more than one would differ
          const n = ports.memory.allocChoices(op.src);
          if (n > 1) {
            value = scheduler.pickValue(n);
            choices.push(valueStep(value));
          }
        }
        let result: bigint;
        const event = races ? races.nextId : -1;
        try {
          if (op.kind === OpKind.ReadUnlock) this.checkReadUnlock(c, op.addr);
          if (weak && (op.kind === OpKind.Load || op.kind === OpKind.Load32))
            value = this.pickRead(c, op, scheduler);
          if (trace) this.capture.begin(ports.memory, op);
          result = ports.perform(c, value, event);
        } catch (e) {
          // the operation itself failed (a double free, an unlock not held): it is the last step
          if (trace) trace.push(this.traced(c, 0n));
          this.step++;
          const o = this.raise(e, c, this.step - 1, scheduler, goOn);
          if (o) return o;
          continue;
        }
        if (op.kind === OpKind.ReadLock || op.kind === OpKind.ReadUnlock) this.noteReader(c, op);
        if (trace) {
          const t = this.traced(c, result);
          if (weak && op.kind === OpKind.Load && model.lastReadOld(c)) t.value += ' (not the newest)';
          trace.push(t);
        }
        this.step++;
        if (races) {
          const tag = weak ? model.lastReadTag(c) : -2;
          const race = races.step(c, ports.task(c), ports.fn(c), op, result, tag, weak, ports.symbols);
          if (race) {
            const o = this.raise(race, c, this.step - 1, scheduler, goOn);
            if (o) return o;
            continue;
          }
        }
        try {
          if (!ports.resume(c, result)) done[c] = 1;
        } catch (e) {
          const o = this.raise(e, c, this.step - 1, scheduler, goOn);
          if (o) return o;
        }
        if (this.step >= this.maxSteps) return this.stop(this.stepLimit(), scheduler);
      }
      if (log.first) return this.stop(log.first, scheduler);
      ports.atEnd();
      return {
        violation: null,
        steps: this.step,
        preemptions: this.preemptions,
        pruned: false,
        cut: choices.length,
        others: NO_OTHERS,
      };
    } catch (e) {
      return this.stop(this.violation(e, -1), scheduler);
    } finally {
      this.trace = null;
    }
  }

  /** ends the execution with `v` (or with the first violation noted before it) */
  private stop(v: Violation, scheduler: Scheduler): Outcome {
    return this.log.outcome(v, scheduler, this.agents, this.choices.length, this.preemptions, this.step);
  }

  /** a violation of CPU `c` (-1: none) at event `at`: ends the run, or halts `c` when going on (DPOR) */
  private raise(e: unknown, c: number, at: number, scheduler: Scheduler, goOn: boolean): Outcome | null {
    const v = this.violation(e, c);
    if (!goOn) return this.stop(v, scheduler);
    this.log.note(v, at, this.choices.length, this.preemptions, this.step);
    if (c >= 0) this.done[c] = 1;
    return null;
  }

  /** adds the flushers of CPUs with pending stores to the enabled set; returns how many */
  private addFlushers(n: number): number {
    const enabled = this.enabled;
    enabled.words.fill(0, (n + 31) >>> 5);
    let k = 0;
    for (let i = 0; i < n; i++)
      if (this.model.pending(i) > 0) {
        enabled.add(n + i);
        k++;
      }
    return k;
  }

  /** the write a load of CPU `c` reads, when the memory model lets it read one of several: a data choice */
  private pickRead(c: number, op: Op, scheduler: Scheduler): number {
    const k = this.model.loadOptions(c, op.addr, op.kind === OpKind.Load ? 8 : 4, op.mode, op.dep);
    if (k <= 1) return 0;
    const v = scheduler.pickValue(k);
    this.choices.push(valueStep(v));
    return v;
  }

  /** steps flusher `cpu`: makes one of its pending stores visible; an outcome if that failed */
  private flushStep(cpu: number, scheduler: Scheduler): Outcome | null {
    const model = this.model;
    const k = model.flushOptions(cpu);
    let v = 0;
    if (k > 1) {
      v = scheduler.pickValue(k);
      this.choices.push(valueStep(v));
    }
    let info: ReturnType<MemoryModel['flush']>;
    try {
      info = model.flush(cpu, v);
    } catch (e) {
      const err = e instanceof MemoryModelError ? new Violation('model-error', e.message) : e;
      return this.stop(this.violation(err, -1), scheduler);
    }
    this.races?.flushed(info);
    const ports = this.ports;
    if (this.trace) {
      const t = describeFlush(this.step, cpu, ports.task(cpu), info, ports.symbols);
      t.machine = this.sections(undefined);
      this.trace.push(t);
    }
    this.step++;
    return null;
  }

  /**
   * turns what CPU `cpu` threw into a violation, marking the trace; a scheduler's own error (a replay that does
   * not fit, a nondeterministic model) is not the model's bug and is rethrown
   */
  private violation(e: unknown, cpu: number): Violation {
    if (e instanceof ScheduleError || e === RESTART) throw e;
    const v = this.ports.toViolation(e, cpu);
    const trace = this.trace;
    if (trace && trace.length > 0) {
      const last = trace[trace.length - 1];
      if (v.cpu >= 0) last.violation = v.kind;
    }
    return v;
  }

  /**
   * the trace record of CPU `c`'s operation, just performed with `result`: with the machine state
   * the program describes and, under a weak memory model, the model's (store buffers, views)
   */
  private traced(c: number, result: bigint): TraceStep {
    const p = this.ports;
    const step = describeStep(this.step, c, p.task(c), p.fn(c), p.op(c), result, p.symbols);
    return this.capture.finish(step, p.memory, p.symbols, p.stack(c), this.sections(p.machine(c)));
  }

  /** `sections` adds the memory model's state to what the program describes (weak models only) */
  private sections(program: MachineSection[] | undefined): MachineSection[] | undefined {
    if (!this.weak) return program;
    const ports = this.ports;
    const model = this.model.describe({
      addr: (a) => ports.symbols.addrName(a),
      cpu: (c) => `cpu${c} ${ports.task(c)}`,
    });
    return program ? [...program, ...model] : model;
  }

  isEnabled(i: number): boolean {
    const n = this.ports.cpuCount;
    if (i >= n) return this.model.pending(i - n) > 0;
    const op = this.ports.op(i);
    if (op.kind === OpKind.Await) return this.ports.awaitHolds(i);
    if (!lockEnabled(this.ports.memory, op.kind, op.addr)) return false;
    return !this.weak || this.modelReady(i, op);
  }

  /** whether the memory model lets CPU `i` perform `op` now (a drain, a full buffer, a stalled load) */
  private modelReady(i: number, op: Op): boolean {
    const model = this.model;
    switch (op.kind) {
      case OpKind.Load:
        return model.loadReady(i, op.addr, 8, op.mode);
      case OpKind.Load32:
        return model.loadReady(i, op.addr, 4, op.mode);
      case OpKind.Store:
        return op.mode === AccessMode.Walk ? model.rmwReady(i, op.addr, 'none') : model.storeReady(i);
      case OpKind.Store32:
      case OpKind.Unlock:
        return model.storeReady(i);
      case OpKind.Cas:
        return model.rmwReady(i, op.addr, 'full');
      case OpKind.Lock:
      case OpKind.ReadLock:
        return model.rmwReady(i, op.addr, 'acquire');
      case OpKind.ReadUnlock:
        return model.rmwReady(i, op.addr, 'release');
      case OpKind.Copy:
      case OpKind.Free:
        return model.rmwReady(i, op.addr, 'full');
      case OpKind.Alloc:
        return model.deferredZeroing ? model.storeReady(i) : model.rmwReady(i, 0, 'full');
      case OpKind.Fence:
        return model.barrierReady(i, op.n as Barrier);
      default:
        return true;
    }
  }

  private checkReadUnlock(c: number, addr: number): void {
    if (this.readers.get(addr)?.has(c) === true) return;
    throw new Violation(
      'assertion',
      `${this.ports.symbols.addrName(addr)} read-released by cpu${c} ${this.ports.task(c)}, which does not hold it`,
    );
  }

  private noteReader(c: number, op: Op): void {
    let set = this.readers.get(op.addr);
    if (!set) {
      set = new CpuSet(this.ports.cpuCount);
      this.readers.set(op.addr, set);
    }
    if (op.kind === OpKind.ReadLock) set.add(c);
    else set.delete(c);
  }

  private holders(addr: number): string {
    const v = this.ports.memory.load(addr);
    const names: string[] = [];
    const name = (c: number) => `cpu${c} ${this.ports.task(c)}`;
    if (v < 0n) names.push(name(Number(-v) - 1));
    else for (const c of this.readers.get(addr)?.toArray() ?? []) names.push(name(c));
    return names.length ? `held by ${names.join(', ')}` : 'free';
  }

  private deadlock(): Violation {
    const ports = this.ports;
    const waits: string[] = [];
    for (let c = 0; c < ports.cpuCount; c++) {
      if (this.done[c] === 1) continue;
      const op = ports.op(c);
      const what = ports.symbols.addrName(op.addr);
      const where = `cpu${c} ${ports.task(c)} waits in ${ports.fn(c) || 'its program'} for`;
      if (op.kind === OpKind.Await) {
        waits.push(`${where} ${what} to change (now ${ports.memory.load(op.addr)})`);
      } else {
        const how = op.kind === OpKind.ReadLock ? 'shared ' : '';
        waits.push(`${where} ${how}${what} ${this.holders(op.addr)}`);
      }
    }
    return new Violation('deadlock', waits.join('; '));
  }

  private stepLimit(): Violation {
    return new Violation(
      'step-limit',
      `execution exceeded ${this.maxSteps} steps (--max-steps). This is usually a spin loop that makes no progress: wait with cpu.awaitValue() (spin-assume) instead of re-reading in a loop`,
    );
  }
}

/**
 * `PrefixScheduler` replays the choices an execution already made, then hands every further
 * decision to the scheduler that made them: how a run starts again (with the race tracker on)
 * without the scheduler seeing its decisions twice.
 */
class PrefixScheduler implements Scheduler {
  private pos = 0;
  readonly continueAfterViolation: boolean;

  constructor(
    private readonly prefix: readonly number[],
    private readonly inner: Scheduler,
  ) {
    this.continueAfterViolation = inner.continueAfterViolation === true;
  }

  get exhausted(): boolean {
    return this.inner.exhausted;
  }

  startExecution(): boolean {
    return true;
  }

  pickCpu(enabled: CpuSet, current: number, view: SchedulingView): number {
    if (this.pos < this.prefix.length) return this.prefix[this.pos++];
    return this.inner.pickCpu(enabled, current, view);
  }

  pickValue(n: number): number {
    if (this.pos < this.prefix.length) return ~this.prefix[this.pos++];
    return this.inner.pickValue(n);
  }

  endExecution(): void {}

  causalChoices(step: number, avoid: readonly number[]): number[] | null {
    return this.inner.causalChoices?.(step, avoid) ?? null;
  }
}
