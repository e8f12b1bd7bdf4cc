import { Execution } from '../engine/execution.js';
import type { TraceStep } from '../engine/trace.js';
import type { Violation } from '../engine/violation.js';
import type { LoadedModel, Target } from '../model/load.js';
import { buildProgram, loadTarget } from '../model/target.js';
import { ReplayError, traceSchedule } from '../scheduler/replay.js';
import { decodeToken } from '../scheduler/token.js';

/** `TokenReplay` is a replay token's execution, traced. */
export interface TokenReplay {
  model: LoadedModel;
  target: Target;
  trace: TraceStep[];
  violation: Violation | null;
  preemptions: number;
}

/**
 * `replayToken` rebuilds the model variant a token names and follows its schedule exactly on the
 * inline executor, with tracing on. A token that does not decode, names a model or variant that
 * is gone, or does not fit the model as it is now, is an error that says which.
 */
export async function replayToken(token: string): Promise<TokenReplay> {
  const spec = decodeToken(token);
  const target = await loadTarget(spec.model, spec.variant);
  const model = target.model;
  const exec = new Execution(buildProgram(target), spec.maxSteps);
  const { trace, violation, preemptions } = traceSchedule(exec, spec.choices);
  const used = exec.choices.length;
  if (used !== spec.choices.length) {
    throw new ReplayError(
      `the execution ended after ${used} of the token's ${spec.choices.length} choices: the token does not fit this version of ${spec.model}:${spec.variant}`,
    );
  }
  return { model, target, trace, violation, preemptions };
}
