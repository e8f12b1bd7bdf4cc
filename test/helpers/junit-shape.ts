import type { XmlElement } from './xml.js';

/**
 * `junitShapeProblems` checks a parsed JUnit report against the shape of the JUnit XSD that the
 * common CI tools accept (Ant's XMLJUnitResultFormatter as described by windyroad's JUnit.xsd,
 * which Jenkins, GitLab and Azure read): `testsuites` holding `testsuite`s, each with its required
 * attributes (name, package, id, hostname, timestamp without a zone, tests, failures, errors, time),
 * then `properties`, its `testcase`s (name, classname, time) each with at most one `failure` or
 * `error` (message, type), then `system-out` and `system-err`; and counts that add up. Returns
 * what is wrong, empty when nothing is.
 */
export function junitShapeProblems(root: XmlElement): string[] {
  const out: string[] = [];
  const need = (el: XmlElement, attr: string, pattern: RegExp, where: string) => {
    const v = el.attrs[attr];
    if (v === undefined) out.push(`${where}: no ${attr}`);
    else if (!pattern.test(v)) out.push(`${where}: ${attr}="${v}" does not match ${pattern}`);
  };
  const INT = /^\d+$/;
  const DECIMAL = /^\d+(\.\d+)?$/;
  const TOKEN = /^\S(.*\S)?$/;
  const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
  if (root.name !== 'testsuites') out.push(`root is <${root.name}>, not <testsuites>`);
  if (root.children.length === 0) out.push('<testsuites> holds no <testsuite>');
  for (const c of ['tests', 'failures', 'errors']) if (c in root.attrs) need(root, c, INT, 'testsuites');
  root.children.forEach((suite, si) => {
    const where = `testsuite ${si}`;
    if (suite.name !== 'testsuite') {
      out.push(`<testsuites> holds <${suite.name}>`);
      return;
    }
    need(suite, 'name', TOKEN, where);
    need(suite, 'package', TOKEN, where);
    need(suite, 'id', INT, where);
    need(suite, 'hostname', TOKEN, where);
    need(suite, 'timestamp', STAMP, where);
    for (const c of ['tests', 'failures', 'errors']) need(suite, c, INT, where);
    if ('skipped' in suite.attrs) need(suite, 'skipped', INT, where);
    need(suite, 'time', DECIMAL, where);
    const names = suite.children.map((c) => c.name);
    const cases = names.filter((n) => n === 'testcase').length;
    const expected = ['properties', ...Array(cases).fill('testcase'), 'system-out', 'system-err'];
    if (names.join(' ') !== expected.join(' '))
      out.push(
        `${where}: children are ${names.join(', ')}, not properties, testcase*, system-out, system-err`,
      );
    let failures = 0;
    let errors = 0;
    for (const prop of suite.children.find((c) => c.name === 'properties')?.children ?? []) {
      if (prop.name !== 'property') out.push(`${where}: <properties> holds <${prop.name}>`);
      need(prop, 'name', /./, `${where} property`);
      need(prop, 'value', /[\s\S]*/, `${where} property`);
    }
    suite.children
      .filter((c) => c.name === 'testcase')
      .forEach((tc, ti) => {
        const w = `${where} testcase ${ti}`;
        need(tc, 'name', TOKEN, w);
        need(tc, 'classname', TOKEN, w);
        need(tc, 'time', DECIMAL, w);
        if (tc.children.length > 1) out.push(`${w}: more than one failure or error`);
        for (const f of tc.children) {
          if (f.name !== 'failure' && f.name !== 'error') out.push(`${w}: holds <${f.name}>`);
          need(f, 'message', /[\s\S]*/, `${w} ${f.name}`);
          need(f, 'type', TOKEN, `${w} ${f.name}`);
          if (f.name === 'failure') failures++;
          else errors++;
        }
      });
    if (suite.attrs.tests !== String(cases))
      out.push(`${where}: tests="${suite.attrs.tests}" but ${cases} testcases`);
    if (suite.attrs.failures !== String(failures))
      out.push(`${where}: failures="${suite.attrs.failures}" but ${failures} <failure>s`);
    if (suite.attrs.errors !== String(errors))
      out.push(`${where}: errors="${suite.attrs.errors}" but ${errors} <error>s`);
  });
  return out;
}
