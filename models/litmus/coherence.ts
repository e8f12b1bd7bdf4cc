import { defineModel } from '../../src/model/define.js';
import { HERD_ARM, KERNEL, type LitmusTest, litmusVariant, SC, X86_TSO } from './lib/litmus.js';

/**
 * Coherence: every CPU sees the writes to one location in one order, and its own program order
 * on a location is respected. Forbidden under every model.
 */
const CORR: LitmusTest = {
  name: 'CoRR',
  summary: "two reads of x on P1 see P0's write, then the initial value",
  locations: ['x'],
  registers: [[], ['r0', 'r1']],
  threads: [
    function* ({ c, loc }) {
      yield c.store(loc.x, 1n);
    },
    function* ({ c, loc, set }) {
      set('r0', yield c.load(loc.x));
      set('r1', yield c.load(loc.x));
    },
  ],
  exists: '1:r0=1 /\\ 1:r1=0',
  holds: (v) => v('1:r0') === 1n && v('1:r1') === 0n,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: { verdict: 'never', source: `${X86_TSO}: coherence` },
    arm64: {
      verdict: 'never',
      source: `${HERD_ARM}: CoRR Forbidden; ${KERNEL}/CoRR+poonceonce+Once.litmus: Never`,
    },
  },
};

const COWR: LitmusTest = {
  name: 'CoWR',
  summary: "P0 reads x after writing it, and sees P1's write, which coherence orders before its own",
  locations: ['x'],
  registers: [['r0'], []],
  threads: [
    function* ({ c, loc, set }) {
      yield c.store(loc.x, 1n);
      set('r0', yield c.load(loc.x));
    },
    function* ({ c, loc }) {
      yield c.store(loc.x, 2n);
    },
  ],
  exists: 'x=1 /\\ 0:r0=2',
  holds: (v) => v('x') === 1n && v('0:r0') === 2n,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: { verdict: 'never', source: `${X86_TSO}: a load reads its CPU's own buffered store (forwarding)` },
    arm64: {
      verdict: 'never',
      source: `${HERD_ARM}: CoWR Forbidden; ${KERNEL}/CoWR+poonceonce+Once.litmus: Never`,
    },
  },
};

/** the litmus tests of this file, for the corpus test */
export const tests: LitmusTest[] = [CORR, COWR];

export default defineModel({
  name: 'coherence',
  summary: 'litmus: read-read and write-read coherence (CoRR, CoWR)',
  variants: { corr: litmusVariant(CORR), cowr: litmusVariant(COWR) },
});
