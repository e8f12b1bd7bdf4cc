import type { MachineSection, TraceStep } from '../../engine/trace.js';
import type { FoundViolation, SearchResult } from '../../explore/found.js';
import { type Race, tracedRaces } from '../races.js';
import { formatWhere, targetText } from '../text.js';

/** `Lane` is one CPU's swimlane: `cpu1 B` (every task it ran, in order). */
export interface Lane {
  cpu: number;
  label: string;
}

/** `EntryTouch` is one step's access to a page-table entry. */
export interface EntryTouch {
  step: number;
  before: string;
  after: string;
}

/** `EntryHistory` is a page-table entry the trace touched, with every step that touched it. */
export interface EntryHistory {
  addr: number;
  name: string;
  level: number;
  touches: EntryTouch[];
}

/** `TimelineStep` is one box of the timeline: a trace step and the lane it sits in. */
export interface TimelineStep {
  index: number;
  step: number;
  lane: number;
  cpu: number;
  task: string;
  fn: string;
  /** the operation as the text trace prints it: `set_p4d init_mm.pgd[462] = 0x...` */
  what: string;
  stack: string[];
  violation: string | null;
  machine: MachineSection[];
}

/**
 * `TimelineData` is everything one violation's HTML page shows, derived from a report's result
 * and violation; it is also embedded in the page as JSON for its script.
 */
export interface TimelineData {
  title: string;
  kind: string;
  expected: boolean;
  /** the oops, or `kind: message` */
  headline: string[];
  /** `CPU: 1 Comm: B`, `RIP: ...`, call trace */
  where: string[];
  message: string;
  commits: { introduced?: string; fixed?: string[] };
  preemptions: number;
  token: string;
  count: number;
  firstExecution: number;
  lanes: Lane[];
  steps: TimelineStep[];
  /** the step index (into `steps`) that raised the violation, -1 when none did (deadlock, atEnd) */
  violating: number;
  races: Race[];
  entries: EntryHistory[];
}

/** `whatOf` is a step's operation text, as the text trace prints it after the function. */
export function whatOf(s: TraceStep): string {
  return [s.op, s.addr, s.value].filter((x) => x !== '').join(' ');
}

function lanesOf(trace: readonly TraceStep[], extraCpu: number, extraTask: string): Lane[] {
  const tasks = new Map<number, string[]>();
  const note = (cpu: number, task: string) => {
    const list = tasks.get(cpu) ?? [];
    if (list.at(-1) !== task) list.push(task);
    tasks.set(cpu, list);
  };
  for (const s of trace) note(s.cpu, s.task);
  if (extraCpu >= 0 && !tasks.has(extraCpu)) note(extraCpu, extraTask);
  return [...tasks.keys()]
    .sort((a, b) => a - b)
    .map((cpu) => ({ cpu, label: `cpu${cpu} ${tasks.get(cpu)!.join(' → ')}` }));
}

function entriesOf(trace: readonly TraceStep[]): EntryHistory[] {
  const byAddr = new Map<number, EntryHistory>();
  trace.forEach((s, index) => {
    for (const e of s.entries ?? []) {
      let h = byAddr.get(e.addr);
      if (!h) {
        h = { addr: e.addr, name: e.name, level: e.level, touches: [] };
        byAddr.set(e.addr, h);
      }
      h.touches.push({ step: index, before: e.before, after: e.after });
    }
  });
  // top level first, then by address: the order a walk reads them
  return [...byAddr.values()].sort((a, b) => b.level - a.level || a.addr - b.addr);
}

/** `TimelineSubject` is what a page is about: the variant, as a search result names it. */
export type TimelineSubject = Pick<
  SearchResult,
  'model' | 'variant' | 'expectKind' | 'commits' | 'memoryModel' | 'settings' | 'kernel'
>;

/** `TimelineViolation` is the violation a page shows (a search's, or a replayed token's). */
export type TimelineViolation = Omit<FoundViolation, 'kind' | 'detail' | 'foundPreemptions'> & {
  kind: string;
};

/** `timelineData` builds the page of violation `v` of result `r`. */
export function timelineData(r: TimelineSubject, v: TimelineViolation): TimelineData {
  const lanes = lanesOf(v.trace, v.cpu, v.task);
  const laneOf = new Map(lanes.map((l, i) => [l.cpu, i]));
  const steps = v.trace.map(
    (s, index): TimelineStep => ({
      index,
      step: s.step,
      lane: laneOf.get(s.cpu)!,
      cpu: s.cpu,
      task: s.task,
      fn: s.fn,
      what: whatOf(s),
      stack: s.stack ?? (s.fn ? [s.fn] : []),
      violation: s.violation ?? null,
      machine: s.machine ?? [],
    }),
  );
  return {
    title: targetText(r),
    kind: v.kind,
    expected: r.expectKind === v.kind,
    headline: v.headline.length ? [...v.headline] : [`${v.kind}: ${v.message}`],
    where: formatWhere(v, r.kernel),
    message: v.message,
    commits: r.commits,
    preemptions: v.preemptions,
    token: v.token,
    count: v.count,
    firstExecution: v.firstExecution,
    lanes,
    steps,
    violating: steps.findIndex((s) => s.violation !== null),
    races: tracedRaces(v.trace),
    entries: entriesOf(v.trace),
  };
}
