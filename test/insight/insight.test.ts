/** Insight end to end on a whole platform: the hourly job on a small seeded city, history, forecasts, an anomaly raising an alarm, and every route. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { INDICATORS } from '../../src/insight/indicators/catalog.ts';
import { sentiment } from '../../src/insight/indicators/sentiment.ts';
import { indicatorEntity, writeEntities } from '../../src/insight/hub-writer.ts';
import { createInsight, type InsightParts, type RunReport } from '../../src/insight/index.ts';
import { type Call, caller, upsert, userToken } from '../incidents/support.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const HOUR = 3_600_000;
const POSTS = ['天目山路又堵死了，太糟糕', '地铁很方便'];
/** The hour's mean lexicon sentiment of the two posts, as the indicator must report it. */
const MOOD = Math.round(((sentiment(POSTS[0] as string).score + sentiment(POSTS[1] as string).score) / 2) * 1000) / 1000;
const prop = (value: unknown, observedAt?: string) => ({ type: 'Property', value, ...(observedAt ? { observedAt } : {}) });
const point = (long: number, lat: number) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [long, lat] } });
const iso = (ms: number) => new Date(ms).toISOString();

/** Two readings per detector in the hour (at :10 and :40); the hour's mean is what the indicators use. */
function trafficReadings(hourStart: number, readings: Array<{ id: string; intensity: number; congestion: [number, number]; speed: number }>) {
  return [10, 40].map((minute, k) =>
    readings.map((r) => ({
      id: `urn:ngsi-ld:TrafficFlowObserved:${r.id}`,
      type: 'TrafficFlowObserved',
      intensity: prop(r.intensity, iso(hourStart + minute * 60_000)),
      congestionIndex: prop(r.congestion[k], iso(hourStart + minute * 60_000)),
      averageVehicleSpeed: prop(r.speed, iso(hourStart + minute * 60_000)),
    })),
  );
}

describe('insight', () => {
  let t: TestPlatform;
  let call: Call;
  let admin: string;
  let citizen: string;
  let insight: InsightParts;
  let tenant: string;
  // Hour A: a normal hour (its run issues the first forecast); hour B: congestion far above that forecast.
  const H = Math.floor(Date.now() / HOUR) * HOUR;
  const hourEndA = H - 3 * HOUR;
  const hourEndB = H - 2 * HOUR;
  let reportB: RunReport;

  before(async () => {
    t = await startTestPlatform();
    call = caller(t.platform);
    admin = t.adminToken;
    citizen = await userToken(call, admin, 'xiaoli', ['citizen'], t.login);
    tenant = t.platform.config.defaultTenant;
    const p = t.platform;
    // A second instance without the timer, so the test decides which hours are computed.
    insight = await createInsight({
      store: p.store,
      audit: p.audit,
      tenancy: p.tenancy,
      hub: p.context.hub,
      reader: p.context.reader,
      terms: p.context.resolver.core,
      logger: p.server.log as never,
      alarms: p.alarms.service,
      background: false,
    });
    await upsert(call, admin, [
      { id: 'urn:ngsi-ld:RoadSegment:r1', type: 'RoadSegment', name: prop('天目山路'), roadClass: prop('arterial'), district: prop('xihu'), location: { type: 'GeoProperty', value: { type: 'LineString', coordinates: [[120.1, 30.27], [120.12, 30.27], [120.14, 30.27]] } } },
      { id: 'urn:ngsi-ld:RoadSegment:r2', type: 'RoadSegment', name: prop('延安路'), roadClass: prop('local'), district: prop('shangcheng'), location: { type: 'GeoProperty', value: { type: 'LineString', coordinates: [[120.16, 30.25], [120.17, 30.26]] } } },
      { id: 'urn:ngsi-ld:TrafficFlowObserved:d1', type: 'TrafficFlowObserved', district: prop('xihu'), refRoadSegment: { type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:r1' }, location: point(120.11, 30.27) },
      { id: 'urn:ngsi-ld:TrafficFlowObserved:d2', type: 'TrafficFlowObserved', district: prop('xihu'), refRoadSegment: { type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:r1' }, location: point(120.13, 30.27) },
      { id: 'urn:ngsi-ld:TrafficFlowObserved:d3', type: 'TrafficFlowObserved', district: prop('shangcheng'), refRoadSegment: { type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:r2' }, location: point(120.165, 30.255) },
      { id: 'urn:ngsi-ld:AirQualityObserved:s1', type: 'AirQualityObserved', district: prop('xihu'), location: point(120.12, 30.26) },
    ]);
    // 70 hours of city congestion history before hour A (a daily wave with small wobbles), written as the job writes it.
    const definition = INDICATORS.find((d) => d.id === 'congestion');
    for (let end = hourEndA - 70 * HOUR; end < hourEndA; end += HOUR) {
      const i = end / HOUR;
      const value = Number((1.2 + 0.05 * Math.sin((2 * Math.PI * i) / 24) + 0.004 * ((i * 7919) % 11) - 0.02).toFixed(4));
      const entity = indicatorEntity({ indicator: 'congestion', scope: 'city', scopeId: tenant, at: end, value }, definition, undefined, true);
      const w = await writeEntities(p.context.hub, tenant, p.context.resolver.core, [entity]);
      assert.equal(w.written, 1, JSON.stringify(w.refused));
    }
    // Hour A: ordinary traffic.
    for (const batch of trafficReadings(hourEndA - HOUR, [
      { id: 'd1', intensity: 500, congestion: [1.2, 1.2], speed: 40 },
      { id: 'd2', intensity: 500, congestion: [1.2, 1.2], speed: 40 },
      { id: 'd3', intensity: 500, congestion: [1.2, 1.2], speed: 40 },
    ]))
      await upsert(call, admin, batch);
    const reportA = await insight.runHour(tenant, hourEndA);
    assert.equal(reportA.computed, true);
    assert.ok(reportA.forecasts >= 1, `hour A issues the congestion forecast: ${JSON.stringify(reportA)}`);
    // Hour B: a jam on r1, an air station, two posts.
    const b0 = hourEndB - HOUR;
    for (const batch of trafficReadings(b0, [
      { id: 'd1', intensity: 600, congestion: [1.4, 1.6], speed: 20 },
      { id: 'd2', intensity: 200, congestion: [2.5, 2.5], speed: 12 },
      { id: 'd3', intensity: 400, congestion: [1.2, 1.2], speed: 45 },
    ]))
      await upsert(call, admin, batch);
    await upsert(call, admin, [{ id: 'urn:ngsi-ld:AirQualityObserved:s1', type: 'AirQualityObserved', pm25: prop(75, iso(b0 + 20 * 60_000)), pm10: prop(100, iso(b0 + 20 * 60_000)) }]);
    await upsert(call, admin, [
      { id: 'urn:ngsi-ld:PublicOpinionPost:p1', type: 'PublicOpinionPost', text: prop(POSTS[0]), topic: prop('traffic'), district: prop('xihu'), sentiment: prop(-0.5), publishedAt: prop(iso(b0 + 5 * 60_000)) },
      { id: 'urn:ngsi-ld:PublicOpinionPost:p2', type: 'PublicOpinionPost', text: prop(POSTS[1]), topic: prop('traffic'), district: prop('xihu'), sentiment: prop(0.3), publishedAt: prop(iso(b0 + 35 * 60_000)) },
      { id: 'urn:ngsi-ld:PublicOpinionPost:p0', type: 'PublicOpinionPost', text: prop('昨天的帖子'), topic: prop('traffic'), district: prop('xihu'), sentiment: prop(1), publishedAt: prop(iso(b0 - 5 * 60_000)) },
    ]);
    reportB = await insight.runHour(tenant, hourEndB);
    await t.platform.alarms.flush();
  });
  after(async () => {
    await insight?.close();
    await t?.close();
  });

  const entity = async (id: string) => {
    const r = await call(admin, 'GET', `/ngsi-ld/v1/entities/${encodeURIComponent(id)}?options=keyValues`);
    assert.equal(r.status, 200, `${id}: ${JSON.stringify(r.body)}`);
    return r.body;
  };

  test('the hourly job writes CityIndicator entities with flow-weighted congestion per road, district and city', async () => {
    assert.equal(reportB.computed, true);
    assert.equal(reportB.sensors, 4);
    const road = await entity('urn:ngsi-ld:CityIndicator:congestion:road:r1');
    // (600 × 1.5 + 200 × 2.5) / 800
    assert.equal(road.value, 1.75);
    assert.equal(road.roadClass, 'arterial');
    assert.equal(road.district, 'xihu');
    assert.equal(road.indicator, 'congestion');
    assert.equal(road.indicatorScope, 'road');
    const district = await entity('urn:ngsi-ld:CityIndicator:congestion:district:xihu');
    assert.equal(district.value, 1.75);
    assert.equal(district.name, INDICATORS.find((d) => d.id === 'congestion')?.name.zh);
    assert.ok(district.definitionEn.includes('free-flow'));
    const city = await entity(`urn:ngsi-ld:CityIndicator:congestion:city:${tenant}`);
    // (900 + 500 + 480) / 1200
    assert.equal(city.value, 1.567);
    const speed = await entity(`urn:ngsi-ld:CityIndicator:speed:city:${tenant}`);
    assert.equal(speed.value, (600 * 20 + 200 * 12 + 400 * 45) / 1200);
  });

  test('AQI per station follows HJ 633 with its primary pollutant, and posts of the hour only are counted', async () => {
    const station = await entity('urn:ngsi-ld:CityIndicator:aqi:station:s1');
    assert.equal(station.value, 100);
    assert.equal(station.level, 2);
    assert.deepEqual(station.primaryPollutant, ['PM2.5']);
    const volume = await entity('urn:ngsi-ld:CityIndicator:opinionVolume:topic:traffic');
    assert.equal(volume.value, 2);
    const mood = await entity('urn:ngsi-ld:CityIndicator:opinionSentiment:district:xihu');
    assert.equal(mood.value, MOOD);
    assert.ok(MOOD < 0.5 && MOOD > -1, `the lexicon reads the jam as negative and the metro as positive: ${MOOD}`);
  });

  test('the value of each hour lands in history at the hour end, readable as a series', async () => {
    const r = await call(citizen, 'GET', `/api/v1/insight/indicators/congestion/series?from=${iso(hourEndA - 5 * HOUR)}&to=${iso(hourEndB)}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const byAt = new Map(r.body.points.map((p: { at: string; value: number }) => [p.at, p.value]));
    assert.equal(byAt.get(iso(hourEndA)), 1.2);
    assert.equal(byAt.get(iso(hourEndB)), 1.567);
    assert.equal(r.body.points.length, 6);
    assert.ok(r.body.forecast.points.length === 24, 'the latest forecast comes with the series');
    const road = await call(citizen, 'GET', `/api/v1/insight/indicators/congestion/series?scope=road&scopeId=r1&from=${iso(hourEndB - HOUR)}&to=${iso(hourEndB)}`);
    assert.deepEqual(road.body.points, [{ at: iso(hourEndB), value: 1.75 }]);
  });

  test('forecasts are stored as IndicatorForecast entities with 80 and 95 % bands', async () => {
    const f = await entity(`urn:ngsi-ld:IndicatorForecast:congestion:city:${tenant}`);
    assert.equal(f.refIndicator, `urn:ngsi-ld:CityIndicator:congestion:city:${tenant}`);
    assert.equal(f.dateIssued, iso(hourEndB));
    // keyValues renders a JsonProperty as { json }.
    const points = f.points.json;
    assert.equal(points.length, 24);
    assert.equal(points[0].at, iso(hourEndB + HOUR));
    for (const p of points) assert.ok(p.low95 <= p.low80 && p.low80 <= p.value && p.value <= p.high80 && p.high80 <= p.high95, JSON.stringify(p));
    assert.ok(typeof f.method === 'string' && f.method.length > 0);
    assert.ok(typeof f.baselineMase === 'number');
  });

  test('a value far outside the forecast band is an anomaly and raises an alarm', async () => {
    const city = await entity(`urn:ngsi-ld:CityIndicator:congestion:city:${tenant}`);
    assert.equal(city.anomaly, true);
    assert.ok(city.anomalyScore > 1.5, `score ${city.anomalyScore}`);
    assert.ok(city.expectedHigh < 1.567 && city.expectedLow < city.expectedHigh);
    assert.match(city.anomalyReasonEn, /above the forecast's 95 % band/);
    assert.ok(reportB.anomalies >= 1);
    const rule = await call(admin, 'GET', '/api/v1/alarms/rules/insight-indicator-anomaly');
    assert.equal(rule.status, 200, JSON.stringify(rule.body));
    const alarms = await call(admin, 'GET', '/api/v1/alarms?status=active');
    assert.equal(alarms.status, 200);
    const raised = alarms.body.alarms.filter((a: { alarmType: string }) => a.alarmType === 'indicatorAnomaly');
    assert.ok(
      raised.some((a: { originator: string }) => a.originator === `urn:ngsi-ld:CityIndicator:congestion:city:${tenant}`),
      JSON.stringify(alarms.body.alarms.map((a: { alarmType: string; originator: string }) => [a.alarmType, a.originator])),
    );
    const anomalies = await call(citizen, 'GET', `/api/v1/insight/anomalies?from=${iso(hourEndA)}&to=${iso(hourEndB + HOUR)}`);
    assert.equal(anomalies.status, 200);
    const found = anomalies.body.anomalies.find((a: { indicator: string; scope: string }) => a.indicator === 'congestion' && a.scope === 'city');
    assert.equal(found?.value, 1.567);
    assert.equal(found?.at, iso(hourEndB));
  });

  test('an hour already computed is not computed again, and of two processes racing for an hour one computes it', async () => {
    const again = await insight.runHour(tenant, hourEndB);
    assert.equal(again.computed, false);
    const p = t.platform;
    const other = await createInsight({
      store: p.store,
      audit: p.audit,
      tenancy: p.tenancy,
      hub: p.context.hub,
      reader: p.context.reader,
      terms: p.context.resolver.core,
      logger: p.server.log as never,
      background: false,
    });
    try {
      const hourEndC = hourEndA - 5 * HOUR;
      const reports = await Promise.all([insight.runHour(tenant, hourEndC), other.runHour(tenant, hourEndC)]);
      assert.deepEqual(reports.map((r) => r.computed).sort(), [false, true]);
    } finally {
      await other.close();
    }
  });

  test('runs of the job are listed, and an admin can recompute an hour that has ended', async () => {
    const runs = await call(admin, 'GET', '/api/v1/insight/runs');
    assert.equal(runs.status, 200);
    const b = runs.body.runs.find((r: { hour_end: string }) => Date.parse(r.hour_end) === hourEndB);
    assert.equal(b?.status, 'done');
    assert.ok(b.indicators > 10);
    assert.equal((await call(citizen, 'GET', '/api/v1/insight/runs')).status, 403);
    const future = await call(admin, 'POST', '/api/v1/insight/runs', { hourEnd: iso(H + 2 * HOUR) });
    assert.equal(future.status, 400);
    assert.match(future.body.detail, /future/);
    const offHour = await call(admin, 'POST', '/api/v1/insight/runs', { hourEnd: iso(hourEndA + 60_000) });
    assert.equal(offHour.status, 400);
    assert.match(offHour.body.detail, /on the hour/);
    const rerun = await call(admin, 'POST', '/api/v1/insight/runs', { hourEnd: iso(hourEndA - 10 * HOUR) });
    assert.equal(rerun.status, 200, JSON.stringify(rerun.body));
    assert.equal(rerun.body.computed, true);
  });

  test('an hour with no readings yet is not recorded as done: a later tick computes it again (a backfill may still be arriving)', async () => {
    const empty = hourEndA - 20 * HOUR;
    const first = await insight.runHour(tenant, empty);
    assert.equal(first.computed, true);
    assert.equal(first.indicators, 0);
    const second = await insight.runHour(tenant, empty);
    assert.equal(second.computed, true, 'claimed again, not skipped as done');
  });

  test('the catalogue lists every indicator with bilingual names and definitions', async () => {
    const r = await call(citizen, 'GET', '/api/v1/insight/indicators');
    assert.equal(r.status, 200);
    const congestion = r.body.indicators.find((d: { id: string }) => d.id === 'congestion');
    assert.ok(congestion.name.zh && congestion.name.en && congestion.definition.zh && congestion.definition.en);
    assert.ok(congestion.scopes.includes('district'));
    assert.equal((await call(undefined, 'GET', '/api/v1/insight/indicators')).status, 401);
  });

  test('latest values per district make a map layer', async () => {
    const r = await call(citizen, 'GET', '/api/v1/insight/indicators/congestion/latest?scope=district');
    assert.equal(r.status, 200);
    const xihu = r.body.values.find((v: { scopeId: string }) => v.scopeId === 'xihu');
    assert.equal(xihu.value, 1.75);
    assert.equal(xihu.location.type, 'Point');
  });

  test('series and latest refuse what they cannot answer, saying what to fix', async () => {
    const unknown = await call(citizen, 'GET', '/api/v1/insight/indicators/happiness/series');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.detail, /congestion/);
    const scope = await call(citizen, 'GET', '/api/v1/insight/indicators/aqi/latest?scope=road');
    assert.equal(scope.status, 400);
    assert.match(scope.body.detail, /scopes/);
    const noId = await call(citizen, 'GET', '/api/v1/insight/indicators/congestion/series?scope=district');
    assert.equal(noId.status, 400);
    assert.match(noId.body.detail, /scopeId/);
    const reversed = await call(citizen, 'GET', `/api/v1/insight/indicators/congestion/series?from=${iso(H)}&to=${iso(H - HOUR)}`);
    assert.equal(reversed.status, 400);
    const tooLong = await call(citizen, 'GET', `/api/v1/insight/dashboards/government?from=${iso(H - 40 * 24 * HOUR)}&to=${iso(H)}`);
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body.detail, /31 days/);
    const notTime = await call(citizen, 'GET', '/api/v1/insight/anomalies?from=yesterday');
    assert.equal(notTime.status, 400);
    assert.equal((await call(citizen, 'GET', '/api/v1/insight/dashboards/tourism')).status, 400);
  });

  test('each dashboard is one call with tiles, series with forecast bands, map layers and tables', async () => {
    const from = iso(hourEndA - 4 * HOUR);
    const to = iso(hourEndB + HOUR);
    // Up to now: the anomaly's alarm was raised at wall-clock time, after hour B.
    const gov = await call(citizen, 'GET', `/api/v1/insight/dashboards/government?from=${from}&to=${iso(Date.now() + 1000)}`);
    assert.equal(gov.status, 200, JSON.stringify(gov.body));
    assert.equal(gov.body.dashboard, 'government');
    const congestionTile = gov.body.tiles.find((x: { id: string }) => x.id === 'congestion');
    assert.equal(congestionTile.value, 1.567);
    assert.equal(congestionTile.anomaly, true);
    const citySeries = gov.body.series.find((s: { id: string }) => s.id === `congestion:city:${tenant}`);
    // Hours ending in (from, to]: A−3 … B (hour B+1 has not been computed).
    assert.equal(citySeries.points.length, 5);
    assert.equal(citySeries.forecast.points.length, 24);
    assert.ok(gov.body.series.some((s: { id: string }) => s.id === 'congestion:district:xihu'));
    assert.ok(gov.body.maps.find((m: { id: string }) => m.id === 'aqi:station').features.some((f: { scopeId: string }) => f.scopeId === 's1'));
    assert.ok(gov.body.tables.some((x: { id: string }) => x.id === 'alarmsAndIncidentsByDay'));
    const alarmsTile = gov.body.tiles.find((x: { id: string }) => x.id === 'alarms');
    assert.ok(alarmsTile.value >= 1, 'the anomaly alarm is counted');

    const industry = await call(citizen, 'GET', `/api/v1/insight/dashboards/industry?from=${from}&to=${to}`);
    assert.equal(industry.status, 200, JSON.stringify(industry.body));
    const arterial = industry.body.tables.find((x: { id: string }) => x.id === 'arterialBusinessHours');
    assert.deepEqual(arterial.columns, ['road', 'name', 'district', 'meanCongestion', 'hours', 'latest']);
    assert.equal(arterial.rows.length, 1, 'only the arterial r1');
    assert.equal(arterial.rows[0][0], 'r1');
    assert.ok(industry.body.tables.some((x: { id: string }) => x.id === 'apiKeyUsage'));

    const live = await call(citizen, 'GET', `/api/v1/insight/dashboards/livelihood?from=${from}&to=${to}`);
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal(live.body.tiles.find((x: { id: string }) => x.id === 'aqi').value, 100);
    assert.equal(live.body.tiles.find((x: { id: string }) => x.id === 'posts').value, 2);
    assert.ok(live.body.series.some((s: { id: string }) => s.id === 'aqi:station:s1'));
    assert.deepEqual(live.body.tables.find((x: { id: string }) => x.id === 'opinionByTopic').rows, [['traffic', 2, MOOD]]);
  });

  test('a long window comes in coarser steps: each point the mean of its hours, labelled with the last hour end', async () => {
    const from = hourEndB - 12 * 24 * HOUR;
    const r = await call(citizen, 'GET', `/api/v1/insight/dashboards/government?from=${iso(from)}&to=${iso(hourEndB)}`);
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
    assert.equal(r.body.stepHours, 2);
    const city = r.body.series.find((x: { id: string }) => x.id === `congestion:city:${tenant}`);
    for (const p of city.points) assert.equal((Date.parse(p.at) - from) % (2 * HOUR), 0, p.at);
    const last = city.points[city.points.length - 1];
    assert.equal(last.at, iso(hourEndB));
    // Hours A (1.2) and B (1.567)
    assert.ok(Math.abs(last.value - (1.2 + 1.567) / 2) < 1e-6, String(last.value));
  });

  test('POST /forecast forecasts a regular series and refuses bad input with what to fix', async () => {
    const start = Date.UTC(2026, 0, 1);
    const timestamps = Array.from({ length: 72 }, (_, i) => iso(start + i * HOUR));
    const values = timestamps.map((_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 24));
    const ok = await call(citizen, 'POST', '/api/v1/insight/forecast', { timestamps, values, horizon: 24 });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.points.length, 24);
    assert.equal(ok.body.baseline.method, 'seasonalNaive');
    const expectations: Array<[unknown, RegExp]> = [
      [{ timestamps, values: values.slice(1), horizon: 24 }, /one value .* per timestamp/],
      [{ timestamps: [...timestamps.slice(0, 10), iso(start + 10.5 * HOUR), ...timestamps.slice(11)], values, horizon: 24 }, /step must be regular/],
      [{ timestamps: timestamps.slice(0, 30), values: values.slice(0, 30), horizon: 24 }, /at least 48/],
      [{ timestamps, values, horizon: 0 }, /horizon/],
      [{ timestamps, values, horizon: 721 }, /1 to 720/],
      [{ timestamps: ['soon', ...timestamps.slice(1)], values, horizon: 24 }, /not a time/],
    ];
    for (const [body, message] of expectations) {
      const r = await call(citizen, 'POST', '/api/v1/insight/forecast', body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.detail, message);
    }
  });

  test('what-if runs a scenario beside its baseline and refuses an unknown scenario or date', async () => {
    const bad = await call(citizen, 'POST', '/api/v1/insight/what-if', { scenario: 'earthquake', date: '2026-10-01' });
    assert.equal(bad.status, 400);
    const badDate = await call(citizen, 'POST', '/api/v1/insight/what-if', { scenario: 'holiday', date: '2026-13-45' });
    assert.equal(badDate.status, 400);
    // The scenario runs in a worker thread: the server answers others meanwhile.
    const order: string[] = [];
    const running = call(citizen, 'POST', '/api/v1/insight/what-if', { scenario: 'heavyRainEvening', date: '2026-10-13' }).then((r) => {
      order.push('what-if');
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const health = await call(undefined, 'GET', '/healthz');
    order.push('healthz');
    assert.equal(health.status, 200);
    const run = await running;
    assert.deepEqual(order, ['healthz', 'what-if']);
    assert.equal(run.status, 200, JSON.stringify(run.body).slice(0, 300));
    assert.equal(run.body.name, 'heavyRainEvening');
    assert.ok(run.body.baseline.length > 0 && run.body.scenario.length === run.body.baseline.length);
  });

  test('published economic indicators upload as CSV, read back, and bad rows are named', async () => {
    const csv = 'indicator,period,value,unit,source\ngdp,2026-Q3,5234.5,亿元,杭州市统计局\nretailSales,2026-09,"812.0",亿元,"杭州市统计局, 月报"\n';
    const up = await t.platform.server.inject({ method: 'POST', url: '/api/v1/insight/published', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' }, payload: csv });
    assert.equal(up.statusCode, 201, up.body);
    assert.deepEqual(up.json(), { created: 2, updated: 0, rows: 2 });
    const again = await call(admin, 'POST', '/api/v1/insight/published', { rows: [{ indicator: 'gdp', period: '2026-Q3', value: 5240, unit: '亿元', source: '修订' }] });
    assert.equal(again.status, 200);
    assert.equal(again.body.updated, 1);
    const list = await call(citizen, 'GET', '/api/v1/insight/published');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.indicators.map((r: { indicator: string; period: string; value: number; source: string }) => [r.indicator, r.period, r.value, r.source]),
      [
        ['gdp', '2026-Q3', 5240, '修订'],
        ['retailSales', '2026-09', 812, '杭州市统计局, 月报'],
      ],
    );
    const bad = await t.platform.server.inject({ method: 'POST', url: '/api/v1/insight/published', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' }, payload: 'indicator,period,value\ngdp,Q3,abc\n' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().detail, /row 2/);
    const noHeader = await t.platform.server.inject({ method: 'POST', url: '/api/v1/insight/published', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' }, payload: 'gdp,2026,1\n' });
    assert.equal(noHeader.statusCode, 400);
    assert.match(noHeader.json().detail, /header/);
    assert.equal((await call(citizen, 'POST', '/api/v1/insight/published', [{ indicator: 'gdp', period: '2026', value: 1 }])).status, 403);
    const industry = await call(citizen, 'GET', '/api/v1/insight/dashboards/industry');
    assert.equal(industry.body.tables.find((x: { id: string }) => x.id === 'published').rows.length, 2);
  });
  test('a district whose complaints surge (3 hours against the same hours of the past week) is an anomaly and raises an alarm', async () => {
    const p = t.platform;
    const hourEndC = H - HOUR;
    const definition = INDICATORS.find((d) => d.id === 'requestVolume');
    assert.ok(definition, 'requestVolume is in the catalogue');
    // A week ago and every day since: 1 request an hour in the same three hours; today 2 in each of the two hours before.
    const stamps: Array<[number, number]> = [];
    for (let d = 7; d >= 1; d--) for (let h = 3; h >= 1; h--) stamps.push([hourEndC - d * 24 * HOUR - (h - 1) * HOUR, 1]);
    stamps.push([hourEndC - 2 * HOUR, 2], [hourEndC - HOUR, 2]);
    for (const [at, value] of stamps) {
      const w = await writeEntities(p.context.hub, tenant, p.context.resolver.core, [indicatorEntity({ indicator: 'requestVolume', scope: 'district', scopeId: 'gongshu', district: 'gongshu', at, value }, definition, undefined, true)]);
      assert.equal(w.written, 1, JSON.stringify(w.refused));
    }
    // This hour: 6 complaints in gongshu, 1 in xihu (3 hours: 2 + 2 + 6 = 10 ≥ 3 × the median 3).
    const filed = (district: string, k: number) => ({
      id: `urn:ngsi-ld:ServiceRequest:surge-${district}-${k}`,
      type: 'ServiceRequest',
      status: prop('open'),
      district: prop(district),
      requestedAt: prop(iso(hourEndC - HOUR + (5 + k) * 60_000)),
      dueAt: prop(iso(hourEndC + 48 * HOUR)),
    });
    await upsert(call, admin, [...[0, 1, 2, 3, 4, 5].map((k) => filed('gongshu', k)), filed('xihu', 0)]);
    const report = await insight.runHour(tenant, hourEndC);
    assert.equal(report.computed, true, JSON.stringify(report));
    await p.alarms.flush();
    const gongshu = await entity('urn:ngsi-ld:CityIndicator:requestVolume:district:gongshu');
    assert.equal(gongshu.value, 6);
    assert.equal(gongshu.anomaly, true);
    assert.equal(gongshu.expected, 3);
    assert.match(gongshu.anomalyReasonEn, /10 in the last 3 h; the median of the same hours over the last week is 3/);
    // xihu has no week of history: not judged.
    const xihu = await entity('urn:ngsi-ld:CityIndicator:requestVolume:district:xihu');
    assert.equal(xihu.value, 1);
    assert.notEqual(xihu.anomaly, true);
    const city = await entity(`urn:ngsi-ld:CityIndicator:requestVolume:city:${tenant}`);
    assert.equal(city.value, 7);
    const alarms = await call(admin, 'GET', '/api/v1/alarms?status=active');
    assert.ok(
      alarms.body.alarms.some((a: { alarmType: string; originator: string }) => a.alarmType === 'indicatorAnomaly' && a.originator === 'urn:ngsi-ld:CityIndicator:requestVolume:district:gongshu'),
      JSON.stringify(alarms.body.alarms.map((a: { alarmType: string; originator: string }) => [a.alarmType, a.originator])),
    );
  });
});
