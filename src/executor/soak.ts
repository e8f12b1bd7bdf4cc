import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { Execution } from '../engine/execution.js';
import { collapseRepeats, type TraceStep } from '../engine/trace.js';
import { Violation } from '../engine/violation.js';
import { ModelError, type Target, targetRef, tokenTarget } from '../model/load.js';
import { buildProgram } from '../model/target.js';
import { traceSchedule } from '../scheduler/replay.js';
import { encodeToken } from '../scheduler/token.js';
import type { CpuWorkerData } from './cpu-thread.js';
import type { SoakMessage } from './soak-cpu.js';
import { controlBytes, H_ABORT, H_GO } from './turnstile-layout.js';
import { WORKER_RESOURCE_LIMITS, workerFile } from './worker-file.js';

/** `SoakOptions` configures a soak run (`pagerace soak`). */
export interface SoakOptions {
  /** machines run side by side, each with one worker per CPU of the model */
  machines: number;
  /** record the global order of operations (each step serialized), for replay tokens */
  record: boolean;
  seed: string;
  maxSteps: number;
  /** the largest random delay before an operation, in spins */
  delayMax: number;
}

/** `SoakSighting` is one distinct violation a soak run found. */
export interface SoakSighting {
  key: string;
  kind: string;
  message: string;
  headline: string[];
  count: number;
  /** machine and iteration of its first sighting */
  machine: number;
  iteration: number;
  /** --record: the token of the first sighting, and what the inline executor makes of it */
  token: string | null;
  replay: { key: string | null; trace: TraceStep[] } | null;
}

/** `SoakStall` is one distinct way the CPUs of an iteration stalled (waits, none a lock cycle). */
export interface SoakStall {
  waits: string;
  count: number;
  machine: number;
  iteration: number;
}

/** `SoakStats` is where a soak run is. */
export interface SoakStats {
  iterations: number;
  violations: number;
  distinct: number;
  stalls: number;
}

/** `RECORD_CAP`: Int32 words of a machine's record (one per step, two for a Choose). */
export const RECORD_CAP = 1 << 18;
/** `SOAK_DELAY_MAX` is the default largest delay before an operation, in spins. */
export const SOAK_DELAY_MAX = 2000;

interface Machine {
  ctl: Int32Array;
  workers: Worker[];
  ports: MessagePort[];
}

/**
 * `Soak` runs a model variant on free-running CPU workers, over and over (soak-cpu.ts): each
 * machine is the model's memory and one worker per CPU, released together at a barrier every
 * iteration. Violations arrive as messages while it runs; with --record each carries the
 * schedule of its iteration, which becomes a replay token and is replayed inline here.
 */
export class Soak {
  readonly sightings = new Map<string, SoakSighting>();
  readonly stalls = new Map<string, SoakStall>();
  violations = 0;
  stallCount = 0;
  /** iterations completed when the run was stopped */
  private finished: number | null = null;
  private readonly machines: Machine[] = [];
  private readonly inline: Execution;

  private constructor(
    readonly target: Target,
    readonly opts: SoakOptions,
    private readonly onSighting: (s: SoakSighting) => void,
    private readonly onStall: (s: SoakStall) => void,
  ) {
    this.inline = new Execution(buildProgram(target), opts.maxSteps);
  }

  /** `start` starts the machines' workers and releases the first iteration. */
  static async start(
    target: Target,
    opts: SoakOptions,
    onSighting: (s: SoakSighting) => void,
    onStall: (s: SoakStall) => void = () => {},
  ): Promise<Soak> {
    const soak = new Soak(target, opts, onSighting, onStall);
    try {
      for (let k = 0; k < opts.machines; k++) await soak.startMachine(k);
    } catch (e) {
      await soak.stop();
      throw e;
    }
    for (const m of soak.machines) {
      Atomics.store(m.ctl, H_GO, 1);
      Atomics.notify(m.ctl, H_GO);
    }
    return soak;
  }

  /** `cpusPerMachine` is the model's CPU count. */
  get cpusPerMachine(): number {
    return this.inline.cpuCount;
  }

  stats(): SoakStats {
    return {
      iterations: this.finished ?? this.completed(),
      violations: this.violations,
      distinct: this.sightings.size,
      stalls: this.stallCount,
    };
  }

  /** the iterations completed so far: H_GO counts those released, all but the running one complete */
  private completed(): number {
    let iterations = 0;
    for (const m of this.machines) iterations += Math.max(0, Atomics.load(m.ctl, H_GO) - 1);
    return iterations;
  }

  /**
   * `stop` ends every machine at its CPUs' next operation and waits for the workers. The count of
   * completed iterations is taken first: the iterations cut short pass the end barrier too.
   */
  async stop(): Promise<void> {
    this.finished ??= this.completed();
    for (const m of this.machines) {
      Atomics.store(m.ctl, H_ABORT, 1);
      Atomics.notify(m.ctl, H_GO);
    }
    await Promise.all(
      this.machines.flatMap((m) =>
        m.workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              const t = setTimeout(() => {
                void w.terminate().then(() => resolve());
              }, 2000);
              w.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
            }),
        ),
      ),
    );
    for (const m of this.machines) for (const p of m.ports) p.close();
  }

  private async startMachine(k: number): Promise<void> {
    const t = this.target;
    const program = buildProgram(t);
    const n = program.cpus.length;
    const control = new SharedArrayBuffer(controlBytes(n, RECORD_CAP));
    const m: Machine = { ctl: new Int32Array(control), workers: [], ports: [] };
    this.machines.push(m);
    const ready: Promise<void>[] = [];
    for (let cpu = 0; cpu < n; cpu++) {
      const { port1, port2 } = new MessageChannel();
      const data: CpuWorkerData = {
        mode: 'soak',
        target: targetRef(t),
        cpu,
        frames: program.memory.frames,
        memoryModel: 'sc',
        modelState: null,
        memory: program.memory.sab,
        control,
        port: port2,
        soak: {
          seed: `${this.opts.seed}:m${k}`,
          record: this.opts.record,
          recordCap: RECORD_CAP,
          maxSteps: this.opts.maxSteps,
          delayMax: this.opts.delayMax,
        },
      };
      const w = new Worker(workerFile('cpu'), {
        workerData: data,
        transferList: [port2],
        resourceLimits: WORKER_RESOURCE_LIMITS,
      });
      m.workers.push(w);
      m.ports.push(port1);
      port1.on('message', (msg: SoakMessage) => this.receive(k, msg));
      ready.push(
        new Promise((resolve, reject) => {
          w.once('message', (msg: { ready?: true; error?: string }) =>
            msg.ready ? resolve() : reject(new ModelError(`cpu${cpu}'s soak worker failed: ${msg.error}`)),
          );
          w.once('error', (e) => reject(new ModelError(`cpu${cpu}'s soak worker failed: ${e.message}`)));
        }),
      );
    }
    await Promise.all(ready);
  }

  private receive(machine: number, msg: SoakMessage): void {
    if (msg.kind === 'stall') {
      this.stallCount++;
      const have = this.stalls.get(msg.waits);
      if (have) have.count++;
      else {
        const s: SoakStall = { waits: msg.waits, count: 1, machine, iteration: msg.iteration };
        this.stalls.set(msg.waits, s);
        this.onStall(s);
      }
      return;
    }
    this.violations++;
    const f = msg.violation;
    const v = new Violation(f.kind, f.message, f.headline);
    const have = this.sightings.get(v.key);
    if (have) {
      have.count++;
      return;
    }
    const s: SoakSighting = {
      key: v.key,
      kind: f.kind,
      message: f.message,
      headline: f.headline,
      count: 1,
      machine,
      iteration: msg.iteration,
      token: null,
      replay: null,
    };
    if (msg.choices) {
      s.token = encodeToken({
        ...tokenTarget(this.target),
        maxSteps: this.opts.maxSteps,
        choices: msg.choices,
      });
      try {
        const r = traceSchedule(this.inline, msg.choices);
        s.replay = { key: r.violation?.key ?? null, trace: collapseRepeats(r.trace) };
        // the inline replay names what real threads saw the same way check does (deadlocks: who waits)
        if (r.violation && r.violation.kind === s.kind) {
          s.message = r.violation.message;
          s.headline = [...r.violation.headline];
          s.key = r.violation.key;
        }
      } catch (e) {
        s.replay = { key: `replay failed: ${e instanceof Error ? e.message : String(e)}`, trace: [] };
      }
    }
    this.sightings.set(v.key, s);
    this.onSighting(s);
  }
}
