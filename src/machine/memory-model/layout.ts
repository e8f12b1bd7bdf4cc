/**
 * `layout` names every offset of a memory model's SharedArrayBuffer (one file of named offsets,
 * like machine/layout.ts for the machine's memory):
 *
 * ```
 * Int32 view:    [ header: HEADER_INTS ][ cpu 0: CPU_INTS ][ cpu 1 ] ... [ messages: MSG_CAP x MSG_INTS ]
 * BigInt64 view: [ store values: cpus x SB_CAP ][ message before-images: MSG_CAP ][ saved frames: SAVE_CAP x 512 ]
 * ```
 *
 * A CPU's block holds its store buffer (entries in program order, oldest first) and, for arm64,
 * its views. Messages are arm64's writes in the order they became visible (its timestamps, from
 * 1; 0 is the initial memory). Everything is reset by zeroing the counters.
 */

/** `SB_CAP` is how many stores a CPU's buffer holds; a store to a full buffer waits for a flush. */
export const SB_CAP = 32;
/** `DEP_RING` is how many of a CPU's last loads an address or data dependency can name. */
export const DEP_RING = 32;
/** `MSG_CAP` is how many writes one arm64 execution may make visible. */
export const MSG_CAP = 4096;
/** `SAVE_CAP` is how many frame-sized before-images (zeroing, poisoning, copies) one arm64 execution keeps. */
export const SAVE_CAP = 32;
/** `MAX_ARM64_CPUS`: a message's "seen by" set is one 32-bit word. */
export const MAX_ARM64_CPUS = 32;

export const HEADER_INTS = 8;
/** header: messages made visible in this execution */
export const H_MSGS = 0;
/** header: saved before-images in use */
export const H_SAVES = 1;

// ---- per-CPU block ----
/** stores pending in the buffer */
export const C_COUNT = 0;
/** arm64: the barrier epoch; a store may pass an older pending store only within one epoch */
export const C_EPOCH = 1;
/** loads performed (the index the next load's view gets in the dependency ring, minus one) */
export const C_LOADS = 2;
/** arm64 views (Pulte et al., PLDI 2019): timestamps */
export const C_VR_OLD = 3;
export const C_VW_OLD = 4;
export const C_VR_NEW = 5;
/** the timestamp of the CPU's last release store (ldar after stlr waits for it) */
export const C_V_REL = 6;
/** the tag of the store the last load read from, plus one (0: none) */
export const C_READ_TAG = 7;
/** 1 when the last load read a write that was not the newest */
export const C_READ_OLD = 8;
/** the sequence number the next store gets (its slot in partial-order reduction's resources) */
export const C_SEQ = 9;
export const C_DEPS = 16;
/** store-buffer entries, SB_ENTRY_INTS each, from here */
export const C_ENTRIES = C_DEPS + DEP_RING;
export const SB_ENTRY_INTS = 8;
export const CPU_INTS = C_ENTRIES + SB_CAP * SB_ENTRY_INTS;

// ---- store-buffer entry ----
export const E_ADDR = 0;
/** bytes: 4, 8, or PAGE_SIZE for the zeroing of an allocated frame */
export const E_SIZE = 1;
export const E_EPOCH = 2;
/** E_RELEASE: a store-release (arm64 stlr) */
export const E_FLAGS = 3;
export const E_RELEASE = 1;
/** arm64: the view of what the store's address and data depend on (its issue-time vrOld) */
export const E_DEP_VIEW = 4;
export const E_TAG = 5;
export const E_SEQ = 6;

// ---- message (arm64) ----
export const M_ADDR = 0;
export const M_SIZE = 1;
export const M_WRITER = 2;
/** bit i: CPU i has read or written this message (its coherence view of the location) */
export const M_SEEN = 3;
export const M_TAG = 4;
/** index of the saved before-image of a frame-sized write, -1 for a word */
export const M_SAVE = 5;
export const MSG_INTS = 6;

/** `StateLayout` is the layout for `cpus` CPUs: base offsets in each view, and the buffer's size. */
export class StateLayout {
  readonly cpuBase: number;
  readonly msgBase: number;
  readonly ints: number;
  /** BigInt64 indices */
  readonly valueBase: number;
  readonly prevBase: number;
  readonly saveBase: number;
  readonly bytes: number;

  constructor(
    readonly cpus: number,
    withMessages: boolean,
  ) {
    this.cpuBase = HEADER_INTS;
    this.msgBase = this.cpuBase + cpus * CPU_INTS;
    this.ints = this.msgBase + (withMessages ? MSG_CAP * MSG_INTS : 0);
    const intBytes = Math.ceil((this.ints * 4) / 8) * 8;
    this.valueBase = intBytes / 8;
    this.prevBase = this.valueBase + cpus * SB_CAP;
    this.saveBase = this.prevBase + (withMessages ? MSG_CAP : 0);
    this.bytes = (this.saveBase + (withMessages ? SAVE_CAP * 512 : 0)) * 8;
  }

  /** the Int32 index of field `f` of CPU `cpu`'s block */
  cpu(cpu: number, f: number): number {
    return this.cpuBase + cpu * CPU_INTS + f;
  }

  /** the Int32 index of field `f` of entry `k` of CPU `cpu`'s store buffer */
  entry(cpu: number, k: number, f: number): number {
    return this.cpuBase + cpu * CPU_INTS + C_ENTRIES + k * SB_ENTRY_INTS + f;
  }

  /** the BigInt64 index of the value of entry `k` of CPU `cpu` */
  entryValue(cpu: number, k: number): number {
    return this.valueBase + cpu * SB_CAP + k;
  }

  /** the Int32 index of field `f` of message `t` (1-based timestamp) */
  msg(t: number, f: number): number {
    return this.msgBase + (t - 1) * MSG_INTS + f;
  }
}
