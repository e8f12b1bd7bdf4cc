import { Execution } from '../engine/execution.js';
import { formatMachineState, formatTrace } from '../engine/trace.js';
import { MEMORY_MODEL_SETTING } from '../explore/search.js';
import { isMemoryModelName } from '../machine/memory-model/memory-model.js';
import { buildProgram, loadTarget } from '../model/target.js';
import { ReplayError, traceSchedule } from '../scheduler/replay.js';
import { decodeToken, TokenError } from '../scheduler/token.js';
import { ExitCode } from './errors.js';

/**
 * `runReplay` is `pagerace replay TOKEN`: rebuild the model variant the token names, follow its
 * schedule exactly, and print the trace and the violation it raises. Exit 1 when the execution
 * raises a violation (the bug reproduced), 0 when it runs clean, 2 when the token cannot be used.
 */
export async function runReplay(token: string, flags: { json?: boolean }): Promise<number> {
  const spec = decodeToken(token);
  const mm = spec.settings?.[MEMORY_MODEL_SETTING] ?? 'sc';
  if (!isMemoryModelName(mm))
    throw new TokenError(`the token names memory model '${mm}', which this pagerace does not have`);
  const target = await loadTarget(spec.model, spec.variant, mm);
  const model = target.model;
  const exec = new Execution(buildProgram(target), spec.maxSteps);
  const { trace, violation, preemptions } = traceSchedule(exec, spec.choices);
  const used = exec.choices.length;
  if (used !== spec.choices.length) {
    throw new ReplayError(
      `the execution ended after ${used} of the token's ${spec.choices.length} choices: the token does not fit this version of ${spec.model}:${spec.variant}`,
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
        preemptions,
        violation: v
          ? { kind: v.kind, message: v.message, cpu: v.cpu, headline: v.headline, kernelStack: v.kernelStack }
          : null,
        trace,
      },
    };
    console.log(JSON.stringify(out, null, 2));
  } else {
    console.log(
      `Replaying ${model.def.name}:${spec.variant}${mm === 'sc' ? '' : ` under ${mm}`}, ${trace.length} steps, ${preemptions} preemption${preemptions === 1 ? '' : 's'}`,
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
