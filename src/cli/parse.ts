import type { Shard } from '../explore/shard-plan.js';
import { looksLikePath } from '../model/load.js';
import { BUNDLED_STRATEGIES, bundledStrategy } from '../scheduler/registry.js';
import { UsageError } from './errors.js';

/** `parseDuration` reads `500ms`, `30s`, `10m`, `2h` or a number of seconds, in milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} takes a duration like 30s, 10m or 2h, got '${text}'`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/** `parseCount` reads a positive whole number (`--budget 10000`, `--max-steps 1e5` is refused). */
export function parseCount(text: string, flag: string, min = 1): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} takes a whole number, got '${text}'`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} must be at least ${min}, got ${text}`);
  return n;
}

/** `parseStrategy` checks a `--strategy` value: a bundled strategy's name or a strategy file. */
export function parseStrategy(text: string): string {
  if (bundledStrategy(text) || looksLikePath(text)) return text;
  const names = BUNDLED_STRATEGIES.map((s) => s.name).join(', ');
  throw new UsageError(`--strategy must be one of ${names}, or a strategy file, got '${text}'`);
}

/** `MAX_SHARDS` bounds `--shard i/n`: more shards than this are more reports than work. */
export const MAX_SHARDS = 10_000;

/** `parseShard` checks `--shard i/n` (PAGERACE_SHARD): shard i of n, counted from 0. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!(count >= 1 && count <= MAX_SHARDS && index < count))
    throw new UsageError(
      `--shard must be i/n with 0 <= i < n <= ${MAX_SHARDS} (shard i of n, from 0: 0/4 ... 3/4), got '${text}'`,
    );
  return { index, count };
}

/** `parseSeed` checks `--seed` (PAGERACE_SEED): any text but the empty one. */
export function parseSeed(text: string): string {
  if (text.trim() === '') throw new UsageError(`--seed needs a value, got '${text}'`);
  return text;
}
