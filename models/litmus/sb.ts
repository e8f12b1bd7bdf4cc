import { Barrier } from '../../src/machine/memory-model/memory-model.js';
import { defineModel } from '../../src/model/define.js';
import { HERD_ARM, KERNEL, type LitmusTest, litmusVariant, SC, X86_TSO } from './lib/litmus.js';

/**
 * Store buffering, the core of Dekker's algorithm: each CPU writes its flag and reads the
 * other's. Both reading 0 needs a load to pass an earlier store, which every store buffer allows
 * (x86 and arm64 alike) and only a full barrier (smp_mb) between them forbids.
 */
const registers = [['r0'], ['r0']];
const exists = '0:r0=0 /\\ 1:r0=0';
const holds = (v: (n: string) => bigint) => v('0:r0') === 0n && v('1:r0') === 0n;

const SB: LitmusTest = {
  name: 'SB',
  summary: 'no barriers',
  locations: ['x', 'y'],
  registers,
  threads: [
    function* ({ c, loc, set }) {
      yield c.store(loc.x, 1n);
      set('r0', yield c.load(loc.y));
    },
    function* ({ c, loc, set }) {
      yield c.store(loc.y, 1n);
      set('r0', yield c.load(loc.x));
    },
  ],
  exists,
  holds,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: {
      verdict: 'sometimes',
      source: `${X86_TSO}; Intel SDM vol. 3A 8.2.3.4, loads may be reordered with older stores to other locations`,
    },
    arm64: {
      verdict: 'sometimes',
      source: `${HERD_ARM}: SB Allowed; ${KERNEL}/SB+poonceonces.litmus: Sometimes`,
    },
  },
};

const SB_MBS: LitmusTest = {
  name: 'SB+mbs',
  summary: 'smp_mb() between each store and load',
  locations: ['x', 'y'],
  registers,
  threads: [
    function* ({ c, loc, set }) {
      yield c.store(loc.x, 1n);
      yield c.barrier(Barrier.SmpMb, 'smp_mb');
      set('r0', yield c.load(loc.y));
    },
    function* ({ c, loc, set }) {
      yield c.store(loc.y, 1n);
      yield c.barrier(Barrier.SmpMb, 'smp_mb');
      set('r0', yield c.load(loc.x));
    },
  ],
  exists,
  holds,
  published: {
    sc: { verdict: 'never', source: SC },
    tso: {
      verdict: 'never',
      source: `${KERNEL}/SB+mbonceonces.litmus: Never (x86 smp_mb: a locked add, which drains the store buffer); herdtools7 catalogue/x86/tests/SB+mfences.litmus`,
    },
    arm64: {
      verdict: 'never',
      source: `${KERNEL}/SB+mbonceonces.litmus: Never (dmb ish); ${HERD_ARM}: SB+dmb.sys Forbidden`,
    },
  },
};

/** the litmus tests of this file, for the corpus test */
export const tests: LitmusTest[] = [SB, SB_MBS];

export default defineModel({
  name: 'sb',
  summary: 'litmus: store buffering (SB, SB+mbs)',
  variants: { po: litmusVariant(SB), mbs: litmusVariant(SB_MBS) },
});
