import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CheckFlags, junitTarget } from '../../src/cli/check.js';
import { pagerace } from '../helpers/cli.js';
import { junitShapeProblems } from '../helpers/junit-shape.js';
import { parseXml, type XmlElement } from '../helpers/xml.js';

function cases(root: XmlElement): XmlElement[] {
  return root.children[0].children.filter((c) => c.name === 'testcase');
}

const GOOD = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="s" package="p" id="0" hostname="h" timestamp="2026-01-02T03:04:05" tests="1" failures="1" errors="0" time="0.1">
<properties/><testcase name="a" classname="c" time="0.1"><failure message="m" type="t">x &amp; y</failure></testcase><system-out/><system-err/>
</testsuite></testsuites>`;

describe('the JUnit shape check', () => {
  it('accepts a report of the shape and rejects each way of breaking it', () => {
    expect(junitShapeProblems(parseXml(GOOD))).toEqual([]);
    expect(junitShapeProblems(parseXml(GOOD.replace(' hostname="h"', '')))).toEqual([
      'testsuite 0: no hostname',
    ]);
    expect(junitShapeProblems(parseXml(GOOD.replace(' type="t"', '')))).toEqual([
      'testsuite 0 testcase 0 failure: no type',
    ]);
    expect(junitShapeProblems(parseXml(GOOD.replace('failures="1"', 'failures="0"')))).toEqual([
      'testsuite 0: failures="0" but 1 <failure>s',
    ]);
    expect(junitShapeProblems(parseXml(GOOD.replace('T03:04:05', 'T03:04:05Z')))).toEqual([
      'testsuite 0: timestamp="2026-01-02T03:04:05Z" does not match /^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$/',
    ]);
    expect(junitShapeProblems(parseXml(GOOD.replace('<system-out/>', '')))).toEqual([
      'testsuite 0: children are properties, testcase, system-err, not properties, testcase*, system-out, system-err',
    ]);
    expect(() => parseXml(GOOD.replace('&amp;', '&'))).toThrow('XML: bare & in text');
    expect(() => parseXml(GOOD.replace('</testsuite>', ''))).toThrow('XML: </testsuites> closes <testsuite>');
  });
});

describe('pagerace check --reporter junit', () => {
  it('one testcase per variant, a failure for the result that is not as expected, with the report in it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pagerace-junit-')), 'pagerace.xml');
    const r = pagerace([
      'check',
      'lost-update',
      '--strategy',
      'dfs',
      '--budget',
      '1',
      '--junit',
      file,
      '--no-out',
    ]);
    expect(r.code).toBe(1);
    const root = parseXml(readFileSync(file, 'utf8'));
    expect(junitShapeProblems(root)).toEqual([]);
    expect(root.children[0].attrs).toMatchObject({
      name: 'pagerace check lost-update',
      tests: '3',
      failures: '3',
    });
    // one execution proves nothing about the clean variants either: inconclusive is a failure
    expect(cases(root).map((c) => [c.attrs.name, c.attrs.classname, c.children.map((f) => f.name)])).toEqual([
      ['lost-update:buggy', 'pagerace.lost-update', ['failure']],
      ['lost-update:fixed', 'pagerace.lost-update', ['failure']],
      ['lost-update:locked', 'pagerace.lost-update', ['failure']],
    ]);
    expect(cases(root)[1].children[0].attrs).toEqual({
      message: 'expected clean, got unknown: budget 1 execution after 1 execution',
      type: 'inconclusive',
    });
    const failure = cases(root)[0].children[0];
    expect(failure.attrs).toEqual({
      message: 'expected assertion, got unknown: budget 1 execution after 1 execution',
      type: 'unexpected-result',
    });
    expect(failure.text).toMatch(
      /^lost-update:buggy: unknown after 1 execution \(dfs, stopped by budget 1 execution, /,
    );
  });

  it('into the run folder: junit.xml next to report.json; a model error is an <error>', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-junit-'));
    const r = pagerace([
      'check',
      'test/fixtures/models/throws.ts',
      'lost-update:buggy',
      '--reporter',
      'junit',
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    const dir = join(out, readdirSync(out)[0]);
    expect(readdirSync(dir)).toContain('junit.xml');
    const root = parseXml(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    expect(junitShapeProblems(root)).toEqual([]);
    expect(
      cases(root).map((c) => [c.attrs.name, c.children.map((f) => `${f.name} ${f.attrs.type}`)]),
    ).toEqual([
      ['throws:default', ['error model-error']],
      ['lost-update:buggy', []],
    ]);
    expect(cases(root)[0].children[0].text).toContain('== throws:default: model-error (NOT expected)');
  });

  it('refuses a reporter it does not know, and junit with nowhere to go', () => {
    const target = (flags: Partial<CheckFlags>) => junitTarget({ out: 'results', minimize: true, ...flags });
    expect(target({})).toBeNull();
    expect(target({ reporter: 'junit' })).toBe('run-folder');
    expect(target({ junit: 'x.xml', out: false })).toBe('x.xml');
    expect(() => target({ reporter: 'tap' })).toThrow("--reporter must be text or junit, got 'tap'");
    expect(() => target({ reporter: 'junit', out: false })).toThrow(
      '--reporter junit writes junit.xml into the run folder: give --junit FILE with --no-out',
    );
    expect(() => target({ reporter: 'text', junit: 'x.xml' })).toThrow(
      '--junit FILE goes with --reporter junit',
    );
    // on the command line: one line, exit 2
    expect(pagerace(['check', 'lost-update:buggy', '--reporter', 'tap'])).toMatchObject({
      code: 2,
      stderr: "pagerace: --reporter must be text or junit, got 'tap'\n",
    });
  });
});
