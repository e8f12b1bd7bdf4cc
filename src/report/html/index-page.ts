import type { SearchResult } from '../../explore/found.js';
import { expectText, formatSeconds, verdictText } from '../text.js';
import { esc, page } from './escape.js';
import { TIMELINE_CSS } from './styles.js';

/** `PageLink` is a violation page of a run, as the index links it. */
export interface PageLink {
  result: number;
  violation: number;
  file: string;
}

/** `indexPage` is a run's index.html: the verdict table, each violation linked to its timeline. */
export function indexPage(
  title: string,
  results: readonly SearchResult[],
  links: readonly PageLink[],
): string {
  const rows = results.map((r, ri) => {
    const pages = links
      .filter((l) => l.result === ri)
      .map((l) => `<a href="${esc(l.file)}">${esc(r.violations[l.violation].kind)}</a>`)
      .join(', ');
    return `<tr data-variant="${esc(`${r.model}:${r.variant}`)}"><td>${esc(`${r.model}:${r.variant}`)}</td><td>${esc(expectText(r))}</td><td>${esc(verdictText(r))}</td><td>${esc(r.complete ? 'complete' : r.stoppedBy)}</td><td>${esc(r.strategy)}</td><td>${r.executions}</td><td>${esc(formatSeconds(r.seconds))}</td><td class="${r.matches ? '' : 'bad'}">${r.matches ? 'ok' : 'MISMATCH'}</td><td>${pages}</td></tr>`;
  });
  const body = `<header class="oops"><h1>${esc(title)}</h1></header>
<p class="hint">${results.length} variant${results.length === 1 ? '' : 's'}; each violation links to its timeline (one lane per CPU).</p>
<table class="index">
<thead><tr><th>model:variant</th><th>expected</th><th>verdict</th><th>search</th><th>strategy</th><th>executions</th><th>time</th><th></th><th>timelines</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
  return page(title, TIMELINE_CSS, body);
}
