import { Command, CommanderError, Option } from 'commander';
import {
  DEFAULT_MAX_STEPS,
  DEFAULT_OUT,
  DEFAULT_SEED,
  DEFAULT_SOAK_MS,
  defaultWorkers,
  formatLimit,
  MAX_SOAK_CPUS,
  MAX_WORKERS,
} from '../explore/options.js';
import { runCheck } from './check.js';
import { describeError, ExitCode } from './errors.js';
import { runList } from './list.js';
import { runMerge } from './merge.js';
import { collect } from './parse.js';
import { runReplay } from './replay.js';
import { runShow } from './show.js';
import { runSoak } from './soak.js';
import { budgetDefaults, strategyFlagOptions, strategyHelp } from './strategy-flags.js';
import { packageVersion } from './version.js';

const CHECK_EXIT_CODES = `
Exit codes:
  0    every variant proven as it expects (its violation found, or clean after a complete search)
  1    a mismatch: a violation that was not expected, or an expected one missed
  2    usage or model error (one line on stderr)
  3    inconclusive: some variant unknown (time, budget, preemption or delay bound ran out, or a
       --shard share without a violation: it proves nothing until merged) or not run
  130  interrupted by Ctrl-C (SIGINT), 143 by SIGTERM, after writing the partial report`;

const REPLAY_EXIT_CODES = `
Exit codes:
  0    the execution ran clean
  1    the execution raised a violation: the bug reproduced
  2    the token cannot be used (corrupt, another model version, a model file not given)`;

const SOAK_EXIT_CODES = `
Exit codes:
  0    every variant as expected
  1    a violation that was not expected, or an expected one not found
  2    usage or model error
  3    inconclusive: no iteration completed, or CPUs stalled without a proven deadlock
  130  interrupted by Ctrl-C (SIGINT), 143 by SIGTERM, after writing soak.json`;

/** `buildCli` wires the commands; `run` parses and runs them. Settings also read PAGERACE_* variables. */
export function buildCli(): Command {
  const program = new Command('pagerace')
    .description('A concurrency model checker for Linux kernel page-table code')
    .exitOverride()
    .showSuggestionAfterError(true)
    .version(`pagerace ${packageVersion()}`, '-V, --version', 'print the version')
    .configureOutput({ outputError: (str, write) => write(`pagerace: ${str.replace(/^error: /, '')}`) });

  const check = program
    .command('check')
    .description(
      'check model variants (all bundled models when none is named): model[:variant] or a file path',
    )
    .argument('[models...]', 'bundled model names or model files, each optionally :variant')
    .addOption(new Option('--strategy <name>', strategyHelp()).env('PAGERACE_STRATEGY'))
    .addOption(
      new Option('--seed <seed>', `seed of random and pct searches (default ${DEFAULT_SEED})`).env(
        'PAGERACE_SEED',
      ),
    )
    .addOption(
      new Option('--budget <n>', `executions to run at most (default: ${budgetDefaults()})`).env(
        'PAGERACE_BUDGET',
      ),
    )
    .addOption(
      new Option(
        '--time <duration>',
        'stop each search after this long: 30s, 10m, 2h (default: no limit); a clean variant is then inconclusive',
      ).env('PAGERACE_TIME'),
    )
    .addOption(
      new Option(
        '--max-steps <n>',
        `steps one execution may take before step-limit (default ${DEFAULT_MAX_STEPS})`,
      ).env('PAGERACE_MAX_STEPS'),
    )
    .addOption(
      new Option(
        '--workers <n>',
        `explorer worker threads, at most ${MAX_WORKERS} (default: one per core, ${defaultWorkers()} here)`,
      ).env('PAGERACE_WORKERS'),
    )
    .addOption(
      new Option(
        '--executor <name>',
        'inline (all CPUs in one thread, the default) | threads (each CPU a worker thread; one search at a time)',
      ).env('PAGERACE_EXECUTOR'),
    )
    .addOption(
      new Option(
        '--param <name=value,...>',
        'size the models: set their parameters (pagerace list shows them); repeatable',
      )
        .argParser(collect)
        .env('PAGERACE_PARAM'),
    )
    .addOption(
      new Option(
        '--alloc <mode>',
        'lowest (default: the lowest free frame) | any (the search chooses which free frame each allocation gets)',
      ).env('PAGERACE_ALLOC'),
    )
    .addOption(
      new Option(
        '--memory-model <name>',
        "sc | tso | arm64 (default: each variant's own, and every model its expectations name)",
      ).env('PAGERACE_MEMORY_MODEL'),
    )
    .addOption(
      new Option(
        '--shard <i/n>',
        'explore shard i of n (from 0) of each search and write its partial report; `pagerace merge` joins the n reports',
      ).env('PAGERACE_SHARD'),
    )
    .addOption(
      new Option(
        '--tlb <mode>',
        'on (default: per-CPU TLB and paging-structure caches, filled by hardware walks) | off (every walk reads memory)',
      ).env('PAGERACE_TLB'),
    )
    .option('--keep-going', 'explore the whole budget or space and report each distinct violation once')
    .option('--no-minimize', 'report interleavings as found, without minimizing preemptions')
    .option('--json', 'print the report as JSON on stdout, no progress')
    .option(
      '--out <dir>',
      `write <dir>/<run-id>/report.json and trace.txt (default ${DEFAULT_OUT}); refused before the search if it cannot be written`,
    )
    .option('--no-out', 'write no report files')
    .option('--verbose', "print every violation's full report (oops, interleaving, token), not one line each")
    .addOption(
      new Option(
        '--progress <when>',
        'never | auto (a bar on a terminal, a line every 10s otherwise) | lines',
      ).env('PAGERACE_PROGRESS'),
    )
    .option(
      '--reporter <name>',
      'text (the default) | junit: also write JUnit XML (--junit FILE, else junit.xml in the run folder)',
    )
    .option('--junit <file>', 'where --reporter junit writes its XML')
    .addHelpText('after', CHECK_EXIT_CODES)
    .action(async (models: string[], flags) => {
      process.exitCode = await runCheck(models, flags);
    });
  for (const o of strategyFlagOptions()) check.addOption(o);

  program
    .command('merge')
    .description(
      'join the reports of the shards of one check (run with --shard i/n) into the report one run gives',
    )
    .argument('<reports...>', 'the run folders (or report.json files) of every shard')
    .option('--model <file...>', 'the model files the shards checked (a report never loads a file by itself)')
    .option('--json', 'print the merged report as JSON')
    .option('--out <dir>', `write <dir>/<run-id>/report.json and trace.txt (default ${DEFAULT_OUT})`)
    .option('--no-out', 'write no report files')
    .addHelpText('after', CHECK_EXIT_CODES)
    .action(async (reports: string[], flags) => {
      process.exitCode = await runMerge(reports, flags);
    });

  program
    .command('replay')
    .description('replay a token printed by check: the same interleaving, step for step')
    .argument('<token>', 'the token after "Replay: pagerace replay"')
    .option('--model <file>', 'the model file the token was made from (a token never loads a file by itself)')
    .addOption(
      new Option(
        '--executor <name>',
        'inline (all CPUs in one thread, the default) | threads (each CPU a worker thread)',
      ).env('PAGERACE_EXECUTOR'),
    )
    .option('--json', 'print the trace as JSON')
    .addHelpText('after', REPLAY_EXIT_CODES)
    .action(async (token: string, flags) => {
      process.exitCode = await runReplay(token, flags);
    });

  program
    .command('show')
    .description('write and print the HTML timelines of a run folder, or of a replay token')
    .argument('<run-dir|token>', 'a run folder (results/<run>/) or the token after "pagerace replay"')
    .option('--open', 'open the page in a browser (BROWSER, else the platform opener; needs a display)')
    .option('--out <dir>', "where a token's page goes: <dir>/<run-id>/timeline.html", 'results')
    .option('--model <file>', 'the model file a token was made from (a token never names a file to import)')
    .action(async (what: string, flags) => {
      process.exitCode = await runShow(what, flags);
    });

  program
    .command('soak')
    .description('run a model variant on real threads, free-running, over and over, and report violations')
    .argument(
      '<model>',
      'model[:variant] (a prefix such as buggy picks every buggy-* variant; the time is shared)',
    )
    .addOption(
      new Option(
        '--duration <duration>',
        `how long to run: 30s, 10m, 2h (default ${formatLimit(DEFAULT_SOAK_MS)})`,
      ).env('PAGERACE_SOAK_DURATION'),
    )
    .addOption(
      new Option(
        '--cpus <n>',
        `CPU worker threads, at most ${MAX_SOAK_CPUS} (default: one per model CPU; more run machines side by side)`,
      ).env('PAGERACE_SOAK_CPUS'),
    )
    .option('--record', 'record the global order of operations: every violation gets a replay token')
    .addOption(
      new Option('--param <name=value,...>', 'size the model: set its parameters; repeatable')
        .argParser(collect)
        .env('PAGERACE_PARAM'),
    )
    .addOption(
      new Option('--alloc <mode>', 'lowest | any: how the frame allocator chooses').env('PAGERACE_ALLOC'),
    )
    .addOption(
      new Option(
        '--tlb <mode>',
        'on (default: per-CPU TLB and paging-structure caches, filled by hardware walks) | off (every walk reads memory)',
      ).env('PAGERACE_TLB'),
    )
    .addOption(
      new Option('--seed <seed>', `seed of the random delays and choices (default ${DEFAULT_SEED})`).env(
        'PAGERACE_SEED',
      ),
    )
    .addOption(
      new Option('--max-steps <n>', `steps one iteration may take (default ${DEFAULT_MAX_STEPS})`).env(
        'PAGERACE_MAX_STEPS',
      ),
    )
    .addOption(
      new Option(
        '--progress <when>',
        'never | auto (a bar on a terminal, a line every 10s otherwise) | lines',
      ).env('PAGERACE_PROGRESS'),
    )
    .option(
      '--out <dir>',
      `write <dir>/<run-id>/soak.json (default ${DEFAULT_OUT}); refused before the run if it cannot be written`,
    )
    .option('--no-out', 'write no report file')
    .addHelpText('after', SOAK_EXIT_CODES)
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
