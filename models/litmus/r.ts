import { defineModel } from '../../src/model/define.js';
import { HERD_ARM, KERNEL, type LitmusTest, litmusVariant, SC, X86_TSO } from './lib/litmus.js';

/**
 * R: P0 writes x=1 then y=1; P1 writes y=2 and then reads x. Reading x=0 while P1's y=2 ends
 * last in coherence needs P1's load to pass its store (a store buffer), which x86 and arm64 both
 * allow; smp_mb on both sides forbids it.
 */
const R: LitmusTest = {
  name: 'R',
  summary: 'no barriers',
  locations: ['x', 'y'],
  registers: [[], ['r0']],
  threads: [
    function* ({ c, loc }) {
      yield c.store(loc.x, 1n);
      yield c.store(loc.y, 1n);
    },
    function* ({ c, loc, set }) {
      yield c.store(loc.y, 2n);
      set('r0', yield c.load(loc.x));
    },
  ],
  exists: 'y=2 /\\ 1:r0=0',
  holds: (v) => v('y') === 2n && v('1:r0') === 0n,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: {
      verdict: 'sometimes',
      source: `${X86_TSO}: P1's load passes its buffered store (herdtools7 catalogue/x86/tests/R.litmus; R+mfences forbids it)`,
    },
    arm64: {
      verdict: 'sometimes',
      source: `${HERD_ARM}: R Allowed; ${KERNEL}/R+poonceonces.litmus: Sometimes`,
    },
  },
};

/** the litmus tests of this file, for the corpus test */
export const tests: LitmusTest[] = [R];

export default defineModel({
  name: 'r',
  summary: 'litmus: R (a store then a load, against two stores)',
  variants: { po: litmusVariant(R) },
});
