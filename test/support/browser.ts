/** Test support for the portal in a real browser: Debian's Chromium through playwright-core, and where screenshots go. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
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
