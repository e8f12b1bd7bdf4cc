import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken } from '../../src/scheduler/token.js';

describe('replay tokens', () => {
  it('decode(encode(s)) == s for any schedule (property, fast-check seed 42)', () => {
    const spec = fc.record({
      model: fc.string({ maxLength: 40 }),
      variant: fc.string({ maxLength: 20 }),
      maxSteps: fc.integer({ min: 1, max: 10_000_000 }),
      choices: fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 500 }),
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

  it('pins the encoding of the lost-update token', () => {
    expect(
      encodeToken({ model: 'lost-update', variant: 'buggy', maxSteps: 100000, choices: [0, 1, 1, 0] }),
    ).toBe('v1.AQtsb3N0LXVwZGF0ZQVidWdneaCNBgMAAQECAAFSHNxj');
  });

  it.each([
    ['hello', "'hello' is not a pagerace replay token (they look like v1.AQ...)"],
    ['v2.AQtsb3N0', 'token version 2 is not supported: this pagerace reads v1 tokens'],
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
