import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listBundledModels } from '../../src/model/load.js';
import { pagerace } from '../helpers/cli.js';

const names = new Set((await listBundledModels()).map((m) => m.def.name));
// the kernel model the soak was made for; the example stands in for it until it lands
const buggy = ['lost-update:buggy'];
if (names.has('vmemmap-compound-nosync')) buggy.push('vmemmap-compound-nosync:buggy-l4-fresh');

describe('pagerace soak', () => {
  it.each(
    buggy,
  )('soak %s --record finds the bug on real threads; its token replays inline to the same violation', (spec) => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-'));
    const r = pagerace(['soak', spec, '--duration', '4s', '--record', '--seed', '1', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/on real threads, iteration \d+ of machine 0/);
    expect(r.stdout).toContain('(the inline executor replays it to the same violation)');
    expect(r.stdout).toMatch(/: as expected$/m);
    const token = /Replay: pagerace replay (v1\.\S+)/.exec(r.stdout)![1];
    // the violation as soak printed it: the line after the == header
    const lines = r.stdout.split('\n');
    const headline = lines[lines.findIndex((l) => l.startsWith('== ')) + 1];
    const replay = pagerace(['replay', token]);
    expect(replay.code).toBe(1);
    expect(replay.stdout.split('\n')[1]).toBe(headline);
    // soak.json holds the same finding
    const [dir] = readdirSync(out);
    const report = JSON.parse(readFileSync(join(out, dir, 'soak.json'), 'utf8'));
    expect(report.soak[0].matches).toBe(true);
    expect(report.soak[0].violations[0]).toMatchObject({ token, replaysInline: true });
  });

  it('a clean variant soaks clean: lost-update:locked, real spinlocks', () => {
    const r = pagerace(['soak', 'lost-update:locked', '--duration', '2s', '--no-out']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^lost-update:locked: \d+ iterations in .* 0 violating, 0 distinct, seed 0, .*: as expected$/m,
    );
  });

  it('two machines side by side with --cpus 4', () => {
    const r = pagerace(['soak', 'lost-update:buggy', '--duration', '2s', '--cpus', '4', '--no-out']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('on 4 CPU workers (2 machines of 2)');
  });

  it.each([
    [['--duration', 'soon'], "pagerace: --duration takes a duration like 30s, 10m or 2h, got 'soon'"],
    [['--duration', '0s'], "pagerace: --duration must be more than 0, got '0s'"],
    [['--cpus', '0'], 'pagerace: --cpus must be at least 1, got 0'],
    [
      ['--cpus', '1'],
      'pagerace: --cpus must be at least 2: lost-update:buggy has 2 CPUs, each its own worker',
    ],
  ])('bad input %j: one line, exit 2', (args, line) => {
    const r = pagerace(['soak', 'lost-update:buggy', ...args, '--no-out']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([line]);
  });
});
