/** Insight's SQL: claiming hours, the hour's sensor aggregates, indicator history from the temporal rollup, published indicators, key usage. */
import type { Queryable } from '../platform/store/store.ts';
import { settleRollup } from '../temporal/store.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

// ---- the job's bookkeeping --------------------------------------------------------------------------------------

/** A claim older than this is taken over (its process died mid-run). */
export const STALE_CLAIM_MINUTES = 15;

/**
 * Claims (city, hour) for this process: a new row, or a failed run, or a claim gone stale. One conditional statement,
 * so of two processes racing for the same hour exactly one gets `true`.
 */
export async function claimHour(q: Queryable, tenant: string, hourEnd: number, owner: string, force = false): Promise<boolean> {
  const rows = await q.query<{ hour_end: unknown }>(
    `INSERT INTO insight_runs (tenant_id, hour_end, status, claimed_by) VALUES ($1, $2::timestamptz, 'running', $3)
     ON CONFLICT (tenant_id, hour_end) DO UPDATE SET status = 'running', claimed_by = EXCLUDED.claimed_by, started_at = now(), finished_at = NULL, error = NULL
     WHERE insight_runs.status = 'failed'
        OR (insight_runs.status = 'running' AND insight_runs.started_at < now() - interval '${STALE_CLAIM_MINUTES} minutes')
        OR ($4::boolean AND insight_runs.status = 'done')
     RETURNING hour_end`,
    [tenant, iso(hourEnd), owner, force],
  );
  return rows.length === 1;
}

export async function finishHour(
  q: Queryable,
  tenant: string,
  hourEnd: number,
  owner: string,
  outcome: { status: 'done' | 'failed'; indicators?: number; forecasts?: number; anomalies?: number; error?: string },
): Promise<void> {
  await q.query(
    `UPDATE insight_runs SET status = $4, finished_at = now(), indicators = $5, forecasts = $6, anomalies = $7, error = $8
     WHERE tenant_id = $1 AND hour_end = $2::timestamptz AND claimed_by = $3`,
    [tenant, iso(hourEnd), owner, outcome.status, outcome.indicators ?? null, outcome.forecasts ?? null, outcome.anomalies ?? null, outcome.error?.slice(0, 2000) ?? null],
  );
}

/** The end of the last hour computed for the city (epoch ms), undefined before the first run. */
export async function lastDoneHour(q: Queryable, tenant: string): Promise<number | undefined> {
  const rows = await q.query<{ t: string | null }>(`SELECT max(hour_end)::text AS t FROM insight_runs WHERE tenant_id = $1 AND status = 'done'`, [tenant]);
  return rows[0]?.t ? Date.parse(rows[0].t) : undefined;
}

export interface RunRow {
  hour_end: string;
  status: string;
  indicators: number | null;
  forecasts: number | null;
  anomalies: number | null;
  finished_at: string | null;
}

export async function recentRuns(q: Queryable, tenant: string, limit: number): Promise<RunRow[]> {
  return q.query<RunRow>(
    `SELECT hour_end::text, status, indicators, forecasts, anomalies, finished_at::text FROM insight_runs WHERE tenant_id = $1 ORDER BY hour_end DESC LIMIT $2`,
    [tenant, limit],
  );
}

// ---- reading the hour --------------------------------------------------------------------------------------------

/**
 * The hour's mean of these attributes of these entities, from the hourly rollup: one statement, one index probe per
 * series (the unique (tenant, entity_id, attr) index finds the series, the rollup's primary key the hour).
 */
export async function hourMeans(
  q: Queryable,
  tenant: string,
  entityIds: readonly string[],
  attrIris: readonly string[],
  hourStart: number,
): Promise<Array<{ entity_id: string; attr: string; mean: number }>> {
  if (entityIds.length === 0 || attrIris.length === 0) return [];
  await settleRollup(q);
  return q.query(
    `SELECT s.entity_id, s.attr, r.sum / r.n AS mean
     FROM temporal_series s JOIN temporal_rollup_hourly r ON r.series = s.id AND r.hour = $4::timestamptz
     WHERE s.tenant = $1 AND s.entity_id = ANY($2::text[]) AND s.attr = ANY($3::text[]) AND s.dataset_id = '' AND r.n > 0`,
    [tenant, entityIds, attrIris, iso(hourStart)],
  );
}

/** The raw rollup rows of one hour for these series' entities (the benchmark's baseline read). */
export async function hourRollupRows(q: Queryable, tenant: string, typeIris: readonly string[], hourStart: number): Promise<number> {
  await settleRollup(q);
  const rows = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM temporal_entities e JOIN temporal_series s ON s.tenant = e.tenant AND s.entity_id = e.id
     JOIN temporal_rollup_hourly r ON r.series = s.id AND r.hour = $3::timestamptz
     WHERE e.tenant = $1 AND e.types && $2::text[]`,
    [tenant, typeIris, iso(hourStart)],
  );
  return rows[0]?.n ?? 0;
}

// ---- indicator history (CityIndicator `value` series) ----------------------------------------------------------

export interface HistoryPoint {
  at: number;
  value: number;
}

/**
 * The hourly history of the `value` attribute of these CityIndicator entities in [from, to): one statement for
 * the whole family, each entity's points folded into one JSON text by PostgreSQL (the driver parses one string per
 * entity, not a row per hour). The rollup keys an instance by its hour; observedAt is the hour's end, on the hour.
 */
export async function indicatorHistory(
  q: Queryable,
  tenant: string,
  entityIds: readonly string[],
  valueIri: string,
  from: number,
  to: number,
  stepHours = 1,
): Promise<Map<string, HistoryPoint[]>> {
  const out = new Map<string, HistoryPoint[]>();
  if (entityIds.length === 0) return out;
  await settleRollup(q);
  const where = `s.tenant = $1 AND s.entity_id = ANY($2::text[]) AND s.attr = $3 AND s.dataset_id = ''
       AND r.hour >= $4::timestamptz AND r.hour < $5::timestamptz AND r.n > 0`;
  const params: unknown[] = [tenant, entityIds, valueIri, iso(from), iso(to)];
  let sql = `SELECT s.entity_id, json_agg(json_build_array((date_part('epoch', r.hour) * 1000)::bigint, r.sum / r.n) ORDER BY r.hour)::text AS points
     FROM temporal_series s JOIN temporal_rollup_hourly r ON r.series = s.id WHERE ${where} GROUP BY s.entity_id`;
  if (stepHours > 1) {
    // Buckets of stepHours hours counted from the first hour end, each labelled with its last hour end (the mean of
    // the hourly values in it): a month stays a few hundred points per series.
    params.push((from - HOUR) / 1000, stepHours * 3600);
    sql = `SELECT g.entity_id, json_agg(json_build_array(g.at, g.v) ORDER BY g.at)::text AS points
     FROM (SELECT s.entity_id, ((floor((date_part('epoch', r.hour) - $6::float8 - 1) / $7::float8) + 1) * $7::float8 + $6::float8)::bigint * 1000 AS at,
                  avg(r.sum / r.n) AS v
           FROM temporal_series s JOIN temporal_rollup_hourly r ON r.series = s.id WHERE ${where} GROUP BY 1, 2) g
     GROUP BY g.entity_id`;
  }
  const rows = await q.query<{ entity_id: string; points: string }>(sql, params);
  for (const row of rows) {
    out.set(
      row.entity_id,
      (JSON.parse(row.points) as Array<[number, number]>).map(([at, value]) => ({ at: Number(at), value: Number(value.toFixed(4)) })),
    );
  }
  return out;
}

/**
 * Mean of each entity's hourly values over the business hours (Monday–Friday, 09–18 Beijing time) of [from, to):
 * one row per entity, aggregated in the database.
 */
export async function businessHoursMean(
  q: Queryable,
  tenant: string,
  entityIds: readonly string[],
  valueIri: string,
  from: number,
  to: number,
): Promise<Map<string, { mean: number; hours: number }>> {
  if (entityIds.length === 0) return new Map();
  await settleRollup(q);
  // The rollup hour is the hour's end: the hour covered starts one hour earlier.
  const rows = await q.query<{ entity_id: string; mean: number; hours: number }>(
    `SELECT s.entity_id, avg(r.sum / r.n) AS mean, count(*)::int AS hours
     FROM temporal_series s JOIN temporal_rollup_hourly r ON r.series = s.id
     WHERE s.tenant = $1 AND s.entity_id = ANY($2::text[]) AND s.attr = $3 AND s.dataset_id = ''
       AND r.hour >= $4::timestamptz AND r.hour < $5::timestamptz AND r.n > 0
       AND extract(isodow FROM (r.hour - interval '1 hour') AT TIME ZONE 'Asia/Shanghai') <= 5
       AND extract(hour FROM (r.hour - interval '1 hour') AT TIME ZONE 'Asia/Shanghai') BETWEEN 9 AND 17
     GROUP BY s.entity_id`,
    [tenant, entityIds, valueIri, iso(from), iso(to)],
  );
  return new Map(rows.map((r) => [r.entity_id, { mean: Number(r.mean), hours: r.hours }]));
}

/**
 * Entities of these types created per day (Beijing date) in [from, to), by type: alarms (Alert), incidents,
 * citizen requests. Read from the temporal store's entity table, which keeps them after they are deleted.
 */
export async function createdPerDay(q: Queryable, tenant: string, typeIris: readonly string[], from: number, to: number): Promise<Array<{ type: string; day: string; n: number }>> {
  return q.query(
    `SELECT t.type, to_char(e.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, count(*)::int AS n
     FROM temporal_entities e CROSS JOIN LATERAL unnest(e.types) AS t(type)
     WHERE e.tenant = $1 AND e.types && $2::text[] AND t.type = ANY($2::text[]) AND e.created_at >= $3::timestamptz AND e.created_at < $4::timestamptz
     GROUP BY 1, 2 ORDER BY 2, 1`,
    [tenant, typeIris, iso(from), iso(to)],
  );
}

/** Entities of a type created per hour in [from, to) (request rates). */
export async function createdPerHour(q: Queryable, tenant: string, typeIri: string, from: number, to: number): Promise<HistoryPoint[]> {
  const rows = await q.query<{ at: string; n: number }>(
    `SELECT (date_part('epoch', date_trunc('hour', e.created_at)) * 1000 + ${HOUR})::bigint AS at, count(*)::int AS n
     FROM temporal_entities e WHERE e.tenant = $1 AND e.types @> ARRAY[$2] AND e.created_at >= $3::timestamptz AND e.created_at < $4::timestamptz
     GROUP BY 1 ORDER BY 1`,
    [tenant, typeIri, iso(from), iso(to)],
  );
  return rows.map((r) => ({ at: Number(r.at), value: r.n }));
}

// ---- published economic indicators --------------------------------------------------------------------------------

export interface PublishedRow {
  indicator: string;
  period: string;
  value: number;
  unit: string;
  source: string;
  uploaded_by: string | null;
  uploaded_at: string;
}

/** Writes the rows in one statement; an existing (indicator, period) gets the new figure. Returns how many were new. */
export async function upsertPublished(
  q: Queryable,
  tenant: string,
  rows: ReadonlyArray<{ indicator: string; period: string; value: number; unit: string; source: string }>,
  uploadedBy: string | null,
): Promise<{ created: number; updated: number }> {
  const result = await q.query<{ inserted: boolean }>(
    `INSERT INTO insight_published (tenant_id, indicator, period, value, unit, source, uploaded_by, uploaded_at)
     SELECT $1, r.indicator, r.period, r.value, r.unit, r.source, $3, now()
     FROM jsonb_to_recordset($2::jsonb) AS r(indicator text, period text, value double precision, unit text, source text)
     ON CONFLICT (tenant_id, indicator, period) DO UPDATE SET value = EXCLUDED.value, unit = EXCLUDED.unit, source = EXCLUDED.source,
       uploaded_by = EXCLUDED.uploaded_by, uploaded_at = EXCLUDED.uploaded_at
     RETURNING (xmax = 0) AS inserted`,
    [tenant, JSON.stringify(rows), uploadedBy],
  );
  const created = result.filter((r) => r.inserted).length;
  return { created, updated: result.length - created };
}

export async function listPublished(q: Queryable, tenant: string, indicator?: string): Promise<PublishedRow[]> {
  return q.query<PublishedRow>(
    `SELECT indicator, period, value, unit, source, uploaded_by, uploaded_at::text FROM insight_published
     WHERE tenant_id = $1 AND ($2::text IS NULL OR indicator = $2) ORDER BY indicator, period`,
    [tenant, indicator ?? null],
  );
}

// ---- enterprise-service use ----------------------------------------------------------------------------------------

export interface KeyUsageRow {
  id: string;
  name: string;
  role: string;
  last_used_at: string | null;
  revoked: boolean;
  audited: number;
}

/** The city's API keys (apps) with their last use and how many audited actions each made in [from, to). */
export async function apiKeyUsage(q: Queryable, tenant: string, from: number, to: number): Promise<KeyUsageRow[]> {
  return q.query<KeyUsageRow>(
    `SELECT k.id, k.name, k.role, k.last_used_at::text, (k.revoked_at IS NOT NULL) AS revoked, coalesce(a.n, 0)::int AS audited
     FROM api_keys k
     LEFT JOIN (SELECT actor_id, count(*) AS n FROM audit_log WHERE tenant_id = $1 AND actor_type = 'apiKey' AND at >= $2::timestamptz AND at < $3::timestamptz GROUP BY actor_id) a
       ON a.actor_id = k.id
     WHERE k.tenant_id = $1 ORDER BY audited DESC, k.last_used_at DESC NULLS LAST LIMIT 50`,
    [tenant, iso(from), iso(to)],
  );
}
