import { describe, expect, it } from 'vitest';
import lostUpdate from '../../models/examples/lost-update.js';
import { checkModel } from '../../src/index.js';
import '../../src/vitest/index.js';
import { toBeCleanUnder, toFindViolation } from '../../src/vitest/matchers.js';

describe('pagerace/vitest matchers', () => {
  it('pass as the models expect', async () => {
    await expect(lostUpdate).toFindViolation('assertion', { variant: 'buggy' });
    await expect(lostUpdate).toBeCleanUnder({ strategy: 'dpor', variant: 'fixed' });
    await expect('lost-update:locked').toBeCleanUnder();
    await expect(lostUpdate).not.toBeCleanUnder({ variant: 'buggy' });
    await expect(lostUpdate).not.toFindViolation('deadlock');
  });

  it('toBeCleanUnder fails with the report: the oops line, the interleaving and the replay token', async () => {
    const report = await checkModel(lostUpdate, { variant: 'buggy', strategy: 'dfs' });
    const v = report.results[0].violations[0];
    const r = await toBeCleanUnder(lostUpdate, { variant: 'buggy', strategy: 'dfs' });
    expect(r.pass).toBe(false);
    expect(r.message().split('\n')).toEqual([
      'expected lost-update:buggy to be clean, but lost-update:buggy is assertion:',
      '',
      '== lost-update:buggy: assertion (expected)',
      'assertion: counter is 1 after two increments, expected 2',
      'Interleaving, 1 preemption (minimized from 2), 4 steps:',
      '  cpu0 A   increment load   counter -> 0',
      '  cpu1 B   increment load   counter -> 0',
      '  cpu1 B   increment store  counter = 1',
      '  cpu0 A   increment store  counter = 1',
      'Seen in 1 execution; first at execution 1.',
      `Replay: pagerace replay ${v.token}`,
      '',
      'lost-update:buggy: violation after 2 executions, 1 violating (dfs, stopped by violation, ' +
        /\(dfs, stopped by violation, (.*)\)$/.exec(r.message())![1] +
        ')',
    ]);
    await expect(expect(lostUpdate).toBeCleanUnder({ variant: 'buggy' })).rejects.toThrow(
      `Replay: pagerace replay ${v.token}`,
    );
  });

  it('a bounded search is not clean: toBeCleanUnder fails as unknown', async () => {
    const r = await toBeCleanUnder('lost-update:fixed', { budget: 2 });
    expect(r.pass).toBe(false);
    expect(r.message()).toMatch(
      /^expected lost-update:fixed to be clean, but lost-update:fixed is unknown:\n\nlost-update:fixed: unknown after 2 executions \(dfs, stopped by budget 2 executions, /,
    );
  });

  it('toFindViolation fails naming what each variant gave instead', async () => {
    const r = await toFindViolation(lostUpdate, 'use-after-free');
    expect(r.pass).toBe(false);
    expect(r.message().split('\n')[0]).toBe(
      'expected lost-update to find use-after-free, but lost-update:buggy is assertion, lost-update:fixed is clean, lost-update:locked is clean:',
    );
    expect(r.message()).toContain('Replay: pagerace replay v1.');
  });

  it('anything but a model fails with one line', async () => {
    const r = await toBeCleanUnder(42);
    expect(r.message()).toBe(
      "expected a pagerace model (a defineModel() definition, a bundled model's name or a model file), got number",
    );
  });
});
