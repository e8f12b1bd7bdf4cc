import type { Program } from '../engine/program.js';
import { isViolationKind, type ViolationKind, violationKinds } from '../engine/violation-kinds.js';
import {
  isMemoryModelName,
  MEMORY_MODELS,
  type MemoryModelName,
} from '../machine/memory-model/memory-model.js';
import type { AllocMode } from '../machine/physical-memory.js';
import { type ParamOverride, type ParamSpecs, type ParamValues, paramSpecProblem } from './params.js';

/** `Expectation` is what a variant must give: no violation anywhere, or a violation of one kind. */
export type Expectation = 'clean' | { violation: ViolationKind };

/** `StrategyName` names a search strategy (`--strategy`): a bundled one or a strategy file. */
export type StrategyName = string;

/** `Commits` ties a variant to kernel history: where the bug came in and what fixed it. */
export interface Commits {
  /** the commit that introduced the bug, `sha ("subject")` */
  introduced?: string;
  /** the commits that fixed it */
  fixed?: string[];
}

/**
 * `Variant` is one version of a scenario: the buggy kernel or the fixed one (or a mutant). `build`
 * makes a fresh program of the size its parameters give; it is called once per run, and the
 * executions reset its memory.
 *
 * `expect` is what it gives under its memory model (`memoryModel`, default sc); `expectUnder`
 * what it gives under others. `pagerace check` checks a variant under its own memory model and
 * under every one `expectUnder` names (one row each), or only under `--memory-model`'s.
 */
export interface Variant<P extends ParamSpecs = ParamSpecs> {
  summary: string;
  expect: Expectation;
  build(params: ParamValues<P>): Program;
  /** this variant's own default or range of some of the model's parameters */
  params?: { readonly [K in keyof P]?: ParamOverride };
  /** how the frame allocator chooses (default: the model's, else `lowest`; `--alloc` overrides) */
  alloc?: AllocMode;
  /** the memory model this variant runs under when none is given (default sc) */
  memoryModel?: MemoryModelName;
  /** what the variant gives under other memory models (the published verdict of a litmus test) */
  expectUnder?: Partial<Record<MemoryModelName, Expectation>>;
  commits?: Commits;
  /** the strategy `pagerace check` uses for this variant when none is given (default dfs) */
  strategy?: StrategyName;
  /** a bound on executions for `npm start` when the strategy is random or pct */
  budget?: number;
}

/**
 * `ModelDefinition` is what a model file default-exports: a named set of variants, and the
 * parameters that size them (`pagerace check MODEL --param tasks=8`).
 */
export interface ModelDefinition<P extends ParamSpecs = ParamSpecs> {
  name: string;
  summary: string;
  params?: P;
  /** how the frame allocator chooses for every variant (default `lowest`) */
  alloc?: AllocMode;
  variants: Record<string, Variant<P>>;
}

/**
 * `defineModel` declares a model. It checks the shape eagerly so that a malformed model fails
 * when it is loaded, with a message naming the model, not in the middle of a search. The types of
 * `params` flow into every variant's `build(params)`.
 */
// biome-ignore lint/complexity/noBannedTypes: a model without parameters has none
export function defineModel<P extends ParamSpecs = {}>(def: ModelDefinition<P>): ModelDefinition<P> {
  const problem = modelProblem(def);
  if (problem) throw new TypeError(problem);
  return def;
}

/** `modelProblem` says what is wrong with a model definition, or null when nothing is. */
export function modelProblem(def: unknown): string | null {
  if (typeof def !== 'object' || def === null)
    return 'a model must be defineModel({ name, summary, variants })';
  const d = def as Partial<ModelDefinition>;
  if (typeof d.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(d.name)) {
    return `a model needs a name of lowercase letters, digits and dashes, got ${JSON.stringify(d.name)}`;
  }
  if (typeof d.summary !== 'string') return `model ${d.name}: summary must be a string`;
  const params = paramSpecProblem(d.params);
  if (params) return `model ${d.name}: ${params}`;
  if (d.alloc !== undefined && !isAllocMode(d.alloc))
    return `model ${d.name}: alloc must be 'lowest' or 'any'`;
  if (typeof d.variants !== 'object' || d.variants === null || Object.keys(d.variants).length === 0) {
    return `model ${d.name}: variants must name at least one variant`;
  }
  for (const [name, v] of Object.entries(d.variants)) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
      return `model ${d.name}: variant name ${JSON.stringify(name)} must be lowercase letters, digits and dashes`;
    if (typeof v?.build !== 'function') return `model ${d.name}: variant ${name} has no build() function`;
    if (v.alloc !== undefined && !isAllocMode(v.alloc))
      return `model ${d.name}: variant ${name}: alloc must be 'lowest' or 'any'`;
    for (const p of Object.keys(v.params ?? {})) {
      if (!(p in (d.params ?? {})))
        return `model ${d.name}: variant ${name} overrides parameter ${p}, which the model does not declare`;
    }
    if (!isExpectation(v.expect))
      return `model ${d.name}: variant ${name} must expect 'clean' or { violation: kind }`;
    const kindProblem = expectedKindProblem(`model ${d.name}: variant ${name}`, v.expect);
    if (kindProblem) return kindProblem;
    if (v.memoryModel !== undefined && !isMemoryModelName(String(v.memoryModel)))
      return `model ${d.name}: variant ${name}: memoryModel must be one of ${MEMORY_MODELS.join(', ')}`;
    for (const [mm, e] of Object.entries(v.expectUnder ?? {})) {
      if (!isMemoryModelName(mm))
        return `model ${d.name}: variant ${name}: expectUnder names ${JSON.stringify(mm)}, not one of ${MEMORY_MODELS.join(', ')}`;
      if (!isExpectation(e))
        return `model ${d.name}: variant ${name}: expectUnder.${mm} must be 'clean' or { violation: kind }`;
      const p = expectedKindProblem(`model ${d.name}: variant ${name}: expectUnder.${mm}`, e);
      if (p) return p;
    }
  }
  return null;
}

function isAllocMode(x: unknown): x is AllocMode {
  return x === 'lowest' || x === 'any';
}

/** `unknownKind` says that `what` expects a kind no loaded code registered, and names the known ones. */
function unknownKind(what: string, kind: string): string {
  const known = violationKinds()
    .map((k) => k.name)
    .join(', ');
  return `${what} expects violation '${kind}', which no loaded code defines (known kinds: ${known}); a kind of your own needs defineViolationKind('${kind}', summary)`;
}

/** the problem with an expectation's violation kind: one no loaded code registered */
function expectedKindProblem(what: string, e: unknown): string | null {
  if (e === 'clean') return null;
  const kind = (e as { violation: string }).violation;
  return isViolationKind(kind) ? null : unknownKind(what, kind);
}

function isExpectation(e: unknown): boolean {
  return (
    e === 'clean' ||
    (typeof e === 'object' && e !== null && typeof (e as { violation?: unknown }).violation === 'string')
  );
}

/** `variantModels` are the memory models `pagerace check` checks a variant under by default: its own first. */
export function variantModels(v: Variant): MemoryModelName[] {
  const own = v.memoryModel ?? 'sc';
  const others = MEMORY_MODELS.filter((m) => m !== own && v.expectUnder?.[m] !== undefined);
  return [own, ...others];
}

/** `expectationUnder` is what variant `v` expects under memory model `mm`. */
export function expectationUnder(v: Variant, mm: MemoryModelName): Expectation {
  return v.expectUnder?.[mm] ?? v.expect;
}

/** `expectationText` prints an expectation the way the verdict table shows it. */
export function expectationText(e: Expectation): string {
  return e === 'clean' ? 'clean' : e.violation;
}
