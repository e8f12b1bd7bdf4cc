import type { SearchResult } from '../explore/found.js';
import { expectText, formatSummary, formatViolation, verdictText } from './text.js';

/** `JunitError` is a variant that could not be searched at all (its build threw, it stalled). */
export interface JunitError {
  name: string;
  message: string;
}

/** `JunitRun` is what one JUnit file reports: a run's results and the variants that failed to run. */
export interface JunitRun {
  /** the suite's name: `pagerace check <what>` */
  name: string;
  results: readonly SearchResult[];
  errors: readonly JunitError[];
  /** when the run started */
  timestamp: Date;
  hostname: string;
  properties?: Readonly<Record<string, string>>;
}

/** `xml` escapes text for XML content and attributes (and drops what XML 1.0 cannot carry). */
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function seconds(s: number): string {
  return s.toFixed(3);
}

/** `unexpectedText` says what a mismatching result gave instead of what it expects. */
function unexpectedText(r: SearchResult): string {
  return `expected ${expectText(r)}, got ${verdictText(r)} (${r.complete ? 'complete' : `stopped by ${r.stoppedBy}`}, ${r.executions} executions)`;
}

function testcase(r: SearchResult): string {
  const head = `    <testcase name="${xml(`${r.model}:${r.variant}`)}" classname="${xml(`pagerace.${r.model}`)}" time="${seconds(r.seconds)}"`;
  if (r.matches) return `${head}/>`;
  const body = [...r.violations.flatMap((v) => [...formatViolation(r, v), '']), formatSummary(r)].join('\n');
  const modelError = r.violations.some((v) => v.kind === 'model-error');
  const tag = modelError ? 'error' : 'failure';
  const type = modelError ? 'model-error' : 'unexpected-result';
  return `${head}>\n      <${tag} message="${xml(unexpectedText(r))}" type="${type}">${xml(body)}</${tag}>\n    </testcase>`;
}

function errorcase(e: JunitError): string {
  const model = e.name.split(':')[0];
  return `    <testcase name="${xml(e.name)}" classname="${xml(`pagerace.${model}`)}" time="0.000">\n      <error message="${xml(e.message)}" type="model-error">${xml(e.message)}</error>\n    </testcase>`;
}

/**
 * `junitXml` is a run as JUnit XML, in the shape the common CI tools read (Ant's
 * XMLJUnitResultFormatter, the JUnit.xsd that Jenkins, GitLab and others accept): one
 * `testsuite` in `testsuites`, one `testcase` per model variant, a `failure` for each result that
 * is not what the variant expects (its message says what was expected and what came; its text is
 * the full report with the interleaving and the replay token), an `error` for a variant that hit a
 * model error or could not be searched.
 */
export function junitXml(run: JunitRun): string {
  const failures = run.results.filter(
    (r) => !r.matches && !r.violations.some((v) => v.kind === 'model-error'),
  );
  const errors = run.results.length - run.results.filter((r) => r.matches).length - failures.length;
  const tests = run.results.length + run.errors.length;
  const errorCount = errors + run.errors.length;
  const time = seconds(run.results.reduce((t, r) => t + r.seconds, 0));
  const stamp = run.timestamp.toISOString().slice(0, 19);
  const props = Object.entries(run.properties ?? {}).map(
    ([k, v]) => `      <property name="${xml(k)}" value="${xml(v)}"/>`,
  );
  const properties = props.length
    ? `    <properties>\n${props.join('\n')}\n    </properties>`
    : '    <properties/>';
  const counts = `tests="${tests}" failures="${failures.length}" errors="${errorCount}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="pagerace" ${counts} time="${time}">
  <testsuite name="${xml(run.name)}" package="pagerace" id="0" hostname="${xml(run.hostname)}" timestamp="${stamp}" ${counts} skipped="0" time="${time}">
${properties}
${[...run.results.map(testcase), ...run.errors.map(errorcase)].join('\n')}
    <system-out/>
    <system-err/>
  </testsuite>
</testsuites>
`;
}
