/** Test support for the portal in a real browser: Debian's Chromium through playwright-core, and where screenshots go. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { bearer, startTestPlatform, type TestPlatform } from './platform.ts';
import { ROOT } from './process.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const WEB_DIR = path.join(ROOT, 'web/dist');
export const SHOTS = path.join(ROOT, 'test-output/browser');

/** Why browser tests cannot run here, or undefined; with CITYCLOUD_REQUIRE_BROWSER=1 a missing browser is an error. */
export const browserMissing = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : undefined;
if (browserMissing && process.env.CITYCLOUD_REQUIRE_BROWSER === '1') throw new Error(`Browser tests are required here but ${browserMissing}`);

/** Launches Debian's Chromium headless, with nothing that reaches for the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** The built portal served by a test platform on a free port, and a browser to visit it. */
export interface Portal {
  t: TestPlatform;
  browser: Browser;
  /** The platform's address, e.g. http://127.0.0.1:41234 (no trailing slash). */
  base: string;
  /** A write as the city's admin (seeding data): asserts a 2xx and says which call failed otherwise. */
  asAdmin(method: 'POST' | 'PATCH' | 'PUT', url: string, payload: unknown): Promise<void>;
  /** Closes the browser, then the platform. */
  close(): Promise<void>;
}

/** A full-page screenshot into SHOTS, from the top, after the canvases had `settleMs` to draw. */
export async function shot(page: Page, name: string, settleMs = 500): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(settleMs);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Starts a test platform serving the built portal (WEB_DIR) on 127.0.0.1 and launches Chromium; makes sure SHOTS exists.
 * @example
 * let portal: Portal;
 * before(async () => { portal = await startPortal(); });
 * after(() => portal?.close());
 */
export async function startPortal(): Promise<Portal> {
  assert.ok(existsSync(path.join(WEB_DIR, 'index.html')), 'the portal is built (npm run build; npm test builds it first)');
  mkdirSync(SHOTS, { recursive: true });
  const t = await startTestPlatform({ WEB_DIR });
  let browser: Browser;
  let base: string;
  try {
    await t.platform.server.listen({ port: 0, host: '127.0.0.1' });
    const address = t.platform.server.addresses()[0];
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await launchChromium();
  } catch (error) {
    await t.close();
    throw error;
  }
  return {
    t,
    browser,
    base,
    async asAdmin(method, url, payload) {
      const response = await t.platform.server.inject({
        method,
        url,
        headers: { ...bearer(t.adminToken), 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
      assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body.slice(0, 300)}`);
    },
    async close() {
      await browser.close();
      await t.close();
    },
  };
}
