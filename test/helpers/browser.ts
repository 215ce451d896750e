/**
 * Debian's Chromium driven by playwright-core, as a phone would see the UI:
 * 360x640, touch, dark scheme, a fresh profile per run. Records console
 * errors, page errors and every request URL so tests can assert that the page
 * is clean and that nothing left the loopback network.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { ROOT, tempDir } from './daemon.js';

export const CHROMIUM = '/usr/bin/chromium';
export const OUTPUT_DIR = join(ROOT, 'test-output');

export interface PhoneBrowser {
  context: BrowserContext;
  page: Page;
  /** Console messages of type error and uncaught page errors, as text with their URL. */
  errors: Array<{ text: string; url: string }>;
  requests: string[];
  screenshot(name: string, fullPage?: boolean): Promise<string>;
  close(): Promise<void>;
}

export async function openPhone(): Promise<PhoneBrowser> {
  // A missing browser is a broken machine, not a reason to skip: .ci/run installs chromium.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package`);
  const profile = await tempDir('dashcamd-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 360, height: 640 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    colorScheme: 'dark',
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: PhoneBrowser['errors'] = [];
  const requests: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push({ text: m.text(), url: m.location().url });
  });
  page.on('pageerror', (err) => errors.push({ text: `uncaught: ${err.message}`, url: '' }));
  context.on('request', (r) => requests.push(r.url()));
  await mkdir(OUTPUT_DIR, { recursive: true });
  return {
    context,
    page,
    errors,
    requests,
    async screenshot(name, fullPage = false) {
      const path = join(OUTPUT_DIR, `ui-${name}.png`);
      await page.screenshot({ path, fullPage });
      return path;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `read` until `pred` holds (checks run in Node, so tests need no DOM
 * types); the error names what was expected and what was last seen.
 */
export async function waitFor<T>(read: () => Promise<T>, pred: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!pred(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}
