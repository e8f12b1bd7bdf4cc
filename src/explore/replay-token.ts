import { Execution } from '../engine/execution.js';
import type { TraceStep } from '../engine/trace.js';
import type { Violation } from '../engine/violation.js';
import { type LoadedModel, loadModel, ModelError, selectVariants, type Target } from '../model/load.js';
import { ReplayError } from '../scheduler/replay.js';
import { decodeToken } from '../scheduler/token.js';
import { buildProgram, traceSchedule } from './search.js';

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
  const model = await loadModel(spec.model);
  const [target] = selectVariants(model, spec.variant).filter((t) => t.variantName === spec.variant);
  if (!target) throw new ModelError(`model ${spec.model} has no variant '${spec.variant}' any more`);
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
