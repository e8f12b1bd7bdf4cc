import { type FrameState, frameStateName } from '../machine/frame-state.js';
import { PAGE_SIZE } from '../machine/layout.js';
import {
  AccessMode,
  type Barrier,
  barrierName,
  type FlushInfo,
  type MachineState,
} from '../machine/memory-model/memory-model.js';
import type { Symbols } from '../machine/symbols.js';
import { type Op, OpKind, opKindName } from './op.js';

/**
 * `TraceStep` is one performed operation, as reports print it:
 * `cpu0 A  vmemmap_p4d_populate  store init_mm.pgd[462] = 0x0000000004003067`.
 */
export interface TraceStep {
  step: number;
  cpu: number;
  task: string;
  /** innermost kernel function of the CPU when it issued the operation */
  fn: string;
  /** operation name: the model's label (`spin_lock`, `set_pmd`) or the kind (`load`) */
  op: string;
  /** symbolic address (`init_mm.pgd[462]`, `pgd_lock`), or '' when the operation has none */
  addr: string;
  /** what was read or written, or what happened (`-> 0`, `= 0x...`) */
  value: string;
  /** set on the step that raised the violation */
  violation?: string;
  /** the CPU's kernel function stack when it issued the operation, outermost first (`fn` is its last) */
  stack: string[];
  /** bytes the operation read, `[lo, hi)` physical addresses; absent when it read none */
  read?: [number, number];
  /** bytes the operation wrote, `[lo, hi)`; absent when it wrote none (locks write their word) */
  write?: [number, number];
  /** the operation used the frame allocator (alloc, free): two such steps always conflict */
  allocator?: true;
  /** the page-table entries the step read or wrote, with their values before and after it */
  entries?: TraceEntry[];
  /**
   * machine state right after the step that is not in memory: a memory model's store buffer or
   * view, a TLB's cached translations. Absent unless the machine has such state; memory models
   * and TLBs fill it through `Program.describeMachine`, and the HTML timeline shows each
   * section in the step's side panel.
   */
  machine?: MachineSection[];
  /**
   * set on an entry that stands for hidden steps (`collapseRepeats`): the `steps` entries before
   * it ran `times` more times in a row. Such an entry has cpu -1, op `repeat` and says so in
   * `value`; `step` is the number of the first step it hides.
   */
  repeat?: { steps: number; times: number };
}

/**
 * `TraceEntry` is one page-table entry (a word of a frame in a table state) that a step touched:
 * `{ name: 'init_mm.pgd[462]', level: 5, before: '0', after: '0x0000000004004067' }`.
 */
export interface TraceEntry {
  /** physical address of the entry */
  addr: number;
  name: string;
  /** paging level of its table, 1 (PTE) to 5 (PGD) */
  level: number;
  /** value before the step, as `formatValue` prints it */
  before: string;
  /** value after the step */
  after: string;
}

/**
 * `MachineSection` is one titled block of machine state at a step, as a memory model or TLB
 * describes it: `{ title: 'cpu1 store buffer', lines: ['init_mm.pgd[462] = 0x...'] }` (the
 * memory model's `MachineState`).
 */
export type MachineSection = MachineState;

/** `FLUSH_FN` is the function column of a store-buffer flush step: `cpu1 A  [sb]  flush x = 1`. */
export const FLUSH_FN = '[sb]';

/** the name of an operation without a label: its kind, with the access mode or barrier kind */
function opName(op: Op): string {
  switch (op.kind) {
    case OpKind.Load:
      if (op.mode === AccessMode.Plain) return 'plain load';
      if (op.mode === AccessMode.Acquire) return 'load_acquire';
      return op.mode === AccessMode.Walk ? 'walk' : 'load';
    case OpKind.Load32:
      return op.mode === AccessMode.Plain ? 'plain load32' : 'load32';
    case OpKind.Store:
      if (op.mode === AccessMode.Plain) return 'plain store';
      return op.mode === AccessMode.Release ? 'store_release' : 'store';
    case OpKind.Fence:
      return op.n === 0 ? 'fence' : barrierName(op.n as Barrier);
    default:
      return opKindName(op.kind);
  }
}

/** `describeFlush` is the trace record of a flush of CPU `cpu`'s store buffer. */
export function describeFlush(
  step: number,
  cpu: number,
  task: string,
  f: FlushInfo,
  symbols: Symbols,
): TraceStep {
  return {
    step,
    cpu,
    task,
    fn: FLUSH_FN,
    stack: [],
    op: 'flush',
    addr:
      f.size > 8
        ? `${symbols.frameName(f.addr / PAGE_SIZE)}[${(f.addr & (PAGE_SIZE - 1)) >>> 3}..${(((f.addr & (PAGE_SIZE - 1)) + f.size) >>> 3) - 1}]`
        : symbols.addrName(f.addr),
    value: `= ${formatValue(f.size === 4 ? BigInt.asUintN(32, f.value) : f.value)}`,
  };
}

/** `formatValue` prints small values (counters, flags, indices) in decimal and the rest as 16 hex digits. */
export function formatValue(value: bigint): string {
  const u = BigInt.asUintN(64, value);
  return u < 0x100n ? u.toString() : `0x${u.toString(16).padStart(16, '0')}`;
}

/**
 * `describeStep` builds the trace record of `op` performed with `result`; its `stack` is just
 * `fn` (a `StepCapture` fills the whole stack, the accesses and the entries).
 */
export function describeStep(
  step: number,
  cpu: number,
  task: string,
  fn: string,
  op: Op,
  result: bigint,
  symbols: Symbols,
): TraceStep {
  const name = op.label ?? opName(op);
  let addr = '';
  let value = '';
  switch (op.kind) {
    case OpKind.Load:
    case OpKind.Load32:
    case OpKind.Await:
      addr = symbols.addrName(op.addr);
      value = `-> ${formatValue(result)}`;
      break;
    case OpKind.Store:
    case OpKind.Store32:
      addr = symbols.addrName(op.addr);
      value = `= ${formatValue(op.value)}`;
      break;
    case OpKind.Cas:
      addr = symbols.addrName(op.addr);
      value =
        result === op.expected
          ? `${formatValue(op.expected)} -> ${formatValue(op.value)}`
          : `${formatValue(op.expected)} -> ${formatValue(op.value)} failed, was ${formatValue(result)}`;
      break;
    case OpKind.Copy:
      addr = symbols.addrName(op.addr);
      value = `<- ${symbols.addrName(op.src)} (${op.n} words)`;
      break;
    case OpKind.Lock:
    case OpKind.Unlock:
    case OpKind.ReadLock:
    case OpKind.ReadUnlock:
      addr = symbols.addrName(op.addr);
      break;
    case OpKind.Alloc:
      addr = result < 0n ? '' : symbols.frameName(Number(result));
      value = result < 0n ? 'failed' : `(${frameStateName(op.n as FrameState)})`;
      break;
    case OpKind.Free:
      addr = symbols.frameName(op.addr);
      break;
    case OpKind.Choose:
      value = `${result} of ${op.n}`;
      break;
    default:
      break;
  }
  return { step, cpu, task, fn, op: name, addr, value, stack: fn === '' ? [] : [fn] };
}

/** `formatTraceStep` is the one-line form of a step; `width` aligns the function column. */
export function formatTraceStep(s: TraceStep, width = 24): string {
  if (s.repeat) return `... ${s.value} ...`;
  const who = `cpu${s.cpu} ${s.task}`.padEnd(8);
  const what = [s.op.padEnd(6), s.addr, s.value].filter((x) => x !== '').join(' ');
  const mark = s.violation ? `   <-- ${s.violation}` : '';
  return `${who} ${s.fn.padEnd(width)} ${what}${mark}`;
}

/** `formatTrace` prints a whole interleaving, one line per step, columns aligned. */
export function formatTrace(steps: readonly TraceStep[], indent = '  '): string[] {
  let width = 8;
  for (const s of steps) width = Math.max(width, s.fn.length);
  return steps.map((s) => indent + formatTraceStep(s, width));
}

/** `traceSteps` is how many steps a trace stands for, counting the steps its repeats hide. */
export function traceSteps(trace: readonly TraceStep[]): number {
  let n = 0;
  for (const s of trace) n += s.repeat ? s.repeat.steps * s.repeat.times : 1;
  return n;
}

/** the longest loop `collapseRepeats` looks for, in steps */
const MAX_PERIOD = 32;
/** the fewest steps worth hiding: shorter repeats are printed as they are */
const MIN_HIDDEN = 10;

/**
 * `collapseRepeats` shortens a trace that loops, such as a step-limit report of a CPU spinning
 * on a word: where a block of up to MAX_PERIOD steps runs again and again, identical but for the
 * step number, its first and last runs are kept and the runs between them become one entry,
 * `... the same 2 steps repeated 49,998 times ...` (a `repeat` entry). Repeats hiding fewer than
 * MIN_HIDDEN steps are kept as they are, so ordinary interleavings never change.
 */
export function collapseRepeats(trace: readonly TraceStep[]): TraceStep[] {
  const n = trace.length;
  if (n < MIN_HIDDEN + 2) return trace.slice();
  const key = trace.map(
    (s) => `${s.cpu}\0${s.task}\0${s.fn}\0${s.op}\0${s.addr}\0${s.value}\0${s.violation ?? ''}`,
  );
  const same = (a: number, b: number, len: number) => {
    for (let j = 0; j < len; j++) if (key[a + j] !== key[b + j]) return false;
    return true;
  };
  const out: TraceStep[] = [];
  let i = 0;
  while (i < n) {
    // the block of `best` steps at i runs `runs` times in a row; all but the first and last are hidden
    let best = 0;
    let runs = 0;
    for (let p = 1; p <= MAX_PERIOD && i + 2 * p <= n; p++) {
      let k = 1;
      while (i + (k + 1) * p <= n && same(i, i + k * p, p)) k++;
      if ((k - 2) * p >= MIN_HIDDEN && k * p > best * runs) {
        best = p;
        runs = k;
      }
    }
    if (best === 0) {
      out.push(trace[i++]);
      continue;
    }
    const hidden = runs - 2;
    for (let j = 0; j < best; j++) out.push(trace[i + j]);
    out.push({
      step: trace[i + best].step,
      cpu: -1,
      task: '',
      fn: '',
      stack: [],
      op: 'repeat',
      addr: '',
      value: `the same ${best === 1 ? 'step' : `${best} steps`} repeated ${hidden.toLocaleString('en-US')} times`,
      repeat: { steps: best, times: hidden },
    });
    const last = i + best * (runs - 1);
    for (let j = 0; j < best; j++) out.push(trace[last + j]);
    i = last + best;
  }
  return out;
}

/**
 * `formatMachineState` prints the memory model's state that a trace carries on its violating step
 * (nothing under sc): a block per part, indented under a heading.
 */
export function formatMachineState(steps: readonly TraceStep[], indent = '  '): string[] {
  let at: TraceStep | undefined;
  for (const s of steps) if (s.machine) at = s;
  if (!at?.machine) return [];
  const out = [`Memory model at step ${at.step} (cpu${at.cpu} ${at.task}):`];
  for (const part of at.machine)
    out.push(`${indent}${part.title}:`, ...part.lines.map((l) => `${indent}  ${l}`));
  return out;
}
