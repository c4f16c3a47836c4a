/**
 * City data (/data) in a real browser: entities published through the NGSI-LD API show up by type,
 * in a paged and filterable table with their count, on the city map, and one by one at a shareable address.
 */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN_PASSWORD, bearer } from '../support/platform.ts';
import { browserMissing as missing, type Portal, SHOTS, startPortal } from '../support/browser.ts';


type Lang = 'zh' | 'en';
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 375, height: 812 };

const OBSERVED_AT = '2025-03-01T06:05:09Z'; // 14:05:09 in Beijing
/** pm25 of hz-001 … hz-006; hz-004 has the highest, so the map draws it in the top colour of the scale. */
const PM25 = [35, 58, 12, 80, 44, 22];
const PLACES: [number, number, string][] = [
  [120.155, 30.255, '西湖 West Lake'],
  [120.175, 30.26, '上城 Shangcheng'],
  [120.3, 30.42, '临平 Linping'],
  [120.14, 30.32, '拱墅 Gongshu'],
  [120.21, 30.2, '滨江 Binjiang'],
  [120.08, 30.22, '转塘 Zhuantang'],
];
const STREET_LIGHTS = 23;
const TOP_OF_SCALE = '#b2182b';

function airQuality(index: number): Record<string, unknown> {
  const [lon, lat, name] = PLACES[index] as [number, number, string];
  const n = index + 1;
  return {
    id: `urn:ngsi-ld:AirQualityObserved:hz-00${n}`,
    type: 'AirQualityObserved',
    name: { type: 'Property', value: name },
    pm25: { type: 'Property', value: PM25[index], unitCode: 'GQ', observedAt: OBSERVED_AT },
    temperature: {
      type: 'Property',
      value: 11 + n,
      unitCode: 'CEL',
      observedAt: OBSERVED_AT,
      accuracy: { type: 'Property', value: 0.5, unitCode: 'CEL' },
    },
    refDevice: { type: 'Relationship', object: `urn:ngsi-ld:Device:aq-sensor-${n}` },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [lon, lat] } },
  };
}

const DEVICE = {
  id: 'urn:ngsi-ld:Device:aq-sensor-1',
  type: 'Device',
  category: { type: 'Property', value: 'sensor' },
  batteryLevel: { type: 'Property', value: 82, unitCode: 'P1', observedAt: OBSERVED_AT },
  status: [
    { type: 'Property', value: 'ok' },
    { type: 'Property', value: 'calibrating', datasetId: 'urn:ngsi-ld:Dataset:maintenance' },
  ],
  configuration: { type: 'Property', value: { intervalSeconds: 60, channels: ['pm25', 'temperature'] } },
  location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.155, 30.255] } },
};

function streetLight(index: number): Record<string, unknown> {
  const n = String(index + 1).padStart(2, '0');
  return {
    id: `urn:ngsi-ld:StreetLight:sl-${n}`,
    type: 'StreetLight',
    powerState: { type: 'Property', value: index % 3 === 0 ? 'off' : 'on' },
    location: {
      type: 'GeoProperty',
      value: { type: 'Point', coordinates: [120.1 + (index % 6) * 0.03, 30.2 + Math.floor(index / 6) * 0.04] },
    },
  };
}

/** Where the map drew a marker of colour `hex`, in page coordinates (read from the ECharts canvas). */
function findMarker(page: Page, hex: string): Promise<{ x: number; y: number } | null> {
  // No named helpers inside: tsx would wrap them in a `__name()` call that the page does not have.
  return page.evaluate((colour) => {
    const want = [1, 3, 5].map((i) => Number.parseInt(colour.slice(i, i + 2), 16));
    const [r, g, b] = [want[0] ?? 0, want[1] ?? 0, want[2] ?? 0];
    for (const canvas of Array.from(document.querySelectorAll<HTMLCanvasElement>('[data-testid="data-map"] canvas'))) {
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0) continue;
      const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
      let sumX = 0;
      let sumY = 0;
      let count = 0;
      for (let y = 0; y < height; y += 1) {
        for (let x = 0; x < width; x += 1) {
          const i = (y * width + x) * 4;
          if (Math.abs((data[i] ?? 0) - r) < 6 && Math.abs((data[i + 1] ?? 0) - g) < 6 && Math.abs((data[i + 2] ?? 0) - b) < 6) {
            sumX += x;
            sumY += y;
            count += 1;
          }
        }
      }
      if (count > 4) {
        const box = canvas.getBoundingClientRect();
        return { x: box.left + (sumX / count) * (box.width / width), y: box.top + (sumY / count) * (box.height / height) };
      }
    }
    return null;
  }, hex);
}

describe('City data: the context hub in the portal', { skip: missing }, () => {
  let portal: Portal;
  before(async () => {
    portal = await startPortal();
  });
  after(() => portal?.close());

  async function publish(entity: Record<string, unknown>): Promise<void> {
    const response = await portal.t.platform.server.inject({
      method: 'POST',
      url: '/ngsi-ld/v1/entities',
      headers: { ...bearer(portal.t.adminToken), 'content-type': 'application/json' },
      payload: JSON.stringify(entity),
    });
    assert.equal(response.statusCode, 201, `POST /ngsi-ld/v1/entities ${entity.id}: ${response.body}`);
  }

  /** A browser context in `lang` with a signed-in admin. */
  async function signedIn(lang: Lang, viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; failures: string[] }> {
    const phone = viewport.width < 640;
    const context = await portal.browser.newContext({ viewport, ...(phone ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}) });
    // The starting language; a later switch in the page sticks (the script runs on every load).
    await context.addInitScript((chosen) => {
      if (!window.localStorage.getItem('citycloud.lang')) window.localStorage.setItem('citycloud.lang', chosen);
    }, lang);
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('requestfailed', (request) => {
      // Leaving a page aborts its pending loads; only real failures count.
      if (request.failure()?.errorText !== 'net::ERR_ABORTED') failures.push(`${request.url()} ${request.failure()?.errorText}`);
    });
    await page.goto(`${portal.base}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('service-grid').waitFor();
    return { context, page, failures };
  }

  async function mapDrawn(page: Page, points: number): Promise<void> {
    await page.getByTestId('data-map').locator('canvas').first().waitFor();
    await page.waitForFunction(
      (want) => document.querySelector('[data-testid="data-map"] [data-testid="city-map"]')?.getAttribute('data-points') === String(want),
      points,
    );
    await page.waitForTimeout(400); // let the canvas paint its frame
  }

  async function noSidewaysScroll(page: Page, what: string): Promise<void> {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${what}: no sideways scrolling (${overflow}px too wide)`);
  }

  test('before anything is published, City data says so (and is on the home page and in the navigation)', async () => {
    const { context, page, failures } = await signedIn('zh', DESKTOP);
    const card = page.getByTestId('service-card-data');
    assert.equal(await card.getAttribute('data-status'), 'available');
    await page.getByTestId('nav-data').click();
    await page.waitForURL(/\/data$/);
    await page.getByTestId('data-empty').waitFor();
    assert.match((await page.getByTestId('data-empty').textContent()) ?? '', /还没有数据[\s\S]*设备和各部门会把数据发布到这里/);
    await page.screenshot({ path: path.join(SHOTS, 'city-data-empty-zh-desktop.png'), fullPage: true });
    assert.deepEqual(failures, []);
    await context.close();
  });

  test('published entities show by type with counts, in the table and on the map (desktop, zh then en)', async () => {
    for (let i = 0; i < PLACES.length; i += 1) await publish(airQuality(i));
    await publish(DEVICE);
    for (let i = 0; i < STREET_LIGHTS; i += 1) await publish(streetLight(i));

    const { context, page, failures } = await signedIn('zh', DESKTOP);
    await page.goto(`${portal.base}/data`);
    // The first type (alphabetically) is selected, in the address so that it can be shared.
    await page.waitForURL(/\/data\?type=AirQualityObserved$/);
    const types = page.getByTestId('data-types');
    await types.waitFor();
    for (const [type, count] of [['AirQualityObserved', 6], ['Device', 1], ['StreetLight', STREET_LIGHTS]] as const) {
      const link = types.getByTestId(`data-type-${type}`);
      await page.waitForFunction(
        ([name, want]) => document.querySelector(`[data-testid="data-type-${name}"] .type-count`)?.textContent === String(want),
        [type, count] as const,
      );
      assert.match((await link.textContent()) ?? '', new RegExp(`${type}\\s*${count}`));
    }
    assert.equal(await types.getByTestId('data-type-AirQualityObserved').getAttribute('aria-current'), 'page');

    const table = page.getByTestId('data-table');
    await table.waitFor();
    assert.equal(await table.getByTestId('entity-row').count(), 6);
    assert.equal(await page.getByTestId('data-count').getAttribute('data-total'), '6');
    assert.match((await page.getByTestId('data-count').textContent()) ?? '', /共 6 个实体/);
    const headers = (await table.locator('thead').textContent()) ?? '';
    for (const column of ['name', 'pm25', 'temperature', 'refDevice', '最近观测']) assert.ok(headers.includes(column), `column ${column} in ${headers}`);
    const first = table.locator('[data-entity-id="urn:ngsi-ld:AirQualityObserved:hz-001"]');
    assert.match((await first.textContent()) ?? '', /hz-001[\s\S]*西湖 West Lake[\s\S]*35 µg\/m³[\s\S]*12 °C[\s\S]*aq-sensor-1[\s\S]*2025-03-01 14:05:09/);

    await mapDrawn(page, 6);
    const map = page.getByTestId('data-map');
    const box = await map.getByTestId('city-map').boundingBox();
    assert.ok(box && box.width > 300 && box.height > 300, 'the map is drawn at a usable size');
    assert.equal(await page.getByTestId('data-colour-by').inputValue(), 'pm25', 'points are coloured by the first numeric attribute');
    assert.match((await page.getByTestId('data-map-legend').textContent()) ?? '', /pm25 \(µg\/m³\)\s*12\s*80/);
    await page.screenshot({ path: path.join(SHOTS, 'city-data-zh-desktop.png'), fullPage: true });

    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match((await page.getByTestId('data-count').textContent()) ?? '', /^6 entities$/);
    assert.match((await page.locator('h1').textContent()) ?? '', /City data/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'city-data-en-desktop.png'), fullPage: true });

    // Another type: its own columns, 20 to a page, then the rest.
    await types.getByTestId('data-type-StreetLight').click();
    await page.waitForURL(/type=StreetLight/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="entity-row"][data-entity-id^="urn:ngsi-ld:StreetLight:"]').length === 20);
    assert.equal(await page.getByTestId('data-page-info').textContent(), `1–20 of ${STREET_LIGHTS}`);
    assert.ok(await page.getByTestId('data-prev').isDisabled());
    await page.getByTestId('data-next').click();
    await page.waitForURL(/page=2/);
    await page.waitForFunction((want) => document.querySelectorAll('[data-testid="entity-row"]').length === want, STREET_LIGHTS - 20);
    assert.equal(await page.getByTestId('data-page-info').textContent(), `21–${STREET_LIGHTS} of ${STREET_LIGHTS}`);
    assert.ok(await page.getByTestId('data-next').isDisabled());
    await mapDrawn(page, STREET_LIGHTS);
    assert.equal(await page.getByTestId('data-colour-by').inputValue(), 'powerState', 'a few distinct texts colour by category');
    assert.match((await page.getByTestId('data-map-legend').textContent()) ?? '', /off[\s\S]*on/);
    assert.deepEqual(failures, []);
    await context.close();
  });

  test('the q filter narrows the table and the map; a rejected q shows the server\'s reason next to the box', async () => {
    const { context, page, failures } = await signedIn('zh', DESKTOP);
    await page.goto(`${portal.base}/data?type=AirQualityObserved`);
    await page.getByTestId('data-table').waitFor();
    await page.getByTestId('data-q').fill('pm25>30');
    await page.getByTestId('data-q-apply').click();
    await page.waitForURL(/q=pm25%3E30/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="entity-row"]').length === 4);
    const ids = await page.getByTestId('entity-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-entity-id')));
    assert.deepEqual(
      ids.sort(),
      [1, 2, 4, 5].map((n) => `urn:ngsi-ld:AirQualityObserved:hz-00${n}`),
    );
    assert.equal(await page.getByTestId('data-count').getAttribute('data-total'), '4');
    assert.match((await page.getByTestId('data-count').textContent()) ?? '', /符合条件的 4 个实体/);
    await mapDrawn(page, 4);
    await page.screenshot({ path: path.join(SHOTS, 'city-data-filter-zh-desktop.png'), fullPage: true });

    // What the hub itself answers to a malformed query…
    const bad = '(pm25>30';
    const direct = await portal.t.platform.server.inject({
      method: 'GET',
      url: `/ngsi-ld/v1/entities?type=AirQualityObserved&q=${encodeURIComponent(bad)}`,
      headers: bearer(portal.t.adminToken),
    });
    assert.equal(direct.statusCode, 400, `a malformed q is rejected: ${direct.body}`);
    const detail = direct.json<{ detail: string }>().detail;
    assert.ok(detail, 'the problem has a detail');
    // …is what the page shows, inline.
    await page.getByTestId('data-q').fill(bad);
    await page.getByTestId('data-q-apply').click();
    await page.getByTestId('data-q-error').waitFor();
    const shown = (await page.getByTestId('data-q-error').textContent()) ?? '';
    assert.ok(shown.includes(detail), `the error shows the server's detail (${shown})`);
    assert.match(shown, /筛选条件无效/);
    assert.equal(await page.getByTestId('data-q').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByTestId('data-map-error').count(), 0, 'the map does not repeat the filter error');
    await page.screenshot({ path: path.join(SHOTS, 'city-data-filter-error-zh-desktop.png'), fullPage: true });

    await page.getByTestId('data-q-clear').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="entity-row"]').length === 6);
    assert.equal(await page.getByTestId('data-q-error').count(), 0);
    assert.deepEqual(failures, []);
    await context.close();
  });

  test('an entity opens from a row and from a map point, at an address that can be shared', async () => {
    const { context, page, failures } = await signedIn('zh', DESKTOP);
    await page.goto(`${portal.base}/data?type=AirQualityObserved`);
    await page.getByTestId('data-table').waitFor();
    await page.locator('[data-entity-id="urn:ngsi-ld:AirQualityObserved:hz-001"] td').nth(2).click();
    await page.waitForURL(/\/data\/urn%3Angsi-ld%3AAirQualityObserved%3Ahz-001$/);
    await page.getByTestId('entity-attr-pm25').waitFor();
    assert.equal(await page.getByTestId('entity-id').textContent(), 'urn:ngsi-ld:AirQualityObserved:hz-001');
    assert.match((await page.locator('h1').textContent()) ?? '', /西湖 West Lake/);
    assert.match((await page.getByTestId('entity-type').textContent()) ?? '', /AirQualityObserved/);

    const pm25 = (await page.getByTestId('entity-attr-pm25').textContent()) ?? '';
    assert.match(pm25, /pm25[\s\S]*属性[\s\S]*35\s*µg\/m³/);
    assert.match(pm25, /观测时间（北京时间）\s*2025-03-01 14:05:09/);
    assert.match(pm25, /GQ/);
    const temperature = page.getByTestId('entity-attr-temperature');
    assert.match((await temperature.getByTestId('entity-subattr-accuracy').textContent()) ?? '', /accuracy[\s\S]*0\.5/);
    assert.match((await page.getByTestId('entity-attr-refDevice').textContent()) ?? '', /关系[\s\S]*urn:ngsi-ld:Device:aq-sensor-1/);
    assert.match((await page.getByTestId('entity-attr-location').textContent()) ?? '', /地理属性[\s\S]*Point 120\.155, 30\.255/);
    await page.getByTestId('entity-view').getByTestId('city-map').locator('canvas').first().waitFor();
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(SHOTS, 'city-data-entity-zh-desktop.png'), fullPage: true });

    // The relationship leads to the device: a multi-attribute (datasetId), JSON values, units.
    await page.getByTestId('entity-attr-refDevice').getByTestId('entity-rel-link').click();
    await page.waitForURL(/\/data\/urn%3Angsi-ld%3ADevice%3Aaq-sensor-1$/);
    const status = page.getByTestId('entity-attr-status');
    await status.waitFor();
    const statusText = (await status.textContent()) ?? '';
    assert.match(statusText, /2 个实例[\s\S]*ok[\s\S]*calibrating[\s\S]*urn:ngsi-ld:Dataset:maintenance/);
    assert.match((await page.getByTestId('entity-attr-configuration').locator('pre').textContent()) ?? '', /"intervalSeconds": 60/);
    assert.match((await page.getByTestId('entity-attr-batteryLevel').textContent()) ?? '', /82%/);

    // The address works on its own (reload), in English too.
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.reload();
    await page.getByTestId('entity-attr-status').waitFor();
    assert.match((await page.getByTestId('entity-attr-status').textContent()) ?? '', /2 instances[\s\S]*Dataset/);
    await page.getByTestId('entity-back').click();
    await page.waitForURL(/\/data\?type=Device$/);
    await page.getByTestId('data-table').waitFor();

    // A click on a map point opens its entity: hz-004 has the highest pm25, drawn in the top colour.
    await page.goto(`${portal.base}/data?type=AirQualityObserved`);
    await mapDrawn(page, 6);
    const marker = await findMarker(page, TOP_OF_SCALE);
    assert.ok(marker, 'the highest pm25 is drawn in the top colour of the scale');
    await page.mouse.click(marker.x, marker.y);
    await page.waitForURL(/\/data\/urn%3Angsi-ld%3AAirQualityObserved%3Ahz-004$/);
    await page.getByTestId('entity-attr-pm25').waitFor();
    assert.match((await page.getByTestId('entity-attr-pm25').textContent()) ?? '', /80\s*µg\/m³/);
    await page.getByTestId('entity-view').getByTestId('city-map').locator('canvas').first().waitFor();
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(SHOTS, 'city-data-entity-en-desktop.png'), fullPage: true });

    // An unknown id: the hub's reason, and the way back.
    await page.goto(`${portal.base}/data/${encodeURIComponent('urn:ngsi-ld:AirQualityObserved:nowhere')}`);
    await page.getByTestId('entity-error').waitFor();
    assert.ok(await page.getByTestId('entity-back').isVisible());
    assert.deepEqual(failures, []);
    await context.close();
  });

  for (const lang of ['zh', 'en'] as const) {
    test(`on a 375 px phone (${lang}) the types are a select and nothing scrolls sideways`, async () => {
      const { context, page, failures } = await signedIn(lang, PHONE);
      await page.goto(`${portal.base}/data`);
      await page.waitForURL(/type=AirQualityObserved/);
      await page.getByTestId('data-table').waitFor();
      assert.ok(await page.getByTestId('data-type-select').isVisible(), 'a select of types on a phone');
      assert.ok(!(await page.getByTestId('data-types').isVisible()), 'no type column on a phone');
      await page.waitForFunction(() => (document.querySelector('[data-testid="data-type-select"] option:checked')?.textContent ?? '').includes('6'));
      await mapDrawn(page, 6);
      await noSidewaysScroll(page, `City data (${lang})`);
      await page.screenshot({ path: path.join(SHOTS, `city-data-${lang}-phone.png`), fullPage: true });

      await page.getByTestId('data-type-select').selectOption('Device');
      await page.waitForURL(/type=Device/);
      await page.locator('[data-entity-id="urn:ngsi-ld:Device:aq-sensor-1"] a').first().click();
      await page.getByTestId('entity-attr-status').waitFor();
      await page.getByTestId('entity-view').getByTestId('city-map').locator('canvas').first().waitFor();
      await page.waitForTimeout(400);
      await noSidewaysScroll(page, `an entity (${lang})`);
      await page.screenshot({ path: path.join(SHOTS, `city-data-entity-${lang}-phone.png`), fullPage: true });
      assert.deepEqual(failures, []);
      await context.close();
    });
  }
});
