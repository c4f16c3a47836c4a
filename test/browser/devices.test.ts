/** The Devices page in a real browser: register a device, see its key once, and watch its messages arrive. */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { browserMissing as missing, type Portal, SHOTS, startPortal } from '../support/browser.ts';
import { ADMIN_PASSWORD } from '../support/platform.ts';

describe('portal: the Devices page', { skip: missing }, () => {
  let portal: Portal;
  before(async () => {
    portal = await startPortal();
  });
  after(() => portal?.close());

  test('an admin registers a device, sees its key once, and the list shows its messages and errors', async () => {
    const page = await portal.browser.newPage({ viewport: { width: 1440, height: 900 } });
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${portal.base}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('service-grid').waitFor();
    await page.getByTestId('nav-devices').click();
    await page.waitForURL(/\/devices$/);
    assert.match((await page.locator('h1').textContent()) ?? '', /设备接入/);

    await page.getByTestId('device-id').fill('th-west-lake-01');
    await page.getByTestId('device-type').fill('WeatherObserved');
    await page.getByTestId('device-mapping').fill('t=temperature:CEL, h=relativeHumidity:P1');
    await page.getByTestId('device-submit').click();
    const key = (await page.getByTestId('device-new-key-value').textContent()) ?? '';
    assert.match(key, /^ccd_/);
    assert.match((await page.getByTestId('device-howto').textContent()) ?? '', /\/iot\/json\?k=ccd_/);

    // The device sends two measurements and one bad message over HTTP; the list refreshes on its own.
    const send = (path: string, body: string, type: string) => fetch(`${portal.base}${path}?k=${key}&i=th-west-lake-01`, { method: 'POST', headers: { 'content-type': type }, body });
    assert.equal((await send('/iot/json', '{"t": 24.5, "h": 61}', 'application/json')).status, 200);
    assert.equal((await send('/iot/d', 't|24.7|h|60', 'text/plain')).status, 200);
    assert.equal((await send('/iot/json', '{"t": ', 'application/json')).status, 400);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="device-messages-th-west-lake-01"]')?.textContent === '2',
      undefined,
      { timeout: 15_000 },
    );
    assert.equal(await page.getByTestId('device-errors-th-west-lake-01').textContent(), '1');
    await page.screenshot({ path: path.join(SHOTS, 'devices-zh-desktop.png'), fullPage: true });

    // Gone once dismissed, and never in the list.
    await page.getByRole('button', { name: /我已保存|I have saved/ }).click();
    assert.equal(await page.getByTestId('device-new-key-value').count(), 0);
    assert.doesNotMatch((await page.getByTestId('devices-table').textContent()) ?? '', /ccd_/);

    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match((await page.locator('h1').textContent()) ?? '', /Devices/);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'devices-en-mobile.png'), fullPage: true });
    assert.deepEqual(failures, []);
    await page.close();
  });
});
