import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResult } from '../../../src/explore/found.js';
import { pageName } from '../../../src/report/html/write-html.js';
import type { Report } from '../../../src/report/json.js';
import { tracedRaces } from '../../../src/report/races.js';
import { launchChromium, SCREENSHOTS } from '../../helpers/browser.js';
import { pagerace } from '../../helpers/cli.js';

/** a run of every bundled model (what `npm start` writes), and of the machine-state fixture */
function run(args: string[]): { dir: string; report: Report } {
  const out = mkdtempSync(join(tmpdir(), 'pagerace-html-'));
  const r = pagerace(['check', ...args, '--out', out]);
  expect(r.stderr).toBe('');
  const [name] = readdirSync(out);
  const dir = join(out, name);
  return { dir, report: JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report };
}

interface ViolationPage {
  label: string;
  file: string;
  result: SearchResult;
  index: number;
}

function pagesOf(dir: string, report: Report): ViolationPage[] {
  const out: ViolationPage[] = [];
  for (const result of report.results) {
    result.violations.forEach((v, index) => {
      const file = join(dir, pageName(out.length + 1, result, v.kind));
      out.push({ label: `${result.model}:${result.variant} ${v.kind}`, file, result, index });
    });
  }
  return out;
}

let bundled: { dir: string; report: Report };
let fixture: { dir: string; report: Report };
let browser: BrowserContext;
let dark: BrowserContext;

beforeAll(async () => {
  bundled = run([]);
  fixture = run(['test/fixtures/models/machine-state.ts']);
  browser = await launchChromium('light');
  dark = await launchChromium('dark');
});

afterAll(async () => {
  await browser?.close();
  await dark?.close();
});

/** what the pages did that a self-contained page must not: a request off this disk, a script error */
const problems: string[] = [];
afterEach(() => {
  expect(problems.splice(0)).toEqual([]);
});

/** opens `file` and waits for `ready`; every request and error it makes is checked after the test */
async function open(file: string, context = browser, ready = '#panel-title'): Promise<Page> {
  const page = await context.newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith('file:///')) problems.push(`request ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console ${m.text()}`);
  });
  await page.goto(`file://${file}`);
  await page.waitForSelector(ready);
  return page;
}

function pageFor(label: string): ViolationPage {
  const p = pagesOf(bundled.dir, bundled.report).find((x) => x.label === label);
  if (!p) throw new Error(`no page for ${label}`);
  return p;
}

describe('the HTML timeline of every bundled buggy model, in Chromium', () => {
  it('has one lane per CPU, one box per step, the violating step highlighted, every race linked across lanes', async () => {
    const pages = pagesOf(bundled.dir, bundled.report);
    // every buggy variant, stopped at its first violation
    const buggy = bundled.report.results.filter((r) => r.expect === 'violation');
    expect(pages.map((p) => `${p.result.model}:${p.result.variant}`)).toEqual(
      buggy.map((r) => `${r.model}:${r.variant}`),
    );
    for (const p of pages) {
      const v = p.result.violations[p.index];
      const page = await open(p.file);
      const cpus = [...new Set([...v.trace.map((s) => s.cpu), ...(v.cpu >= 0 ? [v.cpu] : [])])].sort();
      const lanes = await page.$$eval('.lane-head', (els) =>
        els.map((e) => Number(e.getAttribute('data-cpu'))),
      );
      expect({ page: p.label, lanes }).toEqual({ page: p.label, lanes: cpus });
      expect(await page.locator('.step').count()).toBe(v.trace.length);
      const marked = v.trace.flatMap((s, i) => (s.violation ? [i] : []));
      const highlighted = await page.$$eval('.step.violating', (els) =>
        els.map((e) => Number(e.getAttribute('data-index'))),
      );
      expect({ page: p.label, highlighted }).toEqual({ page: p.label, highlighted: marked });
      expect(await page.locator('#oops').textContent()).toContain(v.headline[0] ?? `${v.kind}: ${v.message}`);
      const links = await page.$$eval('svg.links path.race', (els) =>
        els.map((e) => [Number(e.getAttribute('data-first')), Number(e.getAttribute('data-second'))]),
      );
      expect(links).toEqual(tracedRaces(v.trace).map((r) => [r.first, r.second]));
      for (const [a, b] of links) {
        const laneOf = (i: number) => page.locator(`#step-${i}`).getAttribute('data-lane');
        expect(await laneOf(a)).not.toBe(await laneOf(b));
      }
      // the page opens on the violating step (the last one when no step raised it)
      const first = marked[0] ?? v.trace.length - 1;
      expect(await page.locator('.step.selected').getAttribute('data-index')).toBe(String(first));
      await page.close();
    }
  });

  it('vmemmap-compound-nosync: clicking set_p4d shows its stack and init_mm.pgd[462] before and after', async () => {
    const page = await open(pageFor('vmemmap-compound-nosync:buggy-l4-fresh page-fault').file);
    expect(await page.locator('#panel-title').textContent()).toBe('Step 17 · cpu1 B');
    expect(await page.locator('#panel-stack li').allTextContents()).toEqual([
      '__init_single_page',
      '__init_zone_device_page',
      'memmap_init_zone_device',
    ]);
    await page.locator('#step-3').click();
    expect(await page.locator('#panel-title').textContent()).toBe('Step 3 · cpu0 A');
    expect(await page.locator('#panel-op').textContent()).toBe(
      'p4d_populate_kernel  set_p4d init_mm.pgd[462] = 0x0000000004004067',
    );
    expect(await page.locator('#panel-stack li').first().textContent()).toBe('p4d_populate_kernel');
    const row = (name: string) => page.locator(`#panel-entries tr[data-entry="${name}"]`);
    expect(await row('init_mm.pgd[462]').getAttribute('class')).toBe('touched changed');
    expect(await row('init_mm.pgd[462]').locator('td').allTextContents()).toEqual([
      'init_mm.pgd[462]',
      '0',
      '0x0000000004004067',
    ]);
    // B's slot was never synced: 0 before and after, and not touched by this step
    expect(await row('B.pgd[462]').locator('td').allTextContents()).toEqual(['B.pgd[462]', '0', '0']);
    expect(await row('B.pgd[462]').getAttribute('class')).toBe('');
    // a later step sees the entry as set_p4d left it
    await page.locator('#step-4').click();
    expect(await row('init_mm.pgd[462]').locator('td').allTextContents()).toEqual([
      'init_mm.pgd[462]',
      '0x0000000004004067',
      '0x0000000004004067',
    ]);
    // arrow keys move the selection
    await page.keyboard.press('ArrowUp');
    expect(await page.locator('#panel-title').textContent()).toBe('Step 3 · cpu0 A');
    // hovering a step shows its kernel call stack
    await page.locator('#step-17').hover();
    const tip = page.locator('#step-17 .tip');
    expect(await tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toBe(
      'cpu1 B  hw walk pgd B.pgd[462] -> 0\nCall Trace:\n  __init_single_page\n  __init_zone_device_page\n  memmap_init_zone_device',
    );
    await page.close();
  });

  it('two-populators: the race between the two CPUs is a link; selecting one end lights both and lists the other', async () => {
    const p = pageFor('two-populators:buggy page-fault');
    expect(tracedRaces(p.result.violations[p.index].trace)).toEqual([{ first: 2, second: 10 }]);
    const page = await open(p.file);
    await page.screenshot({ path: join(SCREENSHOTS, 'timeline.png'), fullPage: true });
    await page.locator('#step-2').click();
    expect(await page.locator('svg.links path.active').count()).toBe(1);
    expect(await page.locator('#step-10').getAttribute('class')).toBe('step racing');
    expect(await page.locator('#panel-races a').allTextContents()).toEqual([
      'step 10 cpu1 B vmemmap_p4d_populate p4d_none init_mm.pgd[462] -> 0x0000000004004067',
    ]);
    await page.locator('#panel-races a').click();
    expect(await page.locator('#panel-title').textContent()).toBe('Step 10 · cpu1 B');
    expect(await page.locator('#step-2').getAttribute('class')).toBe('step racing');
    await page.emulateMedia({ media: 'print' });
    expect(await page.evaluate("getComputedStyle(document.getElementById('panel')).position")).toBe('static');
    await page.screenshot({ path: join(SCREENSHOTS, 'timeline-print.png'), fullPage: true });
    await page.close();
  });

  it('reads in dark mode: the page follows prefers-color-scheme', async () => {
    const file = pageFor('two-populators:buggy page-fault').file;
    const light = await open(file);
    const night = await open(file, dark);
    const bg = (pg: Page) => pg.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(await bg(light)).toBe('rgb(255, 255, 255)');
    expect(await bg(night)).toBe('rgb(21, 24, 28)');
    await night.screenshot({ path: join(SCREENSHOTS, 'timeline-dark.png') });
    await light.close();
    await night.close();
  });

  it("shows a step's machine section when the trace has one", async () => {
    const [p] = pagesOf(fixture.dir, fixture.report);
    const page = await open(p.file);
    const steps = p.result.violations[0].trace;
    await page.locator('#step-0').click();
    expect(await page.locator('#panel-machine h4').allTextContents()).toEqual([`cpu${steps[0].cpu} view`]);
    expect(await page.locator('#panel-machine pre').allTextContents()).toEqual(['counter = 0']);
    expect(await page.locator('#panel-entries').textContent()).toBe('the trace touches no page-table entry');
    await page.close();
  });

  it('the run index lists every variant and links every violation page', async () => {
    const page = await open(join(bundled.dir, 'index.html'), browser, 'table.index');
    expect(await page.locator('tbody tr').count()).toBe(bundled.report.results.length);
    const hrefs = await page.$$eval('tbody a', (els) => els.map((e) => e.getAttribute('href')));
    expect(hrefs).toEqual(
      pagesOf(bundled.dir, bundled.report).map((p) => p.file.slice(bundled.dir.length + 1)),
    );
    await page.locator('tr[data-variant="lost-update:buggy"] a').click();
    await page.waitForSelector('#panel-title');
    expect(await page.locator('h1').textContent()).toBe('lost-update:buggy: assertion (expected)');
    await page.close();
  });
});
