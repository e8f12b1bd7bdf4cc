import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken } from '../../src/scheduler/token.js';

describe('replay tokens', () => {
  it('decode(encode(s)) == s for any schedule and settings (property, fast-check seed 42)', () => {
    const spec = fc.record({
      model: fc.string({ maxLength: 40 }),
      variant: fc.string({ maxLength: 20 }),
      maxSteps: fc.integer({ min: 1, max: 10_000_000 }),
      // CPU steps are >= 0, data choices ~v < 0 (engine/scheduling.ts)
      choices: fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 500 }),
      settings: fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), { maxKeys: 4 }),
    });
    fc.assert(
      fc.property(spec, (s) => {
        expect(decodeToken(encodeToken(s))).toEqual(s);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('run-length encodes: a long run of one CPU costs two bytes', () => {
    const short = encodeToken({ model: 'm', variant: 'v', maxSteps: 100, choices: [0] });
    const long = encodeToken({ model: 'm', variant: 'v', maxSteps: 100, choices: new Array(100).fill(0) });
    expect(long.length - short.length).toBeLessThanOrEqual(2);
  });

  it('writes v2, with each step kind and the settings, only when there are settings or data choices', () => {
    const plain = { model: 'm', variant: 'v', maxSteps: 100, choices: [0, 1] };
    expect(encodeToken(plain)).toMatch(/^v1\./);
    expect(encodeToken({ ...plain, choices: [0, ~1] })).toMatch(/^v2\./);
    const withSettings = { ...plain, settings: { 'param.tasks': '8', 'memory-model': 'tso' } };
    const t = encodeToken(withSettings);
    expect(t).toMatch(/^v2\./);
    expect(decodeToken(t).settings).toEqual({ 'memory-model': 'tso', 'param.tasks': '8' });
    expect(decodeToken(encodeToken(plain)).settings).toEqual({});
  });

  it('pins the encoding of the lost-update token', () => {
    expect(
      encodeToken({ model: 'lost-update', variant: 'buggy', maxSteps: 100000, choices: [0, 1, 1, 0] }),
    ).toBe('v1.AQtsb3N0LXVwZGF0ZQVidWdneaCNBgMAAQECAAFSHNxj');
  });

  it.each([
    ['hello', "'hello' is not a pagerace replay token (they look like v1.AQ...)"],
    ['v3.AQtsb3N0', 'token version 3 is not supported: this pagerace reads v1 to v2 tokens'],
    [
      'v1.AQtsb3N0LXVwZGF0ZQVidWdneaCNBgMAAQECAAFSHNxk',
      'the token is corrupt (checksum mismatch): copy it again from the report',
    ],
    [
      'v1.AQtsb3N0LXVwZGF0ZQVidWdneaCNBgMAAQECAAFSHNx',
      'the token is corrupt (checksum mismatch): copy it again from the report',
    ],
    ['v1.AQ', 'the token is truncated: copy it again from the report'],
  ])('refuses %s with a clear cause', (token, message) => {
    expect(() => decodeToken(token)).toThrow(message);
  });
});
