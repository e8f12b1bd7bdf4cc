import { defineModel } from '../../src/model/define.js';
import { HERD_ARM, type LitmusTest, litmusVariant, SC, X86_TSO } from './lib/litmus.js';

/**
 * 2+2W: each CPU writes both locations, in opposite orders. Both first writes ending last in
 * coherence needs each CPU's two stores to become visible out of order: ARMv8 allows it, TSO's
 * FIFO store buffer does not. As herdtools7 writes it: the first stores write 2, the second 1.
 */
const W2: LitmusTest = {
  name: '2+2W',
  summary: 'no barriers',
  locations: ['x', 'y'],
  registers: [[], []],
  threads: [
    function* ({ c, loc }) {
      yield c.store(loc.x, 2n);
      yield c.store(loc.y, 1n);
    },
    function* ({ c, loc }) {
      yield c.store(loc.y, 2n);
      yield c.store(loc.x, 1n);
    },
  ],
  exists: 'x=2 /\\ y=2',
  holds: (v) => v('x') === 2n && v('y') === 2n,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: {
      verdict: 'never',
      source: `${X86_TSO}: stores leave each FIFO buffer in program order (herdtools7 catalogue/x86/tests/2+2W.litmus)`,
    },
    arm64: { verdict: 'sometimes', source: `${HERD_ARM}: 2+2W Allowed` },
  },
};

/** the litmus tests of this file, for the corpus test */
export const tests: LitmusTest[] = [W2];

export default defineModel({
  name: '2-2w',
  summary: 'litmus: two CPUs, two writes each (2+2W)',
  variants: { po: litmusVariant(W2) },
});
