import pLimit, { type LimitFunction } from 'p-limit';
import { Piscina } from 'piscina';
import { WORKER_RESOURCE_LIMITS, workerFile } from '../executor/worker-file.js';
import { ModelError } from '../model/load.js';
import { DEFAULT_STALL_MS, stallMessage } from './options.js';
import { clearYield, createControl, heartbeat, requestYield } from './parallel-control.js';
import type { ExplorerReply, ExplorerTask } from './parallel-task.js';
import type { UnitResult, UnitSpec } from './parallel-unit.js';

/** `PING_TIMEOUT_MS`: a worker that has not answered its first ping by then failed to start. */
export const PING_TIMEOUT_MS = 60_000;

/** `PoolError` is a pool that cannot go on: workers that fail to start, or die twice on a unit. */
export class PoolError extends Error {
  override name = 'PoolError';
}

/**
 * `ExplorerPool` is the Piscina pool of explorer workers a parallel search runs its units on.
 * p-limit bounds the units in flight to one per worker; each unit in flight holds a slot of the
 * control words (parallel-control.ts) through which it can be asked to yield. A worker that dies
 * while running a unit is reported through `onNotice`, and the unit runs again on the fresh
 * worker Piscina starts in its place; a unit that kills two workers ends the search with a
 * PoolError. A pool `error` event is fatal.
 */
export class ExplorerPool {
  readonly workers: number;
  readonly ctl: Int32Array;
  private readonly piscina: Piscina;
  private readonly limit: LimitFunction;
  private readonly freeSlots: number[];
  private fatal: Error | null = null;
  private fatalListeners: ((e: Error) => void)[] = [];
  onNotice: (message: string) => void = () => {};

  private constructor(
    workers: number,
    private readonly stallMs: number,
  ) {
    this.workers = workers;
    this.ctl = createControl(workers);
    this.freeSlots = Array.from({ length: workers }, (_, i) => workers - 1 - i);
    this.limit = pLimit(workers);
    this.piscina = new Piscina({
      filename: workerFile('explorer').href,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Number.POSITIVE_INFINITY,
      execArgv: process.execArgv,
      resourceLimits: WORKER_RESOURCE_LIMITS,
    });
    this.piscina.on('error', (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      this.fail(new PoolError(`the explorer pool failed: ${err.message}`));
    });
  }

  /**
   * `open` starts `workers` explorer workers and pings them: a worker file that fails to load
   * would otherwise leave the pool waiting forever.
   */
  static async open(workers: number, stallMs = DEFAULT_STALL_MS): Promise<ExplorerPool> {
    const pool = new ExplorerPool(workers, stallMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PoolError(`the explorer workers did not start within ${PING_TIMEOUT_MS / 1000}s`)),
        PING_TIMEOUT_MS,
      );
    });
    const failed = new Promise<never>((_, reject) => pool.fatalListeners.push(reject));
    try {
      const pings = Array.from({ length: workers }, () => pool.piscina.run({ kind: 'ping' } as ExplorerTask));
      await Promise.race([Promise.all(pings), timeout, failed]);
    } catch (e) {
      await pool.close();
      const msg = e instanceof Error ? e.message : String(e);
      throw e instanceof PoolError ? e : new PoolError(`the explorer workers failed to start: ${msg}`);
    } finally {
      clearTimeout(timer);
      pool.fatalListeners = [];
    }
    return pool;
  }

  /** `failure` is the fatal error of the pool, if it had one. */
  get failure(): Error | null {
    return this.fatal;
  }

  /** `onFatal` calls `listener` once if the pool fails. */
  onFatal(listener: (e: Error) => void): void {
    if (this.fatal) listener(this.fatal);
    else this.fatalListeners.push(listener);
  }

  /**
   * `run` runs one unit on a worker. `onSlot` learns the control slot it was given (to ask it to
   * yield). A dead worker is reported and the unit retried once on a fresh one.
   */
  run(spec: UnitSpec, onSlot: (slot: number) => void): Promise<UnitResult> {
    return this.limit(async () => {
      const slot = this.freeSlots.pop();
      if (slot === undefined) throw new Error('explorer pool: no free control slot');
      // re-armed before the task message is posted: posting orders it before the worker's reads
      clearYield(this.ctl, slot);
      onSlot(slot);
      try {
        for (let attempt = 1; ; attempt++) {
          if (this.fatal) throw this.fatal;
          let reply: ExplorerReply;
          const watch = this.watch(slot);
          try {
            reply = await this.piscina.run({ kind: 'unit', spec, ctl: this.ctl, slot } as ExplorerTask, {
              signal: watch.signal,
            });
          } catch (e) {
            if (this.fatal) throw this.fatal;
            if (watch.stalled()) {
              throw new ModelError(stallMessage(`${spec.model}:${spec.variant}`, this.stallMs));
            }
            const msg = e instanceof Error ? e.message : String(e);
            if (attempt >= 2) {
              throw new PoolError(`an explorer worker died twice on the same unit of work (${msg})`);
            }
            this.onNotice(`an explorer worker died (${msg}); its unit of work runs again on a fresh worker`);
            continue;
          } finally {
            watch.stop();
          }
          if (reply.kind === 'model-error') throw new ModelError(reply.message);
          if (reply.kind !== 'result') throw new Error(`explorer worker answered ${reply.kind} to a unit`);
          return reply.result;
        }
      } finally {
        this.freeSlots.push(slot);
      }
    });
  }

  /**
   * `watch` is the stall watchdog of the unit in `slot`: it aborts the unit (Piscina then
   * terminates its worker) when the slot's heartbeat has not moved for `stallMs`. The clock
   * starts at the unit's first beat, which the worker gives when it receives the unit: a fresh
   * worker that takes seconds to start on a loaded machine is not a model that loops.
   */
  private watch(slot: number): { signal: AbortSignal; stalled(): boolean; stop(): void } {
    const abort = new AbortController();
    let stalled = false;
    let last = heartbeat(this.ctl, slot);
    let since = Number.POSITIVE_INFINITY;
    const timer = setInterval(
      () => {
        const now = heartbeat(this.ctl, slot);
        if (now !== last) {
          last = now;
          since = performance.now();
        } else if (performance.now() - since >= this.stallMs) {
          stalled = true;
          abort.abort();
        }
      },
      Math.min(1000, Math.max(10, this.stallMs / 4)),
    );
    return { signal: abort.signal, stalled: () => stalled, stop: () => clearInterval(timer) };
  }

  /** `requestYield` asks the unit in `slot` to return its remaining work. */
  requestYield(slot: number): void {
    requestYield(this.ctl, slot);
  }

  /** `close` stops the workers. */
  async close(): Promise<void> {
    await this.piscina.destroy();
  }

  private fail(e: Error): void {
    if (this.fatal) return;
    this.fatal = e;
    for (const l of this.fatalListeners) l(e);
    this.fatalListeners = [];
  }
}
