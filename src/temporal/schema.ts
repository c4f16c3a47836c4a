/** Temporal history: the tables of every attribute instance the hub ever held, partitioned by time, and their hourly rollup. */
import type { Migration } from '../platform/store/migrate.ts';
import { PACKED_CONTENT_SQL, PACKED_INSTANCE_CONTENT_SQL, UNNEST_PACK_SQL, UNNEST_PACK_SQL_0019 } from './rows.ts';

/**
 * - `temporal_entities`: one row per entity that ever had history, with what selection and the read policy
 *   need (types, scopes, owner department, sharing) so both still work after the entity is deleted from the hub.
 *   Written only when one of those changes.
 * - `temporal_series`: one row per (entity, attribute, datasetId); `id` is a UUID derived from that key
 *   (rows.ts), so a write knows it without reading, and instance rows stay narrow (16 bytes, not three texts);
 *   `kind` is the attribute kind of its first instance (the aggregated representation names it).
 * - `temporal_instances`: one row per attribute instance; RANGE-partitioned on `observed_at` (the instance's
 *   observedAt, else the time of the change), one partition per UTC day created ahead, and a DEFAULT partition
 *   so no write is ever refused; retention drops whole partitions. `num` holds the value of numeric Properties.
 *   `content` is the instance without the members kept in columns (type, datasetId, createdAt, modifiedAt; since 0016 a numeric value too).
 * - `temporal_rollup_hourly`: count, numeric count, sum, min, max and sum of squares per series and UTC hour;
 *   hourly-multiple aggregations read it instead of raw rows. Since 0017 the write statement appends its sums to
 *   `temporal_rollup_pending` and settleRollup (store.ts) merges them in.
 */
export const temporalMigration: Migration = {
  id: '0006_temporal',
  sql: `
    CREATE TABLE temporal_entities (
      tenant text NOT NULL,
      id text NOT NULL,
      types text[] NOT NULL,
      scopes text[] NOT NULL DEFAULT '{}',
      owner_department text,
      sharing text NOT NULL DEFAULT 'open' CHECK (sharing IN ('open', 'on_request', 'not_shared')),
      created_by text,
      created_at timestamptz NOT NULL,
      modified_at timestamptz NOT NULL,
      deleted_at timestamptz,
      PRIMARY KEY (tenant, id)
    );
    CREATE INDEX temporal_entities_types ON temporal_entities USING gin (types);
    CREATE TABLE temporal_series (
      id uuid PRIMARY KEY,
      tenant text NOT NULL,
      entity_id text NOT NULL,
      attr text NOT NULL,
      dataset_id text NOT NULL DEFAULT '',
      kind text NOT NULL,
      UNIQUE (tenant, entity_id, attr, dataset_id)
    );
    CREATE TABLE temporal_instances (
      series uuid NOT NULL,
      observed_at timestamptz NOT NULL,
      instance_id uuid NOT NULL,
      kind text NOT NULL,
      num double precision,
      content jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      modified_at timestamptz NOT NULL
    ) PARTITION BY RANGE (observed_at);
    CREATE TABLE temporal_instances_default PARTITION OF temporal_instances DEFAULT;
    CREATE INDEX temporal_instances_series ON temporal_instances (series, observed_at);
    CREATE TABLE temporal_rollup_hourly (
      series uuid NOT NULL,
      hour timestamptz NOT NULL,
      total bigint NOT NULL,
      n bigint NOT NULL,
      sum double precision NOT NULL,
      min double precision,
      max double precision,
      sumsq double precision NOT NULL,
      PRIMARY KEY (series, hour)
    );`,
};

/** Every reading of a series updates the same hourly rollup row: free space on its page keeps those updates in place (HOT). */
export const rollupFillfactorMigration: Migration = {
  id: '0012_rollup_fillfactor',
  sql: 'ALTER TABLE temporal_rollup_hourly SET (fillfactor = 80);',
};

/**
 * Most instances are numeric readings whose whole content is `{ value }`: the value lives in `num` alone and
 * `content` holds only what is left (unitCode, observedAt, sub-attributes…), or NULL when nothing is
 * (rows.ts `contentOf`, read back by `INSTANCE_CONTENT_SQL`). Rows written before keep their value in both.
 */
export const compactInstancesMigration: Migration = {
  id: '0016_temporal_compact_instances',
  sql: 'ALTER TABLE temporal_instances ALTER COLUMN content DROP NOT NULL;',
};

/**
 * The rollup's journal: each write statement appends one row holding its (series, hour) sums as typed arrays (rows.ts
 * rollupWrite), and settleRollup folds them into temporal_rollup_hourly — in the background every second, and before
 * every rollup read. No index: rows are only ever taken all at once.
 */
export const rollupPendingMigration: Migration = {
  id: '0017_temporal_rollup_pending',
  sql: `
    CREATE TABLE temporal_rollup_pending (
      series uuid[] NOT NULL,
      hour int[] NOT NULL,
      total bigint[] NOT NULL,
      n bigint[] NOT NULL,
      sum double precision[] NOT NULL,
      min double precision[] NOT NULL,
      max double precision[] NOT NULL,
      sumsq double precision[] NOT NULL,
      hours timestamptz[] NOT NULL
    );`,
};

/**
 * The journal's arrays are stored out of line without a compression attempt: a statement's row of random series
 * ids and sums does not compress, and is deleted within a second anyway. pglz trying it cost more than the rest of
 * the insert (1,500-element arrays: 1.2–1.6 ms per row with compression tried, 0.55 ms without, measured in psql).
 * A row may also hold single readings (`num`, rows.ts rollupWrite) instead of sums: then the sums are null.
 */
export const rollupPendingStorageMigration: Migration = {
  id: '0022_temporal_rollup_pending_storage',
  sql: `ALTER TABLE temporal_rollup_pending
    ${['series', 'hour', 'total', 'n', 'sum', 'min', 'max', 'sumsq'].map((c) => `ALTER COLUMN ${c} SET STORAGE EXTERNAL`).join(', ')},
    ${['total', 'n', 'sum', 'min', 'max', 'sumsq'].map((c) => `ALTER COLUMN ${c} DROP NOT NULL`).join(', ')},
    ADD COLUMN num double precision[], ALTER COLUMN num SET STORAGE EXTERNAL,
    ADD CONSTRAINT temporal_rollup_pending_shape CHECK ((num IS NULL) = (total IS NOT NULL AND n IS NOT NULL AND sum IS NOT NULL
      AND min IS NOT NULL AND max IS NOT NULL AND sumsq IS NOT NULL));`,
};

/**
 * Packed history: the instances of one series that one write brought for one UTC day, as one row of arrays
 * (rows.ts packHistory). Minute readings provided through the temporal API cost tens of bytes an instance instead of
 * ~250 as rows (the city-scale backfill: ≈ 211 GB as rows, ≈ 55 GB with packs, measured in BENCHMARKS.md). Only plain numeric readings are packed —
 * a Property whose content is its number, its observedAt (canonical, equal to `observed_at`) and members common to
 * the whole pack (`common`, e.g. unitCode) — so a pack gives back exactly the instances it was given.
 * `temporal_history` is what every reader reads: the rows and the unnested packs, with `span_start`/`span_end` (the
 * pack's first and last observedAt; an instance row's own) so a time range reaches packs through the
 * (series, first_at) index (store.ts rangeSql). Correcting or deleting one packed instance unpacks its pack into rows
 * first (store.ts unpackInstance).
 */
export const temporalPacksMigration: Migration = {
  id: '0018_temporal_packs',
  sql: `
    CREATE TABLE temporal_packs (
      series uuid NOT NULL,
      first_at timestamptz NOT NULL,
      last_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      stamped boolean NOT NULL,
      common jsonb,
      observed_at timestamptz[] NOT NULL,
      num double precision[] NOT NULL,
      instance_id uuid[] NOT NULL
    );
    CREATE INDEX temporal_packs_series ON temporal_packs (series, first_at);
    CREATE VIEW temporal_history AS
      SELECT i.series, i.observed_at, i.instance_id, i.kind, i.num, i.content, i.created_at, i.modified_at,
             i.observed_at AS span_start, i.observed_at AS span_end
      FROM temporal_instances i
      UNION ALL
      SELECT p.series, u.observed_at, u.instance_id, 'Property'::text, u.num, ${PACKED_CONTENT_SQL('p', 'u')}, p.created_at, p.created_at,
             p.first_at, p.last_at
      FROM temporal_packs p CROSS JOIN LATERAL unnest(p.observed_at, p.num, p.instance_id) AS u(observed_at, num, instance_id);`,
};

/** temporal_history (since migration 0019): instance rows and the instances of packs `p`, unnested by `unnest` as `u`. */
const historyViewSql = (unnest: string) => `CREATE OR REPLACE VIEW temporal_history AS
      SELECT i.series, i.observed_at, i.instance_id, i.kind, i.num, i.content, i.created_at, i.modified_at,
             i.observed_at AS span_start, i.observed_at AS span_end
      FROM temporal_instances i
      UNION ALL
      SELECT p.series, u.observed_at, u.instance_id, 'Property'::text, u.num, ${PACKED_INSTANCE_CONTENT_SQL('p', 'u')}, p.created_at, p.created_at,
             p.first_at, p.last_at
      FROM temporal_packs p CROSS JOIN ${unnest};`;

/**
 * Packs of non-numeric values: the readings of a boolean or text Property (a detector's `congested`, a sensor's
 * `state`) were a fifth of the city's backfilled instances and, as rows, most of its bytes. Such a pack keeps its
 * values as jsonb in `vals` (and `num` empty); a numeric pack has `vals` null. The view unnests all four arrays
 * together (the shorter padded with nulls).
 */
export const packedValuesMigration: Migration = {
  id: '0019_temporal_packed_values',
  sql: `
    ALTER TABLE temporal_packs ADD COLUMN vals jsonb[];
    ${historyViewSql(`LATERAL ${UNNEST_PACK_SQL_0019('p', 'u')}`)}`,
};

/**
 * Derived instance ids: a pack stores one random `pack_id` instead of a UUID per instance (16 bytes a reading, and a
 * random draw each); instance k's id is pack_id with its last 32 bits set to k (rows.ts UNNEST_PACK_SQL). Packs written
 * before keep their `instance_id` arrays, which the view still reads.
 */
export const packIdsMigration: Migration = {
  id: '0020_temporal_pack_ids',
  sql: `
    ALTER TABLE temporal_packs ADD COLUMN pack_id uuid;
    ALTER TABLE temporal_packs ALTER COLUMN instance_id DROP NOT NULL;
    ${historyViewSql(UNNEST_PACK_SQL('p', 'u'))}`,
};
