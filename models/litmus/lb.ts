import { defineModel } from '../../src/model/define.js';
import { HERD_ARM, KERNEL, type LitmusTest, litmusVariant, SC, X86_TSO } from './lib/litmus.js';

/**
 * Load buffering: each CPU reads one location and then writes the other. Both reading 1 needs a
 * store to become visible before an earlier load of its CPU has read: ARMv8 allows it (no
 * dependency orders the two), TSO does not. pagerace's arm64 model has no promises, so it never
 * makes a store visible before an earlier load: it does not produce this outcome, and says so.
 */
const LB: LitmusTest = {
  name: 'LB',
  summary: 'no barriers, no dependencies',
  locations: ['x', 'y'],
  registers: [['r0'], ['r0']],
  threads: [
    function* ({ c, loc, set }) {
      set('r0', yield c.load(loc.x));
      yield c.store(loc.y, 1n);
    },
    function* ({ c, loc, set }) {
      set('r0', yield c.load(loc.y));
      yield c.store(loc.x, 1n);
    },
  ],
  exists: '0:r0=1 /\\ 1:r0=1',
  holds: (v) => v('0:r0') === 1n && v('1:r0') === 1n,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: {
      verdict: 'never',
      source: `${X86_TSO}; Intel SDM vol. 3A 8.2.3.3, stores are not reordered with older loads`,
    },
    arm64: {
      verdict: 'sometimes',
      source: `${HERD_ARM}: LB Allowed; ${KERNEL}/LB+poonceonces.litmus: Sometimes`,
    },
  },
  gap: {
    arm64: {
      verdict: 'never',
      why: 'the arm64 model has no promises (Pulte et al. 2019), so no store is visible before an earlier load of its CPU',
    },
  },
};

/** the litmus tests of this file, for the corpus test */
export const tests: LitmusTest[] = [LB];

export default defineModel({
  name: 'lb',
  summary: 'litmus: load buffering (LB)',
  variants: { po: litmusVariant(LB) },
});
