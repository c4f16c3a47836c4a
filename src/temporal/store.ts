/** The temporal history's SQL: series and instances of a page of entities, aggregation over raw rows or the hourly rollup, and corrections. */
import { type BatchWrite, bindBatch, type Queryable } from '../platform/store/store.ts';
import type { TimeProperty, TimeRange } from './model.ts';
import {
  DAY,
  entitiesWrite,
  INSTANCE_CONTENT_SQL,
  type InstanceRow,
  instancesWrite,
  PACK_OF_INSTANCE_SQL,
  PACKED_INSTANCE_CONTENT_SQL,
  UNNEST_PACK_SQL,
  packHistory,
  type PackRow,
  packsWrite,
  type RollupRow,
  rollupWrite,
  type SeriesRow,
  seriesWrite,
  type TemporalEntityRow,
} from './rows.ts';

export interface StoredSeries {
  id: string;
  entity_id: string;
  attr: string;
  dataset_id: string;
  kind: string;
}

export interface InstanceRecord {
  series: string;
  observed_at: Date | string;
  instance_id: string;
  kind: string;
  content: Record<string, unknown>;
  created_at: Date | string;
  modified_at: Date | string;
  /** The time the query selected on (observedAt, createdAt or modifiedAt), epoch ms. */
  at: number | string;
}

/** One period of one series: the aggregates of its instances. */
export interface PeriodAggregate {
  series: string;
  bucket: number;
  total: number;
  n: number;
  sum: number | null;
  min: number | null;
  max: number | null;
  sumsq: number | null;
  distinct: number;
}

const COLUMN: Record<TimeProperty, string> = { observedAt: 'observed_at', createdAt: 'created_at', modifiedAt: 'modified_at' };

/**
 * The condition of a time range on `i.<column>` of temporal_history, parameters appended to `params`. On observedAt
 * it also bounds `span_start`, the index key of packs (a pack lies within one UTC day), so a range reads only the
 * packs it can touch; for an instance row the span is its own observed_at, and the bounds change nothing.
 */
function rangeSql(range: TimeRange, params: unknown[]): string {
  const column = `i.${COLUMN[range.timeproperty]}`;
  const param = (at: number) => `$${params.push(new Date(at).toISOString())}::timestamptz`;
  const spans = range.timeproperty === 'observedAt';
  const from = (time: number) => {
    const at = param(time);
    return `${column} >= ${at}${spans ? ` AND i.span_end >= ${at} AND i.span_start > ${param(time - DAY)}` : ''}`;
  };
  const until = (time: number) => {
    const at = param(time);
    return `${column} < ${at}${spans ? ` AND i.span_start < ${at}` : ''}`;
  };
  if (range.timerel === 'before') return until(range.timeAt);
  if (range.timerel === 'after') return from(range.timeAt);
  return `${from(range.timeAt)} AND ${until(range.endTimeAt as number)}`;
}

export async function readSeries(q: Queryable, tenant: string, entityIds: readonly string[], attrs: readonly string[] | undefined): Promise<StoredSeries[]> {
  if (entityIds.length === 0) return [];
  const params: unknown[] = [tenant, entityIds];
  let sql = 'SELECT id, entity_id, attr, dataset_id, kind FROM temporal_series WHERE tenant = $1 AND entity_id = ANY($2::text[])';
  if (attrs) {
    params.push(attrs);
    sql += ' AND attr = ANY($3::text[])';
  }
  return q.query<StoredSeries>(`${sql} ORDER BY entity_id, attr, dataset_id`, params);
}

/**
 * Instances of each series in the range, oldest first: the first `limit` of them, or with `last` the
 * latest `limit` (lastN). One index range scan per series (series, observed_at), pruned to the partitions of the range.
 */
export async function readInstances(q: Queryable, series: readonly string[], range: TimeRange, limit: number, last: boolean): Promise<InstanceRecord[]> {
  if (series.length === 0) return [];
  const params: unknown[] = [series];
  const where = rangeSql(range, params);
  const column = `i.${COLUMN[range.timeproperty]}`;
  params.push(limit);
  const rows = await q.query<InstanceRecord>(
    `SELECT s.id AS series, i.observed_at, i.instance_id, i.kind, i.content, i.created_at, i.modified_at, i.at
     FROM unnest($1::uuid[]) AS s(id)
     CROSS JOIN LATERAL (
       SELECT i.observed_at, i.instance_id, i.kind, ${INSTANCE_CONTENT_SQL('i')} AS content, i.created_at, i.modified_at, (extract(epoch FROM ${column}) * 1000)::bigint AS at
       FROM temporal_history i WHERE i.series = s.id AND ${where}
       ORDER BY ${column} ${last ? 'DESC' : 'ASC'}, i.created_at ${last ? 'DESC' : 'ASC'}, i.instance_id LIMIT $${params.length}) i`,
    params,
  );
  return last ? rows.reverse() : rows;
}

/** The earliest (or latest) instance time of the series in the range; undefined when there is none. */
export async function instanceBound(q: Queryable, series: readonly string[], range: TimeRange, which: 'min' | 'max'): Promise<number | undefined> {
  if (series.length === 0) return undefined;
  const params: unknown[] = [series];
  const where = rangeSql(range, params);
  const rows = await q.query<{ t: number | null }>(
    `SELECT (extract(epoch FROM ${which}(i.${COLUMN[range.timeproperty]})) * 1000)::bigint AS t FROM temporal_history i WHERE i.series = ANY($1::uuid[]) AND ${where}`,
    params,
  );
  const t = rows[0]?.t;
  return t === null || t === undefined ? undefined : Number(t);
}

/** How instances fall into periods: fixed-length from `start`, or by explicit period boundaries (calendar months), or one period. */
export type Bucketing = { kind: 'fixed'; start: number; millis: number } | { kind: 'bounds'; bounds: number[] } | { kind: 'single' };

function bucketSql(bucketing: Bucketing, column: string, params: unknown[]): string {
  if (bucketing.kind === 'single') return '0';
  if (bucketing.kind === 'fixed') {
    // date_part is double precision (extract is numeric, several times slower per row).
    params.push(bucketing.start / 1000, bucketing.millis / 1000);
    return `floor((date_part('epoch', ${column}) - $${params.length - 1}::float8) / $${params.length}::float8)::int`;
  }
  params.push(bucketing.bounds.map((b) => new Date(b).toISOString()));
  return `(width_bucket(${column}, $${params.length}::timestamptz[]) - 1)`;
}

const CONTENT_VALUE =
  "coalesce(i.content->'value', i.content->'object', i.content->'languageMap', i.content->'vocab', i.content->'json', i.content->'valueList', i.content->'objectList', to_jsonb(i.num))";

/**
 * Runs a per-(series, bucket) aggregation and returns its rows, ordered by series and bucket. PostgreSQL folds
 * each series' periods into one JSON text: the driver then parses 1,000 strings (JSON.parse, native) instead of
 * 24,000 rows of values one by one — most of the time of a day of hourly aggregates over 1,000 sensors.
 */
async function perSeries(q: Queryable, grouped: string, params: unknown[]): Promise<PeriodAggregate[]> {
  const rows = await q.query<{ series: string; periods: string }>(
    `SELECT g.series, json_agg(json_build_array(g.bucket, g.total, g.n, g.sum, g.min, g.max, g.sumsq, g.dcount) ORDER BY g.bucket)::text AS periods
     FROM (${grouped}) g GROUP BY g.series ORDER BY g.series`,
    params,
  );
  const out: PeriodAggregate[] = [];
  for (const row of rows) {
    for (const [bucket, total, n, sum, min, max, sumsq, distinct] of JSON.parse(row.periods) as Array<Array<number | null>>) {
      out.push({ series: row.series, bucket: bucket as number, total: total as number, n: n as number, sum: sum ?? null, min: min ?? null, max: max ?? null, sumsq: sumsq ?? null, distinct: distinct ?? 0 });
    }
  }
  return out;
}

/** Aggregates raw instances per series and period (any method, any time property). */
export async function aggregateRaw(q: Queryable, series: readonly string[], range: TimeRange, bucketing: Bucketing, distinct: boolean): Promise<PeriodAggregate[]> {
  if (series.length === 0) return [];
  const params: unknown[] = [series];
  const where = rangeSql(range, params);
  const bucket = bucketSql(bucketing, `i.${COLUMN[range.timeproperty]}`, params);
  return perSeries(
    q,
    `SELECT i.series, ${bucket} AS bucket, count(*)::int AS total, count(i.num)::int AS n, sum(i.num) AS sum, min(i.num) AS min, max(i.num) AS max,
            sum(i.num * i.num) AS sumsq, ${distinct ? `count(DISTINCT ${CONTENT_VALUE})::int` : 'NULL::int'} AS dcount
     FROM temporal_history i WHERE i.series = ANY($1::uuid[]) AND ${where}
     GROUP BY 1, 2`,
    params,
  );
}

/** Only the columns the asked methods need travel back (the driver parses every value as text). */
function rollupColumns(methods: readonly string[]): string {
  const wanted = new Set(methods);
  const column = (needed: boolean, sql: string, name: string) => `, ${needed ? sql : 'NULL::float8'} AS ${name}`;
  return [
    column(['sum', 'avg', 'stddev'].some((m) => wanted.has(m)), 'sum(r.sum)', 'sum'),
    column(wanted.has('min'), 'min(r.min)', 'min'),
    column(wanted.has('max'), 'max(r.max)', 'max'),
    column(wanted.has('sumsq') || wanted.has('stddev'), 'sum(r.sumsq)', 'sumsq'),
    ', NULL::int AS dcount',
  ].join('');
}

/**
 * Aggregates the hourly rollup per series and period: valid when periods are whole hours starting on an hour
 * and the range is on observedAt with hour-aligned bounds (the caller checks). Reads 24 rows per series and day
 * instead of 1,440 instances.
 */
export async function aggregateRollup(
  q: Queryable,
  series: readonly string[],
  range: TimeRange,
  bucketing: Bucketing,
  methods: readonly string[],
): Promise<PeriodAggregate[]> {
  if (series.length === 0) return [];
  const params: unknown[] = [series, new Date(range.timeAt).toISOString()];
  let where = range.timerel === 'before' ? 'r.hour < $2::timestamptz' : 'r.hour >= $2::timestamptz';
  if (range.timerel === 'between') {
    params.push(new Date(range.endTimeAt as number).toISOString());
    where += ` AND r.hour < $3::timestamptz`;
  }
  const bucket = bucketSql(bucketing, 'r.hour', params);
  return perSeries(
    q,
    `SELECT r.series, ${bucket} AS bucket, sum(r.total)::int AS total, sum(r.n)::int AS n${rollupColumns(methods)}
     FROM temporal_rollup_hourly r WHERE r.series = ANY($1::uuid[]) AND ${where}
     GROUP BY 1, 2`,
    params,
  );
}

/**
 * Each rollup method's value of a (series, period) group `g` as SQL text; methods other than totalCount only where
 * the period holds numbers. The same formulas as methodValues (temporal/service.ts), whose answers a test compares.
 */
const METHOD_VALUE_SQL: Readonly<Record<string, { sql: string; always?: true }>> = {
  totalCount: { sql: 'g.total', always: true },
  sum: { sql: 'g.sum' },
  avg: { sql: 'g.sum / g.n' },
  min: { sql: 'g.min' },
  max: { sql: 'g.max' },
  sumsq: { sql: 'g.sumsq' },
  stddev: { sql: 'sqrt(greatest(0, g.sumsq / g.n - (g.sum / g.n) * (g.sum / g.n)))' },
};

/** One series' aggregated triples per method, as aggregateRollupText writes them. */
export interface SeriesAggregateText {
  series: string;
  methods: Array<[string, string | null]>;
}

/** The elements of a one-dimensional array of numbers in PostgreSQL's text form (`{1,2.5,NaN}`). */
const arrayElements = (text: string): string[] => (text.length <= 2 ? [] : text.slice(1, -1).split(','));

/** A number as PostgreSQL writes it, as JSON: its shortest exact form is already JSON, except for NaN and ±Infinity. */
const jsonNumberText = (text: string): string => (text === 'NaN' || text === 'Infinity' || text === '-Infinity' || text === 'NULL' ? 'null' : text);

/**
 * `[value,"start","end"],…` in period order from two arrays aggregated from the same rows in the same order
 * (`buckets[i]` is the period of `values[i]`): PostgreSQL advances every aggregate of a group with each row, so the
 * pairs hold whatever order the rows came in; they are put in period order here.
 */
function triplesText(buckets: string[], values: string[], periodTexts: readonly string[]): string {
  return buckets
    .map((bucket, i) => ({ period: Number(bucket), value: values[i] as string }))
    .sort((a, b) => a.period - b.period)
    .map(({ period, value }) => `[${jsonNumberText(value)},${periodTexts[period]}]`)
    .join(',');
}

/**
 * The aggregated representation's triples (clause 4.5.19) from the hourly rollup, for fixed periods in a closed
 * range: per series and method, the text `[value,"start","end"],…` in period order (null where no period has a
 * value). `periodTexts[k]` is `"start","end"` of period k, formatted once by the caller. PostgreSQL returns each
 * series' periods and values as arrays in its text form, and writes a float8 in its shortest exact form, so the
 * numbers are those the general path computes in TypeScript; the triples are spliced together here from those
 * texts, so the answer for 1,000 sensors × 24 hours × 2 methods never exists as objects in the server.
 * (Building the triples in SQL with string_agg cost PostgreSQL 85–100 ms for that answer; the arrays, 45–55 ms.)
 */
export async function aggregateRollupText(
  q: Queryable,
  series: readonly string[],
  range: TimeRange & { endTimeAt: number },
  bucketing: Extract<Bucketing, { kind: 'fixed' }>,
  methods: readonly string[],
  periodTexts: readonly string[],
): Promise<SeriesAggregateText[]> {
  if (series.length === 0) return [];
  const params: unknown[] = [series, new Date(range.timeAt).toISOString(), new Date(range.endTimeAt).toISOString(), periodTexts.length];
  const bucket = bucketSql(bucketing, 'r.hour', params);
  const columns = methods.map((m, i) => {
    const method = METHOD_VALUE_SQL[m];
    if (!method) throw new Error(`aggregateRollupText: ${m} is not a rollup method`);
    return `array_agg(${method.sql})${method.always ? '' : ' FILTER (WHERE g.n > 0)'}::text AS m${i}`;
  });
  const rows = await q.query<Record<string, string | null> & { series: string; every: string; numeric: string | null }>(
    `SELECT g.series, array_agg(g.bucket)::text AS every, array_agg(g.bucket) FILTER (WHERE g.n > 0)::text AS numeric, ${columns.join(', ')}
     FROM (SELECT r.series, ${bucket} AS bucket, sum(r.total) AS total, sum(r.n) AS n, sum(r.sum) AS sum, min(r.min) AS min, max(r.max) AS max, sum(r.sumsq) AS sumsq
           FROM temporal_rollup_hourly r WHERE r.series = ANY($1::uuid[]) AND r.hour >= $2::timestamptz AND r.hour < $3::timestamptz
           GROUP BY 1, 2) g
     WHERE g.bucket >= 0 AND g.bucket < $4::int
     GROUP BY g.series`,
    params,
  );
  return rows.map((row) => {
    const every = arrayElements(row.every);
    const numeric = row.numeric === null ? [] : arrayElements(row.numeric);
    return {
      series: row.series,
      methods: methods.map((m, i) => {
        const values = row[`m${i}`];
        if (values === null || values === undefined) return [m, null] as [string, string | null];
        return [m, triplesText(METHOD_VALUE_SQL[m]?.always ? every : numeric, arrayElements(values), periodTexts)] as [string, string | null];
      }),
    };
  });
}

/**
 * Writes history in one statement, plain numeric readings packed, with `also` (the audit record…) in the same statement, so
 * it needs no transaction of its own (the temporal API's provision operations; the hub's writes use the same SQL as side writes).
 */
export async function writeHistory(
  q: Queryable,
  rows: {
    entities: readonly TemporalEntityRow[];
    series: readonly SeriesRow[];
    instances: readonly InstanceRow[];
    /** Packs already made (rows.ts PlainHistory); the instances are packed where they can be. */
    packs?: readonly PackRow[];
    rollup: readonly RollupRow[];
  },
  also: readonly BatchWrite[] = [],
): Promise<void> {
  const params: unknown[] = [];
  const packed = packHistory(rows.instances);
  const packs = rows.packs?.length ? [...rows.packs, ...packed.packs] : packed.packs;
  const writes = [entitiesWrite(rows.entities), seriesWrite(rows.series), instancesWrite(packed.rows), packsWrite(packs), rollupWrite(rows.rollup), ...also];
  const ctes = writes.map(
    (write, i) => `w${i} AS (${bindBatch(write, params)})`,
  );
  await q.query(`WITH ${ctes.join(', ')} SELECT 1`, params);
}

/** The pending rollup rows (rows.ts rollupWrite) taken out of temporal_rollup_pending, one SQL row per (series, hour) and statement. */
const TAKE_PENDING_SQL = `p AS (DELETE FROM temporal_rollup_pending RETURNING *),
  d AS (SELECT u.series, p.hours[u.hour] AS hour, u.total, u.n, u.sum, u.min, u.max, u.sumsq
        FROM p, unnest(p.series, p.hour, p.total, p.n, p.sum, p.min, p.max, p.sumsq) AS u(series, hour, total, n, sum, min, max, sumsq)
        WHERE p.num IS NULL
        UNION ALL
        SELECT u.series, p.hours[u.hour], 1, (u.num IS NOT NULL)::int, coalesce(u.num, 0), u.num, u.num, coalesce(u.num * u.num, 0)
        FROM p, unnest(p.series, p.hour, p.num) AS u(series, hour, num)
        WHERE p.num IS NOT NULL)`;

/** Adds the pending rows `d` (except those `where` leaves out) to temporal_rollup_hourly, in key order. */
const mergePendingSql = (where: string) => `INSERT INTO temporal_rollup_hourly AS t (series, hour, total, n, sum, min, max, sumsq)
  SELECT d.series, d.hour, sum(d.total), sum(d.n), sum(d.sum), min(d.min), max(d.max), sum(d.sumsq) FROM d WHERE ${where}
  GROUP BY d.series, d.hour ORDER BY d.series, d.hour
  ON CONFLICT (series, hour) DO UPDATE SET total = t.total + excluded.total, n = t.n + excluded.n, sum = t.sum + excluded.sum,
    min = least(t.min, excluded.min), max = greatest(t.max, excluded.max), sumsq = t.sumsq + excluded.sumsq
  RETURNING 1`;

/**
 * Folds the pending rollup rows into temporal_rollup_hourly: one statement, needing no transaction of its own.
 * Each pending row is taken by exactly one settle (DELETE … RETURNING; a concurrent settle waits for the row and then
 * skips it), and the sums commute, so any number of processes may settle at once. Readers of the rollup settle
 * first, so they see every reading committed before they asked; the background job keeps the backlog to a second.
 * Returns how many pending rows it took and how many rollup rows it wrote.
 */
export async function settleRollup(q: Queryable): Promise<{ taken: number; written: number }> {
  const rows = await q.query<{ taken: number; written: number }>(
    `WITH ${TAKE_PENDING_SQL}, w AS (${mergePendingSql('true')}) SELECT (SELECT count(*) FROM p)::int AS taken, (SELECT count(*) FROM w)::int AS written`,
  );
  return rows[0] ?? { taken: 0, written: 0 };
}

/**
 * Stops writers and settles from adding to temporal_rollup_pending until the caller's transaction ends, so that what
 * follows sees a pending table no one else changes (a recomputation or deletion would otherwise race a settle that
 * adds readings it has already counted, or re-creates rows it deleted). Writers wait only for the rest of that
 * transaction; these corrections are rare.
 */
async function holdPending(tx: Queryable): Promise<void> {
  await tx.query('LOCK TABLE temporal_rollup_pending IN SHARE ROW EXCLUSIVE MODE');
}

/**
 * Recomputes the rollup rows of these (series, hour) pairs from the raw instances (after a correction or deletion),
 * inside the caller's transaction. One statement settles the pending rows of every other pair and drops those of
 * these pairs: in one snapshot, the raw instances counted are exactly those whose pending rows it drops.
 */
export async function recomputeRollup(tx: Queryable, keys: ReadonlyArray<{ series: string; hour: string }>): Promise<void> {
  if (keys.length === 0) return;
  await holdPending(tx);
  await tx.query(
    `WITH ${TAKE_PENDING_SQL},
       k AS (SELECT DISTINCT * FROM jsonb_to_recordset($1::jsonb) AS k(series uuid, hour timestamptz)),
       settled AS (${mergePendingSql('NOT EXISTS (SELECT 1 FROM k WHERE k.series = d.series AND k.hour = d.hour)')}),
       fresh AS (SELECT k.series, k.hour, count(i.series) AS total, count(i.num) AS n, coalesce(sum(i.num), 0) AS sum, min(i.num) AS min, max(i.num) AS max,
                        coalesce(sum(i.num * i.num), 0) AS sumsq
                 FROM k LEFT JOIN temporal_history i ON i.series = k.series AND i.observed_at >= k.hour AND i.observed_at < k.hour + interval '1 hour'
                   AND i.span_start < k.hour + interval '1 hour' AND i.span_start > k.hour - interval '1 day'
                 GROUP BY k.series, k.hour),
       kept AS (INSERT INTO temporal_rollup_hourly AS t (series, hour, total, n, sum, min, max, sumsq)
                SELECT * FROM fresh WHERE fresh.total > 0 ORDER BY 1, 2
                ON CONFLICT (series, hour) DO UPDATE SET total = excluded.total, n = excluded.n, sum = excluded.sum, min = excluded.min, max = excluded.max,
                  sumsq = excluded.sumsq
                RETURNING 1),
       gone AS (DELETE FROM temporal_rollup_hourly r USING fresh WHERE fresh.total = 0 AND r.series = fresh.series AND r.hour = fresh.hour RETURNING 1)
     SELECT (SELECT count(*) FROM settled) + (SELECT count(*) FROM kept) + (SELECT count(*) FROM gone) AS n`,
    [JSON.stringify(keys)],
  );
}

/** Settles the pending rollup rows and deletes the rollup rows before `cutoff` (retention), inside the caller's transaction. */
export async function deleteRollupBefore(tx: Queryable, cutoff: string): Promise<number> {
  await holdPending(tx);
  await settleRollup(tx);
  const rows = await tx.query<{ n: number }>('WITH b AS (DELETE FROM temporal_rollup_hourly WHERE hour < $1 RETURNING 1) SELECT count(*)::int AS n FROM b', [cutoff]);
  return rows[0]?.n ?? 0;
}

/** Deletes series with their instances and rollup rows (pending ones included), inside the caller's transaction. */
export async function deleteSeries(q: Queryable, series: readonly string[]): Promise<void> {
  if (series.length === 0) return;
  await holdPending(q);
  await settleRollup(q);
  await q.query('DELETE FROM temporal_instances WHERE series = ANY($1::uuid[])', [series]);
  await q.query('DELETE FROM temporal_packs WHERE series = ANY($1::uuid[])', [series]);
  await q.query('DELETE FROM temporal_rollup_hourly WHERE series = ANY($1::uuid[])', [series]);
  await q.query('DELETE FROM temporal_series WHERE id = ANY($1::uuid[])', [series]);
}

/**
 * Turns the pack holding instance `instanceId` of an entity's attribute back into instance rows, inside the caller's
 * transaction, so the instance can be corrected or deleted as a row; nothing happens when no pack holds it.
 */
export async function unpackInstance(tx: Queryable, key: { tenant: string; entityId: string; attr: string }, instanceId: string): Promise<void> {
  await tx.query(
    `WITH p AS (DELETE FROM temporal_packs p USING temporal_series s
                WHERE s.tenant = $1 AND s.entity_id = $2 AND s.attr = $3 AND p.series = s.id
                  AND (p.pack_id = ${PACK_OF_INSTANCE_SQL('$4')} OR $4::uuid = ANY(p.instance_id)) RETURNING p.*)
     INSERT INTO temporal_instances (series, observed_at, instance_id, kind, num, content, created_at, modified_at)
     SELECT p.series, u.observed_at, u.instance_id, 'Property', u.num, ${PACKED_INSTANCE_CONTENT_SQL('p', 'u')}, p.created_at, p.created_at
     FROM p CROSS JOIN ${UNNEST_PACK_SQL('p', 'u')}`,
    [key.tenant, key.entityId, key.attr, instanceId],
  );
}
