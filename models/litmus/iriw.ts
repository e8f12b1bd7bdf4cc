import { defineModel } from '../../src/model/define.js';
import { ARMV8_MCA, type LitmusTest, litmusVariant, SC, X86_TSO } from './lib/litmus.js';

/**
 * IRIW+addrs (independent reads of independent writes): two CPUs each write one location; two
 * others read both, in opposite orders, each second read address-dependent on the first. The
 * readers disagreeing on the order of the writes is forbidden on a multicopy-atomic machine
 * (ARMv8, x86). (With no ordering at all LKMM allows it:
 * tools/memory-model/litmus-tests/IRIW+poonceonces+OnceOnce.litmus.)
 */
const IRIW_ADDRS: LitmusTest = {
  name: 'IRIW+addrs',
  summary: 'address dependencies between each pair of reads',
  locations: ['x', 'y'],
  registers: [[], ['r0', 'r1'], [], ['r0', 'r1']],
  threads: [
    function* ({ c, loc }) {
      yield c.store(loc.x, 1n);
    },
    function* ({ c, loc, set }) {
      set('r0', yield c.load(loc.x));
      set('r1', yield c.load(loc.y, null, c.lastLoad));
    },
    function* ({ c, loc }) {
      yield c.store(loc.y, 1n);
    },
    function* ({ c, loc, set }) {
      set('r0', yield c.load(loc.y));
      set('r1', yield c.load(loc.x, null, c.lastLoad));
    },
  ],
  exists: '1:r0=1 /\\ 1:r1=0 /\\ 3:r0=1 /\\ 3:r1=0',
  holds: (v) => v('1:r0') === 1n && v('1:r1') === 0n && v('3:r0') === 1n && v('3:r1') === 0n,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: {
      verdict: 'never',
      source: `${X86_TSO}; Intel SDM vol. 3A 8.2.3.7, stores are seen in a consistent order by other processors`,
    },
    arm64: { verdict: 'never', source: ARMV8_MCA },
  },
};

/** the litmus tests of this file, for the corpus test */
export const tests: LitmusTest[] = [IRIW_ADDRS];

export default defineModel({
  name: 'iriw',
  summary: 'litmus: independent reads of independent writes with address dependencies (IRIW+addrs)',
  variants: { addrs: litmusVariant(IRIW_ADDRS) },
});
