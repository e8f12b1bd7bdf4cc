import { join } from 'node:path';
import type { SearchResult } from '../../explore/found.js';
import { writeAtomic } from '../atomic.js';
import { indexPage, type PageLink } from './index-page.js';
import { timelinePage } from './layout.js';
import { timelineData } from './timeline-data.js';

/** `TimelineFiles` is what `writeTimelines` wrote: the index and one page per violation. */
export interface TimelineFiles {
  index: string;
  pages: string[];
}

/** `pageName` is the file of the `n`th violation page of a run (from 1): `03-lost-update-buggy-assertion.html`. */
export function pageName(n: number, r: SearchResult, kind: string): string {
  const safe = `${r.model}-${r.variant}-${kind}`.replace(/[^A-Za-z0-9_.-]+/g, '_');
  return `${String(n).padStart(2, '0')}-${safe}.html`;
}

/**
 * `writeTimelines` writes a run's HTML next to its report.json: `index.html` and one
 * self-contained timeline page per violation, each atomically.
 */
export function writeTimelines(dir: string, title: string, results: readonly SearchResult[]): TimelineFiles {
  const links: PageLink[] = [];
  const pages: string[] = [];
  results.forEach((r, ri) => {
    r.violations.forEach((v, vi) => {
      const file = pageName(links.length + 1, r, v.kind);
      writeAtomic(join(dir, file), timelinePage(timelineData(r, v)));
      links.push({ result: ri, violation: vi, file });
      pages.push(join(dir, file));
    });
  });
  const index = join(dir, 'index.html');
  writeAtomic(index, indexPage(title, results, links));
  return { index, pages };
}
