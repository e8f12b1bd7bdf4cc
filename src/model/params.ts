/**
 * `ParamSpec` declares one integer parameter of a model (`defineModel({ params: { tasks: {...} } })`):
 * its default, the range it may be set to with `--param`, and what it sizes.
 */
export interface ParamSpec {
  default: number;
  min?: number;
  max?: number;
  summary: string;
}

/** `ParamSpecs` are a model's parameters by name. */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** `ParamOverride` is what a variant may change of a model parameter: its default and its range. */
export type ParamOverride = Partial<Pick<ParamSpec, 'default' | 'min' | 'max'>>;

/** `ParamValues` are the values a variant is built with, one per declared parameter. */
export type ParamValues<P extends ParamSpecs = ParamSpecs> = { readonly [K in keyof P]: number };

/** `ParamError` is a parameter that cannot be used: unknown, not a whole number, out of range. */
export class ParamError extends Error {
  override name = 'ParamError';
}

const NAME = /^[a-z][a-z0-9-]*$/;

/** `paramSpecProblem` says what is wrong with a model's parameter declarations, or null. */
export function paramSpecProblem(params: unknown): string | null {
  if (params === undefined) return null;
  if (typeof params !== 'object' || params === null)
    return 'params must map names to { default, min, max, summary }';
  for (const [name, spec] of Object.entries(params)) {
    if (!NAME.test(name))
      return `parameter name ${JSON.stringify(name)} must be lowercase letters, digits and dashes`;
    const s = spec as Partial<ParamSpec>;
    if (!Number.isSafeInteger(s?.default)) return `parameter ${name} needs an integer default`;
    if (typeof s.summary !== 'string') return `parameter ${name} needs a summary`;
    for (const bound of ['min', 'max'] as const) {
      if (s[bound] !== undefined && !Number.isSafeInteger(s[bound]))
        return `parameter ${name}: ${bound} must be an integer`;
    }
    const problem = rangeProblem(name, s.default!, s.min, s.max, 'its default');
    if (problem) return problem;
  }
  return null;
}

function rangeProblem(
  name: string,
  v: number,
  min: number | undefined,
  max: number | undefined,
  what: string,
): string | null {
  if (min !== undefined && v < min) return `${what} ${name}=${v} is below its minimum ${min}`;
  if (max !== undefined && v > max) return `${what} ${name}=${v} is above its maximum ${max}`;
  return null;
}

/** `effectiveSpec` is a model parameter as one variant sees it: the model's spec with the variant's override. */
export function effectiveSpec(spec: ParamSpec, override: ParamOverride | undefined): ParamSpec {
  return override ? { ...spec, ...override } : spec;
}

/**
 * `resolveParams` gives the values a variant is built with: each parameter's (variant) default,
 * replaced by `given[name]` when set. `given` must only name declared parameters (the caller
 * decides what to do with names another model declares) and hold whole numbers in range;
 * anything else is a ParamError naming `what` (`fork-vs-sync:fixed-l4-fresh`).
 */
export function resolveParams(
  what: string,
  specs: ParamSpecs,
  overrides: Readonly<Record<string, ParamOverride>> | undefined,
  given: Readonly<Record<string, string>>,
): ParamValues {
  const out: Record<string, number> = {};
  for (const [name, base] of Object.entries(specs)) {
    const spec = effectiveSpec(base, overrides?.[name]);
    const text = given[name];
    if (text === undefined) {
      out[name] = spec.default;
      continue;
    }
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text)))
      throw new ParamError(`--param ${name}=${text}: ${name} takes a whole number`);
    const v = Number(text);
    const problem = rangeProblem(name, v, spec.min, spec.max, `${what}: --param`);
    if (problem) throw new ParamError(problem);
    out[name] = v;
  }
  return out;
}

/** `nonDefaultParams` are the values that differ from the variant's defaults, as `name -> text`: what a token records. */
export function nonDefaultParams(
  specs: ParamSpecs,
  overrides: Readonly<Record<string, ParamOverride>> | undefined,
  values: ParamValues,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, base] of Object.entries(specs)) {
    const spec = effectiveSpec(base, overrides?.[name]);
    if (values[name] !== spec.default) out[name] = String(values[name]);
  }
  return out;
}

/** `describeParam` is one parameter as `pagerace list` shows it: `tasks=2 (1..16): tasks on pgd_list`. */
export function describeParam(name: string, spec: ParamSpec): string {
  const range =
    spec.min !== undefined || spec.max !== undefined ? ` (${spec.min ?? ''}..${spec.max ?? ''})` : '';
  return `${name}=${spec.default}${range}: ${spec.summary}`;
}

/**
 * `parseParamList` reads `--param` values: `tasks=8,forkers=2`, repeated flags joined. A name may
 * appear once; a malformed item is a ParamError.
 */
export function parseParamList(texts: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of texts) {
    for (const item of text.split(',')) {
      const m = /^\s*([a-z][a-z0-9-]*)\s*=\s*(\S+)\s*$/.exec(item);
      if (!m) throw new ParamError(`--param takes name=value[,name=value...], got '${text}'`);
      if (m[1] in out) throw new ParamError(`--param sets ${m[1]} twice`);
      out[m[1]] = m[2];
    }
  }
  return out;
}
