import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/json.js';
import { decodeToken, encodeToken } from '../../src/scheduler/token.js';
import { pagerace, ROOT } from '../helpers/cli.js';

const INTERLEAVE = 'src/bench/models/interleave.ts';

let cached: string | null = null;

/** the token of interleave:small-lost, a model file, as check prints it */
function fileToken(): string {
  if (cached !== null) return cached;
  const r = pagerace(['check', `${INTERLEAVE}:small-lost`, '--json', '--no-out']);
  expect(r.code).toBe(0);
  cached = (JSON.parse(r.stdout) as Report).results[0].violations[0].token;
  return cached;
}

describe('issue 8: tokens of model files', () => {
  it("a model file's token names the model and the file relative to the working directory, never this machine's path", () => {
    const token = fileToken();
    const spec = decodeToken(token);
    expect([spec.model, spec.variant, spec.settings]).toEqual([
      'interleave',
      'small-lost',
      { 'model-file': INTERLEAVE },
    ]);
    expect(Buffer.from(token.slice(3), 'base64url').toString('latin1')).not.toContain(ROOT);
  });

  it('replay never imports the file a token names on its own: one line saying what to pass, exit 2', () => {
    const r = pagerace(['replay', fileToken()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `pagerace: the token was made from the model file ${INTERLEAVE} (model interleave); replay loads a model file only when told: pass --model ${INTERLEAVE}\n`,
    );
    expect(r.stdout).toBe('');
  });

  it('replay TOKEN --model FILE reproduces the bug, also from another folder of the clone (exit 1)', () => {
    const token = fileToken();
    const here = pagerace(['replay', token, '--model', INTERLEAVE]);
    expect(here.code).toBe(1);
    expect(here.stdout.split('\n').slice(0, 2)).toEqual([
      'Replaying interleave:small-lost, 12 steps, 1 preemption',
      'assertion: counter is 2, expected at least 3',
    ]);
    const there = pagerace(['replay', token, '--model', 'bench/models/interleave.ts'], {}, join(ROOT, 'src'));
    expect([there.code, there.stdout]).toEqual([1, here.stdout]);
  });

  it('--model naming another model is refused', () => {
    const r = pagerace(['replay', fileToken(), '--model', 'models/examples/lost-update.ts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'pagerace: the token is for model interleave, but models/examples/lost-update.ts defines lost-update\n',
    );
  });

  it("an old v1 token that carries a file's absolute path is not imported either", () => {
    const token = encodeToken({
      model: join(ROOT, INTERLEAVE),
      variant: 'small-lost',
      maxSteps: 100_000,
      choices: [0],
    });
    expect(token).toMatch(/^v1\./);
    const r = pagerace(['replay', token]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `pagerace: the token names the model file ${join(ROOT, INTERLEAVE)}; replay loads a model file only when told: pass --model FILE\n`,
    );
  });

  it('replay TOKEN --executor threads replays on real threads: the same trace as inline, exit 1', () => {
    const token = 'v1.AQtsb3N0LXVwZGF0ZQVidWdneaCNBgMAAQECAAFSHNxj';
    const inline = pagerace(['replay', token]);
    const threads = pagerace(['replay', token, '--executor', 'threads']);
    expect([inline.code, threads.code]).toEqual([1, 1]);
    const [head, ...rest] = threads.stdout.split('\n');
    expect(head).toBe('Replaying lost-update:buggy on real threads, 4 steps, 1 preemption');
    expect(rest).toEqual(inline.stdout.split('\n').slice(1));
    const json = JSON.parse(pagerace(['replay', token, '--executor', 'threads', '--json']).stdout) as {
      replay: { executor: string; violation: { kind: string } };
    };
    expect([json.replay.executor, json.replay.violation.kind]).toEqual(['threads', 'assertion']);
  });
});
