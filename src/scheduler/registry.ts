import { bounded } from './bounded.js';
import { delay } from './delay.js';
import { dfs } from './dfs.js';
import { dpor } from './optimal-dpor.js';
import { pct } from './pct.js';
import { random } from './random.js';
import { sourceDpor } from './source-dpor.js';
import type { StrategyDescriptor, StrategyOption } from './strategy.js';

/** `BUNDLED_STRATEGIES` are the strategies `--strategy NAME` accepts, in the order help lists them. */
export const BUNDLED_STRATEGIES: readonly StrategyDescriptor[] = [
  dfs,
  dpor,
  sourceDpor,
  random,
  pct,
  bounded,
  delay,
];

/** `bundledStrategy` is the bundled strategy called `name`, or undefined. */
export function bundledStrategy(name: string): StrategyDescriptor | undefined {
  return BUNDLED_STRATEGIES.find((s) => s.name === name);
}

/** `strategyOptions` lists the options of every bundled strategy once, in registry order. */
export function strategyOptions(): { strategy: StrategyDescriptor; option: StrategyOption }[] {
  const out: { strategy: StrategyDescriptor; option: StrategyOption }[] = [];
  for (const s of BUNDLED_STRATEGIES)
    for (const o of s.options)
      if (!out.some((x) => x.option.key === o.key)) out.push({ strategy: s, option: o });
  return out;
}
