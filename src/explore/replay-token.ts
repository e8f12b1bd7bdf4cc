import { Execution } from '../engine/execution.js';
import type { TraceStep } from '../engine/trace.js';
import type { Violation } from '../engine/violation.js';
import { ThreadsExecution, WorkerStallError } from '../executor/threads.js';
import { isMemoryModelName, type MemoryModelName } from '../machine/memory-model/memory-model.js';
import {
  type LoadedModel,
  loadModel,
  loadModelPath,
  looksLikePath,
  MODEL_FILE_SETTING,
  ModelError,
  type Target,
  targetRef,
} from '../model/load.js';
import { buildProgram, targetIn } from '../model/target.js';
import { ReplayError, type Traced, traceSchedule } from '../scheduler/replay.js';
import { decodeToken, type ReplaySpec, TokenError } from '../scheduler/token.js';
import { stallMessage } from './options.js';
import { MEMORY_MODEL_SETTING, type Runner } from './search.js';

/** `TokenReplay` is a replay token's execution, traced. */
export interface TokenReplay {
  spec: ReplaySpec;
  model: LoadedModel;
  target: Target;
  /** the memory model the token's execution ran under (its `memory-model` setting, else sc) */
  memoryModel: MemoryModelName;
  trace: TraceStep[];
  violation: Violation | null;
  preemptions: number;
}

/** `ReplayOptions` say where a token's model file is and which executor replays it. */
export interface ReplayOptions {
  /** the model file the token was made from (`--model FILE`) */
  model?: string;
  executor?: 'inline' | 'threads';
  /** the threads executor's stall limit */
  stallMs: number;
}

/**
 * `modelOfToken` loads the model a token names: a bundled model by name, or the model file the
 * user names with `--model`. A path read from a token is never imported on its own: a token is
 * text pasted from elsewhere, and importing a file runs its code.
 */
export async function modelOfToken(spec: ReplaySpec, file: string | undefined): Promise<LoadedModel> {
  const tokenFile = spec.settings?.[MODEL_FILE_SETTING];
  // a v1 token of a model file carried the file's absolute path as its model
  const named = tokenFile !== undefined || !looksLikePath(spec.model) ? spec.model : null;
  if (file !== undefined) {
    const model = await loadModelPath(file);
    if (named !== null && model.def.name !== named) {
      throw new ModelError(`the token is for model ${named}, but ${file} defines ${model.def.name}`);
    }
    return model;
  }
  if (tokenFile !== undefined) {
    throw new ModelError(
      `the token was made from the model file ${tokenFile} (model ${spec.model}); replay loads a model file only when told: pass --model ${tokenFile}`,
    );
  }
  if (named === null) {
    throw new ModelError(
      `the token names the model file ${spec.model}; replay loads a model file only when told: pass --model FILE`,
    );
  }
  return loadModel(named);
}

/**
 * `replayToken` rebuilds the model variant a token names and follows its schedule exactly, with
 * tracing on, on the inline executor or on real threads. A token that does not decode, names a
 * model or variant that is gone, or does not fit the model as it is now, is an error saying which.
 */
export async function replayToken(token: string, opts: ReplayOptions): Promise<TokenReplay> {
  const spec = decodeToken(token);
  const memoryModel = spec.settings?.[MEMORY_MODEL_SETTING] ?? 'sc';
  if (!isMemoryModelName(memoryModel))
    throw new TokenError(`the token names memory model '${memoryModel}', which this pagerace does not have`);
  const model = await modelOfToken(spec, opts.model);
  const target = targetIn(model, spec.variant, spec.settings ?? {}, memoryModel);
  const program = buildProgram(target);
  const runner: Runner & { close?(): Promise<void> } =
    opts.executor === 'threads'
      ? await ThreadsExecution.launch(targetRef(target), program, spec.maxSteps, opts.stallMs)
      : new Execution(program, spec.maxSteps);
  let replayed: Traced;
  try {
    replayed = traceSchedule(runner, spec.choices);
  } catch (e) {
    if (e instanceof WorkerStallError)
      throw new ModelError(stallMessage(`${model.def.name}:${spec.variant}`, opts.stallMs));
    throw e;
  } finally {
    await runner.close?.();
  }
  const used = runner.choices.length;
  if (used !== spec.choices.length) {
    throw new ReplayError(
      `the execution ended after ${used} of the token's ${spec.choices.length} choices: the token does not fit this version of ${model.def.name}:${spec.variant}`,
    );
  }
  return { spec, model, target, memoryModel, ...replayed };
}
