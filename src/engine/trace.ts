import { type FrameState, frameStateName } from '../machine/frame-state.js';
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
 * describes it: `{ title: 'cpu1 store buffer', lines: ['init_mm.pgd[462] = 0x...'] }`.
 */
export interface MachineSection {
  title: string;
  lines: string[];
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
  const name = op.label ?? opKindName(op.kind);
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
  const who = `cpu${s.cpu} ${s.task}`.padEnd(8);
  const what = [s.op.padEnd(6), s.addr, s.value].filter((x) => x !== '').join(' ');
  const mark = s.violation ? `   <-- ${s.violation}` : '';
  return `${who} ${s.fn.padEnd(width)} ${what}${mark}`;
}

/** `formatTrace` prints a whole interleaving, one line per step, columns aligned. */
export function formatTrace(steps: readonly TraceStep[], indent = '  '): string[] {
  const width = Math.max(8, ...steps.map((s) => s.fn.length));
  return steps.map((s) => indent + formatTraceStep(s, width));
}
