import { defineModel } from '../../src/model/define.js';
import { HERD_ARM, KERNEL, type LitmusTest, litmusVariant, SC, X86_TSO } from './lib/litmus.js';

/**
 * S: P0 writes x=2 then y=1; P1 reads y=1 and then writes x=1. Its write ending before P0's in
 * coherence (x=2 at the end) needs P0's writes reordered, or P1's write before its read: ARMv8
 * allows the first; TSO keeps stores in order and stores after loads.
 */
const S: LitmusTest = {
  name: 'S',
  summary: 'no barriers',
  locations: ['x', 'y'],
  registers: [[], ['r0']],
  threads: [
    function* ({ c, loc }) {
      yield c.store(loc.x, 2n);
      yield c.store(loc.y, 1n);
    },
    function* ({ c, loc, set }) {
      set('r0', yield c.load(loc.y));
      yield c.store(loc.x, 1n);
    },
  ],
  exists: 'x=2 /\\ 1:r0=1',
  holds: (v) => v('x') === 2n && v('1:r0') === 1n,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: { verdict: 'never', source: `${X86_TSO} (herdtools7 catalogue/x86/tests/S.litmus)` },
    arm64: {
      verdict: 'sometimes',
      source: `${HERD_ARM}: S Allowed; ${KERNEL}/S+poonceonces.litmus: Sometimes`,
    },
  },
};

/** the litmus tests of this file, for the corpus test */
export const tests: LitmusTest[] = [S];

export default defineModel({
  name: 's',
  summary: 'litmus: S (a write-write order observed through a read)',
  variants: { po: litmusVariant(S) },
});
