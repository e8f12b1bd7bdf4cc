import { Execution } from '../engine/execution.js';
import { collapseRepeats, formatMachineState, formatTrace, traceSteps } from '../engine/trace.js';
import { ThreadsExecution, WorkerStallError } from '../executor/threads.js';
import { stallMessage } from '../explore/options.js';
import { MEMORY_MODEL_SETTING, type Runner } from '../explore/search.js';
import { isMemoryModelName } from '../machine/memory-model/memory-model.js';
import {
  type LoadedModel,
  loadModel,
  loadModelPath,
  looksLikePath,
  MODEL_FILE_SETTING,
  ModelError,
  selectVariants,
} from '../model/load.js';
import { buildProgram } from '../model/target.js';
import { ReplayError, type Traced, traceSchedule } from '../scheduler/replay.js';
import { decodeToken, type ReplaySpec, TokenError } from '../scheduler/token.js';
import { parseExecutor, stallLimit } from './check.js';
import { ExitCode, UsageError } from './errors.js';

/** `ReplayFlags` are the options of `pagerace replay` as commander parsed them. */
export interface ReplayFlags {
  json?: boolean;
  /** the model file the token was made from */
  model?: string;
  executor?: string;
}

/**
 * `modelOfToken` loads the model a token was made from: a bundled model by name, or the file the
 * user names with `--model`. A path read from a token is never imported on its own: a token is
 * text pasted from elsewhere, and importing a file runs its code.
 */
async function modelOfToken(spec: ReplaySpec, file: string | undefined): Promise<LoadedModel> {
  const tokenFile = spec.settings?.[MODEL_FILE_SETTING];
  // a v1 token of a model file carried the file's absolute path as its model
  const named = tokenFile !== undefined || !looksLikePath(spec.model) ? spec.model : null;
  if (file !== undefined) {
    const model = await loadModelPath(file);
    if (named !== null && model.def.name !== named) {
      throw new UsageError(`the token is for model ${named}, but ${file} defines ${model.def.name}`);
    }
    return model;
  }
  if (tokenFile !== undefined) {
    throw new UsageError(
      `the token was made from the model file ${tokenFile} (model ${spec.model}); replay loads a model file only when told: pass --model ${tokenFile}`,
    );
  }
  if (named === null) {
    throw new UsageError(
      `the token names the model file ${spec.model}; replay loads a model file only when told: pass --model FILE`,
    );
  }
  return loadModel(named);
}

/**
 * `runReplay` is `pagerace replay TOKEN [--model FILE] [--executor threads]`: rebuild the model
 * variant the token names, follow its schedule exactly (on real threads with `--executor
 * threads`), and print the trace and the violation it raises. Exit 1 when the execution raises
 * a violation (the bug reproduced), 0 when it runs clean, 2 when the token cannot be used.
 */
export async function runReplay(token: string, flags: ReplayFlags): Promise<number> {
  const spec = decodeToken(token);
  const executor = parseExecutor(flags.executor);
  const mm = spec.settings?.[MEMORY_MODEL_SETTING] ?? 'sc';
  if (!isMemoryModelName(mm))
    throw new TokenError(`the token names memory model '${mm}', which this pagerace does not have`);
  const model = await modelOfToken(spec, flags.model);
  const [target] = selectVariants(model, undefined, mm).filter((t) => t.variantName === spec.variant);
  if (!target) throw new ModelError(`model ${model.def.name} has no variant '${spec.variant}' any more`);
  const program = buildProgram(target);
  const stallMs = stallLimit();
  const runner: Runner & { close?(): Promise<void> } =
    executor === 'threads'
      ? await ThreadsExecution.launch(
          { model: model.ref, variant: spec.variant },
          program,
          spec.maxSteps,
          stallMs,
        )
      : new Execution(program, spec.maxSteps);
  let replayed: Traced;
  try {
    replayed = traceSchedule(runner, spec.choices);
  } catch (e) {
    if (e instanceof WorkerStallError)
      throw new ModelError(stallMessage(`${model.def.name}:${spec.variant}`, stallMs));
    throw e;
  } finally {
    await runner.close?.();
  }
  const { violation, preemptions } = replayed;
  const trace = collapseRepeats(replayed.trace);
  const used = runner.choices.length;
  if (used !== spec.choices.length) {
    throw new ReplayError(
      `the execution ended after ${used} of the token's ${spec.choices.length} choices: the token does not fit this version of ${model.def.name}:${spec.variant}`,
    );
  }
  const v = violation;
  if (flags.json) {
    const out = {
      pagerace: 1,
      replay: {
        model: model.def.name,
        variant: spec.variant,
        memoryModel: mm,
        executor,
        preemptions,
        violation: v
          ? { kind: v.kind, message: v.message, cpu: v.cpu, headline: v.headline, kernelStack: v.kernelStack }
          : null,
        trace,
      },
    };
    console.log(JSON.stringify(out, null, 2));
  } else {
    const on = `${mm === 'sc' ? '' : ` under ${mm}`}${executor === 'threads' ? ' on real threads' : ''}`;
    console.log(
      `Replaying ${model.def.name}:${spec.variant}${on}, ${traceSteps(trace)} steps, ${preemptions} preemption${preemptions === 1 ? '' : 's'}`,
    );
    if (v) {
      if (v.headline.length) console.log(v.headline.join('\n'));
      else console.log(`${v.kind}: ${v.message}`);
    } else console.log('No violation: the execution ran clean.');
    console.log(formatTrace(trace).join('\n'));
    for (const l of formatMachineState(trace)) console.log(l);
    if (v?.kind === 'model-error' && v.detail) console.log(v.detail);
  }
  if (v?.kind === 'model-error') return ExitCode.Error;
  return v ? ExitCode.Unexpected : ExitCode.Ok;
}
