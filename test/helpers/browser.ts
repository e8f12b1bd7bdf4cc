import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { ROOT } from './cli.js';

/** `CHROMIUM` is Debian's chromium, which .ci/run installs (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** `SCREENSHOTS` is where browser tests save what they saw (under results/, so not committed). */
export const SCREENSHOTS = resolve(ROOT, 'results', 'screenshots');

/**
 * `launchChromium` starts headless Chromium with a fresh profile and nothing that reaches the
 * network on its own (no QUIC, background networking, component updates or sync).
 */
export async function launchChromium(colorScheme: 'light' | 'dark' = 'light'): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install -y chromium)`,
    );
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pagerace-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 1000 },
    colorScheme,
  });
}
