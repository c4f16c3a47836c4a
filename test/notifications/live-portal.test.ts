/**
 * The city data page follows the live stream in a real browser: a value changed through the NGSI-LD API shows in
 * the open table without a reload, and a new entity of the shown type appears in it.
 */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { browserMissing, type Portal, SHOTS, startPortal } from '../support/browser.ts';
import { ADMIN_PASSWORD, bearer } from '../support/platform.ts';

describe('City data updates live', { skip: browserMissing }, () => {
  let portal: Portal;
  before(async () => {
    portal = await startPortal();
  });
  after(() => portal?.close());

  async function ngsi(method: 'POST' | 'PATCH', url: string, payload: unknown): Promise<void> {
    const response = await portal.t.platform.server.inject({
      method,
      url: `/ngsi-ld/v1${url}`,
      headers: { ...bearer(portal.t.adminToken), 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
    assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
  }

  test('a change and a new entity show in the open table without a reload', async () => {
    for (let i = 1; i <= 3; i++) {
      await ngsi('POST', '/entities', { id: `urn:ngsi-ld:ParkingSpot:live-${i}`, type: 'ParkingSpot', status: { type: 'Property', value: 'free' } });
    }
    const context = await portal.browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addInitScript(() => window.localStorage.setItem('citycloud.lang', 'en'));
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${portal.base}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('service-grid').waitFor();
    await page.goto(`${portal.base}/data?type=ParkingSpot`);
    const table = page.getByTestId('data-table');
    await table.waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="entity-row"]').length === 3);
    await page.waitForFunction(() => document.querySelector('[data-testid="data-live"]')?.getAttribute('data-state') === 'live');
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));

    await ngsi('PATCH', `/entities/${encodeURIComponent('urn:ngsi-ld:ParkingSpot:live-2')}/attrs`, { status: { type: 'Property', value: 'occupied' } });
    await page.waitForFunction(() => document.querySelector('[data-testid="data-table"]')?.textContent?.includes('occupied'), undefined, { timeout: 10_000 });
    await ngsi('POST', '/entities', { id: 'urn:ngsi-ld:ParkingSpot:live-4', type: 'ParkingSpot', status: { type: 'Property', value: 'free' } });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="entity-row"]').length === 4, undefined, { timeout: 10_000 });
    assert.match((await page.getByTestId('data-live').textContent()) ?? '', /Live · 2 updates/);
    assert.deepEqual(navigations, [], 'no reload');
    await page.screenshot({ path: path.join(SHOTS, 'city-data-live-en-desktop.png'), fullPage: true });
    assert.deepEqual(failures, []);
    await context.close();
  });
});
