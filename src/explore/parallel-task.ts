import { Execution } from '../engine/execution.js';
import { buildProgram, loadTarget } from '../model/target.js';
import type { StrategyDescriptor } from '../scheduler/strategy.js';
import { beat, countUnitStarted } from './parallel-control.js';
import { runUnit, type UnitResult, type UnitSpec } from './parallel-unit.js';
import { resolveStrategyUnder } from './strategy-ref.js';

/** `ExplorerTask` is one message to an explorer worker. */
export type ExplorerTask = { kind: 'ping' } | { kind: 'unit'; spec: UnitSpec; ctl: Int32Array; slot: number };

/** `ExplorerReply` is the answer: `pong`, a unit's result, or a model that cannot be used. */
export type ExplorerReply =
  | { kind: 'pong'; threadId: number }
  | { kind: 'result'; result: UnitResult }
  | { kind: 'model-error'; message: string };

/**
 * `TEST_EXIT_ENV` is a test hook: the explorer worker that starts the pool's k-th unit, for each
 * k in PAGERACE_TEST_EXPLORER_EXIT_AT (a comma-separated list), exits on the spot, as a crashing
 * worker would. The pool must report it and run the unit again on a fresh worker; a unit whose
 * retry dies too (`2,3` on one worker) ends the search with what was found.
 */
export const TEST_EXIT_ENV = 'PAGERACE_TEST_EXPLORER_EXIT_AT';

/**
 * `TEST_SIGNAL_ENV` is a test hook: with PAGERACE_TEST_SIGNAL_AT=SIGINT:k (or SIGTERM:k), the
 * explorer worker that starts the pool's k-th unit sends that signal to its own process, as a
 * user's Ctrl-C would, and runs the unit on: a signal that is known to come during a search.
 */
export const TEST_SIGNAL_ENV = 'PAGERACE_TEST_SIGNAL_AT';

function testHooks(unit: number): void {
  const exitAt = (process.env[TEST_EXIT_ENV] ?? '').split(',').map(Number);
  if (exitAt.includes(unit)) process.exit(70);
  const signal = /^(SIGINT|SIGTERM):(\d+)$/.exec(process.env[TEST_SIGNAL_ENV] ?? '');
  if (signal && Number(signal[2]) === unit) process.kill(process.pid, signal[1]);
}

const executions = new Map<string, Promise<Execution>>();

async function executionFor(spec: UnitSpec, ctl: Int32Array, slot: number): Promise<Execution> {
  const key = `${spec.model}\0${spec.variant}\0${JSON.stringify(spec.settings)}\0${spec.memoryModel}\0${spec.maxSteps}`;
  let e = executions.get(key);
  if (!e) {
    e = (async () => {
      const target = await loadTarget({
        model: spec.model,
        variant: spec.variant,
        settings: spec.settings,
        memoryModel: spec.memoryModel,
      });
      // importing a model file (through tsx) can take seconds on a loaded machine: not a stall;
      // a build() that loops still is one
      beat(ctl, slot);
      return new Execution(buildProgram(target), spec.maxSteps);
    })();
    executions.set(key, e);
  }
  return e;
}

/**
 * `handleExplorerTask` is what an explorer worker does with a task: it rebuilds the model
 * variant once per worker (the same build gives the same machine), then runs the unit on the
 * inline executor.
 */
export async function handleExplorerTask(task: ExplorerTask, threadId: number): Promise<ExplorerReply> {
  if (task.kind === 'ping') return { kind: 'pong', threadId };
  // the unit has arrived: the pool's stall watchdog starts its clock
  beat(task.ctl, task.slot);
  testHooks(countUnitStarted(task.ctl) + 1);
  let exec: Execution;
  try {
    exec = await executionFor(task.spec, task.ctl, task.slot);
  } catch (e) {
    executions.clear();
    return { kind: 'model-error', message: e instanceof Error ? e.message : String(e) };
  }
  let desc: StrategyDescriptor;
  try {
    desc = await resolveStrategyUnder(task.spec.strategy, task.spec.memoryModel);
  } catch (e) {
    return { kind: 'model-error', message: e instanceof Error ? e.message : String(e) };
  }
  return { kind: 'result', result: runUnit(task.spec, desc, exec, { ctl: task.ctl, slot: task.slot }) };
}
