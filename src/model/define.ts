import type { Program } from '../engine/program.js';
import type { ViolationKind } from '../engine/violation.js';
import {
  isMemoryModelName,
  MEMORY_MODELS,
  type MemoryModelName,
} from '../machine/memory-model/memory-model.js';

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
 * makes a fresh program; it is called once per run, and the executions reset its memory.
 *
 * `expect` is what it gives under its memory model (`memoryModel`, default sc); `expectUnder`
 * what it gives under others. `pagerace check` checks a variant under its own memory model and
 * under every one `expectUnder` names (one row each), or only under `--memory-model`'s.
 */
export interface Variant {
  summary: string;
  expect: Expectation;
  build(): Program;
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

/** `ModelDefinition` is what a model file default-exports: a named set of variants. */
export interface ModelDefinition {
  name: string;
  summary: string;
  variants: Record<string, Variant>;
}

/**
 * `defineModel` declares a model. It checks the shape eagerly so that a malformed model fails
 * when it is loaded, with a message naming the model, not in the middle of a search.
 */
export function defineModel(def: ModelDefinition): ModelDefinition {
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
  if (typeof d.variants !== 'object' || d.variants === null || Object.keys(d.variants).length === 0) {
    return `model ${d.name}: variants must name at least one variant`;
  }
  for (const [name, v] of Object.entries(d.variants)) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
      return `model ${d.name}: variant name ${JSON.stringify(name)} must be lowercase letters, digits and dashes`;
    if (typeof v?.build !== 'function') return `model ${d.name}: variant ${name} has no build() function`;
    if (!isExpectation(v.expect))
      return `model ${d.name}: variant ${name} must expect 'clean' or { violation: kind }`;
    if (v.memoryModel !== undefined && !isMemoryModelName(String(v.memoryModel)))
      return `model ${d.name}: variant ${name}: memoryModel must be one of ${MEMORY_MODELS.join(', ')}`;
    for (const [mm, e] of Object.entries(v.expectUnder ?? {})) {
      if (!isMemoryModelName(mm))
        return `model ${d.name}: variant ${name}: expectUnder names ${JSON.stringify(mm)}, not one of ${MEMORY_MODELS.join(', ')}`;
      if (!isExpectation(e))
        return `model ${d.name}: variant ${name}: expectUnder.${mm} must be 'clean' or { violation: kind }`;
    }
  }
  return null;
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
