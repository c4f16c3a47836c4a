/**
 * Temporal aggregation benchmark: hourly avg,max per entity for one day over SENSORS sensors with DAYS days of
 * 1-minute history (1,000 × 30 days = 43 million instances on PostgreSQL; 100 × 7 days on PGlite by default),
 * loaded set-based (generate_series, not through the API), the hourly rollup built from the raw rows as the
 * write path keeps it. Measured: latency of GET /ngsi-ld/v1/temporal/entities?options=aggregatedValues over
 * HTTP (p50/p99), beside the same aggregation written as plain SQL over the raw instance table, in the same run.
 * Switches: BENCH_TEMPORAL_SENSORS, BENCH_TEMPORAL_DAYS, BENCH_TEMPORAL_RUNS (per driver defaults below).
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { migrations } from '../src/migrations.ts';
import { migrate } from '../src/platform/store/migrate.ts';
import { openPgliteStore } from '../src/platform/store/pglite.ts';
import { openPostgresStore } from '../src/platform/store/postgres.ts';
import type { Store } from '../src/platform/store/store.ts';
import { createDayPartitions, DAY, dayStart } from '../src/temporal/partitions.ts';
import { seriesId } from '../src/temporal/rows.ts';
import { type BenchStore, benchStore, type Driver, fmt, startCityCloud } from './harness.ts';
import type { BenchResult } from './report.ts';

const TENANT = 'hangzhou';
const TYPE = 'https://uri.etsi.org/ngsi-ld/default-context/AirQualityObserved';
const ATTR = 'https://uri.etsi.org/ngsi-ld/default-context/pm25';
const SCALE: Record<Driver, { sensors: number; days: number }> = { postgres: { sensors: 1000, days: 30 }, pglite: { sensors: 100, days: 7 } };
const RUNS = Number(process.env.BENCH_TEMPORAL_RUNS ?? 20);

const sensorId = (i: number) => `urn:ngsi-ld:AirQualityObserved:bench-${String(i).padStart(5, '0')}`;

async function openBenchStore(store: BenchStore): Promise<Store> {
  if (store.driver === 'postgres') return openPostgresStore({ connectionString: store.databaseUrl as string });
  return openPgliteStore(path.join(store.dataDir as string, 'pglite'));
}

/** Loads the history set-based: entities and series from TypeScript, instances day by day with generate_series, then the rollup. */
async function loadHistory(db: Store, sensors: number, days: number, firstDay: number): Promise<number> {
  const entities = Array.from({ length: sensors }, (_, i) => ({ id: sensorId(i) }));
  const created = new Date(firstDay).toISOString();
  await db.query(
    `INSERT INTO temporal_entities (tenant, id, types, scopes, sharing, created_at, modified_at)
     SELECT $1, r.id, ARRAY[$2], '{}', 'open', $3, $3 FROM jsonb_to_recordset($4::jsonb) AS r(id text)`,
    [TENANT, TYPE, created, JSON.stringify(entities)],
  );
  const series = entities.map((e, i) => ({ id: seriesId(TENANT, e.id, ATTR, ''), entity_id: e.id, n: i }));
  await db.query(
    `INSERT INTO temporal_series (id, tenant, entity_id, attr, dataset_id, kind)
     SELECT r.id, $1, r.entity_id, $2, '', 'Property' FROM jsonb_to_recordset($3::jsonb) AS r(id uuid, entity_id text)`,
    [TENANT, ATTR, JSON.stringify(series)],
  );
  await db.query('CREATE TEMP TABLE bench_series AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM temporal_series');
  await createDayPartitions(db, firstDay, firstDay + (days - 1) * DAY);
  let rows = 0;
  for (let d = 0; d < days; d++) {
    const from = new Date(firstDay + d * DAY).toISOString();
    const started = performance.now();
    const [r] = await db.query<{ n: number }>(
      `WITH ins AS (
         INSERT INTO temporal_instances (series, observed_at, instance_id, kind, num, content, created_at, modified_at)
         SELECT s.id, t, gen_random_uuid(), 'Property', v.v, jsonb_build_object('value', v.v, 'observedAt', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), t, t
         FROM bench_series s
         CROSS JOIN generate_series($1::timestamptz, $1::timestamptz + interval '1 day' - interval '1 minute', interval '1 minute') AS t
         CROSS JOIN LATERAL (SELECT round((35 + 20 * sin(extract(epoch FROM t) / 7200 + s.n) + (s.n % 7))::numeric, 2)::float8 AS v) v
         RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [from],
    );
    await db.query(
      `INSERT INTO temporal_rollup_hourly (series, hour, total, n, sum, min, max, sumsq)
       SELECT series, date_trunc('hour', observed_at, 'UTC'), count(*), count(num), sum(num), min(num), max(num), sum(num * num)
       FROM temporal_instances WHERE observed_at >= $1::timestamptz AND observed_at < $1::timestamptz + interval '1 day' GROUP BY 1, 2`,
      [from],
    );
    rows += r?.n ?? 0;
    console.log(`  day ${d + 1}/${days}: ${fmt(r?.n ?? 0)} instances in ${fmt(performance.now() - started)} ms`);
  }
  await db.query('ANALYZE');
  return rows;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** p50/p99 of `work` after two warm-ups; what `work` returns (checks on the answer) runs after its time is taken. */
async function timed(runs: number, work: () => Promise<(() => void) | undefined>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 2; i++) (await work())?.();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const after = await work();
    times.push(performance.now() - started);
    after?.();
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

export async function benchTemporal(drivers: Driver[], databaseUrl: string | undefined): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    const sensors = Number(process.env.BENCH_TEMPORAL_SENSORS ?? SCALE[driver].sensors);
    const days = Number(process.env.BENCH_TEMPORAL_DAYS ?? SCALE[driver].days);
    const store = await benchStore(driver, databaseUrl);
    try {
      const today = dayStart(Date.now());
      const firstDay = today - days * DAY;
      const queryDay = today - Math.ceil(days / 2) * DAY;
      console.log(`temporal (${driver}): loading ${fmt(sensors)} sensors × ${days} days of 1-minute history…`);
      const db = await openBenchStore(store);
      let instances: number;
      try {
        await migrate(db, migrations);
        instances = await loadHistory(db, sensors, days, firstDay);
        // As pgbench does before each run: the bulk load's dirty pages (gigabytes on PostgreSQL) are written out
        // first, so a checkpoint flushing them does not run through the measurement.
        await db.exec('CHECKPOINT');
      } finally {
        await db.close();
      }
      const server = await startCityCloud(store, { TEMPORAL_RETENTION_DAYS: '0' });
      try {
        const timeAt = new Date(queryDay).toISOString();
        const endTimeAt = new Date(queryDay + DAY).toISOString();
        const url = `${server.url}/ngsi-ld/v1/temporal/entities?type=AirQualityObserved&attrs=pm25&options=aggregatedValues&aggrMethods=avg,max&aggrPeriodDuration=PT1H&timerel=between&timeAt=${timeAt}&endTimeAt=${endTimeAt}&limit=1000`;
        let checked = false;
        // Latency is to the answer's last byte; the client's JSON.parse of it is timed apart (it is the client's work).
        const parseTimes: number[] = [];
        let answerBytes = 0;
        const api = await timed(RUNS, async () => {
          const response = await fetch(url, { headers: { authorization: `Bearer ${server.token}`, accept: 'application/json' } });
          const bytes = Buffer.from(await response.arrayBuffer());
          return () => {
            const started = performance.now();
            const body = JSON.parse(bytes.toString('utf8')) as Array<Record<string, { avg?: unknown[] }>>;
            parseTimes.push(performance.now() - started);
            answerBytes = bytes.length;
            if (response.status !== 200) throw new Error(`temporal query answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
            if (!checked) {
              const periods = body[0]?.pm25?.avg?.length;
              if (body.length !== Math.min(sensors, 1000) || periods !== 24) throw new Error(`expected ${sensors} entities × 24 hours, got ${body.length} × ${periods}`);
              checked = true;
            }
          };
        });
        parseTimes.sort((a, b) => a - b);
        // Baseline: the same aggregation as plain SQL over the raw instances, through the driver, in this process.
        let baseline: { p50: number; p99: number } | undefined;
        if (driver === 'postgres') {
          const direct = await openBenchStore(store);
          try {
            baseline = await timed(RUNS, async () => {
              await direct.query(
                `SELECT s.entity_id, date_trunc('hour', i.observed_at, 'UTC') AS hour, avg(i.num), max(i.num)
                 FROM temporal_series s JOIN temporal_instances i ON i.series = s.id
                 WHERE s.tenant = $1 AND s.attr = $2 AND i.observed_at >= $3 AND i.observed_at < $4 GROUP BY 1, 2`,
                [TENANT, ATTR, timeAt, endTimeAt],
              );
              return undefined;
            });
          } finally {
            await direct.close();
          }
        }
        await server.stop();
        if (driver === 'pglite') {
          // PGlite admits one process: the baseline runs once the server has let go of the store.
          const direct = await openBenchStore(store);
          try {
            baseline = await timed(RUNS, async () => {
              await direct.query(
                `SELECT s.entity_id, date_trunc('hour', i.observed_at, 'UTC') AS hour, avg(i.num), max(i.num)
                 FROM temporal_series s JOIN temporal_instances i ON i.series = s.id
                 WHERE s.tenant = $1 AND s.attr = $2 AND i.observed_at >= $3 AND i.observed_at < $4 GROUP BY 1, 2`,
                [TENANT, ATTR, timeAt, endTimeAt],
              );
              return undefined;
            });
          } finally {
            await direct.close();
          }
        }
        const base = baseline as { p50: number; p99: number };
        results.push({
          name: `temporal hourly avg,max, 1 day × ${fmt(sensors)} sensors (${fmt(instances)} instances)`,
          driver,
          figure: `p50 ${api.p50.toFixed(0)} ms, p99 ${api.p99.toFixed(0)} ms (API over HTTP)`,
          baseline: `p50 ${base.p50.toFixed(0)} ms, p99 ${base.p99.toFixed(0)} ms (plain SQL GROUP BY over the raw rows)`,
          ratio: base.p50 / api.p50,
          notes: `${RUNS} runs after 2 warm-ups, time to the answer's last byte (${(answerBytes / 1e6).toFixed(1)} MB; the client's JSON.parse of it, after: p50 ${percentile(parseTimes, 50).toFixed(0)} ms); hourly rollup; ${days} day partitions; CHECKPOINT after the load`,
        });
      } finally {
        await server.stop().catch(() => undefined);
      }
    } finally {
      await store.drop();
    }
  }
  return results;
}
