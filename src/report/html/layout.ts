import { esc, jsonForScript, page } from './escape.js';
import { TIMELINE_SCRIPT } from './script.js';
import { TIMELINE_CSS } from './styles.js';
import type { TimelineData, TimelineStep } from './timeline-data.js';

/**
 * The timeline's geometry, fixed so that the boxes and the links between them are laid out here
 * (and print the same) rather than measured in the browser: one lane per CPU, one row per step.
 */
export const GEOMETRY = { laneWidth: 250, rowHeight: 44, head: 32, pad: 6 } as const;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function boxOf(s: TimelineStep): Box {
  const g = GEOMETRY;
  return {
    x: s.lane * g.laneWidth + g.pad,
    y: g.head + s.index * g.rowHeight + 3,
    w: g.laneWidth - 2 * g.pad,
    h: g.rowHeight - 6,
  };
}

/** the tooltip: the whole operation, then the stack as an oops prints its call trace (innermost first) */
function tipText(s: TimelineStep): string {
  const stack = s.stack.length ? [...s.stack].reverse().map((f) => `  ${f}`) : ['  (no kernel function)'];
  return [`cpu${s.cpu} ${s.task}  ${s.what}`, 'Call Trace:', ...stack].join('\n');
}

function stepBox(s: TimelineStep, partners: number[]): string {
  const b = boxOf(s);
  const cls = ['step', ...(s.violation ? ['violating'] : [])].join(' ');
  const badge = s.violation ? `<span class="badge">${esc(s.violation)}</span>` : '';
  return (
    `<div class="${cls}" id="step-${s.index}" data-index="${s.index}" data-step="${s.step}" data-cpu="${s.cpu}" data-lane="${s.lane}" data-races="${partners.join(' ')}" tabindex="0" role="button" aria-label="step ${s.step}, cpu${s.cpu} ${esc(s.task)}, ${esc(s.fn)} ${esc(s.what)}" style="left:${b.x}px;top:${b.y}px;width:${b.w}px;height:${b.h}px">` +
    `<span class="n">${s.step}</span><span class="fn">${esc(s.fn || s.task)}</span><span class="what mono">${esc(s.what)}</span>${badge}` +
    `<span class="tip mono">${esc(tipText(s))}</span></div>`
  );
}

function link(d: TimelineData, first: number, second: number): string {
  const a = boxOf(d.steps[first]);
  const b = boxOf(d.steps[second]);
  const right = d.steps[first].lane < d.steps[second].lane;
  const x1 = right ? a.x + a.w : a.x;
  const x2 = right ? b.x : b.x + b.w;
  const y1 = a.y + a.h / 2;
  const y2 = b.y + b.h / 2;
  const bend = Math.max(70, Math.abs(x2 - x1) / 3) * (right ? 1 : -1);
  const s1 = d.steps[first];
  const s2 = d.steps[second];
  const title = `step ${s1.step} (cpu${s1.cpu} ${s1.what}) and step ${s2.step} (cpu${s2.cpu} ${s2.what}) conflict`;
  return `<path class="race" data-first="${first}" data-second="${second}" marker-end="url(#arrow)" d="M${x1} ${y1} C${x1 + bend} ${y1} ${x2 - bend} ${y2} ${x2} ${y2}"><title>${esc(title)}</title></path>`;
}

function header(d: TimelineData): string {
  const expected = d.expected ? 'expected' : 'NOT expected';
  const commits: string[] = [];
  if (d.commits.introduced) commits.push(`Introduced by: ${d.commits.introduced}`);
  if (d.commits.fixed?.length) commits.push(`Fixed by: ${d.commits.fixed.join(', ')}`);
  const lines = [...d.headline, ...d.where, ...commits];
  const p = d.preemptions;
  return `<header class="oops">
<h1>${esc(d.title)}: <span class="kind">${esc(d.kind)}</span> (${expected})</h1>
<pre id="oops">${esc(lines.join('\n'))}</pre>
<p class="meta">${d.steps.length} steps on ${d.lanes.length} CPUs, ${p} preemption${p === 1 ? '' : 's'}, ${d.races.length} conflicting pair${d.races.length === 1 ? '' : 's'} linked; seen in ${d.count} execution${d.count === 1 ? '' : 's'}, first at execution ${d.firstExecution}. Replay: <code>pagerace replay ${esc(d.token)}</code></p>
</header>`;
}

/** `timelinePage` is the self-contained HTML page of one violation. */
export function timelinePage(d: TimelineData): string {
  const g = GEOMETRY;
  const width = d.lanes.length * g.laneWidth;
  const height = g.head + d.steps.length * g.rowHeight + g.pad;
  const partners = d.steps.map(() => [] as number[]);
  for (const r of d.races) {
    partners[r.first].push(r.second);
    partners[r.second].push(r.first);
  }
  const lanes = d.lanes
    .map(
      (l, i) =>
        `<div class="lane" style="left:${i * g.laneWidth}px;width:${g.laneWidth}px"></div><div class="lane-head" data-lane="${i}" data-cpu="${l.cpu}" style="left:${i * g.laneWidth}px;width:${g.laneWidth}px">${esc(l.label)}</div>`,
    )
    .join('');
  const boxes = d.steps.map((s) => stepBox(s, partners[s.index])).join('\n');
  const links = d.races.map((r) => link(d, r.first, r.second)).join('\n');
  const body = `${header(d)}
<main class="layout">
<section class="timeline" aria-label="interleaving, one lane per CPU">
<div class="lanes" style="width:${width}px;height:${height}px">
${lanes}
<svg class="links" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-hidden="true"><defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0 L8 4 L0 8 z"/></marker></defs>
${links}
</svg>
${boxes}
</div>
</section>
<aside class="panel" id="panel" aria-live="polite"><p class="none">Select a step to see its kernel stack, its conflicts and the page tables.</p></aside>
</main>
<script type="application/json" id="pagerace-data">${jsonForScript(d)}</script>
<script>${TIMELINE_SCRIPT}</script>`;
  return page(`${d.title}: ${d.kind}`, TIMELINE_CSS, body);
}
