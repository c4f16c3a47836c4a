/**
 * The operations overview (/overview) in a real browser, fed with a tiny simulated Hangzhou through the NGSI-LD API:
 * roads coloured by congestion, stations by AQI, the live counts; a change written to the hub shows without a reload.
 * Also the HJ 633 AQI function the map colours stations with.
 */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { buildCity, devices, initialEntities, simulate } from '../../src/sim/index.ts';
import type { City, DeviceSpec, NgsiEntity } from '../../src/sim/model.ts';
import { AQI_CATEGORIES, aqi, aqiCategory, iaqi } from '../../web/src/pages/overview/aqi.ts';
import { browserMissing as missing, type Portal, SHOTS, startPortal } from '../support/browser.ts';
import { ADMIN_PASSWORD, bearer } from '../support/platform.ts';

describe('the AQI of a station (HJ 633-2012)', () => {
  test('PM2.5 breakpoints give the individual AQI of the standard, rounded up, and 500 beyond the table', () => {
    const cases: [number, number][] = [[0, 0], [35, 50], [50, 69], [75, 100], [80, 107], [115, 150], [150, 200], [250, 300], [350, 400], [500, 500], [800, 500]];
    for (const [pm25, want] of cases) assert.equal(iaqi('pm25', pm25), want, `pm25 ${pm25}`);
    assert.equal(iaqi('pm25', -1), null);
    assert.equal(iaqi('pm25', 'high'), null);
  });

  test('a station’s AQI is the worse of its particles, and falls in the category with the official colour', () => {
    assert.equal(aqi({ pm25: 20, pm10: 200 }), 125);
    assert.equal(aqi({ pm25: 80 }), 107);
    assert.equal(aqi({}), null);
    assert.deepEqual([50, 51, 100, 101, 150, 200, 300, 301].map((v) => aqiCategory(v).level), ['excellent', 'good', 'good', 'light', 'light', 'moderate', 'heavy', 'severe']);
    assert.deepEqual(AQI_CATEGORIES.map((c) => c.colour), ['#00e400', '#ffff00', '#ff7e00', '#ff0000', '#99004c', '#7e0023']);
  });
});

const WALL = { width: 1920, height: 1080 };
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** The colour of a severely congested road on the map. */
const SEVERE_RED = '#d62020';
const SCHEDULED = new Set(['TrafficFlowObserved', 'AirQualityObserved', 'NoiseLevelObserved', 'OffStreetParking', 'WeatherObserved']);

type Attrs = Record<string, unknown>;
const value = (entity: Attrs | undefined, name: string): unknown => (entity?.[name] as { value?: unknown; object?: unknown } | undefined)?.value ?? (entity?.[name] as { object?: unknown } | undefined)?.object;
const numeric = (entity: Attrs | undefined, name: string): number | null => {
  const v = value(entity, name);
  return typeof v === 'number' ? v : null;
};

/** The city as the test wrote it: entity id → its normalized attributes, merged write after write. */
class WrittenCity {
  readonly entities = new Map<string, Attrs & { id: string; type: string }>();
  merge(entity: NgsiEntity | (Attrs & { id: string; type: string })): void {
    const before = this.entities.get(entity.id);
    this.entities.set(entity.id, { ...(before ?? {}), ...entity } as Attrs & { id: string; type: string });
  }
  of(type: string): (Attrs & { id: string; type: string })[] {
    return [...this.entities.values()].filter((e) => e.type === type);
  }
  /** Roads whose worst detector has a travel-time ratio of 2 or more. */
  congestedRoads(): Set<string> {
    const worst = new Map<string, number>();
    for (const flow of this.of('TrafficFlowObserved')) {
      const road = String(value(flow, 'refRoadSegment'));
      worst.set(road, Math.max(worst.get(road) ?? 0, numeric(flow, 'congestionIndex') ?? 0));
    }
    return new Set([...worst].filter(([, index]) => index >= 2).map(([road]) => road));
  }
  /** AQI above 100 means PM2.5 above 75 or PM10 above 150 µg/m³ (HJ 633). */
  stationsAbove100(): number {
    return this.of('AirQualityObserved').filter((s) => (numeric(s, 'pm25') ?? 0) > 75 || (numeric(s, 'pm10') ?? 0) > 150).length;
  }
}

describe('portal: the operations overview', { skip: missing }, () => {
  let portal: Portal;
  let city: City;
  const written = new WrittenCity();
  before(async () => {
    portal = await startPortal();
  });
  after(() => portal?.close());

  async function upsert(entities: Attrs[], update = false): Promise<void> {
    for (let i = 0; i < entities.length; i += 500) {
      const response = await portal.t.platform.server.inject({
        method: 'POST',
        url: `/ngsi-ld/v1/entityOperations/upsert${update ? '?options=update' : ''}`,
        headers: { ...bearer(portal.t.adminToken), 'content-type': 'application/json' },
        payload: JSON.stringify(entities.slice(i, i + 500)),
      });
      assert.ok(response.statusCode === 201 || response.statusCode === 204, `upsert: ${response.statusCode} ${response.body.slice(0, 300)}`);
    }
  }

  /** The generator's tiny city, its first state and a few minutes of its stream, written as a feeder would (as entities). */
  async function feedTinyCity(): Promise<void> {
    const now = Date.now();
    const start = new Date(Math.floor((now - 4 * 60_000) / 60_000) * 60_000).toISOString();
    city = buildCity({ seed: 1, size: 'tiny', start });
    const first = initialEntities(city);
    for (const entity of first) written.merge(entity);
    await upsert(first as unknown as Attrs[]);
    const specs = new Map<string, DeviceSpec>(devices(city).map((spec) => [spec.id, spec]));
    const sensors = [...specs.values()].map((spec) => ({ id: spec.entityId, type: spec.entityType, ...spec.staticAttributes }));
    for (const entity of sensors) written.merge(entity);
    await upsert(sensors);
    for (const tick of simulate(city, start, new Date(now).toISOString())) {
      const batch = new Map<string, Attrs & { id: string; type: string }>();
      for (const observation of tick.observations) {
        let entity: (Attrs & { id: string; type: string }) | undefined;
        if (observation.channel === 'device') {
          const spec = specs.get(observation.deviceId);
          if (!spec) continue;
          entity = { id: spec.entityId, type: spec.entityType };
          for (const attribute of spec.attributes) {
            const v = observation.values[attribute.key];
            if (v !== undefined) entity[attribute.name] = { type: 'Property', value: v, observedAt: observation.observedAt, ...(attribute.unitCode ? { unitCode: attribute.unitCode } : {}) };
          }
        } else if (observation.channel === 'entity') {
          entity = observation.entity as Attrs & { id: string; type: string };
        }
        if (!entity) continue;
        batch.set(entity.id, { ...(batch.get(entity.id) ?? {}), ...entity });
      }
      for (const entity of batch.values()) written.merge(entity);
      if (batch.size > 0) await upsert([...batch.values()], true);
    }
  }

  async function signedIn(lang: 'zh' | 'en', viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; failures: string[] }> {
    const phone = viewport.width < 640;
    const context = await portal.browser.newContext({ viewport, ...(phone ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}) });
    await context.addInitScript((chosen) => {
      if (!window.localStorage.getItem('citycloud.lang')) window.localStorage.setItem('citycloud.lang', chosen);
    }, lang);
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('requestfailed', (request) => {
      if (request.failure()?.errorText !== 'net::ERR_ABORTED') failures.push(`${request.url()} ${request.failure()?.errorText}`);
    });
    await page.goto(`${portal.base}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('service-grid').waitFor();
    return { context, page, failures };
  }

  const attr = (page: Page, testId: string, name: string) => page.getByTestId(testId).getAttribute(name);

  /** Pixels of `hex` on the map's canvases (roads are drawn in their congestion colour). */
  function pixelsOf(page: Page, hex: string): Promise<number> {
    // No named helpers inside: tsx would wrap them in a `__name()` call that the page does not have.
    return page.evaluate((colour) => {
      const want = [1, 3, 5].map((i) => Number.parseInt(colour.slice(i, i + 2), 16));
      let count = 0;
      for (const canvas of Array.from(document.querySelectorAll<HTMLCanvasElement>('[data-testid="overview-map"] canvas'))) {
        const context = canvas.getContext('2d');
        if (!context || canvas.width === 0) continue;
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        for (let i = 0; i < data.length; i += 4) {
          if (Math.abs((data[i] ?? 0) - (want[0] ?? 0)) < 8 && Math.abs((data[i + 1] ?? 0) - (want[1] ?? 0)) < 8 && Math.abs((data[i + 2] ?? 0) - (want[2] ?? 0)) < 8) count++;
        }
      }
      return count;
    }, hex);
  }

  async function noSidewaysScroll(page: Page, what: string): Promise<void> {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${what}: no sideways scrolling (${overflow}px too wide)`);
  }

  test('before the city sends anything, the overview says so and how to start the simulator', async () => {
    const { context, page, failures } = await signedIn('zh', WALL);
    await page.getByTestId('nav-operations').click();
    await page.waitForURL(/\/overview$/);
    assert.match((await page.locator('h1').textContent()) ?? '', /城市运行总览/);
    await page.getByTestId('overview-empty').waitFor();
    assert.match((await page.getByTestId('overview-empty').textContent()) ?? '', /还没有运行数据[\s\S]*citycloud simulate/);
    assert.equal(await attr(page, 'overview-count-congested', 'data-value'), '0');
    await page.screenshot({ path: path.join(SHOTS, 'overview-empty-zh-wall.png') });
    assert.deepEqual(failures, []);
    await context.close();
  });

  test('on the wall screen the simulated city shows: roads by congestion, stations, car parks, hospitals, units and live counts', async () => {
    await feedTinyCity();
    const roads = written.of('RoadSegment').length;
    const stations = written.of('AirQualityObserved').length;
    const parks = written.of('OffStreetParking');
    const hospitals = written.of('Hospital');
    const units = written.of('EmergencyVehicle');
    assert.ok(roads > 0 && stations > 0 && parks.length > 0 && hospitals.length > 0 && units.length > 0, 'the tiny city has every kind of thing to show');
    const sensors = [...written.entities.values()].filter((e) => SCHEDULED.has(e.type)).length;

    const { context, page, failures } = await signedIn('zh', WALL);
    await page.goto(`${portal.base}/overview`);
    await page.getByTestId('overview-map').locator('canvas').first().waitFor();
    await page.waitForFunction((want) => document.querySelector('[data-testid="overview-map"]')?.getAttribute('data-roads') === String(want), roads);
    assert.equal(await attr(page, 'overview-map', 'data-stations'), String(stations));
    assert.equal(await attr(page, 'overview-map', 'data-parkings'), String(parks.length));
    assert.equal(await attr(page, 'overview-map', 'data-hospitals'), String(hospitals.length));
    assert.equal(await attr(page, 'overview-map', 'data-units'), String(units.length));

    assert.equal(await attr(page, 'overview-count-congested', 'data-value'), String(written.congestedRoads().size));
    assert.equal(await attr(page, 'overview-count-aqi', 'data-value'), String(written.stationsAbove100()));
    assert.equal(await attr(page, 'overview-count-parking', 'data-value'), String(parks.reduce((sum, p) => sum + (numeric(p, 'availableSpotNumber') ?? 0), 0)));
    assert.equal(await attr(page, 'overview-count-beds', 'data-value'), String(hospitals.reduce((sum, h) => sum + (numeric(h, 'availableBeds') ?? 0), 0)));
    assert.equal(await attr(page, 'overview-count-units', 'data-value'), String(units.filter((u) => value(u, 'status') === 'available').length));
    await page.waitForFunction((want) => document.querySelector('[data-testid="overview-count-reporting"]')?.getAttribute('data-value') === String(want), sensors);
    assert.match((await page.getByTestId('overview-count-reporting').textContent()) ?? '', new RegExp(`共 ${sensors.toLocaleString('zh-CN')} 个定时上报传感器`));
    assert.equal(await page.getByTestId('overview-empty').count(), 0);

    // The legend names every colour; the trends have their first points; the status says live.
    assert.match((await page.getByTestId('overview-legend').textContent()) ?? '', /畅通[\s\S]*缓行[\s\S]*拥堵[\s\S]*严重拥堵[\s\S]*优[\s\S]*良[\s\S]*轻度污染/);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="overview-aqi-trend"]')?.getAttribute('data-points')) > 0);
    await page.getByTestId('overview-aqi-chart').locator('canvas').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="overview-live-state"]')?.getAttribute('data-state') === 'live');
    assert.match((await page.getByTestId('overview-last-update').textContent()) ?? '', /最近更新 \d\d:\d\d:\d\d/);
    const box = await page.getByTestId('overview-map').boundingBox();
    assert.ok(box && box.width > 900 && box.height > 700, `the map takes the middle of the wall screen (${JSON.stringify(box)})`);
    await noSidewaysScroll(page, 'the overview at 1920');
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, 'overview-zh-wall.png') });

    // Layers switch off and on.
    await page.getByTestId('overview-layer-roads').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="overview-map"]')?.getAttribute('data-roads') === '0');
    assert.equal(await page.getByTestId('overview-layer-roads').getAttribute('aria-pressed'), 'false');
    await page.getByTestId('overview-layer-roads').click();
    await page.waitForFunction((want) => document.querySelector('[data-testid="overview-map"]')?.getAttribute('data-roads') === String(want), roads);
    assert.deepEqual(failures, []);
    await context.close();
  });

  test('a road that turns congested, a polluted station and a new post show live, without reloading the page', async () => {
    const { context, page, failures } = await signedIn('zh', WALL);
    await page.goto(`${portal.base}/overview`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="overview-map"]')?.getAttribute('data-roads')) > 0);
    await page.waitForFunction(() => document.querySelector('[data-testid="overview-live-state"]')?.getAttribute('data-state') === 'live');
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    // Only the roads, so that no symbol hides the one that will change.
    for (const layer of ['air', 'parking', 'hospitals', 'units']) await page.getByTestId(`overview-layer-${layer}`).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="overview-map"]')?.getAttribute('data-units') === '0');
    await page.waitForTimeout(500);
    const redBefore = await pixelsOf(page, SEVERE_RED);

    // The longest road that flows freely, and a station with clean air.
    const congested = written.congestedRoads();
    const length = (road: Attrs) => numeric(road, 'length') ?? 0;
    const road = written.of('RoadSegment').filter((r) => !congested.has(r.id)).sort((a, b) => length(b) - length(a))[0];
    assert.ok(road, 'a free-flowing road');
    const detectors = written.of('TrafficFlowObserved').filter((f) => value(f, 'refRoadSegment') === road.id);
    assert.ok(detectors.length > 0, 'the road has a detector');
    const station = written.of('AirQualityObserved').find((s) => (numeric(s, 'pm25') ?? 0) <= 75 && (numeric(s, 'pm10') ?? 0) <= 150);
    assert.ok(station, 'a station with clean air');
    const congestedBefore = Number(await attr(page, 'overview-count-congested', 'data-value'));
    const aboveBefore = Number(await attr(page, 'overview-count-aqi', 'data-value'));
    const lastBefore = await attr(page, 'overview-last-update', 'data-changes');

    const observedAt = new Date().toISOString();
    const prop = (v: unknown) => ({ type: 'Property', value: v, observedAt });
    const changes: (Attrs & { id: string; type: string })[] = [
      ...detectors.map((d) => ({ id: d.id, type: 'TrafficFlowObserved', congestionIndex: prop(4.2), averageVehicleSpeed: prop(9), congested: prop(true) })),
      { id: station.id, type: 'AirQualityObserved', pm25: prop(160) },
      {
        id: 'urn:ngsi-ld:PublicOpinionPost:hz-post-test-1',
        type: 'PublicOpinionPost',
        text: prop('文一路高架堵得走不动了，已经二十分钟没动'),
        topic: prop('traffic'),
        district: prop('xihu'),
        sentiment: prop(-0.8),
        publishedAt: prop(observedAt),
      },
    ];
    await upsert(changes, true);
    for (const change of changes) written.merge(change);

    await page.waitForFunction((want) => document.querySelector('[data-testid="overview-count-congested"]')?.getAttribute('data-value') === String(want), congestedBefore + 1);
    await page.waitForFunction((want) => document.querySelector('[data-testid="overview-count-aqi"]')?.getAttribute('data-value') === String(want), aboveBefore + 1);
    await page.locator('[data-testid="feed-item"][data-id="urn:ngsi-ld:PublicOpinionPost:hz-post-test-1"]').waitFor();
    const post = (await page.locator('[data-testid="feed-item"][data-id="urn:ngsi-ld:PublicOpinionPost:hz-post-test-1"]').textContent()) ?? '';
    assert.match(post, /舆情[\s\S]*交通[\s\S]*西湖区[\s\S]*文一路高架[\s\S]*负面/);
    assert.notEqual(await attr(page, 'overview-last-update', 'data-changes'), lastBefore);
    await page.waitForTimeout(600);
    await page.screenshot({ path: path.join(SHOTS, 'overview-zh-wall-live.png') });
    const redAfter = await pixelsOf(page, SEVERE_RED);
    assert.ok(redAfter > redBefore + 10, `the road is redrawn in red (${redBefore} → ${redAfter} red pixels)`);
    assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page did not reload');
    assert.deepEqual(failures, []);
    await context.close();
  });

  test('in English on a laptop and on a phone, everything is translated and nothing scrolls sideways', async () => {
    const { context, page, failures } = await signedIn('en', LAPTOP);
    await page.goto(`${portal.base}/overview`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="overview-map"]')?.getAttribute('data-roads')) > 0);
    assert.match((await page.locator('h1').textContent()) ?? '', /City operations overview/);
    assert.match((await page.getByTestId('overview-legend').textContent()) ?? '', /Free flow[\s\S]*Slow[\s\S]*Congested[\s\S]*Excellent[\s\S]*Good/);
    // Outside the feed (people's own words), no Chinese is left in the English page.
    const chrome = await page.evaluate(() => {
      const main = document.querySelector('[data-testid="overview-page"]')?.cloneNode(true) as HTMLElement | undefined;
      for (const text of Array.from(main?.querySelectorAll('.overview-feed-text, .overview-feed-topic, .overview-feed-district, .page-subtitle') ?? [])) text.remove();
      return main?.textContent ?? '';
    });
    assert.doesNotMatch(chrome, /[\u4e00-\u9fff]/, 'no untranslated Chinese');
    await noSidewaysScroll(page, 'the overview at 1280');
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, 'overview-en-laptop.png') });

    await page.setViewportSize(PHONE);
    await page.waitForTimeout(500);
    await noSidewaysScroll(page, 'the overview at 390');
    const box = await page.getByTestId('overview-map').boundingBox();
    assert.ok(box && box.width > 300 && box.height > 300, 'the map is usable on a phone');
    await page.screenshot({ path: path.join(SHOTS, 'overview-en-phone.png'), fullPage: true });
    assert.deepEqual(failures, []);
    await context.close();
  });
});
