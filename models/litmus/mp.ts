import { Barrier } from '../../src/machine/memory-model/memory-model.js';
import { defineModel } from '../../src/model/define.js';
import { HERD_ARM, KERNEL, type LitmusTest, litmusVariant, SC, X86_TSO } from './lib/litmus.js';

/**
 * Message passing: P0 writes data x then flag y, P1 reads the flag then the data. The outcome
 * (flag set, data old) needs the writes or the reads reordered: TSO keeps both in order, ARMv8
 * reorders both unless smp_wmb orders the writes and smp_rmb (or an address dependency) the reads.
 */
const registers = [[], ['r0', 'r1']];
const exists = '1:r0=1 /\\ 1:r1=0';
const holds = (v: (n: string) => bigint) => v('1:r0') === 1n && v('1:r1') === 0n;

const MP: LitmusTest = {
  name: 'MP',
  summary: 'no barriers',
  locations: ['x', 'y'],
  registers,
  threads: [
    function* ({ c, loc }) {
      yield c.store(loc.x, 1n);
      yield c.store(loc.y, 1n);
    },
    function* ({ c, loc, set }) {
      set('r0', yield c.load(loc.y));
      set('r1', yield c.load(loc.x));
    },
  ],
  exists,
  holds,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: {
      verdict: 'never',
      source: `${X86_TSO}; Intel SDM vol. 3A 8.2.3.2, stores are not reordered with stores nor loads with loads`,
    },
    arm64: {
      verdict: 'sometimes',
      source: `${HERD_ARM}: MP Allowed; ${KERNEL}/MP+poonceonces.litmus: Sometimes`,
    },
  },
};

const MP_WMB_RMB: LitmusTest = {
  name: 'MP+wmb+rmb',
  summary: 'smp_wmb() between the writes, smp_rmb() between the reads',
  locations: ['x', 'y'],
  registers,
  threads: [
    function* ({ c, loc }) {
      yield c.store(loc.x, 1n);
      yield c.barrier(Barrier.SmpWmb, 'smp_wmb');
      yield c.store(loc.y, 1n);
    },
    function* ({ c, loc, set }) {
      set('r0', yield c.load(loc.y));
      yield c.barrier(Barrier.SmpRmb, 'smp_rmb');
      set('r1', yield c.load(loc.x));
    },
  ],
  exists,
  holds,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: {
      verdict: 'never',
      source: `${KERNEL}/MP+wmbonceonce+rmbonceonce.litmus: Never (x86 maps both to barrier())`,
    },
    arm64: {
      verdict: 'never',
      source: `${KERNEL}/MP+wmbonceonce+rmbonceonce.litmus: Never (dmb ishst / dmb ishld); ${HERD_ARM}: MP+dmb.sys Forbidden`,
    },
  },
};

const MP_WMB_ADDR: LitmusTest = {
  name: 'MP+wmb+addr',
  summary: 'smp_wmb() between the writes, the data read address-dependent on the flag read',
  locations: ['x', 'y'],
  registers,
  threads: [
    function* ({ c, loc }) {
      yield c.store(loc.x, 1n);
      yield c.barrier(Barrier.SmpWmb, 'smp_wmb');
      yield c.store(loc.y, 1n);
    },
    function* ({ c, loc, set }) {
      const r0 = yield c.load(loc.y);
      set('r0', r0);
      // r1 = READ_ONCE(*(x + (r0 & 0))): the address depends on r0
      set('r1', yield c.load(loc.x, null, c.lastLoad));
    },
  ],
  exists,
  holds,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: { verdict: 'never', source: `${X86_TSO}: MP is forbidden with no barriers at all` },
    arm64: {
      verdict: 'never',
      source: `${KERNEL}/MP+onceassign+derefonce.litmus: Never (a store ordered before the publishing one, read through an address dependency); tools/memory-model/Documentation/explanation.txt: smp_wmb orders stores, address dependencies order the loads`,
    },
  },
};

/** the litmus tests of this file, for the corpus test */
export const tests: LitmusTest[] = [MP, MP_WMB_RMB, MP_WMB_ADDR];

export default defineModel({
  name: 'mp',
  summary: 'litmus: message passing (MP, MP+wmb+rmb, MP+wmb+addr)',
  variants: {
    po: litmusVariant(MP),
    'wmb-rmb': litmusVariant(MP_WMB_RMB),
    'wmb-addr': litmusVariant(MP_WMB_ADDR),
  },
});
