import { collapseRepeats, formatMachineState, formatTrace, traceSteps } from '../engine/trace.js';
import { replayToken } from '../explore/replay-token.js';
import { settingsText } from '../model/settings.js';
import { parseExecutor, stallLimit } from './check.js';
import { ExitCode } from './errors.js';

/** `ReplayFlags` are the options of `pagerace replay` as commander parsed them. */
export interface ReplayFlags {
  json?: boolean;
  /** the model file the token was made from */
  model?: string;
  executor?: string;
}

/** the settings a replayed token records, for its first line: ` (tasks=8 forkers=2)` */
function sizeText(settings: Readonly<Record<string, string>>): string {
  const text = settingsText(settings);
  return text ? ` (${text})` : '';
}

/**
 * `runReplay` is `pagerace replay TOKEN [--model FILE] [--executor threads]`: rebuild the model
 * variant the token names, follow its schedule exactly (on real threads with `--executor
 * threads`), and print the trace and the violation it raises. Exit 1 when the execution raises
 * a violation (the bug reproduced), 0 when it runs clean, 2 when the token cannot be used.
 */
export async function runReplay(token: string, flags: ReplayFlags): Promise<number> {
  const executor = parseExecutor(flags.executor);
  const replayed = await replayToken(token, { model: flags.model, executor, stallMs: stallLimit() });
  const { spec, model, target, memoryModel: mm } = replayed;
  const { violation, preemptions } = replayed;
  const trace = collapseRepeats(replayed.trace);
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
      `Replaying ${model.def.name}:${spec.variant}${sizeText(target.settings)}${on}, ${traceSteps(trace)} steps, ${preemptions} preemption${preemptions === 1 ? '' : 's'}`,
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
