/** The rows of the temporal tables, built in TypeScript from attribute instances, and the set-based SQL that writes them. */
import { createHash, randomUUID } from 'node:crypto';
import type { StoredAttribute, StoredEntity } from '../context/model.ts';
import { arrayLiteral, type BatchWrite, jsonBatch, plainArrayLiteral } from '../platform/store/store.ts';

/** One row of temporal_entities. */
export interface TemporalEntityRow {
  tenant: string;
  id: string;
  types: string[];
  scopes: string[];
  owner_department: string | null;
  sharing: string;
  created_by: string | null;
  created_at: string;
  modified_at: string;
  deleted_at: string | null;
}

export interface SeriesRow {
  id: string;
  tenant: string;
  entity_id: string;
  attr: string;
  /** '' for the default instance. */
  dataset_id: string;
  kind: string;
}

export interface InstanceRow {
  series: string;
  observed_at: string;
  instance_id: string;
  kind: string;
  num: number | null;
  /** The instance's other members; a numeric value is kept in `num` alone (see contentOf), so null is `{ value: num }`. */
  content: Record<string, unknown> | null;
  created_at: string;
  modified_at: string;
}

export interface RollupRow {
  series: string;
  hour: string;
  total: number;
  n: number;
  sum: number;
  min: number | null;
  max: number | null;
  sumsq: number;
}

const HOUR = 3_600_000;
export const DAY = 86_400_000;

/**
 * The id of a series: a UUID made from the MD5 of its key, so every writer derives the same id without a
 * lookup (a collision of 128-bit digests is not a practical concern at city scale).
 */
export function seriesId(tenant: string, entityId: string, attr: string, datasetId: string): string {
  const hex = createHash('md5').update(`${entityKey(tenant, entityId)}\u0000${attr}\u0000${datasetId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The key of an entity of a city in the maps that remember series by entity. */
export const entityKey = (tenant: string, entityId: string) => `${tenant}\u0000${entityId}`;

/** The key of a series within its entity: the attribute, and its datasetId when it has one ('' or undefined: none). */
export const seriesKey = (attr: string, datasetId: string | undefined) => (datasetId ? `${attr}\u0000${datasetId}` : attr);

/** The series row of an instance; `id` when the caller already knows it (the recorder keeps the ids of the series it writes). */
export function seriesRow(tenant: string, entityId: string, attr: string, instance: StoredAttribute, id?: string): SeriesRow {
  const dataset = instance.datasetId ?? '';
  return { id: id ?? seriesId(tenant, entityId, attr, dataset), tenant, entity_id: entityId, attr, dataset_id: dataset, kind: instance.type };
}

/** The numeric value aggregation uses: a Property whose value is a finite number. */
export function numericValue(instance: StoredAttribute): number | null {
  return instance.type === 'Property' && typeof instance.value === 'number' && Number.isFinite(instance.value) ? instance.value : null;
}

/**
 * The instance as kept in `content`: without the members held in columns, and without a numeric `value`
 * (it is `num`); null when nothing else is left — most sensor readings, which then cost no jsonb at all.
 * INSTANCE_CONTENT_SQL puts the value back.
 */
export function contentOf(instance: StoredAttribute): Record<string, unknown> | null {
  // -0 is not kept apart: JSON writes it as 0, and float8 would give it back as -0.
  const numeric = numericValue(instance) !== null && !Object.is(instance.value, -0);
  // Copied member by member: a plain reading (a number, maybe a unitCode) allocates at most one small object.
  let content: Record<string, unknown> | null = null;
  for (const key in instance) {
    if (NOT_CONTENT.has(key) || (numeric && key === 'value')) continue;
    content ??= {};
    content[key] = instance[key as keyof StoredAttribute];
  }
  return content ?? (numeric ? null : {});
}

/** The members of an instance kept in columns of their own (or never stored), not in `content`. */
const NOT_CONTENT = new Set(['type', 'datasetId', 'createdAt', 'modifiedAt', 'unset']);

/** The instance content of a row of temporal_instances aliased `alias`, as stored before values moved to `num` (jsonb). */
export const INSTANCE_CONTENT_SQL = (alias: string) =>
  `CASE WHEN ${alias}.num IS NOT NULL AND ${alias}.content IS NULL THEN jsonb_build_object('value', ${alias}.num)
        WHEN ${alias}.num IS NOT NULL AND NOT ${alias}.content ? 'value' THEN ${alias}.content || jsonb_build_object('value', ${alias}.num)
        ELSE coalesce(${alias}.content, '{}'::jsonb) END`;

/** The time an instance is filed under: its observedAt, else when it was written. */
export function stampOf(instance: StoredAttribute): string {
  return instance.observedAt ?? instance.modifiedAt;
}

export function instanceRow(series: string, instance: StoredAttribute, recordedAt: string, instanceId: string = randomUUID()): InstanceRow {
  return {
    series,
    observed_at: stampOf(instance),
    instance_id: instanceId,
    kind: instance.type,
    num: numericValue(instance),
    content: contentOf(instance),
    created_at: recordedAt,
    modified_at: recordedAt,
  };
}

/** Sums instance rows into one rollup row per (series, UTC hour) (settleRollup orders them before it locks rows). */
export function rollupRows(instances: readonly InstanceRow[]): RollupRow[] {
  const rows: RollupRow[] = [];
  // A batch's instances share a few observation times: each is parsed once. Rows are found by hour, then series.
  const hours = new Map<string, string>();
  const byHour = new Map<string, Map<string, RollupRow>>();
  for (const i of instances) {
    let hour = hours.get(i.observed_at);
    if (hour === undefined) {
      hour = new Date(Math.floor(Date.parse(i.observed_at) / HOUR) * HOUR).toISOString();
      hours.set(i.observed_at, hour);
    }
    let bySeries = byHour.get(hour);
    if (!bySeries) {
      bySeries = new Map();
      byHour.set(hour, bySeries);
    }
    let row = bySeries.get(i.series);
    if (!row) {
      row = { series: i.series, hour, total: 0, n: 0, sum: 0, min: null, max: null, sumsq: 0 };
      bySeries.set(i.series, row);
      rows.push(row);
    }
    row.total++;
    if (i.num !== null) {
      row.n++;
      row.sum += i.num;
      row.sumsq += i.num * i.num;
      row.min = row.min === null ? i.num : Math.min(row.min, i.num);
      row.max = row.max === null ? i.num : Math.max(row.max, i.num);
    }
  }
  return rows;
}

export function temporalEntityRow(tenant: string, entity: StoredEntity, deletedAt: string | null = null): TemporalEntityRow {
  return {
    tenant,
    id: entity.id,
    types: entity.types,
    scopes: entity.scopes,
    owner_department: entity.ownerDepartment,
    sharing: entity.sharing,
    created_by: entity.createdBy,
    created_at: entity.createdAt,
    modified_at: deletedAt ?? entity.modifiedAt,
    deleted_at: deletedAt,
  };
}

// ---- SQL: each an INSERT of a batch, usable alone or as a CTE of a larger statement (BatchWrite) ----

/** The distinct values and each row's 1-based position among them: a batch's rows share a few times, so PostgreSQL parses each once. */
function dictionary(values: readonly string[]): { distinct: string[]; index: number[] } {
  const positions = new Map<string, number>();
  const index = values.map((v) => {
    let at = positions.get(v);
    if (at === undefined) {
      at = positions.size + 1;
      positions.set(v, at);
    }
    return at;
  });
  return { distinct: [...positions.keys()], index };
}

export const entitiesWrite = (rows: readonly TemporalEntityRow[]): BatchWrite => jsonBatch(entitiesSql, rows);
export const seriesWrite = (rows: readonly SeriesRow[]): BatchWrite => jsonBatch(seriesSql, rows);

/** Instance rows travel column by column (typed arrays), the times as a dictionary; `content` as one JSON array. */
export function instancesWrite(rows: readonly InstanceRow[]): BatchWrite {
  const times = dictionary(rows.flatMap((r) => [r.observed_at, r.created_at, r.modified_at]));
  const at = (k: number) => rows.map((_, i) => times.index[3 * i + k] as number);
  return {
    sql: (series, instance, kind, num, observed, created, modified, content, time) => `INSERT INTO temporal_instances (series, observed_at, instance_id, kind, num, content, created_at, modified_at)
  SELECT r.series, t.times[r.observed], r.instance_id, r.kind, r.num, nullif((${content}::jsonb)->(r.ord::int - 1), 'null'::jsonb), t.times[r.created], t.times[r.modified]
  FROM unnest(${series}::uuid[], ${instance}::uuid[], ${kind}::text[], ${num}::float8[], ${observed}::int[], ${created}::int[], ${modified}::int[])
    WITH ORDINALITY AS r(series, instance_id, kind, num, observed, created, modified, ord),
    (SELECT ${time}::timestamptz[] AS times) t`,
    params: [
      plainArrayLiteral(rows.map((r) => r.series)),
      plainArrayLiteral(rows.map((r) => r.instance_id)),
      arrayLiteral(rows.map((r) => r.kind)),
      arrayLiteral(rows.map((r) => r.num)),
      plainArrayLiteral(at(0)),
      plainArrayLiteral(at(1)),
      plainArrayLiteral(at(2)),
      JSON.stringify(rows.map((r) => r.content)),
      arrayLiteral(times.distinct),
    ],
  };
}

/**
 * A statement's rollup rows are not merged into temporal_rollup_hourly where they are written: they are appended as
 * one row of typed arrays to temporal_rollup_pending (no index, no conflict, no row locked), and settleRollup folds
 * them in later, many statements' worth at once (store.ts). A sensor that reports every few seconds then costs one
 * rollup update per settle instead of one per reading, and writers never wait on each other's rollup rows.
 *
 * When every row holds one reading (the hub's writes: one new value per attribute), the journal row carries the
 * readings alone (`num`, null for a non-numeric one) and settling derives the count, sums and extremes: three arrays
 * for PostgreSQL to parse instead of eight (measured 1.9 → 0.7 ms for 1,500 rows).
 */
export function rollupWrite(rows: readonly RollupRow[]): BatchWrite {
  const hours = dictionary(rows.map((r) => r.hour));
  if (rows.every((r) => r.total === 1)) {
    return {
      sql: (series, hour, num, hourList) => `INSERT INTO temporal_rollup_pending (series, hour, num, hours)
  SELECT ${series}::uuid[], ${hour}::int[], ${num}::float8[], ${hourList}::timestamptz[]
  WHERE cardinality(${series}::uuid[]) > 0`,
      params: [plainArrayLiteral(rows.map((r) => r.series)), plainArrayLiteral(hours.index), arrayLiteral(rows.map((r) => (r.n === 1 ? r.sum : null))), arrayLiteral(hours.distinct)],
    };
  }
  return {
    sql: (series, hour, total, n, sum, min, max, sumsq, hourList) => `INSERT INTO temporal_rollup_pending (series, hour, total, n, sum, min, max, sumsq, hours)
  SELECT ${series}::uuid[], ${hour}::int[], ${total}::bigint[], ${n}::bigint[], ${sum}::float8[], ${min}::float8[], ${max}::float8[], ${sumsq}::float8[], ${hourList}::timestamptz[]
  WHERE cardinality(${series}::uuid[]) > 0`,
    params: [
      plainArrayLiteral(rows.map((r) => r.series)),
      plainArrayLiteral(hours.index),
      arrayLiteral(rows.map((r) => r.total)),
      arrayLiteral(rows.map((r) => r.n)),
      arrayLiteral(rows.map((r) => r.sum)),
      arrayLiteral(rows.map((r) => r.min)),
      arrayLiteral(rows.map((r) => r.max)),
      arrayLiteral(rows.map((r) => r.sumsq)),
      arrayLiteral(hours.distinct),
    ],
  };
}

export const entitiesSql = (param: string) => `INSERT INTO temporal_entities AS t (tenant, id, types, scopes, owner_department, sharing, created_by, created_at, modified_at, deleted_at)
  SELECT r.tenant, r.id, r.types, coalesce(r.scopes, '{}'), r.owner_department, r.sharing, r.created_by, r.created_at, r.modified_at, r.deleted_at
  FROM jsonb_to_recordset(${param}::jsonb) AS r(tenant text, id text, types text[], scopes text[], owner_department text, sharing text, created_by text,
    created_at timestamptz, modified_at timestamptz, deleted_at timestamptz)
  ON CONFLICT (tenant, id) DO UPDATE SET types = excluded.types, scopes = excluded.scopes, owner_department = excluded.owner_department,
    sharing = excluded.sharing, modified_at = excluded.modified_at, deleted_at = excluded.deleted_at`;

export const seriesSql = (param: string) => `INSERT INTO temporal_series (id, tenant, entity_id, attr, dataset_id, kind)
  SELECT r.id, r.tenant, r.entity_id, r.attr, r.dataset_id, r.kind
  FROM jsonb_to_recordset(${param}::jsonb) AS r(id uuid, tenant text, entity_id text, attr text, dataset_id text, kind text)
  ON CONFLICT DO NOTHING`;

// ---- Packed history (schema.ts temporalPacksMigration, packedValuesMigration) ----

/**
 * The content of packed instance `u` of pack `p`, as a row of temporal_instances would hold it (INSTANCE_CONTENT_SQL adds
 * a numeric value). The view of migration 0018 was built from it; that of 0019 from PACKED_INSTANCE_CONTENT_SQL, which adds
 * the value of a pack of non-numeric values. A change of either needs a migration replacing the view.
 */
export const PACKED_CONTENT_SQL = (p: string, u: string) =>
  `CASE WHEN ${p}.stamped THEN coalesce(${p}.common, '{}'::jsonb) || jsonb_build_object('observedAt', to_char(${u}.observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
        ELSE ${p}.common END`;

/** PACKED_CONTENT_SQL with the value of a pack of non-numeric values (`u.val`, from `vals`) put in. */
export const PACKED_INSTANCE_CONTENT_SQL = (p: string, u: string) =>
  `CASE WHEN ${u}.val IS NULL THEN ${PACKED_CONTENT_SQL(p, u)}
        ELSE coalesce(${PACKED_CONTENT_SQL(p, u)}, '{}'::jsonb) || jsonb_build_object('value', ${u}.val) END`;

/** The unnest of the view of migration 0019 (kept as it was: the migration's text must not change). */
export const UNNEST_PACK_SQL_0019 = (p: string, u: string) =>
  `unnest(${p}.observed_at, ${p}.num, ${p}.instance_id, ${p}.vals) AS ${u}(observed_at, num, instance_id, val)`;

/**
 * The unnested instances of pack `p` as `u(observed_at, num, instance_id, val)` (num or val is null, as the pack holds
 * numbers or other values). A pack written since migration 0020 stores no instance ids: instance k's id is the pack's
 * `pack_id` with its last 32 bits set to k − 1 (packInstanceIdSql); packs written before keep their `instance_id` array.
 */
export const UNNEST_PACK_SQL = (p: string, u: string) =>
  `LATERAL (SELECT u.observed_at, u.num, coalesce(u.instance_id, ${packInstanceIdSql(`${p}.pack_id`, 'u.k')}) AS instance_id, u.val
     FROM unnest(${p}.observed_at, ${p}.num, ${p}.instance_id, ${p}.vals) WITH ORDINALITY AS u(observed_at, num, instance_id, val, k)) AS ${u}`;

/** The id of instance `k` (1-based) of a pack: its pack_id with the last 32 bits (8 hex digits) set to k − 1. */
const packInstanceIdSql = (packId: string, k: string) => `overlay(${packId}::text placing lpad(to_hex(${k}::int - 1), 8, '0') from 29)::uuid`;

/** The pack_id an instance id derived by packInstanceIdSql comes from (its last 32 bits zeroed), and its position (0-based), for SQL parameter `param`. */
export const PACK_OF_INSTANCE_SQL = (param: string) => `overlay(${param}::text placing '00000000' from 29)::uuid`;

/** A packed value: a number (in `num`) or any other JSON value of a Property (in `vals`). */
export type PackedValue = number | string | boolean | null | Record<string, unknown> | unknown[];

/** One row of temporal_packs: instances of one series, written together, observed within one UTC day. */
export interface PackRow {
  series: string;
  created_at: string;
  stamped: boolean;
  /** The members every instance of the pack has besides its value and observedAt, as JSON; null when none. */
  common: string | null;
  observed: number[];
  /** The values, in the order of `observed`: all finite numbers (kept in `num`), or none a number that `num` could hold (kept as jsonb in `vals`). */
  values: PackedValue[];
  numeric: boolean;
}

/** The form PACKED_CONTENT_SQL writes observedAt in (and normalizeDateTime gives every observedAt). */
export const CANONICAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface PackShape {
  stamped: boolean;
  common: string | null;
  numeric: boolean;
}

/** How an instance row would be packed, or undefined when it keeps a row of its own. */
function packShape(row: InstanceRow): PackShape | undefined {
  if (row.kind !== 'Property' || row.created_at !== row.modified_at) return undefined;
  const numeric = row.num !== null;
  if (row.content === null) return numeric ? { stamped: false, common: null, numeric } : undefined;
  const { observedAt, value: _value, ...rest } = row.content;
  // A numeric row keeps its value in `num` alone; any other keeps it in content (and a Property always has one).
  if (numeric === ('value' in row.content)) return undefined;
  if (observedAt !== undefined && (observedAt !== row.observed_at || !CANONICAL_TIME.test(row.observed_at))) return undefined;
  let common: string | null = null;
  for (const _ in rest) {
    common = JSON.stringify(rest);
    break;
  }
  return { stamped: observedAt !== undefined, common, numeric };
}

/**
 * Splits a write's instance rows into those kept as rows and packs: the plain readings of one series, one UTC day and
 * one shape (packShape) go into one pack when there are at least two of them. Every row of the hub's own writes is a
 * different series (one instance per attribute and change), so only history provided in bulk through the temporal
 * API is packed (and most of that arrives as plain readings, PlainHistory).
 */
export function packHistory(instances: readonly InstanceRow[]): { rows: InstanceRow[]; packs: PackRow[] } {
  const groups = new Map<string, { shape: PackShape; members: Array<{ row: InstanceRow; at: number }> }>();
  const rows: InstanceRow[] = [];
  for (const row of instances) {
    const shape = packShape(row);
    const at = Date.parse(row.observed_at);
    if (shape === undefined || !Number.isFinite(at)) {
      rows.push(row);
      continue;
    }
    const key = `${row.series}|${Math.floor(at / DAY)}|${row.created_at}|${shape.stamped}|${shape.numeric}|${shape.common}`;
    let group = groups.get(key);
    if (!group) {
      group = { shape, members: [] };
      groups.set(key, group);
    }
    group.members.push({ row, at });
  }
  const packs: PackRow[] = [];
  for (const { shape, members } of groups.values()) {
    const first = members[0]?.row as InstanceRow;
    if (members.length < 2) {
      rows.push(first);
      continue;
    }
    members.sort((a, b) => a.at - b.at);
    packs.push({
      series: first.series,
      created_at: first.created_at,
      ...shape,
      observed: members.map((m) => m.at),
      values: members.map((m) => (shape.numeric ? (m.row.num as number) : (m.row.content?.value as PackedValue))),
    });
  }
  return { rows, packs };
}

/** One series' plain readings of one UTC day and one shape, as PlainHistory gathers them. */
interface PlainGroup {
  series: string;
  day: number;
  common: string | null;
  numeric: boolean;
  at: number[];
  observedAt: string[];
  values: PackedValue[];
  /** Whether `at` is in ascending order (readings usually come in order; sorted only when not). */
  ordered: boolean;
}

/**
 * The plain readings of one write, gathered straight from the request into packs without an instance object each: a
 * Property with a number, boolean or string as its value, a canonical observedAt and at most a unitCode (the temporal
 * API's fast path, service.ts). Packs of at least two readings, the rest as instance rows; the rollup of all of them.
 * The result is what packHistory makes of the same readings read as instances (the packs tests compare both ways).
 */
export class PlainHistory {
  private readonly groups = new Map<string, PlainGroup>();
  private last: PlainGroup | undefined;

  /** Adds a reading of series `series` observed at `at` (= Date.parse(observedAt)); `common` is its unitCode member as JSON, or null. */
  add(series: string, common: string | null, at: number, observedAt: string, value: number | string | boolean): void {
    const numeric = typeof value === 'number';
    const day = Math.floor(at / DAY);
    let group = this.last;
    if (group === undefined || group.series !== series || group.day !== day || group.common !== common || group.numeric !== numeric) {
      const key = `${series}|${day}|${numeric}|${common}`;
      group = this.groups.get(key);
      if (group === undefined) {
        group = { series, day, common, numeric, at: [], observedAt: [], values: [], ordered: true };
        this.groups.set(key, group);
      }
      this.last = group;
    }
    const previous = group.at.length > 0 ? (group.at[group.at.length - 1] as number) : -Infinity;
    if (at < previous) group.ordered = false;
    group.at.push(at);
    group.observedAt.push(observedAt);
    group.values.push(value);
  }

  get size(): number {
    return this.groups.size;
  }

  finish(recordedAt: string): { packs: PackRow[]; rows: InstanceRow[]; rollup: RollupRow[] } {
    const packs: PackRow[] = [];
    const rows: InstanceRow[] = [];
    const rollup: RollupRow[] = [];
    for (const group of this.groups.values()) {
      if (!group.ordered) sortGroup(group);
      const { series, at, values, common, numeric } = group;
      if (at.length === 1) {
        // A lone reading keeps a row, made as any instance's is (instanceRow decides what goes to num and content).
        const members = common === null ? {} : (JSON.parse(common) as Record<string, unknown>);
        const instance = { ...members, type: 'Property', value: values[0], observedAt: group.observedAt[0], createdAt: recordedAt, modifiedAt: recordedAt };
        rows.push(instanceRow(series, instance as StoredAttribute, recordedAt));
      } else {
        packs.push({ series, created_at: recordedAt, stamped: true, common, observed: at, values, numeric });
      }
      // The rollup: one row per UTC hour of the group (its readings are in time order).
      let row: RollupRow | undefined;
      let hourEnd = -Infinity;
      for (let i = 0; i < at.length; i++) {
        const t = at[i] as number;
        if (t >= hourEnd) {
          const hour = Math.floor(t / HOUR) * HOUR;
          hourEnd = hour + HOUR;
          row = { series, hour: new Date(hour).toISOString(), total: 0, n: 0, sum: 0, min: null, max: null, sumsq: 0 };
          rollup.push(row);
        }
        const r = row as RollupRow;
        r.total++;
        if (numeric) {
          const v = values[i] as number;
          r.n++;
          r.sum += v;
          r.sumsq += v * v;
          r.min = r.min === null || v < r.min ? v : r.min;
          r.max = r.max === null || v > r.max ? v : r.max;
        }
      }
    }
    return { packs, rows, rollup };
  }
}

function sortGroup(group: PlainGroup): void {
  const order = group.at.map((_, i) => i).sort((a, b) => (group.at[a] as number) - (group.at[b] as number));
  group.at = order.map((i) => group.at[i] as number);
  group.observedAt = order.map((i) => group.observedAt[i] as string);
  group.values = order.map((i) => group.values[i] as PackedValue);
  group.ordered = true;
}

/**
 * Packs travel as flat typed arrays of all their instances and each pack's slices of them: observation times as
 * milliseconds after the pack's first (a few digits instead of thirteen), numbers and other values (as JSON) in arrays
 * of their own. A pack gets one random id and its instances ids derived from it (UNNEST_PACK_SQL): sending a UUID per
 * reading was 40% of the statement's bytes, and drawing one per reading in PostgreSQL 15% of its time (OpenSSL's
 * RAND_bytes checks the pid on every call), besides 16 bytes a reading on disk.
 */
export function packsWrite(packs: readonly PackRow[]): BatchWrite {
  const bounds = { from: [] as number[], to: [] as number[], numFrom: [] as Array<number | null>, valFrom: [] as Array<number | null> };
  const observed: number[] = [];
  const nums: number[] = [];
  const vals: string[] = [];
  for (const p of packs) {
    const first = p.observed[0] as number;
    bounds.from.push(observed.length + 1);
    for (const at of p.observed) observed.push(at - first);
    bounds.to.push(observed.length);
    if (p.numeric) {
      bounds.numFrom.push(nums.length + 1);
      bounds.valFrom.push(null);
      for (const v of p.values) nums.push(v as number);
    } else {
      bounds.numFrom.push(null);
      bounds.valFrom.push(vals.length + 1);
      for (const v of p.values) vals.push(typeof v === 'boolean' ? (v ? 'true' : 'false') : JSON.stringify(v));
    }
  }
  return {
    sql: (series, created, stamped, common, first, last, from, to, numFrom, valFrom, observedMs, num, val) => `INSERT INTO temporal_packs (series, first_at, last_at, created_at, stamped, common, observed_at, num, vals, pack_id)
  SELECT k.series, to_timestamp(k.first_ms / 1000), to_timestamp(k.last_ms / 1000), k.created_at, k.stamped, k.common::jsonb,
    ARRAY(SELECT to_timestamp((k.first_ms + o.ms) / 1000) FROM unnest(t.observed[k.start:k.stop]) WITH ORDINALITY AS o(ms, n) ORDER BY o.n),
    coalesce(t.num[k.num_from:k.num_from + k.stop - k.start], '{}'),
    t.vals[k.val_from:k.val_from + k.stop - k.start],
    ${PACK_OF_INSTANCE_SQL('gen_random_uuid()')}
  FROM unnest(${series}::uuid[], ${created}::timestamptz[], ${stamped}::bool[], ${common}::text[], ${first}::float8[], ${last}::float8[], ${from}::int[], ${to}::int[],
      ${numFrom}::int[], ${valFrom}::int[])
    AS k(series, created_at, stamped, common, first_ms, last_ms, start, stop, num_from, val_from),
    (SELECT ${observedMs}::float8[] AS observed, ${num}::float8[] AS num, ${val}::jsonb[] AS vals) t`,
    params: [
      arrayLiteral(packs.map((p) => p.series)),
      arrayLiteral(packs.map((p) => p.created_at)),
      arrayLiteral(packs.map((p) => p.stamped)),
      arrayLiteral(packs.map((p) => p.common)),
      arrayLiteral(packs.map((p) => p.observed[0])),
      arrayLiteral(packs.map((p) => p.observed[p.observed.length - 1])),
      arrayLiteral(bounds.from),
      arrayLiteral(bounds.to),
      arrayLiteral(bounds.numFrom),
      arrayLiteral(bounds.valFrom),
      arrayLiteral(observed),
      arrayLiteral(nums),
      arrayLiteral(vals),
    ],
  };
}
