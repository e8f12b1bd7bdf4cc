import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pagerace } from '../helpers/cli.js';

const OOPS = 'v1.ARd2bWVtbWFwLWNvbXBvdW5kLW5vc3luYw5idWdneS1sNC1mcmVzaKCNBgIADwEDIfKuaw';
const NO_DISPLAY = { DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: '' };

describe('pagerace show', () => {
  it('a run folder: check wrote index.html and a page per violation; show lists them, and writes them again from report.json when gone', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-show-'));
    expect(pagerace(['check', 'lost-update', '--out', out]).code).toBe(0);
    const dir = join(out, readdirSync(out)[0]);
    expect(readdirSync(dir).sort()).toEqual([
      '01-lost-update-buggy-assertion.html',
      'index.html',
      'report.json',
      'trace.txt',
    ]);
    const page = join(dir, '01-lost-update-buggy-assertion.html');
    const html = readFileSync(page, 'utf8');
    rmSync(join(dir, 'index.html'));
    rmSync(page);
    const r = pagerace(['show', dir]);
    expect(r).toEqual({
      code: 0,
      stdout: `Index: ${join(dir, 'index.html')}\nTimeline: ${page}\n`,
      stderr: '',
    });
    expect(readFileSync(page, 'utf8')).toBe(html);
  });

  it('a token: replayed inline, its page written to a new folder, self-contained', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-show-'));
    const r = pagerace(['show', OOPS, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const file = /^Timeline: (.*)$/.exec(r.stdout.trim())![1];
    expect(file).toMatch(/\/\d{8}-\d{6}-show-vmemmap-compound-nosync_buggy-l4-fresh\/timeline\.html$/);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<title>vmemmap-compound-nosync:buggy-l4-fresh: page-fault</title>');
    expect(html).toContain('BUG: unable to handle page fault for address: ffffe70000000034');
    expect(html).toContain(`pagerace replay ${OOPS}`);
    expect(html).not.toMatch(/\s(src|href)="(https?:)?\/\//);
    expect(html).toContain('<meta http-equiv="Content-Security-Policy" content="default-src \'none\';');
  });

  it('--open without a display says so on one line and exits 0 without waiting for anything', () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-show-'));
    const r = pagerace(['show', OOPS, '--out', out, '--open'], NO_DISPLAY);
    expect(r.code).toBe(0);
    const file = /^Timeline: (.*)$/.exec(r.stdout.trim())![1];
    expect(r.stderr).toBe(
      `pagerace: no display to open a browser on (set BROWSER to choose one); open ${file} yourself\n`,
    );
  });

  it('--open starts $BROWSER on the page, detached', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pagerace-show-'));
    const seen = join(out, 'opened.txt');
    const browser = join(out, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\necho "$1" > ${seen}\n`);
    chmodSync(browser, 0o755);
    const r = pagerace(['show', OOPS, '--out', out, '--open'], { ...NO_DISPLAY, BROWSER: browser });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const file = /^Timeline: (.*)$/.exec(r.stdout.trim())![1];
    await expect.poll(() => existsSync(seen) && readFileSync(seen, 'utf8')).toBe(`${file}\n`);
  });

  it('something that is neither a run folder nor a token, or a folder without report.json: one line, exit 2', () => {
    const r = pagerace(['show', 'nope']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'pagerace: nope is neither a run folder nor a replay token (v1.…)\n',
    });
    const empty = mkdtempSync(join(tmpdir(), 'pagerace-show-'));
    expect(pagerace(['show', empty]).stderr).toBe(
      `pagerace: ${empty} has no report.json: give a run folder (results/<run>/) or a replay token\n`,
    );
    expect(pagerace(['show', 'v1.AAAA']).code).toBe(2);
  });
});
