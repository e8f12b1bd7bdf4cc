import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
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

/**
 * `strategyUnder` is the strategy that runs for `desc` under memory model `memoryModel`: its
 * bundled stand-in (`underWeakMemory`) under a model with store buffers, else itself.
 */
export function strategyUnder(desc: StrategyDescriptor, memoryModel: MemoryModelName): StrategyDescriptor {
  if (memoryModel === 'sc' || desc.underWeakMemory === undefined) return desc;
  const standIn = bundledStrategy(desc.underWeakMemory);
  if (!standIn) throw new RangeError(`strategy ${desc.name}: no bundled strategy ${desc.underWeakMemory}`);
  return standIn;
}

/** `strategyOptions` lists the options of every bundled strategy once, in registry order. */
export function strategyOptions(): { strategy: StrategyDescriptor; option: StrategyOption }[] {
  const out: { strategy: StrategyDescriptor; option: StrategyOption }[] = [];
  for (const s of BUNDLED_STRATEGIES)
    for (const o of s.options)
      if (!out.some((x) => x.option.key === o.key)) out.push({ strategy: s, option: o });
  return out;
}
