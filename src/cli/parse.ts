import type { Shard } from '../explore/shard-plan.js';
import { looksLikePath } from '../model/load.js';
import { ParamError, parseParamList } from '../model/params.js';
import type { Requested } from '../model/settings.js';
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

/**
 * `parseRequested` reads `--param name=value[,...]` (repeatable, PAGERACE_PARAM), `--alloc
 * lowest|any` (PAGERACE_ALLOC) and `--tlb on|off` (PAGERACE_TLB): what every selected target is
 * sized and allocated with, and whether its hardware walks use translation caches.
 */
export function parseRequested(
  params: readonly string[] | string | undefined,
  alloc: string | undefined,
  tlb?: string,
): Requested {
  const texts = params === undefined ? [] : typeof params === 'string' ? [params] : params;
  let parsed: Record<string, string>;
  try {
    parsed = parseParamList(texts);
  } catch (e) {
    if (e instanceof ParamError) throw new UsageError(e.message);
    throw e;
  }
  if (alloc !== undefined && alloc !== 'lowest' && alloc !== 'any')
    throw new UsageError(`--alloc must be lowest or any, got '${alloc}'`);
  if (tlb !== undefined && tlb !== 'on' && tlb !== 'off')
    throw new UsageError(`--tlb must be on or off, got '${tlb}'`);
  return { params: parsed, alloc, ...(tlb ? { tlb } : {}) };
}

/** `collect` gathers a repeatable option's values (`--param a=1 --param b=2`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
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
