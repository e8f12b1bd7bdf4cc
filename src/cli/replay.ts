import { formatTrace } from '../engine/trace.js';
import { replayToken } from '../explore/replay-token.js';
import { ExitCode } from './errors.js';

/**
 * `runReplay` is `pagerace replay TOKEN`: rebuild the model variant the token names, follow its
 * schedule exactly, and print the trace and the violation it raises. Exit 1 when the execution
 * raises a violation (the bug reproduced), 0 when it runs clean, 2 when the token cannot be used.
 */
export async function runReplay(token: string, flags: { json?: boolean }): Promise<number> {
  const { model, target, trace, violation, preemptions } = await replayToken(token);
  const v = violation;
  const variant = target.variantName;
  if (flags.json) {
    const out = {
      pagerace: 1,
      replay: {
        model: model.def.name,
        variant,
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
      `Replaying ${model.def.name}:${variant}, ${trace.length} steps, ${preemptions} preemption${preemptions === 1 ? '' : 's'}`,
    );
    if (v) {
      if (v.headline.length) console.log(v.headline.join('\n'));
      else console.log(`${v.kind}: ${v.message}`);
    } else console.log('No violation: the execution ran clean.');
    console.log(formatTrace(trace).join('\n'));
    if (v?.kind === 'model-error' && v.detail) console.log(v.detail);
  }
  if (v?.kind === 'model-error') return ExitCode.Error;
  return v ? ExitCode.Unexpected : ExitCode.Ok;
}
