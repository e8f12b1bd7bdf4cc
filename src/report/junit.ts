import type { SearchResult } from '../explore/found.js';
import { expectText, formatSummary, formatViolation, verdictText } from './text.js';

/** `JunitRun` is what one JUnit file reports: a run's results and the variants that failed to run. */
export interface JunitRun {
  /** the suite's name: `pagerace check <what>` */
  name: string;
  results: readonly SearchResult[];
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
  const n = `${r.executions} execution${r.executions === 1 ? '' : 's'}`;
  return `expected ${expectText(r)}, got ${verdictText(r)} after ${n}${r.complete ? ' (complete)' : ''}`;
}

/**
 * a variant proven as it expects passes; a mismatch or an unfinished search (inconclusive: it
 * proves nothing) fails; one that could not be searched is an error
 */
function caseKind(r: SearchResult): 'pass' | 'failure' | 'error' | 'skipped' {
  if (r.error !== undefined || r.violations.some((v) => v.kind === 'model-error')) return 'error';
  if (r.conclusion === 'ok') return 'pass';
  if (r.conclusion === 'not run') return 'skipped';
  return 'failure';
}

function testcase(r: SearchResult): string {
  const head = `    <testcase name="${xml(`${r.model}:${r.variant}`)}" classname="${xml(`pagerace.${r.model}`)}" time="${seconds(r.seconds)}"`;
  const kind = caseKind(r);
  if (kind === 'pass') return `${head}/>`;
  if (kind === 'skipped')
    return `${head}>\n      <skipped message="${xml(`not run: ${r.reason}`)}"/>\n    </testcase>`;
  const body = [...r.violations.flatMap((v) => [...formatViolation(r, v), '']), formatSummary(r)].join('\n');
  const tag = kind;
  const type =
    kind === 'error' ? 'model-error' : r.conclusion === 'mismatch' ? 'unexpected-result' : r.conclusion;
  return `${head}>\n      <${tag} message="${xml(unexpectedText(r))}" type="${type}">${xml(body)}</${tag}>\n    </testcase>`;
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
  const kinds = run.results.map(caseKind);
  const failures = kinds.filter((k) => k === 'failure');
  const skipped = kinds.filter((k) => k === 'skipped').length;
  const errors = kinds.filter((k) => k === 'error').length;
  const tests = run.results.length;
  const errorCount = errors;
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
  <testsuite name="${xml(run.name)}" package="pagerace" id="0" hostname="${xml(run.hostname)}" timestamp="${stamp}" ${counts} skipped="${skipped}" time="${time}">
${properties}
${run.results.map(testcase).join('\n')}
    <system-out/>
    <system-err/>
  </testsuite>
</testsuites>
`;
}
