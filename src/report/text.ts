import { formatMachineState, formatTrace, traceSteps } from '../engine/trace.js';
import type { FoundViolation, SearchResult } from '../explore/found.js';
import { targetLabel } from '../model/load.js';
import { settingsText } from '../model/settings.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `formatSeconds` prints a duration compactly: 0.004s, 1.3s, 2m05s. */
export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(s < 1 ? 3 : 1)}s`;
  if (s < 120) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/** `expectText` is the expectation column: `clean` or the expected violation kind. */
export function expectText(r: SearchResult): string {
  return r.expectKind ?? 'clean';
}

/**
 * `verdictText` is the verdict column: the kinds found, `clean`, `unknown: <reason>` or
 * `not run: <reason>`.
 */
export function verdictText(r: SearchResult): string {
  if (r.verdict === 'violation') return [...new Set(r.violations.map((v) => v.kind))].join(',');
  return r.reason === null ? r.verdict : `${r.verdict}: ${r.reason}`;
}

/**
 * `targetText` names a result's target: `model:variant` (`@tso` when not under sc, `targetLabel`),
 * with its settings when it has any: `fork-vs-sync:fixed-l4-fresh (tasks=8 forkers=2)`.
 */
export function targetText(r: Pick<SearchResult, 'model' | 'variant' | 'memoryModel' | 'settings'>): string {
  const s = settingsText(r.settings);
  return `${targetLabel(r)}${s ? ` (${s})` : ''}`;
}

/** `CONCLUSION_TEXT` is the last column of the table. */
const CONCLUSION_TEXT: Record<SearchResult['conclusion'], string> = {
  ok: 'ok',
  mismatch: 'MISMATCH',
  inconclusive: 'INCONCLUSIVE',
  'not run': 'NOT RUN',
};

/** `formatTable` is the verdict table `pagerace check` ends with: one row per model variant. */
export function formatTable(results: readonly SearchResult[]): string[] {
  const rows = results.map((r) => [
    targetText(r),
    expectText(r),
    verdictText(r),
    r.complete ? 'complete' : r.stoppedBy,
    r.strategy,
    String(r.executions),
    formatSeconds(r.seconds),
    CONCLUSION_TEXT[r.conclusion],
  ]);
  const head = ['model:variant', 'expected', 'verdict', 'search', 'strategy', 'executions', 'time', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const right = new Set([5, 6]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

/**
 * `formatWhere` prints where the violation was raised: for a kernel machine the way an oops does
 * (CPU and Comm, RIP, Call Trace), for a plain model as the CPU and the functions it was in
 * (`cpu0 A in increment, called from main`).
 */
export function formatWhere(
  v: Pick<FoundViolation, 'cpu' | 'task' | 'kernelStack'>,
  kernel: boolean,
): string[] {
  if (v.cpu < 0) return [];
  const stack = v.kernelStack;
  if (!kernel) {
    if (stack.length === 0) return [`cpu${v.cpu} ${v.task}`];
    const callers = stack.slice(0, -1).reverse();
    return [
      `cpu${v.cpu} ${v.task} in ${stack[stack.length - 1]}${callers.length ? `, called from ${callers.join(', ')}` : ''}`,
    ];
  }
  if (stack.length === 0) return [`CPU: ${v.cpu} Comm: ${v.task}`];
  const out = [`CPU: ${v.cpu} Comm: ${v.task}`, `RIP: ${stack[stack.length - 1]}`];
  if (stack.length > 1)
    out.push(
      'Call Trace:',
      ...stack
        .slice(0, -1)
        .reverse()
        .map((f) => ` ${f}`),
    );
  return out;
}

/** `formatViolation` is the full report of one bug: headline, where, interleaving, replay. */
export function formatViolation(r: SearchResult, v: FoundViolation): string[] {
  const out: string[] = [];
  const expected = r.expectKind === v.kind ? 'expected' : 'NOT expected';
  out.push(`== ${targetText(r)}: ${v.kind} (${expected})`);
  if (v.headline.length) out.push(...v.headline);
  else out.push(`${v.kind}: ${v.message}`);
  out.push(...formatWhere(v, r.kernel));
  if (r.commits.introduced) out.push(`Introduced by: ${r.commits.introduced}`);
  if (r.commits.fixed?.length) out.push(`Fixed by: ${r.commits.fixed.join(', ')}`);
  const minimized = v.foundPreemptions !== v.preemptions ? ` (minimized from ${v.foundPreemptions})` : '';
  out.push(
    `Interleaving, ${plural(v.preemptions, 'preemption')}${minimized}, ${plural(traceSteps(v.trace), 'step')}:`,
  );
  out.push(...formatTrace(v.trace));
  out.push(...formatMachineState(v.trace));
  if (v.kind === 'model-error' && v.detail)
    out.push('Model error detail:', ...v.detail.split('\n').map((l) => `  ${l}`));
  out.push(`Seen in ${plural(v.count, 'execution')}; first at execution ${v.firstExecution}.`);
  out.push(`Replay: pagerace replay ${v.token}`);
  return out;
}

/** `MESSAGE_WIDTH` cuts a violation's message in its one-line form. */
const MESSAGE_WIDTH = 100;

/**
 * `formatViolationLine` is a bug in one line, for a run of many variants whose full reports go
 * to the run folder: `lost-update:buggy: assertion (expected): counter is 1 ... [4 steps, 1
 * preemption] pagerace replay v1....`.
 */
export function formatViolationLine(r: SearchResult, v: FoundViolation): string {
  const expected = r.expectKind === v.kind ? 'expected' : 'NOT expected';
  const first = v.message.split('\n')[0];
  const message = first.length > MESSAGE_WIDTH ? `${first.slice(0, MESSAGE_WIDTH - 1)}…` : first;
  return `${r.model}:${r.variant}: ${v.kind} (${expected}): ${message} [${plural(v.trace.length, 'step')}, ${plural(v.preemptions, 'preemption')}] pagerace replay ${v.token}`;
}

/** `formatSummary` is one line on how a search ended. */
export function formatSummary(r: SearchResult): string {
  if (r.verdict === 'not run') return `${targetText(r)}: not run: ${r.reason}`;
  let how = r.reason === null ? `stopped by ${r.stoppedBy}` : `stopped by ${r.reason}`;
  if (r.complete) how = 'complete';
  else if (r.stoppedBy === 'bound') how = `every execution within ${r.reason ?? 'the preemption bound'}`;
  const pruned = r.pruned ? `, ${r.pruned} pruned` : '';
  const bad = r.violatingExecutions ? `, ${r.violatingExecutions} violating` : '';
  return `${targetText(r)}: ${r.verdict} after ${plural(r.executions, 'execution')}${pruned}${bad} (${r.strategy}, ${how}, ${formatSeconds(r.seconds)})`;
}
