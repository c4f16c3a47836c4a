/**
 * Insight (issue 8): (a) the hourly indicator job for the city-scale simulation (`size: 'city'`, ~5,000 periodic
 * sensors): one hour of the simulator's readings is written through the hub's batch write path (as ingest does, so the
 * hourly rollups exist) beside the city's entities, and `runHour` is timed — target ≤ 5 s. Same-run baseline: the raw
 * SQL read of that hour's rollup rows of the same sensors. (b) The three dashboards on 30 days of hourly CityIndicator
 * history (written directly in hourly batches, not simulated): concurrent GETs over HTTP, p95 — target ≤ 200 ms on
 * PostgreSQL (answers for the same window are shared for 30 s, as viewers share them), and one dashboard computed
 * afresh at a time. Same-run baseline: GET /healthz under the same concurrency.
 *
 * In-process: one platform on a fresh store (its own insight timer stopped; the bench drives runHour).
 */
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { createPlatform, type Platform } from '../src/app.ts';
import { INDICATOR_TYPE } from '../src/insight/hub-writer.ts';
import { createInsight } from '../src/insight/index.ts';
import { HOUR } from '../src/insight/service.ts';
import { systemPrincipal } from '../src/platform/auth/model.ts';
import { type InstanceRow, instanceRow, rollupRows, seriesId } from '../src/temporal/rows.ts';
import { writeHistory as writeTemporalHistory } from '../src/temporal/store.ts';
import { loadConfig } from '../src/platform/config/config.ts';
import { createLogger } from '../src/platform/logging/logger.ts';
import { buildCity, devices, initialEntities, simulate } from '../src/sim/index.ts';
import { ADMIN_PASSWORD, benchStore, type Driver } from './harness.ts';
import type { BenchResult } from './report.ts';

const SEED = 5;
const SIZE = (process.env.BENCH_INSIGHT_SIZE ?? 'city') as 'tiny' | 'small' | 'city';
/** The hour computed: 10–11 Beijing time on a Tuesday (busy traffic). */
const HOUR_START = Date.parse('2025-04-01T02:00:00Z');
const STEP_SECONDS = Number(process.env.BENCH_INSIGHT_STEP ?? 60);
const HISTORY_DAYS = Number(process.env.BENCH_INSIGHT_DAYS ?? 30);
const CONCURRENCY = Number(process.env.BENCH_INSIGHT_CONCURRENCY ?? 8);
const REQUESTS = Number(process.env.BENCH_INSIGHT_REQUESTS ?? 300);
const BATCH = 2000;

const p95 = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] as number;
};
const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;

async function upsertAll(platform: Platform, tenant: string, entities: Record<string, unknown>[]): Promise<void> {
  const call = { tenant, principal: systemPrincipal(tenant, 'bench'), terms: platform.context.resolver.core };
  for (let i = 0; i < entities.length; i += BATCH) {
    const outcomes = await platform.context.hub.batchUpsert(call, entities.slice(i, i + BATCH), 'update');
    const refused = outcomes.find((o) => !o.ok);
    if (refused && !refused.ok) throw new Error(`the hub refused an entity: ${String(refused.error)}`);
  }
}

/** The city's entities and one hour of its readings, through the hub's batch write path (one batch per tick). */
async function loadCityHour(platform: Platform, tenant: string): Promise<{ sensors: number; readings: number; loadMs: number }> {
  const started = performance.now();
  const city = buildCity({ seed: SEED, size: SIZE, start: new Date(HOUR_START).toISOString(), stepSeconds: STEP_SECONDS });
  const specs = devices(city);
  const byDevice = new Map(specs.map((d) => [d.id, d]));
  await upsertAll(platform, tenant, initialEntities(city) as unknown as Record<string, unknown>[]);
  await upsertAll(
    platform,
    tenant,
    specs.map((d) => ({ id: d.entityId, type: d.entityType, ...d.staticAttributes })),
  );
  let readings = 0;
  for (const tick of simulate(city, new Date(HOUR_START).toISOString(), new Date(HOUR_START + HOUR).toISOString())) {
    const batch = new Map<string, Record<string, unknown>>();
    for (const o of tick.observations) {
      if (o.channel === 'device') {
        const spec = byDevice.get(o.deviceId);
        if (!spec) continue;
        const entity = batch.get(spec.entityId) ?? { id: spec.entityId, type: spec.entityType };
        for (const [k, v] of Object.entries(o.values)) entity[k] = { type: 'Property', value: v, observedAt: o.observedAt };
        batch.set(spec.entityId, entity);
        readings++;
      } else if (o.channel === 'entity') {
        const e = o.entity as unknown as Record<string, unknown> & { id: string };
        batch.set(e.id, { ...(batch.get(e.id) ?? {}), ...e });
        readings++;
      }
    }
    await upsertAll(platform, tenant, [...batch.values()]);
    if (process.env.BENCH_VERBOSE) console.log(`  tick ${tick.at}: ${batch.size} entities, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return { sensors: specs.length, readings, loadMs: performance.now() - started };
}

/**
 * 30 days of hourly history of every CityIndicator but roads' (arterials' congestion included), a daily wave around
 * the current value, written straight into the temporal store with its own batched statement (instances and hourly
 * rollup in one statement per day of hours): the history a month of the job would have left, in a minute.
 */
async function writeHistory(platform: Platform, tenant: string, hourEnd: number): Promise<{ entities: number; instances: number }> {
  const terms = platform.context.resolver.core;
  const valueIri = terms.expand('value');
  const rows = await platform.store.query<{ id: string; v: number }>(
    `SELECT id, (attrs->$2->0->>'value')::float8 AS v FROM ngsi_entities WHERE tenant = $1 AND types @> ARRAY[$3]
       AND (id NOT LIKE '%:road:%' OR (id LIKE '%:congestion:road:%' AND attrs->$4->0->>'value' = 'arterial'))`,
    [tenant, valueIri, terms.expand(INDICATOR_TYPE), terms.expand('roadClass')],
  );
  let instances = 0;
  const first = hourEnd - HISTORY_DAYS * 24 * HOUR;
  for (let day = first; day < hourEnd; day += 24 * HOUR) {
    const batch: InstanceRow[] = [];
    for (let end = day; end < Math.min(day + 24 * HOUR, hourEnd); end += HOUR) {
      const wave = 1 + 0.15 * Math.sin((2 * Math.PI * (end / HOUR)) / 24);
      const observedAt = new Date(end).toISOString();
      for (const r of rows) {
        const value = Number(((r.v || 1) * wave).toFixed(4));
        const instance = { type: 'Property' as const, value, observedAt, createdAt: observedAt, modifiedAt: observedAt };
        batch.push(instanceRow(seriesId(tenant, r.id, valueIri, ''), instance, observedAt));
      }
    }
    await writeTemporalHistory(platform.store, { entities: [], series: [], instances: batch, rollup: rollupRows(batch) });
    instances += batch.length;
  }
  return { entities: rows.length, instances };
}

async function timedGets(urls: string[], token: string, concurrency = CONCURRENCY): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++] as string;
      const t0 = performance.now();
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
      times.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return times;
}

async function benchDriver(driver: Driver, databaseUrl: string | undefined): Promise<BenchResult[]> {
  const store = await benchStore(driver, databaseUrl);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const config = loadConfig({ ...store.env, CITYCLOUD_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'warn', WEB_DIR: '/nonexistent', MQTT_PORT: '0' });
  const platform = await createPlatform(config, { logger: createLogger('warn', sink), processMetrics: false });
  const results: BenchResult[] = [];
  try {
    // The bench drives the job: the platform's own timer would compute wall-clock hours meanwhile.
    await platform.insight.close();
    const insight = await createInsight({
      store: platform.store,
      audit: platform.audit,
      tenancy: platform.tenancy,
      hub: platform.context.hub,
      reader: platform.context.reader,
      terms: platform.context.resolver.core,
      logger: platform.server.log as never,
      alarms: platform.alarms.service,
      background: false,
    });
    const tenant = config.defaultTenant;
    const hourEnd = HOUR_START + HOUR;
    const loaded = await loadCityHour(platform, tenant);
    await platform.alarms.flush();
    console.log(`${driver}: loaded ${loaded.sensors} sensors and ${loaded.readings} readings of one hour in ${(loaded.loadMs / 1000).toFixed(1)} s`);
    const warm = await insight.service.runHour(tenant, hourEnd);
    const history = await writeHistory(platform, tenant, hourEnd);
    await platform.alarms.flush();
    console.log(`${driver}: ${warm.indicators} indicators; wrote ${history.instances} history values for ${history.entities} of them`);

    // (a) runHour, recomputing the hour (forecasts now fitted on 14 days of history), best of 3 beside the raw read.
    const terms = platform.context.resolver.core;
    const types = ['TrafficFlowObserved', 'AirQualityObserved', 'NoiseLevelObserved', 'OffStreetParking', 'Hospital'].map((t) => terms.expand(t));
    const { hourRollupRows } = await import('../src/insight/store.ts');
    const runs: number[] = [];
    const raws: number[] = [];
    let report = warm;
    let rollupRows = 0;
    for (let i = 0; i < 3; i++) {
      const r0 = performance.now();
      rollupRows = await hourRollupRows(platform.store, tenant, types, HOUR_START);
      raws.push(performance.now() - r0);
      const t0 = performance.now();
      report = await insight.service.runHour(tenant, hourEnd, { force: true });
      runs.push(performance.now() - t0);
    }
    await platform.alarms.flush();
    const run = Math.min(...runs);
    const raw = Math.min(...raws);
    results.push({
      name: `insight: indicators for one city-scale hour (${SIZE}, ${loaded.sensors} sensors)`,
      driver,
      figure: `${(run / 1000).toFixed(2)} s per hour (${report.indicators} indicators, ${report.forecasts} forecasts; target ≤ 5 s)`,
      baseline: `${ms(raw)} raw read of the hour's ${rollupRows} rollup rows`,
      ratio: raw / run,
      notes: `${report.sensors} sensors reporting, ${STEP_SECONDS} s step; forecasts on 14 days of history`,
    });

    // (b) dashboards over HTTP on 30 days of history.
    const address = await platform.server.listen({ port: 0, host: '127.0.0.1' });
    const login = await fetch(`${address}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const to = new Date(hourEnd).toISOString();
    const windows = [
      { label: '24 h', from: new Date(hourEnd - 24 * HOUR).toISOString() },
      { label: '30 days', from: new Date(hourEnd - 30 * 24 * HOUR).toISOString() },
    ];
    // Cold: one viewer at a time, each window an hour apart (no answer computed before), the three dashboards in turn.
    const cold: number[] = [];
    for (let i = 0; i < 30; i++) {
      const end = hourEnd - i * HOUR;
      const url = `${address}/api/v1/insight/dashboards/${['government', 'industry', 'livelihood'][i % 3]}?from=${new Date(end - 30 * 24 * HOUR + HOUR).toISOString()}&to=${new Date(end).toISOString()}`;
      cold.push(...(await timedGets([url], accessToken, 1)));
    }
    const health = await timedGets(Array.from({ length: REQUESTS }, () => `${address}/healthz`), accessToken);
    const healthP95 = p95(health);
    for (const w of windows) {
      const urls = Array.from({ length: REQUESTS }, (_, i) => `${address}/api/v1/insight/dashboards/${['government', 'industry', 'livelihood'][i % 3]}?from=${w.from}&to=${to}`);
      await timedGets(urls.slice(0, 6), accessToken);
      const times = await timedGets(urls, accessToken);
      const figure = p95(times);
      results.push({
        name: `insight: dashboards p95, ${w.label} window, ${HISTORY_DAYS} days of history`,
        driver,
        figure: `p95 ${ms(figure)} (median ${ms(times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number)}; ${CONCURRENCY} concurrent, ${REQUESTS} GETs of the three; target ≤ 200 ms)`,
        baseline: `GET /healthz p95 ${ms(healthP95)}`,
        ratio: healthP95 / figure,
      });
    }
    const coldP95 = p95(cold);
    results.push({
      name: `insight: one dashboard computed afresh (nothing shared), 30-day window, ${HISTORY_DAYS} days of history`,
      driver,
      figure: `p95 ${ms(coldP95)} (median ${ms(cold.sort((a, b) => a - b)[Math.floor(cold.length / 2)] as number)}; one viewer at a time, 30 GETs)`,
      baseline: `GET /healthz p95 ${ms(healthP95)}`,
      ratio: healthP95 / coldP95,
    });
    await insight.close();
  } finally {
    await platform.close();
    await store.drop();
  }
  return results;
}

export async function benchInsight(drivers: Driver[], databaseUrl: string | undefined): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const driver of drivers) results.push(...(await benchDriver(driver, databaseUrl)));
  return results;
}
