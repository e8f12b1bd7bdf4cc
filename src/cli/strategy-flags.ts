import { Option } from 'commander';
import { BUNDLED_STRATEGIES, strategyOptions } from '../scheduler/registry.js';
import type { StrategyOptions } from '../scheduler/strategy.js';
import { parseCount } from './parse.js';

/** `strategyHelp` is the help of `--strategy`, from the registry. */
export function strategyHelp(): string {
  return `${BUNDLED_STRATEGIES.map((s) => s.name).join(' | ')}, or a strategy file (default: the variant's, else dfs)`;
}

/**
 * `budgetDefaults` says what `--budget` is when not given, from each strategy's descriptor:
 * `unbounded for dfs/dpor/source-dpor/bounded/delay, 10000 for random/pct`.
 */
export function budgetDefaults(): string {
  const by = new Map<string, string[]>();
  for (const s of BUNDLED_STRATEGIES) {
    const b = s.defaultBudget === undefined ? 'unbounded' : String(s.defaultBudget);
    by.set(b, [...(by.get(b) ?? []), s.name]);
  }
  return [...by].map(([b, names]) => `${b} for ${names.join('/')}`).join(', ');
}

/**
 * `strategyFlagOptions` are the command-line options of every bundled strategy's settings, each
 * with its environment variable and its default as the descriptor states it.
 */
export function strategyFlagOptions(): Option[] {
  return strategyOptions().map(({ strategy, option }) =>
    new Option(
      `--${option.key} <${option.arg}>`,
      `${option.help} (${strategy.name}; default ${option.fallback})`,
    ).env(option.env),
  );
}

/** `readStrategyFlags` collects the strategy settings commander parsed, checking each value. */
export function readStrategyFlags(flags: Readonly<Record<string, unknown>>): StrategyOptions {
  const out: Record<string, number> = {};
  const options = strategyFlagOptions();
  strategyOptions().forEach(({ option }, i) => {
    const text = flags[options[i].attributeName()];
    if (typeof text === 'string') out[option.key] = parseCount(text, `--${option.key}`, option.min);
  });
  return out;
}
