import { describe, expect, it } from 'vitest';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { search } from '../../src/explore/search.js';
import { loadModel, resolveTargets, selectVariants } from '../../src/model/load.js';
import { parseParamList } from '../../src/model/params.js';
import { decodeToken } from '../../src/scheduler/token.js';
import { pagerace, ROOT } from '../helpers/cli.js';

const SIZED = `${ROOT}/test/fixtures/models/sized.ts`;

describe('model parameters (defineModel params, --param)', () => {
  it('size the program: 3 CPUs incrementing give 6!/(2!2!2!) = 90 interleavings, 2 give 6', async () => {
    const opts = { ...defaultSearchOptions(), strategy: 'dfs', keepGoing: true };
    const [three] = await resolveTargets([`${SIZED}:racy`], { params: { cpus: '3' } });
    expect([three.params, three.settings]).toEqual([{ cpus: 3 }, { 'param.cpus': '3' }]);
    const r3 = await search(three, opts);
    expect([r3.executions, r3.violations.map((v) => v.message)]).toEqual([90, ['counter is not 3']]);
    expect(decodeToken(r3.violations[0].token).settings).toEqual({
      'model-file': 'test/fixtures/models/sized.ts',
      'param.cpus': '3',
    });
    const [two] = selectVariants(await loadModel(SIZED), 'racy');
    expect([two.params, two.settings]).toEqual([{ cpus: 2 }, {}]);
    const r2 = await search(two, opts);
    expect(r2.executions).toBe(6);
    expect(decodeToken(r2.violations[0].token).settings).toEqual({
      'model-file': 'test/fixtures/models/sized.ts',
    });
  });

  it('a variant may have its own default and range', async () => {
    const model = await loadModel(SIZED);
    expect(selectVariants(model, 'alone')[0].params).toEqual({ cpus: 1 });
    expect(() => selectVariants(model, 'alone', { params: { cpus: '2' } })).toThrow(
      'sized:alone: --param cpus=2 is above its maximum 1',
    );
  });

  it('bad values are one clear line each', async () => {
    await expect(resolveTargets([SIZED], { params: { cpus: '7' } })).rejects.toThrow(
      'sized:racy: --param cpus=7 is above its maximum 6',
    );
    await expect(resolveTargets([SIZED], { params: { cpus: '0' } })).rejects.toThrow(
      'sized:racy: --param cpus=0 is below its minimum 1',
    );
    await expect(resolveTargets([SIZED], { params: { cpus: 'two' } })).rejects.toThrow(
      '--param cpus=two: cpus takes a whole number',
    );
    await expect(resolveTargets([SIZED], { params: { taks: '2' } })).rejects.toThrow(
      "--param taks: model sized has no parameter 'taks' (parameters: cpus)",
    );
    expect(() => parseParamList(['cpus'])).toThrow("--param takes name=value[,name=value...], got 'cpus'");
    expect(() => parseParamList(['cpus=1', 'cpus=2'])).toThrow('--param sets cpus twice');
    expect(parseParamList(['a=1,b=2', 'c=3'])).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('the CLI sizes the model, records the size in the token, and replay rebuilds it', () => {
    const r = pagerace(['check', `${SIZED}:racy`, '--param', 'cpus=3', '--strategy', 'dfs', '--no-out']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('== sized:racy (cpus=3): assertion (expected)');
    const token = /Replay: pagerace replay (\S+)/.exec(r.stdout)![1];
    const replay = pagerace(['replay', token, '--model', SIZED]);
    expect(replay.code).toBe(1);
    expect(replay.stdout.split('\n')[0]).toMatch(
      /^Replaying sized:racy \(cpus=3\), \d+ steps, \d+ preemptions?$/,
    );
    expect(replay.stdout).toContain('assertion: counter is not 3');
    const bad = pagerace(['check', `${SIZED}:racy`, '--param', 'cpus=9', '--no-out']);
    expect([bad.code, bad.stderr.trim()]).toEqual([
      2,
      'pagerace: sized:racy: --param cpus=9 is above its maximum 6',
    ]);
    const alloc = pagerace(['check', `${SIZED}:racy`, '--alloc', 'sometimes', '--no-out']);
    expect([alloc.code, alloc.stderr.trim()]).toEqual([
      2,
      "pagerace: --alloc must be lowest or any, got 'sometimes'",
    ]);
  });
});
