import type { TlbMode } from '../arch/tlb.js';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import type { AllocMode } from '../machine/physical-memory.js';
import { ParamError } from './params.js';

/**
 * `Requested` is what the user asked of every target, before it is checked against each model:
 * parameter values by name (`--param tasks=8`) and the allocator mode (`--alloc any`).
 */
export interface Requested {
  params: Readonly<Record<string, string>>;
  alloc?: AllocMode;
  /** `--tlb on|off`: whether hardware walks use per-CPU translation caches (default on) */
  tlb?: TlbMode;
}

/** `NOTHING_REQUESTED` is `pagerace check` without `--param` or `--alloc`. */
export const NOTHING_REQUESTED: Requested = { params: {} };

/** `PARAM_SETTING` prefixes a parameter's name in token settings: `param.tasks=8`. */
export const PARAM_SETTING = 'param.';
/** `ALLOC_SETTING` is the token setting of the allocator mode; absent means `lowest`. */
export const ALLOC_SETTING = 'alloc';
/** `TLB_SETTING` is the token setting of `--tlb`; absent means `on`. */
export const TLB_SETTING = 'tlb';
/** `MEMORY_MODEL_SETTING` is the token setting that names the memory model; absent means sc. */
export const MEMORY_MODEL_SETTING = 'memory-model';

/**
 * `TargetRef` names one target so that another thread or a later run can rebuild it exactly: the
 * model (bundled name or absolute path), the variant, the settings that size its machine, as a
 * token records them, and the memory model it runs under (sc when absent).
 */
export interface TargetRef {
  model: string;
  variant: string;
  settings: Readonly<Record<string, string>>;
  memoryModel?: MemoryModelName;
}

/**
 * `settingsOf` is how a token records a target's parameters and allocator: each parameter whose
 * value is not the variant's default, and `alloc` when it is `any`. A run with neither records
 * nothing, so its tokens are what they were before parameters existed.
 */
export function settingsOf(
  nonDefault: Readonly<Record<string, string>>,
  alloc: AllocMode,
  tlb: TlbMode = 'on',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(nonDefault)) out[`${PARAM_SETTING}${k}`] = v;
  if (alloc !== 'lowest') out[ALLOC_SETTING] = alloc;
  if (tlb !== 'on') out[TLB_SETTING] = tlb;
  return out;
}

/**
 * `requestedOf` reads the parameters and allocator back from token settings; keys it does not
 * know belong to other settings (the memory model, ...) and are left alone. The allocator is
 * always given: a token without `alloc` ran with `lowest`.
 */
export function requestedOf(settings: Readonly<Record<string, string>>): Requested {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings)) {
    if (k.startsWith(PARAM_SETTING)) params[k.slice(PARAM_SETTING.length)] = v;
  }
  const alloc = settings[ALLOC_SETTING] ?? 'lowest';
  if (alloc !== 'lowest' && alloc !== 'any')
    throw new ParamError(`the token's allocator '${alloc}' is neither lowest nor any`);
  const tlb = settings[TLB_SETTING] ?? 'on';
  if (tlb !== 'on' && tlb !== 'off') throw new ParamError(`the token's tlb '${tlb}' is neither on nor off`);
  return { params, alloc, tlb };
}

/** `settingsText` prints settings for a report: `tasks=8 forkers=2 alloc=any`, empty when none. */
export function settingsText(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k.startsWith(PARAM_SETTING) ? k.slice(PARAM_SETTING.length) : k}=${v}`)
    .join(' ');
}
