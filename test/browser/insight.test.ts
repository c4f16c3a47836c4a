/**
 * The insight dashboards end to end in a real Chromium (issue 8): sensors with two and a half days of hourly readings
 * are written through the NGSI-LD API and the platform's own insight job computes every hour; an officer opens the
 * government, industry and livelihood dashboards, changes the time range and sees every chart with data and the
 * forecast band ahead of now, exports a chart's CSV, uploads published economic indicators, runs a what-if scenario
 * and the forecasting tool; screenshots at 1920×1080 and 390×844 go to test-output/browser/.
 */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { browserMissing as missing, type Portal, SHOTS, shot, startPortal } from '../support/browser.ts';
import { bearer } from '../support/platform.ts';

const WALL = { width: 1920, height: 1080 } as const;
const PHONE = { width: 390, height: 844 } as const;
const OFFICER = { username: 'officer.zhou', password: 'zhou-pass-1234', name: '周统计' };
const HOUR = 3_600_000;
/** Hours of history: the forecasts need two days (the daily season twice). */
const HOURS = 52;

const prop = (value: unknown, observedAt?: string) => ({ type: 'Property', value, ...(observedAt ? { observedAt } : {}) });
const point = (long: number, lat: number) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [long, lat] } });
const iso = (ms: number) => new Date(ms).toISOString();
const line = (coordinates: [number, number][]) => ({ type: 'GeoProperty', value: { type: 'LineString', coordinates } });

/** A daily wave (peak in the evening rush, Beijing time) with a small deterministic wobble. */
const wave = (hourEnd: number, base: number, amplitude: number, seed: number) => {
  const localHour = new Date(hourEnd + 8 * HOUR).getUTCHours();
  return base + amplitude * Math.sin(((localHour - 12) / 24) * 2 * Math.PI) + amplitude * 0.1 * (((hourEnd / HOUR) * seed) % 7) * 0.1;
};
const r = (value: number, digits = 2) => Number(value.toFixed(digits));

/** Stations beyond the two named ones: with 14 the AQI-by-station lines are more than a dashboard carries (read on choice). */
const MORE_STATIONS = Array.from({ length: 12 }, (_, i) => i + 3);

/** The static city: roads, detectors, air stations, car parks, a hospital, noise meters in two districts. */
const STATIC = [
  { id: 'urn:ngsi-ld:RoadSegment:ins-r1', type: 'RoadSegment', name: prop('天目山路'), roadClass: prop('arterial'), district: prop('xihu'), location: line([[120.1, 30.27], [120.12, 30.27], [120.14, 30.27]]) },
  { id: 'urn:ngsi-ld:RoadSegment:ins-r2', type: 'RoadSegment', name: prop('延安路'), roadClass: prop('arterial'), district: prop('shangcheng'), location: line([[120.16, 30.25], [120.17, 30.26]]) },
  { id: 'urn:ngsi-ld:TrafficFlowObserved:ins-d1', type: 'TrafficFlowObserved', district: prop('xihu'), refRoadSegment: { type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:ins-r1' }, location: point(120.11, 30.27) },
  { id: 'urn:ngsi-ld:TrafficFlowObserved:ins-d2', type: 'TrafficFlowObserved', district: prop('shangcheng'), refRoadSegment: { type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:ins-r2' }, location: point(120.165, 30.255) },
  { id: 'urn:ngsi-ld:AirQualityObserved:ins-a1', type: 'AirQualityObserved', name: prop('西溪站'), district: prop('xihu'), location: point(120.12, 30.26) },
  { id: 'urn:ngsi-ld:AirQualityObserved:ins-a2', type: 'AirQualityObserved', name: prop('湖滨站'), district: prop('shangcheng'), location: point(120.17, 30.255) },
  { id: 'urn:ngsi-ld:OffStreetParking:ins-p1', type: 'OffStreetParking', name: prop('湖滨银泰停车场'), category: prop(['public']), totalSpotNumber: prop(400), district: prop('shangcheng'), location: point(120.168, 30.257) },
  { id: 'urn:ngsi-ld:OffStreetParking:ins-p2', type: 'OffStreetParking', name: prop('西溪印象城停车场'), category: prop(['public']), totalSpotNumber: prop(600), district: prop('xihu'), location: point(120.09, 30.28) },
  { id: 'urn:ngsi-ld:Hospital:ins-h1', type: 'Hospital', name: prop('市第一人民医院'), totalBeds: prop(800), district: prop('shangcheng'), location: point(120.175, 30.25) },
  { id: 'urn:ngsi-ld:NoiseLevelObserved:ins-n1', type: 'NoiseLevelObserved', zoneClass: prop('2'), district: prop('xihu'), location: point(120.13, 30.265) },
  ...MORE_STATIONS.map((k) => ({ id: `urn:ngsi-ld:AirQualityObserved:ins-a${k}`, type: 'AirQualityObserved', district: prop(k % 2 ? 'xihu' : 'shangcheng'), location: point(120.1 + k * 0.005, 30.24 + k * 0.003) })),
];

/** One hour of readings, stamped 20 minutes into the hour. */
function readings(hourEnd: number) {
  const at = iso(hourEnd - 40 * 60_000);
  return [
    { id: 'urn:ngsi-ld:TrafficFlowObserved:ins-d1', type: 'TrafficFlowObserved', intensity: prop(r(wave(hourEnd, 600, 250, 3), 0), at), congestionIndex: prop(r(wave(hourEnd, 1.45, 0.3, 5)), at), averageVehicleSpeed: prop(r(wave(hourEnd, 38, -10, 2), 1), at) },
    { id: 'urn:ngsi-ld:TrafficFlowObserved:ins-d2', type: 'TrafficFlowObserved', intensity: prop(r(wave(hourEnd, 450, 200, 7), 0), at), congestionIndex: prop(r(wave(hourEnd, 1.3, 0.25, 3)), at), averageVehicleSpeed: prop(r(wave(hourEnd, 42, -9, 5), 1), at) },
    { id: 'urn:ngsi-ld:AirQualityObserved:ins-a1', type: 'AirQualityObserved', pm25: prop(r(wave(hourEnd, 55, 20, 3), 1), at), pm10: prop(r(wave(hourEnd, 80, 25, 2), 1), at), no2: prop(r(wave(hourEnd, 40, 12, 4), 1), at) },
    { id: 'urn:ngsi-ld:AirQualityObserved:ins-a2', type: 'AirQualityObserved', pm25: prop(r(wave(hourEnd, 30, 12, 5), 1), at), pm10: prop(r(wave(hourEnd, 50, 15, 3), 1), at), no2: prop(r(wave(hourEnd, 30, 8, 6), 1), at) },
    { id: 'urn:ngsi-ld:OffStreetParking:ins-p1', type: 'OffStreetParking', availableSpotNumber: prop(Math.round(wave(hourEnd, 160, -90, 3)), at) },
    { id: 'urn:ngsi-ld:OffStreetParking:ins-p2', type: 'OffStreetParking', availableSpotNumber: prop(Math.round(wave(hourEnd, 300, -150, 4)), at) },
    {
      id: 'urn:ngsi-ld:Hospital:ins-h1',
      type: 'Hospital',
      availableBeds: prop(Math.round(800 * (1 - wave(hourEnd, 0.78, 0.08, 2))), at),
      emergencyLoad: prop(r(wave(hourEnd, 0.6, 0.2, 3), 3), at),
      emergencyWaiting: prop(Math.round(wave(hourEnd, 12, 6, 3)), at),
    },
    { id: 'urn:ngsi-ld:NoiseLevelObserved:ins-n1', type: 'NoiseLevelObserved', LAeq: prop(r(wave(hourEnd, 58, 6, 2), 1), at) },
    ...MORE_STATIONS.map((k) => ({ id: `urn:ngsi-ld:AirQualityObserved:ins-a${k}`, type: 'AirQualityObserved', pm25: prop(r(wave(hourEnd, 25 + 3 * k, 10, k), 1), at), pm10: prop(r(wave(hourEnd, 45 + 2 * k, 12, k), 1), at) })),
    ...[0, 1, 2].map((k) => ({
      id: `urn:ngsi-ld:PublicOpinionPost:ins-${hourEnd / HOUR}-${k}`,
      type: 'PublicOpinionPost',
      text: prop(['天目山路晚高峰又堵了', '湖滨的空气今天不错', '医院挂号排队太久'][k]),
      topic: prop(['traffic', 'environment', 'health'][k]),
      district: prop(k === 0 ? 'xihu' : 'shangcheng'),
      sentiment: prop([-0.5, 0.4, -0.3][k]),
      publishedAt: prop(iso(hourEnd - (50 - k * 10) * 60_000)),
    })),
  ];
}


describe('portal: the insight dashboards, what-if and the forecasting tool', { skip: missing }, () => {
  let portal: Portal;
  let context: BrowserContext;
  let page: Page;
  const failures: string[] = [];

  const inject = (method: 'POST' | 'PATCH', url: string, payload: unknown) => portal.asAdmin(method, url, payload);

  before(async () => {
    portal = await startPortal();
    const { platform } = portal.t;
    const tenant = platform.config.defaultTenant;
    const created = await platform.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(portal.t.adminToken),
      payload: { username: OFFICER.username, password: OFFICER.password, displayName: OFFICER.name, roles: ['officer'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    await inject('POST', '/ngsi-ld/v1/entityOperations/upsert', STATIC);
    // Hour by hour, as the sensors would report and the hourly job would run; the last hour ends at the last full hour.
    const last = Math.floor(Date.now() / HOUR) * HOUR;
    let forecasts = 0;
    let lastReport: unknown;
    for (let hourEnd = last - (HOURS - 1) * HOUR; hourEnd <= last; hourEnd += HOUR) {
      // options=update: a reading adds to the sensor and keeps its static attributes (a plain upsert replaces the entity).
      await inject('POST', '/ngsi-ld/v1/entityOperations/upsert?options=update', readings(hourEnd));
      // Forced: the platform's own timer may already have claimed the latest hour (before these readings existed).
      const report = await platform.insight.service.runHour(tenant, hourEnd, { force: true });
      assert.ok(report.computed, `hour ${iso(hourEnd)}: ${JSON.stringify(report)}`);
      forecasts = Math.max(forecasts, report.forecasts);
      lastReport = report;
    }
    assert.ok(forecasts > 0, `the last hours issue forecasts: ${JSON.stringify(lastReport)}`);

    context = await portal.browser.newContext({ viewport: WALL, acceptDownloads: true });
    await context.addInitScript(() => {
      if (!window.localStorage.getItem('citycloud.lang')) window.localStorage.setItem('citycloud.lang', 'zh');
    });
    page = await context.newPage();
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('requestfailed', (request) => {
      if (request.failure()?.errorText !== 'net::ERR_ABORTED') failures.push(`${request.url()} ${request.failure()?.errorText}`);
    });
    await page.goto(`${portal.base}/login?next=${encodeURIComponent('/insight')}`);
    await page.getByTestId('login-username').fill(OFFICER.username);
    await page.getByTestId('login-password').fill(OFFICER.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('insight-page').waitFor();
  });
  after(async () => {
    await context?.close();
    await portal?.close();
  });

  /** Every line panel of the dashboard: its indicator and point count. */
  const panels = () =>
    page.getByTestId('insight-series').evaluateAll((items) =>
      items.map((item) => ({ indicator: item.getAttribute('data-indicator'), points: Number(item.getAttribute('data-points')), forecast: Number(item.getAttribute('data-forecast')) })),
    );

  async function ready(audience: string): Promise<void> {
    await page.locator(`[data-testid="insight-dashboard"][data-audience="${audience}"][data-state="ready"]`).waitFor({ timeout: 20_000 });
    await page.getByTestId('insight-chart').first().waitFor({ timeout: 10_000 });
  }

  test('the government dashboard draws congestion, speed and AQI with their forecast bands, and a longer range shows more hours', async () => {
    await ready('government');
    const day = await panels();
    const byIndicator = new Map(day.map((p) => [p.indicator, p]));
    for (const indicator of ['congestion', 'speed', 'aqi']) {
      const panel = byIndicator.get(indicator);
      assert.ok(panel && panel.points > 0, `${indicator} has points over 24 h: ${JSON.stringify(day)}`);
      assert.ok(panel.points <= 25, `${indicator}: at most a day of hours in the 24 h range (${panel.points})`);
    }
    assert.ok((byIndicator.get('congestion')?.forecast ?? 0) > 0, 'the congestion line carries its forecast band');
    const tiles = await page.getByTestId('insight-kpi').evaluateAll((items) => items.map((i) => ({ indicator: i.getAttribute('data-indicator'), value: i.getAttribute('data-value') })));
    assert.ok(tiles.some((tile) => tile.indicator === 'congestion' && Number(tile.value) > 1), `a congestion tile: ${JSON.stringify(tiles)}`);
    await page.locator('[data-testid="insight-map"] [data-testid="insight-map-canvas"]').waitFor();
    await shot(page, 'insight-government-1920', 600);

    await page.getByTestId('insight-range-7d').click();
    await page.waitForFunction(() => {
      const dashboard = document.querySelector('[data-testid="insight-dashboard"]');
      return dashboard?.getAttribute('data-state') === 'ready' && Number(dashboard.getAttribute('data-to')) - Number(dashboard.getAttribute('data-from')) === 7 * 24 * 3_600_000;
    });
    await page.waitForFunction(
      (hours) => Array.from(document.querySelectorAll('[data-testid="insight-series"][data-indicator="congestion"] [data-testid="insight-chart"]')).some((c) => Number(c.getAttribute('data-points')) >= hours - 2),
      HOURS,
    );
    const week = await panels();
    for (const p of week.filter((x) => ['congestion', 'speed', 'aqi'].includes(x.indicator ?? ''))) assert.ok(p.points > 25, `${p.indicator}: the 7-day range shows more than a day (${p.points})`);

    // The definition of an indicator, from the catalogue.
    await page.locator('[data-testid="insight-kpi"][data-indicator="congestion"] [data-testid="insight-define"]').click();
    const definition = await page.getByTestId('insight-define-text').first().textContent();
    assert.ok(definition && definition.length > 10, `a readable definition: ${definition}`);

    // Export the congestion chart's data as CSV.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="insight-series"][data-indicator="congestion"] [data-testid="insight-csv"]').click()]);
    assert.match(download.suggestedFilename(), /^government-congestion.*\.csv$/);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    const lines = csv.trim().split('\n');
    assert.match(lines[0] ?? '', /time,kind,value,low80,high80,low95,high95/);
    assert.ok(lines.filter((l) => l.includes(',observed,')).length > 25, 'the CSV holds the observed hours');
    assert.ok(lines.some((l) => l.includes(',forecast,')), 'and the forecast with its band');

    const [png] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="insight-series"][data-indicator="congestion"] [data-testid="insight-png"]').click()]);
    assert.match(png.suggestedFilename(), /\.png$/);
    assert.deepEqual(readFileSync((await png.path()) as string).subarray(1, 4).toString(), 'PNG');
    // The whole dashboard as one picture.
    const [whole] = await Promise.all([page.waitForEvent('download'), page.getByTestId('insight-png-all').click()]);
    assert.match(whole.suggestedFilename(), /^government-\d+-\d+\.png$/);
    assert.ok(readFileSync((await whole.path()) as string).length > 20_000, 'a picture with the charts in it');
    copyFileSync((await whole.path()) as string, path.join(SHOTS, 'insight-government-export.png'));
    assert.deepEqual(failures, []);
  });

  test('the industry dashboard shows parking and congestion, the empty state of published indicators, and an officer uploads some', async () => {
    await page.getByTestId('insight-tab-industry').click();
    await ready('industry');
    const industry = await panels();
    assert.ok(industry.some((p) => p.indicator === 'parkingOccupancy' && p.points > 0), `parking has points: ${JSON.stringify(industry)}`);
    await page.getByTestId('insight-published-empty').waitFor();
    await page.locator('[data-testid="insight-published"] summary').click();
    await page.getByTestId('insight-published-csv').fill('indicator,period,value,unit,source\nnot-a-row');
    await page.getByTestId('insight-published-submit').click();
    const problem = await page.getByTestId('insight-published-error').textContent({ timeout: 10_000 });
    assert.ok(problem && problem.length > 5, `a bad upload says what is wrong: ${problem}`);
    await page.getByTestId('insight-published-csv').fill('indicator,period,value,unit,source\ngdp,2026-Q3,5432.1,亿元,市统计局\nretailSales,2026-10,812.4,亿元,市统计局');
    await page.getByTestId('insight-published-submit').click();
    await page.locator('[data-testid="insight-published"][data-rows="2"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="insight-kpi"][data-indicator="published"][data-value="2"]').waitFor({ timeout: 10_000 });
    await shot(page, 'insight-industry-1920', 600);
    assert.deepEqual(failures, []);
  });

  test('the livelihood dashboard shows AQI by station with level colours, hospital load and opinion', async () => {
    await page.getByTestId('insight-tab-livelihood').click();
    await ready('livelihood');
    const rows = await panels();
    for (const indicator of ['aqi', 'hospitalLoad', 'opinionVolume']) assert.ok(rows.some((p) => p.indicator === indicator && p.points > 0), `${indicator} has points: ${JSON.stringify(rows)}`);
    const map = page.locator('[data-testid="insight-map"][data-indicator="aqi"]');
    await map.waitFor();
    assert.ok(Number(await map.getAttribute('data-values')) >= 2, 'both stations on the AQI map');
    await page.getByTestId('insight-range-30d').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="insight-dashboard"]')?.getAttribute('data-state') === 'ready' && document.querySelector('[data-testid="insight-range-30d"]')?.getAttribute('aria-pressed') === 'true');
    await shot(page, 'insight-livelihood-1920', 600);

    // 14 stations: their lines come without points and the one chosen is read on choice (30 days in 3-hour means).
    const aqiPanel = page.locator('[data-testid="insight-series"][data-indicator="aqi"]');
    const station = await aqiPanel.getByTestId('insight-scope').evaluate((select) => {
      const options = Array.from((select as HTMLSelectElement).options);
      return options.findIndex((o) => o.textContent === 'ins-a9');
    });
    assert.ok(station > 0, 'station ins-a9 is among the AQI lines to choose');
    await aqiPanel.getByTestId('insight-scope').selectOption({ index: station });
    await page.locator('[data-testid="insight-series"][data-indicator="aqi"][data-scope="station"] [data-testid="insight-chart"]').waitFor({ timeout: 10_000 });
    const stationPoints = Number(await aqiPanel.getAttribute('data-points'));
    assert.ok(stationPoints >= HOURS / 3 - 2, `the chosen station's line has its points (${stationPoints})`);
    await aqiPanel.screenshot({ path: path.join(SHOTS, 'insight-livelihood-station.png') });
    await aqiPanel.getByTestId('insight-scope').selectOption({ index: 0 });

    // A custom range: the wrong way round is refused in words; the last 12 hours (Beijing time) show 12 hours at most.
    await page.getByTestId('insight-range-custom').click();
    const local = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 16);
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    await page.getByTestId('insight-range-from').fill(local(end));
    await page.getByTestId('insight-range-to').fill(local(end - 12 * HOUR));
    await page.getByTestId('insight-range-apply').click();
    assert.match((await page.getByTestId('insight-range-error').textContent()) ?? '', /早于/);
    await page.getByTestId('insight-range-from').fill(local(end - 12 * HOUR));
    await page.getByTestId('insight-range-to').fill(local(end));
    await page.getByTestId('insight-range-apply').click();
    await page.locator(`[data-testid="insight-dashboard"][data-state="ready"][data-from="${end - 12 * HOUR}"][data-to="${end}"]`).waitFor({ timeout: 10_000 });
    const aqi = page.locator('[data-testid="insight-series"][data-indicator="aqi"]');
    const points = Number(await aqi.getAttribute('data-points'));
    assert.ok(points > 0 && points <= 12, `12 hours of AQI (${points})`);
    assert.deepEqual(failures, []);
  });

  test('what-if: a heavy-rain evening against the baseline, with progress while it runs', async () => {
    await page.getByTestId('insight-tab-what-if').click();
    await page.getByTestId('insight-whatif').waitFor();
    await page.getByTestId('insight-scenario-heavyRainEvening').check();
    await page.getByTestId('insight-whatif-run').click();
    const outcome = page.locator('[data-testid="insight-whatif"][data-state="done"], [data-testid="insight-whatif"][data-state="error"]');
    await outcome.first().waitFor({ timeout: 120_000 });
    const error = await page.getByTestId('insight-whatif-error').count();
    assert.equal(error, 0, `the scenario ran: ${error ? await page.getByTestId('insight-whatif-error').textContent() : ''}`);
    const lines = await page.getByTestId('insight-whatif-line').evaluateAll((items) => items.map((i) => ({ indicator: i.getAttribute('data-indicator'), points: Number(i.getAttribute('data-points')) })));
    assert.ok(lines.length >= 3, `several indicators compared: ${JSON.stringify(lines)}`);
    for (const l of lines) assert.ok(l.points > 0, `${l.indicator} has scenario points`);
    await shot(page, 'insight-whatif-1920', 600);
    assert.deepEqual(failures, []);
  });

  test('the forecasting tool forecasts a pasted series with intervals, its method and MASE', async () => {
    await page.getByTestId('insight-tab-forecast').click();
    await page.getByTestId('insight-tool-example').click();
    await page.locator('[data-testid="insight-tool-count"][data-count="336"]').waitFor();
    await page.getByTestId('insight-tool-horizon').fill('48');
    await page.getByTestId('insight-tool-run').click();
    await page.locator('[data-testid="insight-tool-result"], [data-testid="insight-tool-error"]').first().waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('insight-tool-error').count(), 0, `the forecast ran: ${await page.getByTestId('insight-tool-error').first().textContent({ timeout: 1000 }).catch(() => '')}`);
    const result = page.locator('[data-testid="insight-tool-result"][data-points="48"]');
    await result.waitFor({ timeout: 5_000 });
    assert.ok(Number(await result.getAttribute('data-mase')) > 0, 'MASE is shown');
    assert.ok(((await page.getByTestId('insight-tool-method').textContent()) ?? '').length > 2, 'the method is named');
    await shot(page, 'insight-forecast-1920', 600);

    // A series too short for its season: the server says what to fix.
    await page.getByTestId('insight-tool-csv').fill('time,value\n2026-10-01T00:00:00+08:00,1\n2026-10-01T01:00:00+08:00,2\n2026-10-01T02:00:00+08:00,3');
    await page.getByTestId('insight-tool-run').click();
    const message = await page.getByTestId('insight-tool-error').textContent({ timeout: 10_000 });
    assert.ok(message && !/HTTP \d+|went wrong/.test(message), `a message in words: ${message}`);
    assert.deepEqual(failures, []);
  });

  test('on a phone (390 px) the dashboard stacks without overflowing, in English too', async () => {
    const phone = await portal.browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, acceptDownloads: true });
    try {
      const session = await page.evaluate(() => window.localStorage.getItem('citycloud.session'));
      await phone.addInitScript((value) => {
        if (value) window.localStorage.setItem('citycloud.session', value);
        if (!window.localStorage.getItem('citycloud.lang')) window.localStorage.setItem('citycloud.lang', 'zh');
      }, session);
      const small = await phone.newPage();
      small.on('pageerror', (error) => failures.push(error.message));
      await small.goto(`${portal.base}/insight/livelihood`);
      await small.locator('[data-testid="insight-dashboard"][data-state="ready"]').waitFor({ timeout: 20_000 });
      await small.getByTestId('insight-chart').first().waitFor();
      const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `no sideways scrolling on a phone (${overflow}px)`);
      await small.evaluate(() => window.scrollTo(0, 0));
      await small.waitForTimeout(600);
      await small.screenshot({ path: path.join(SHOTS, 'insight-livelihood-390.png'), fullPage: true });
      await small.evaluate(() => window.localStorage.setItem('citycloud.lang', 'en'));
      await small.goto(`${portal.base}/insight`);
      await small.locator('[data-testid="insight-dashboard"][data-state="ready"]').waitFor({ timeout: 20_000 });
      await small.getByTestId('insight-chart').first().waitFor();
      assert.match((await small.locator('h1').first().textContent()) ?? '', /City insight/);
      await small.waitForTimeout(600);
      await small.screenshot({ path: path.join(SHOTS, 'insight-government-390-en.png'), fullPage: true });
    } finally {
      await phone.close();
    }
    assert.deepEqual(failures, []);
  });
});
