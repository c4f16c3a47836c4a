/**
 * Context hub benchmarks (/ngsi-ld/v1), each beside a baseline measured in the same run:
 * - batch upsert of attribute updates vs raw batched INSERTs of the same rows through the driver;
 * - single-entity PATCH …/attrs vs the bare Fastify route;
 * - type + q + geoQ query over 100,000 entities vs the bare Fastify route (and the plain SQL, in the notes).
 * Every benchmark runs twice (the machine is shared: both runs are reported).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { contextMigration } from '../src/context/schema.ts';
import { openPgliteStore } from '../src/platform/store/pglite.ts';
import { openPostgresStore } from '../src/platform/store/postgres.ts';
import { type BatchColumn, insertBatch, type Store } from '../src/platform/store/store.ts';
import {
  type BenchStore,
  benchStore,
  type CpuMeter,
  concurrently,
  cpuMeter,
  cpuPer,
  type Driver,
  DURATION_S,
  fmt,
  load,
  type RunningCityCloud,
  seeded,
  settle,
  startBareServer,
  startCityCloud,
} from './harness.ts';
import type { BenchResult } from './report.ts';

const NGSI = '/ngsi-ld/v1';
const VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';
const TENANT = 'hangzhou';
const RUNS = Number(process.env.BENCH_RUNS ?? 2);

const UPSERT = { entities: 10_000, batch: 500, clients: 4 };
const PATCH = { connections: 50 };
const HANGZHOU = { lon: [119.9, 120.5] as const, lat: [30.0, 30.5] as const };
const QUERY = {
  entities: Number(process.env.BENCH_QUERY_ENTITIES ?? 100_000),
  loadBatch: 1000,
  loadClients: 2,
  connections: 10,
  radius: 2000,
  /** Hangzhou: lon 119.9–120.5, lat 30.0–30.5. */
  box: HANGZHOU,
};

type Json = Record<string, unknown>;

async function ngsi(server: RunningCityCloud, method: string, url: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${NGSI}${url}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** Fails fast, with the answer, while the NGSI-LD API cannot yet query by type. */
async function checkApi(server: RunningCityCloud): Promise<void> {
  const response = await ngsi(server, 'GET', '/entities?type=Vehicle&limit=1');
  if (response.status !== 200) throw new Error(`GET ${NGSI}/entities?type=Vehicle answers ${response.status}: ${(await response.text()).slice(0, 300)}`);
}

// ---- entities ----

const vehicleId = (i: number) => `urn:ngsi-ld:Vehicle:bench-${String(i).padStart(6, '0')}`;
const point = (lon: number, lat: number) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [lon, lat] } });

/** The three Property attributes an update changes. */
function vehicleAttrs(version: number, i: number): Json {
  return {
    speed: { type: 'Property', value: (version * 7 + i) % 120, unitCode: 'KMH' },
    heading: { type: 'Property', value: (version * 13 + i) % 360 },
    fuelLevel: { type: 'Property', value: ((version + i) % 100) / 100 },
  };
}

function vehicle(i: number): Json {
  return { id: vehicleId(i), type: 'Vehicle', ...vehicleAttrs(0, i), location: point(120.1 + (i % 100) / 500, 30.1 + Math.floor(i / 100) / 500) };
}

function airQuality(i: number, random: () => number): Json {
  const lon = QUERY.box.lon[0] + random() * (QUERY.box.lon[1] - QUERY.box.lon[0]);
  const lat = QUERY.box.lat[0] + random() * (QUERY.box.lat[1] - QUERY.box.lat[0]);
  return {
    id: `urn:ngsi-ld:AirQualityObserved:hz-${String(i).padStart(6, '0')}`,
    type: 'AirQualityObserved',
    pm25: { type: 'Property', value: Math.round(random() * 1500) / 10, unitCode: 'GQ' },
    temperature: { type: 'Property', value: Math.round(random() * 350) / 10, unitCode: 'CEL' },
    location: point(Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6),
  };
}

/** Creates entities in batches from `clients` concurrent callers; returns entities/s. */
async function batchCreate(server: RunningCityCloud, entities: Json[], batch: number, clients: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < entities.length) {
        const slice = entities.slice(next, next + batch);
        next += batch;
        const response = await ngsi(server, 'POST', '/entityOperations/create', slice);
        if (response.status !== 201) throw new Error(`batch create answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
      }
    }),
  );
  return entities.length / ((performance.now() - started) / 1000);
}

// ---- the raw SQL baseline: the same rows, INSERT … SELECT … FROM jsonb_to_recordset($1), one statement per batch ----

const RAW_TABLE = 'bench_raw_entities';
const RAW_COLUMNS: BatchColumn[] = [
  { name: 'tenant', type: 'text' },
  { name: 'id', type: 'text' },
  { name: 'types', type: 'text[]' },
  { name: 'scopes', type: 'text[]' },
  { name: 'owner_department', type: 'text' },
  { name: 'sharing', type: 'text' },
  { name: 'created_by', type: 'text' },
  { name: 'created_at', type: 'timestamptz' },
  { name: 'modified_at', type: 'timestamptz' },
  { name: 'attrs', type: 'jsonb' },
  { name: 'attr_names', type: 'text[]' },
  { name: 'location', type: 'box' },
];

/** A row as the hub stores a Vehicle after an update: expanded IRIs, instances with their times, the location box. */
function rawRow(id: string, version: number, i: number, now: string): Json {
  const instance = (a: Json) => ({ ...a, createdAt: now, modifiedAt: now });
  const attrs: Json = {};
  for (const [name, attr] of Object.entries({ ...vehicleAttrs(version, i), location: (vehicle(i).location as Json) })) {
    attrs[name === 'location' ? 'https://uri.etsi.org/ngsi-ld/location' : `${VOCAB}${name}`] = [instance(attr as Json)];
  }
  const [lon, lat] = ((vehicle(i).location as Json).value as { coordinates: number[] }).coordinates as [number, number];
  return {
    tenant: TENANT,
    id,
    types: [`${VOCAB}Vehicle`],
    scopes: [],
    owner_department: null,
    sharing: 'open',
    created_by: 'user:bench',
    created_at: now,
    modified_at: now,
    attrs,
    attr_names: Object.keys(attrs),
    location: `(${lon},${lat}),(${lon},${lat})`,
  };
}

/** A store of its own for the raw baseline, with a table like ngsi_entities (same columns, keys and indexes). */
async function openRawStore(store: BenchStore, clients: number): Promise<{ db: Store; close(): Promise<void> }> {
  let db: Store;
  let cleanup = async (): Promise<void> => {};
  if (store.driver === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-bench-raw-'));
    db = await openPgliteStore(dir);
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    db = await openPostgresStore({ connectionString: store.databaseUrl as string, schema: 'bench_raw', maxConnections: clients });
  }
  await db.exec(contextMigration.sql.replaceAll('ngsi_entities', RAW_TABLE));
  return {
    db,
    async close() {
      await db.close();
      await cleanup();
    },
  };
}

// ---- a: batch upsert ----

interface UpsertRun {
  api: Awaited<ReturnType<typeof concurrently>>;
  raw: Awaited<ReturnType<typeof concurrently>>;
}

let version = 0;
let rawSerial = 0;

async function upsertRun(server: RunningCityCloud, raw: Store, meter: CpuMeter): Promise<UpsertRun> {
  const perClient = UPSERT.entities / UPSERT.clients;
  const cursor = Array.from({ length: UPSERT.clients }, () => 0);
  const api = await concurrently(UPSERT.clients, DURATION_S, async (client) => {
    // Each client updates its own share of the entities, batch after batch.
    const start = client * perClient + cursor[client]!;
    cursor[client] = (cursor[client]! + UPSERT.batch) % perClient;
    const v = ++version;
    const body = Array.from({ length: UPSERT.batch }, (_, k) => ({ id: vehicleId(start + k), type: 'Vehicle', ...vehicleAttrs(v, start + k) }));
    const response = await ngsi(server, 'POST', '/entityOperations/upsert?options=update', body);
    if (response.status !== 204) throw new Error(`upsert answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return UPSERT.batch;
  }, meter);
  const raw_ = await concurrently(UPSERT.clients, DURATION_S, async () => {
    const now = new Date().toISOString();
    const v = ++version;
    const rows = Array.from({ length: UPSERT.batch }, (_, k) => rawRow(`urn:ngsi-ld:Vehicle:raw-${++rawSerial}`, v, k, now));
    return insertBatch(raw, RAW_TABLE, RAW_COLUMNS, rows);
  });
  return { api, raw: raw_ };
}

// ---- c: query ----

function centres(count: number): Array<[number, number]> {
  const random = seeded(7);
  const margin = 0.03;
  return Array.from({ length: count }, () => [
    Math.round((QUERY.box.lon[0] + margin + random() * (QUERY.box.lon[1] - QUERY.box.lon[0] - 2 * margin)) * 1e5) / 1e5,
    Math.round((QUERY.box.lat[0] + margin + random() * (QUERY.box.lat[1] - QUERY.box.lat[0] - 2 * margin)) * 1e5) / 1e5,
  ]);
}

const queryPath = ([lon, lat]: [number, number]) =>
  `${NGSI}/entities?type=AirQualityObserved&q=${encodeURIComponent('pm25>50')}&georel=${encodeURIComponent(`near;maxDistance==${QUERY.radius}`)}&geometry=Point&coordinates=${encodeURIComponent(`[${lon},${lat}]`)}&limit=20`;

function metres([lon1, lat1]: number[], [lon2, lat2]: number[]): number {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2! - lat1!) * rad) / 2) ** 2 + Math.cos(lat1! * rad) * Math.cos(lat2! * rad) * Math.sin(((lon2! - lon1!) * rad) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
}

/** Checks that the query answers what it should (pm25 > 50, within the radius) and returns the mean page size. */
async function checkQuery(server: RunningCityCloud, sample: Array<[number, number]>): Promise<number> {
  let total = 0;
  for (const centre of sample) {
    const response = await fetch(`${server.url}${queryPath(centre)}`, { headers: { authorization: `Bearer ${server.token}` } });
    if (response.status !== 200) throw new Error(`query answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    const page = (await response.json()) as Json[];
    for (const e of page) {
      const pm25 = (e.pm25 as Json).value as number;
      const at = ((e.location as Json).value as { coordinates: number[] }).coordinates;
      if (!(pm25 > 50) || metres(at, centre) > QUERY.radius + 1) throw new Error(`query near ${centre} returned ${e.id} with pm25 ${pm25} at ${Math.round(metres(at, centre))} m`);
    }
    total += page.length;
  }
  return total / sample.length;
}

/** The plain SQL of the query (bounding box, no exact circle), LIMIT 20, through the driver with the same concurrency. */
async function sqlBaseline(db: Store, points: Array<[number, number]>): Promise<Awaited<ReturnType<typeof concurrently>>> {
  let n = 0;
  return concurrently(QUERY.connections, DURATION_S, async () => {
    const [lon, lat] = points[n++ % points.length] as [number, number];
    const dLat = QUERY.radius / 111_320;
    const dLon = dLat / Math.cos((lat * Math.PI) / 180);
    const rows = await db.query(
      `SELECT e.id, e.types, e.scopes, e.owner_department, e.sharing, e.created_by, e.created_at, e.modified_at, e.attrs
       FROM (SELECT g.id FROM ngsi_entity_locations g WHERE g.tenant = $1 AND g.location && $4::box ORDER BY g.id OFFSET 0) c
       JOIN ngsi_entities e ON e.tenant = $1 AND e.id = c.id
       WHERE e.types && $2::text[] AND (e.attrs->$3->0->>'value')::numeric > 50
       ORDER BY e.id LIMIT 20`,
      [TENANT, [`${VOCAB}AirQualityObserved`], `${VOCAB}pm25`, `(${lon + dLon},${lat + dLat}),(${lon - dLon},${lat - dLat})`],
    );
    return rows.length >= 0 ? 1 : 0;
  });
}

// ---- the whole benchmark ----

const TARGETS = {
  upsert: 'target on PostgreSQL ≥ 15,000 updates/s and ≥ 0.5 of raw',
  patch: 'target on PostgreSQL ≥ 3,000 req/s',
  query: 'target on PostgreSQL p99 ≤ 30 ms and ≥ 1,000 queries/s',
};

export async function benchContext(drivers: Driver[], databaseUrl: string | undefined, only: ReadonlySet<string>): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const want = (name: string) => only.size === 0 || only.has(name) || only.has('context');
  for (const driver of drivers) {
    const store = await benchStore(driver, databaseUrl);
    const bare = await startBareServer();
    let server: RunningCityCloud | undefined;
    let raw: Awaited<ReturnType<typeof openRawStore>> | undefined;
    const meters: CpuMeter[] = [];
    const meterFor = async (target: RunningCityCloud) => {
      const meter = await cpuMeter(target.pid, store.databaseUrl);
      meters.push(meter);
      return meter;
    };
    try {
      server = await startCityCloud(store);
      const meter = await meterFor(server);
      await checkApi(server);
      const running = server;
      const auth = { authorization: `Bearer ${running.token}` };

      if (want('upsert') || want('patch')) {
        console.log(`context (${driver}): creating ${fmt(UPSERT.entities)} vehicles…`);
        await batchCreate(running, Array.from({ length: UPSERT.entities }, (_, i) => vehicle(i)), 1000, 2);
      }
      if (want('upsert')) raw = await openRawStore(store, UPSERT.clients);

      for (let run = 1; run <= RUNS; run++) {
        if (want('upsert') && raw) {
          console.log(`context (${driver}): batch upsert, run ${run}…`);
          const { api, raw: base } = await upsertRun(running, raw.db, meter);
          results.push({
            name: `Batch upsert (options=update), ${UPSERT.batch} entities × 3 changed Properties per request — run ${run}`,
            driver,
            figure: `${fmt(api.perSecond)} updates/s (p50 ${api.p50} ms, p99 ${api.p99} ms per batch)`,
            baseline: `raw INSERT … SELECT FROM jsonb_to_recordset through the driver, ${UPSERT.batch} rows/statement, same table: ${fmt(base.perSecond)} rows/s`,
            ratio: api.perSecond / base.perSecond,
            notes: `${UPSERT.clients} clients, ${DURATION_S} s, ${fmt(UPSERT.entities)} entities; errors ${api.errors}${api.firstError ? ` (${api.firstError.slice(0, 120)})` : ''}; ${cpuPer(api.cpu, api.units, 'entity update')}; ${TARGETS.upsert}`,
          });
        }
        if (want('patch')) {
          console.log(`context (${driver}): single PATCH, run ${run}…`);
          let n = 0;
          const next = () => {
            n++;
            return { path: `${NGSI}/entities/${encodeURIComponent(vehicleId(n % UPSERT.entities))}/attrs`, body: JSON.stringify({ speed: { type: 'Property', value: n % 120 } }) };
          };
          const headers = { 'content-type': 'application/json' };
          const api = await load({ url: running.url, headers: { ...headers, ...auth }, connections: PATCH.connections, method: 'PATCH', next, meter });
          const base = await load({ url: bare.url, headers, connections: PATCH.connections, method: 'PATCH', next });
          results.push({
            name: `PATCH /ngsi-ld/v1/entities/{id}/attrs, one attribute, ${fmt(UPSERT.entities)} distinct entities — run ${run}`,
            driver,
            figure: `${fmt(api.rps)} req/s, p99 ${api.p99} ms`,
            baseline: `bare Fastify PATCH route: ${fmt(base.rps)} req/s, p99 ${base.p99} ms`,
            ratio: api.rps / base.rps,
            notes: `${PATCH.connections} connections, ${DURATION_S} s; errors ${api.errors} ${JSON.stringify(api.statuses)}; p50 ${api.p50} ms; ${cpuPer(api.cpu, api.total, 'request')}; ${TARGETS.patch}`,
          });
        }
      }

      if (want('query')) {
        console.log(`context (${driver}): loading ${fmt(QUERY.entities)} AirQualityObserved…`);
        const random = seeded(42);
        const entities = Array.from({ length: QUERY.entities }, (_, i) => airQuality(i, random));
        const loadRate = await batchCreate(running, entities, QUERY.loadBatch, QUERY.loadClients);
        const settled = await settle(running.pid);
        results.push({
          name: `Batch create of ${fmt(QUERY.entities)} AirQualityObserved (${QUERY.loadBatch} per request, ${QUERY.loadClients} clients)`,
          driver,
          figure: `${fmt(loadRate)} entities/s`,
          baseline: 'none (loading for the query benchmark)',
          ratio: 1,
          notes: `for scale: compare with the raw rows/s of the upsert benchmark; the server and PostgreSQL were busy for ${settled.toFixed(0)} s after the last answer (the queries start once they are idle)`,
        });
        const points = centres(1000);
        const pageSize = await checkQuery(running, points.slice(0, 20));
        // Right after a bulk load the table has no planner statistics: PGlite never gathers them (no autovacuum),
        // and the test PostgreSQL runs with autovacuum off. Measured as the platform leaves it, then after ANALYZE.
        const queryRuns = async (target: RunningCityCloud, stats: string) => {
          const queryMeter = target === running ? meter : await meterFor(target);
          for (let run = 1; run <= RUNS; run++) {
            console.log(`context (${driver}): type + q + geoQ query (${stats}), run ${run}…`);
            let n = 0;
            const next = () => ({ path: queryPath(points[n++ % points.length] as [number, number]) });
            const api = await load({ url: target.url, headers: { authorization: `Bearer ${target.token}` }, connections: QUERY.connections, next, meter: queryMeter });
            const base = await load({ url: `${bare.url}${NGSI}/entities`, connections: QUERY.connections });
            results.push({
              name: `GET /entities?type=AirQualityObserved&q=pm25>50&georel=near;maxDistance==${QUERY.radius} (varying centres), limit 20, over ${fmt(QUERY.entities)} entities, ${stats} — run ${run}`,
              driver,
              figure: `${fmt(api.rps)} queries/s, p99 ${api.p99} ms`,
              baseline: `bare Fastify route answering a canned page of 20: ${fmt(base.rps)} req/s, p99 ${base.p99} ms`,
              ratio: api.rps / base.rps,
              notes: `${QUERY.connections} connections, ${DURATION_S} s; errors ${api.errors} ${JSON.stringify(api.statuses)}; p50 ${api.p50} ms; ${pageSize.toFixed(1)} entities per page; ${cpuPer(api.cpu, api.total, 'query')}; ${TARGETS.query}`,
            });
          }
        };
        await queryRuns(running, 'no planner statistics (as after a bulk load)');
        // ANALYZE through the driver (PGlite: with the server stopped, as it holds the directory).
        const openDirect = () =>
          store.driver === 'pglite'
            ? openPgliteStore(path.join(store.dataDir as string, 'pglite'))
            : openPostgresStore({ connectionString: store.databaseUrl as string, maxConnections: QUERY.connections });
        let analyzed = running;
        if (store.driver === 'pglite') {
          await running.stop();
          server = undefined;
          const db = await openDirect();
          await db.exec('ANALYZE ngsi_entities');
          await db.close();
          server = await startCityCloud(store);
          analyzed = server;
        } else {
          const db = await openDirect();
          await db.exec('ANALYZE ngsi_entities');
          await db.close();
        }
        await queryRuns(analyzed, 'after ANALYZE');
        // The plain SQL, through the driver, once the server is idle (PGlite: once it has let go of its directory).
        await analyzed.stop();
        server = undefined;
        const db = await openDirect();
        try {
          for (let run = 1; run <= RUNS; run++) {
            const sql = await sqlBaseline(db, points);
            results.push({
              name: `Plain SELECT … location index && box, JOIN entities WHERE type AND pm25 > 50 … ORDER BY id LIMIT 20 through the driver, after ANALYZE (reference for the query) — run ${run}`,
              driver,
              figure: `${fmt(sql.perSecond)} queries/s, p99 ${sql.p99} ms`,
              baseline: 'none (the SQL floor of the query above)',
              ratio: 1,
              notes: `${QUERY.connections} concurrent callers, ${DURATION_S} s; p50 ${sql.p50} ms; errors ${sql.errors}`,
            });
          }
        } finally {
          await db.close();
        }
      }
    } finally {
      for (const m of meters) await m.close();
      await server?.stop();
      await raw?.close();
      await bare.stop();
      await store.drop();
    }
  }
  return results;
}

