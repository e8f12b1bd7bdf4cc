import { Command, CommanderError, Option } from 'commander';
import { runCheck } from './check.js';
import { describeError, ExitCode } from './errors.js';
import { runList } from './list.js';
import { runReplay } from './replay.js';
import { runSoak } from './soak.js';
import { strategyFlagOptions, strategyHelp } from './strategy-flags.js';

/** `buildCli` wires the commands; `run` parses and runs them. Settings also read PAGERACE_* variables. */
export function buildCli(): Command {
  const program = new Command('pagerace')
    .description('A concurrency model checker for Linux kernel page-table code')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (str, write) => write(`pagerace: ${str.replace(/^error: /, '')}`) });

  const check = program
    .command('check')
    .description(
      'check model variants (all bundled models when none is named): model[:variant] or a file path',
    )
    .argument('[models...]', 'bundled model names or model files, each optionally :variant')
    .addOption(new Option('--strategy <name>', strategyHelp()).env('PAGERACE_STRATEGY'))
    .addOption(new Option('--seed <seed>', 'seed of random and pct searches').env('PAGERACE_SEED'))
    .addOption(
      new Option(
        '--budget <n>',
        'executions to run at most (default: unbounded for dfs/dpor, 10000 for random/pct)',
      ).env('PAGERACE_BUDGET'),
    )
    .addOption(
      new Option('--time <duration>', 'stop each search after this long: 30s, 10m, 2h').env('PAGERACE_TIME'),
    )
    .addOption(
      new Option('--max-steps <n>', 'steps one execution may take before step-limit (default 100000)').env(
        'PAGERACE_MAX_STEPS',
      ),
    )
    .addOption(
      new Option('--workers <n>', 'explorer worker threads (default: one per core)').env('PAGERACE_WORKERS'),
    )
    .addOption(
      new Option(
        '--executor <name>',
        'inline (all CPUs in one thread, the default) | threads (each CPU a worker thread; one search at a time)',
      ).env('PAGERACE_EXECUTOR'),
    )
    .addOption(
      new Option(
        '--memory-model <name>',
        "sc | tso | arm64 (default: each variant's own, and every model its expectations name)",
      ).env('PAGERACE_MEMORY_MODEL'),
    )
    .option('--keep-going', 'explore the whole budget or space and report each distinct violation once')
    .option('--no-minimize', 'report interleavings as found, without minimizing preemptions')
    .option('--json', 'print the report as JSON on stdout, no progress')
    .option('--out <dir>', 'write results/<run-id>/report.json and trace.txt under this folder', 'results')
    .option('--no-out', 'write no report files')
    .action(async (models: string[], flags) => {
      process.exitCode = await runCheck(models, flags);
    });
  for (const o of strategyFlagOptions()) check.addOption(o);

  program
    .command('replay')
    .description('replay a token printed by check: the same interleaving, step for step')
    .argument('<token>', 'the token after "Replay: pagerace replay"')
    .option('--json', 'print the trace as JSON')
    .action(async (token: string, flags) => {
      process.exitCode = await runReplay(token, flags);
    });

  program
    .command('soak')
    .description('run a model variant on real threads, free-running, over and over, and report violations')
    .argument(
      '<model>',
      'model[:variant] (a prefix such as buggy picks every buggy-* variant; the time is shared)',
    )
    .addOption(
      new Option('--duration <duration>', 'how long to run: 30s, 10m, 2h (default 60s)').env(
        'PAGERACE_SOAK_DURATION',
      ),
    )
    .addOption(
      new Option(
        '--cpus <n>',
        'CPU worker threads (default: one per model CPU; more run machines side by side)',
      ).env('PAGERACE_SOAK_CPUS'),
    )
    .option('--record', 'record the global order of operations: every violation gets a replay token')
    .addOption(new Option('--seed <seed>', 'seed of the random delays and choices').env('PAGERACE_SEED'))
    .addOption(
      new Option('--max-steps <n>', 'steps one iteration may take (default 100000)').env(
        'PAGERACE_MAX_STEPS',
      ),
    )
    .option('--out <dir>', 'write results/<run-id>/soak.json under this folder', 'results')
    .option('--no-out', 'write no report file')
    .action(async (model: string, flags) => {
      process.exitCode = await runSoak(model, flags);
    });

  program
    .command('list')
    .description('list the bundled models, their variants, expectations and kernel commits')
    .option('--json', 'print as JSON')
    .action(async (flags) => {
      process.exitCode = await runList(flags);
    });
  return program;
}

/** `run` runs the CLI on `argv` and returns the exit code; it never throws. */
export async function run(argv: string[]): Promise<number> {
  process.exitCode = 0;
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are not errors; commander already printed its message
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Error;
    }
    console.error(`pagerace: ${describeError(e)}`);
    return ExitCode.Error;
  }
}
