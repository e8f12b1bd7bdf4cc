import { defineModel } from '../../src/model/define.js';
import { ARMV8_MCA, type LitmusTest, litmusVariant, SC, X86_TSO } from './lib/litmus.js';

/**
 * WRC+addrs (write-to-read causality): P0 writes x; P1 reads x=1 and writes y through an address
 * dependency on that read; P2 reads y=1 and then x through an address dependency. P2 reading x=0
 * would mean P0's write reached P1 before P2: forbidden on a multicopy-atomic machine (ARMv8,
 * x86), where a write is visible to every other CPU at once. (Without the dependencies LKMM and
 * ARMv8 allow it: tools/memory-model/litmus-tests/WRC+poonceonces+Once.litmus.)
 */
const WRC_ADDRS: LitmusTest = {
  name: 'WRC+addrs',
  summary: 'address dependencies on P1 and P2',
  locations: ['x', 'y'],
  registers: [[], ['r0'], ['r0', 'r1']],
  threads: [
    function* ({ c, loc }) {
      yield c.store(loc.x, 1n);
    },
    function* ({ c, loc, set }) {
      set('r0', yield c.load(loc.x));
      yield c.store(loc.y, 1n, null, c.lastLoad);
    },
    function* ({ c, loc, set }) {
      set('r0', yield c.load(loc.y));
      set('r1', yield c.load(loc.x, null, c.lastLoad));
    },
  ],
  exists: '1:r0=1 /\\ 2:r0=1 /\\ 2:r1=0',
  holds: (v) => v('1:r0') === 1n && v('2:r0') === 1n && v('2:r1') === 0n,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: {
      verdict: 'never',
      source: `${X86_TSO}; Intel SDM vol. 3A 8.2.3.6, stores are transitively visible`,
    },
    arm64: { verdict: 'never', source: ARMV8_MCA },
  },
};

/** the litmus tests of this file, for the corpus test */
export const tests: LitmusTest[] = [WRC_ADDRS];

export default defineModel({
  name: 'wrc',
  summary: 'litmus: write-to-read causality with address dependencies (WRC+addrs)',
  variants: { addrs: litmusVariant(WRC_ADDRS) },
});
