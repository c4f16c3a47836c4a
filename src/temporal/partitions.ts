/** Time partitions of temporal_instances: one per UTC day, created ahead; rows that landed in DEFAULT moved out; whole days dropped past retention. */
import type { Queryable, Store } from '../platform/store/store.ts';
import { deleteRollupBefore } from './store.ts';

import { DAY } from './rows.ts';

export { DAY };
const PREFIX = 'temporal_instances_p';
/** One maintenance at a time across every CityCloud node on the same schema (the key is mixed with the schema's name). */
const LOCK_KEY = 7_305_112_406;
/** Days moved out of DEFAULT per run at most (a large back-fill is moved over several runs). */
const RESCUE_DAYS_PER_RUN = 60;

export interface MaintenanceReport {
  created: string[];
  dropped: string[];
  /** Rows moved from DEFAULT into their day's partition. */
  moved: number;
  /** Rows deleted past retention outside whole partitions (DEFAULT) and hourly rollup rows. */
  deletedRows: number;
  /** False when another node held the maintenance lock: nothing was done. */
  ran: boolean;
}

export const dayStart = (epoch: number): number => Math.floor(epoch / DAY) * DAY;

export function partitionName(day: number): string {
  return `${PREFIX}${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

function dayOf(name: string): number | undefined {
  const m = /^temporal_instances_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
}

const iso = (epoch: number) => new Date(epoch).toISOString();

/** The day partitions that exist, by the start of their day. */
export async function listPartitions(q: Queryable): Promise<Map<number, string>> {
  const rows = await q.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'temporal_instances'::regclass`,
  );
  const days = new Map<number, string>();
  for (const { name } of rows) {
    const day = dayOf(name);
    if (day !== undefined) days.set(day, name);
  }
  return days;
}

/**
 * Creates the partitions of `days` that are missing. A day whose rows already sit in DEFAULT (a back-fill,
 * or a write before the partition existed) is moved into its new partition: PostgreSQL refuses a partition
 * whose range DEFAULT holds rows, so DEFAULT is detached for the move and attached again, in one transaction.
 */
async function createDays(tx: Queryable, days: readonly number[], existing: Map<number, string>, report: MaintenanceReport): Promise<void> {
  const missing = days.filter((d) => !existing.has(d));
  if (missing.length === 0) return;
  const inDefault = await tx.query<{ day: Date | string }>(
    `SELECT DISTINCT date_trunc('day', observed_at, 'UTC') AS day FROM temporal_instances_default WHERE observed_at >= $1 AND observed_at < $2`,
    [iso(Math.min(...missing)), iso(Math.max(...missing) + DAY)],
  );
  const toMove = new Set(inDefault.map((r) => new Date(r.day).getTime()).filter((d) => missing.includes(d)));
  if (toMove.size > 0) await tx.query('ALTER TABLE temporal_instances DETACH PARTITION temporal_instances_default');
  for (const day of missing) {
    const name = partitionName(day);
    await tx.query(`CREATE TABLE ${name} PARTITION OF temporal_instances FOR VALUES FROM ('${iso(day)}') TO ('${iso(day + DAY)}')`);
    report.created.push(name);
    existing.set(day, name);
    if (toMove.has(day)) {
      const moved = await tx.query<{ n: number }>(
        `WITH gone AS (DELETE FROM temporal_instances_default WHERE observed_at >= $1 AND observed_at < $2 RETURNING *),
              put AS (INSERT INTO temporal_instances (series, observed_at, instance_id, kind, num, content, created_at, modified_at)
                      SELECT series, observed_at, instance_id, kind, num, content, created_at, modified_at FROM gone RETURNING 1)
         SELECT count(*)::int AS n FROM put`,
        [iso(day), iso(day + DAY)],
      );
      report.moved += moved[0]?.n ?? 0;
    }
  }
  if (toMove.size > 0) await tx.query('ALTER TABLE temporal_instances ATTACH PARTITION temporal_instances_default DEFAULT');
}

/**
 * One maintenance run: partitions from yesterday to `aheadDays` ahead; days found in DEFAULT (within
 * retention) get their partition; with `retentionDays` > 0, everything before the start of the day
 * `retentionDays` ago goes: whole partitions dropped, DEFAULT and rollup rows deleted, and temporal
 * entities deleted from the hub before then forgotten with their series.
 */
export async function maintainPartitions(store: Store, options: { now?: number; aheadDays?: number; retentionDays: number }): Promise<MaintenanceReport> {
  const now = options.now ?? Date.now();
  const today = dayStart(now);
  const cutoff = options.retentionDays > 0 ? today - options.retentionDays * DAY : undefined;
  const report: MaintenanceReport = { created: [], dropped: [], moved: 0, deletedRows: 0, ran: false };
  return store.transaction(async (tx) => {
    // Per schema: stores in other schemas of the database (another city, a parallel test) have partitions of their
    // own, and a database-wide key made their maintenance skip ours (seen as a flaky retention test under CI).
    const [lock] = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint # hashtext(current_schema())::bigint) AS ok', [LOCK_KEY]);
    if (!lock?.ok) return report;
    report.ran = true;
    const existing = await listPartitions(tx);
    if (cutoff !== undefined) {
      for (const [day, name] of [...existing]) {
        if (day + DAY <= cutoff) {
          await tx.query(`DROP TABLE ${name}`);
          existing.delete(day);
          report.dropped.push(name);
        }
      }
      const cut = [iso(cutoff)];
      const counts = await tx.query<{ n: number }>(
        `WITH a AS (DELETE FROM temporal_instances_default WHERE observed_at < $1 RETURNING 1),
              b AS (DELETE FROM temporal_packs WHERE first_at < $1 RETURNING cardinality(observed_at) AS n),
              c AS (DELETE FROM temporal_entities WHERE deleted_at < $1 RETURNING tenant, id),
              d AS (DELETE FROM temporal_series s USING c WHERE s.tenant = c.tenant AND s.entity_id = c.id RETURNING 1)
         SELECT ((SELECT count(*) FROM a) + (SELECT coalesce(sum(n), 0) FROM b))::int AS n`,
        cut,
      );
      report.deletedRows = (counts[0]?.n ?? 0) + (await deleteRollupBefore(tx, cut[0] as string));
    }
    const wanted: number[] = [];
    for (let day = today - DAY; day <= today + (options.aheadDays ?? 3) * DAY; day += DAY) wanted.push(day);
    const stray = await tx.query<{ day: Date | string }>(
      `SELECT DISTINCT date_trunc('day', observed_at, 'UTC') AS day FROM temporal_instances_default ORDER BY 1 DESC LIMIT ${RESCUE_DAYS_PER_RUN}`,
    );
    for (const r of stray) {
      const day = new Date(r.day).getTime();
      if (cutoff === undefined || day >= cutoff) wanted.push(day);
    }
    await createDays(tx, [...new Set(wanted)].sort((a, b) => a - b), existing, report);
    return report;
  });
}

/** Creates the day partitions of [fromDay, toDay] that are missing (bulk loads of old history; the job does the rest). */
export async function createDayPartitions(store: Store, from: number, to: number): Promise<string[]> {
  const report: MaintenanceReport = { created: [], dropped: [], moved: 0, deletedRows: 0, ran: true };
  const days: number[] = [];
  for (let day = dayStart(from); day <= dayStart(to); day += DAY) days.push(day);
  await store.transaction(async (tx) => createDays(tx, days, await listPartitions(tx), report));
  return report.created;
}
