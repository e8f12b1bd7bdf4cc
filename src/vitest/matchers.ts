import { type CheckModelOptions, checkModel } from '../api/check-model.js';
import type { ModelDefinition } from '../model/define.js';
import type { Report, ReportResult } from '../report/json.js';
import { formatSummary, formatViolation } from '../report/text.js';

/** `MatcherOutcome` is what an async vitest matcher resolves to. */
export interface MatcherOutcome {
  pass: boolean;
  message: () => string;
}

/** `CheckedModel` is what `expect(...)` takes: a model definition, a bundled name or a file path. */
export type CheckedModel = ModelDefinition | string;

function isModel(x: unknown): x is CheckedModel {
  return typeof x === 'string' || (typeof x === 'object' && x !== null && 'variants' in x && 'name' in x);
}

function nameOf(model: CheckedModel, options: CheckModelOptions): string {
  const name = typeof model === 'string' ? model : model.name;
  return options.variant === undefined ? name : `${name}:${options.variant}`;
}

/** the report as `pagerace check` prints it: every violation in full (trace, token), then the summaries */
function reportText(report: Report): string {
  const lines: string[] = [];
  for (const r of report.results) for (const v of r.violations) lines.push(...formatViolation(r, v), '');
  for (const r of report.results) lines.push(formatSummary(r));
  return lines.join('\n');
}

function notAModel(received: unknown): MatcherOutcome {
  return {
    pass: false,
    message: () =>
      `expected a pagerace model (a defineModel() definition, a bundled model's name or a model file), got ${typeof received}`,
  };
}

/**
 * `toBeCleanUnder` passes when every variant checked is `clean`: a complete search that found no
 * violation. A violation fails it with the full report (interleaving and replay token); a search
 * that could not finish (budget, time, a bound) fails it as `unknown`.
 */
export async function toBeCleanUnder(
  received: unknown,
  options: CheckModelOptions = {},
): Promise<MatcherOutcome> {
  if (!isModel(received)) return notAModel(received);
  const report = await checkModel(received, options);
  const bad = report.results.filter((r) => r.verdict !== 'clean');
  const name = nameOf(received, options);
  return {
    pass: bad.length === 0,
    message: () =>
      bad.length === 0
        ? `expected ${name} not to be clean, but every variant is:\n${reportText(report)}`
        : `expected ${name} to be clean, but ${bad.map(verdictOf).join(', ')}:\n\n${reportText(report)}`,
  };
}

function verdictOf(r: ReportResult): string {
  const kinds = [...new Set(r.violations.map((v) => v.kind))];
  return `${r.model}:${r.variant} is ${kinds.length ? kinds.join(', ') : r.verdict}`;
}

/**
 * `toFindViolation` passes when some variant checked raises a violation of `kind`. Its failure
 * message is the report: what was found instead (each in full) and how every search ended.
 */
export async function toFindViolation(
  received: unknown,
  kind: string,
  options: CheckModelOptions = {},
): Promise<MatcherOutcome> {
  if (!isModel(received)) return notAModel(received);
  const report = await checkModel(received, options);
  const found = report.results.some((r) => r.violations.some((v) => v.kind === kind));
  const name = nameOf(received, options);
  return {
    pass: found,
    message: () =>
      found
        ? `expected ${name} not to find ${kind}, but it did:\n\n${reportText(report)}`
        : `expected ${name} to find ${kind}, but ${report.results.map(verdictOf).join(', ')}:\n\n${reportText(report)}`,
  };
}

/** `pageraceMatchers` are the matchers `pagerace/vitest` adds to `expect` (for `expect.extend`). */
export const pageraceMatchers = { toBeCleanUnder, toFindViolation };
