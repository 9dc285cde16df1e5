// Debian's Chromium (/usr/bin/chromium), headless, driven by playwright-core: nothing downloads a
// browser. Each launch gets a fresh profile directory, removed when it closes.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the browser tests keep the last run's screenshots (git-ignored). */
export const SCREENSHOTS = path.resolve(__dirname, '../../../artifacts/ui-screenshots');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page screenshot as SCREENSHOTS/<name>.png. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1600, height: 1000 }): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'lab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport });
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    async screenshot(name) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
