/**
 * `turnstile-layout` names every word of the control SharedArrayBuffer that the threads and
 * soak executors share with their CPU workers (the machine's memory is a separate buffer: the
 * model's own PhysicalMemory). Like piscina's `src/symbols.ts`, the layout lives in this one file.
 *
 * ```
 * Int32 view:  [ header: HEADER_INTS ][ slot 0: SLOT_INTS ][ slot 1 ] ... [ soak record: one CPU per op ]
 * BigInt64 view of the same buffer: word (SLOT_BIGS_AT(slot) + VALUE ...) of each slot
 * ```
 *
 * Each CPU owns one slot. The threads executor's turnstile is the slot's CMD word: the scheduler
 * (the main thread) writes a command and notifies; the CPU, waiting while CMD is IDLE, carries it
 * out, writes its reply fields, then sets CMD back to IDLE and notifies. So exactly one side owns
 * the slot's other fields at any time, and CMD is the only word both sides write.
 */

/** `SLOT_INTS`: Int32 words per slot (64 bytes, so two CPUs' slots never share a cache line). */
export const SLOT_INTS = 32;
/** `HEADER_INTS`: Int32 words before slot 0 (the soak executor's shared words). */
export const HEADER_INTS = 32;

// ---- header (soak) ----
/** soak: the iteration the CPUs are released into; CPUs wait on it (the start barrier). */
export const H_GO = 0;
/** soak: CPUs that finished the current iteration (the end barrier); the main thread waits on it. */
export const H_FINISHED = 1;
/** soak: non-zero stops every CPU at its next operation (a violation, the end of the run). */
export const H_ABORT = 2;
/** soak --record: the sequencing lock that serializes every operation with its record. */
export const H_SEQ_LOCK = 3;
/** soak --record: how many choices are recorded in the current iteration. */
export const H_SEQ_LEN = 4;
/** soak: the CPU that raised the iteration's first violation, plus one (0: none); non-zero
 * stops the other CPUs of the iteration at their next operation */
export const H_FAILED = 5;
/** soak --record: how many CPUs have started their program this iteration (they start in order) */
export const H_STARTED = 6;
/** soak: the frame allocator's lock (PhysicalMemory.alloc/free scan and update the frame table) */
export const H_ALLOC_LOCK = 7;

// ---- slot fields (offsets within a slot) ----
/** the turnstile: a command (main -> CPU) while not IDLE; IDLE again when the CPU has replied */
export const CMD = 0;
/** the reply: what the CPU's program is doing now (a Status) */
export const STATUS = 1;
/** pending operation: OpKind, address, source, count */
export const OP_KIND = 2;
export const OP_ADDR = 3;
export const OP_SRC = 4;
export const OP_N = 5;
/** pending operation: interned strings (label, tag; -1 for null), the task, the kernel function
 * stack (its names joined by newlines, outermost first) */
export const OP_LABEL = 6;
export const OP_TAG = 7;
export const CPU_TASK = 8;
export const CPU_STACK = 9;
/** strings this CPU has posted on its port so far (the main thread reads them when it needs them) */
export const STRINGS_POSTED = 10;
/** EVAL reply: 1 when the pending Await's condition holds */
export const ENABLED = 11;
/** STEP: the value of a Choose or the write a load reads, picked by the scheduler before the step is granted */
export const CHOICE = 12;
/** soak: while the CPU waits for a lock or an Await condition, its OpKind plus one; else 0 */
export const S_WAITING = 13;
/** soak: the last iteration this CPU finished */
export const S_DONE_ITER = 14;
/** soak: the address the CPU waits at (the lock word, the awaited word), valid while S_WAITING */
export const S_WAIT_ADDR = 15;
/** pending operation: access mode and dependency (engine/op.ts) */
export const OP_MODE = 16;
export const OP_DEP = 17;
/** STEP: the race tracker's number for the access (-1: none) */
export const EVENT = 18;
/** Int64 words of a slot, as indices of the BigInt64 view: value, expected, result */
export const BIG_VALUE = 0;
export const BIG_EXPECTED = 1;
export const BIG_RESULT = 2;
/** first Int32 word of the slot's Int64 area (word 24 of the slot, 8-byte aligned) */
const SLOT_BIG_FROM = 24;

/** `Cmd` is what the scheduler asks of a CPU. */
export const Cmd = {
  Idle: 0,
  /** reset, start the program, run to the first operation */
  Start: 1,
  /** perform the pending operation, run the oracles' afterStep, run to the next operation */
  Step: 2,
  /** evaluate the pending Await's condition on memory as it is now */
  Eval: 3,
  /** leave the worker */
  Exit: 4,
  /** post the kernel function stack as it was at the operation last performed (a violation the driver raised) */
  Stack: 5,
} as const;

/** `Status` is a CPU's reply. */
export const Status = {
  /** waiting at an operation (OP_* fields) */
  AtOp: 1,
  /** its program returned */
  Done: 2,
  /** it raised a violation in the operation itself (a double free, an unlock not held) */
  FailedInOp: 3,
  /** it raised a violation after the operation (its program, or an oracle) */
  Failed: 4,
} as const;

/** `controlBytes` is the size of the control buffer for `cpus` CPUs and a soak record of `record` choices. */
export function controlBytes(cpus: number, record = 0): number {
  return (recordBase(cpus) + record) * 4;
}

/** `recordBase` is the Int32 index of the soak record: the CPU of each operation, in order. */
export function recordBase(cpus: number): number {
  return HEADER_INTS + cpus * SLOT_INTS;
}

/** `slotBase` is the Int32 index of the first word of `cpu`'s slot. */
export function slotBase(cpu: number): number {
  return HEADER_INTS + cpu * SLOT_INTS;
}

/** `bigBase` is the BigInt64 index of the first Int64 word of `cpu`'s slot. */
export function bigBase(cpu: number): number {
  return (slotBase(cpu) + SLOT_BIG_FROM) / 2;
}

/**
 * `CPU_SPIN` is how many times a CPU worker re-reads its turnstile before sleeping in Atomics.wait,
 * and `SCHEDULER_SPIN` the same for the scheduler waiting for a CPU's answer. A CPU usually waits
 * while other CPUs run, so it spins only briefly and sleeps: with more threads than cores (3 CPUs
 * and the scheduler on 2 cores) a spinning CPU takes the core the CPU granted next needs (CPU_SPIN
 * 2000 made steps no faster and the machine busier). The scheduler's answer comes a few
 * microseconds after a grant, so it spins a little longer to catch it without a second futex
 * wake-up. Measured on 2 cores, interleave:small: 34-37 us per step with 100/200, 22 us with
 * 100/5000, 34-56 us with 2000/200 and 2000/5000.
 */
export const CPU_SPIN = 100;
export const SCHEDULER_SPIN = 5000;
