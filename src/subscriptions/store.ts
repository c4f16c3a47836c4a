/** The subscriptions' SQL: the subscriptions themselves, their status counters, and the notification outbox. */
import type { Principal } from '../platform/auth/model.ts';
import type { Queryable } from '../platform/store/store.ts';
import type { SubscriptionBody, SubscriptionRecord } from './model.ts';

interface SubscriptionRow {
  tenant: string;
  id: string;
  owner: Principal;
  context: unknown;
  body: SubscriptionBody;
  created_at: Date | string;
  modified_at: Date | string;
  times_sent: number | string;
  times_failed: number | string;
  last_notification: Date | string | null;
  last_success: Date | string | null;
  last_failure: Date | string | null;
  last_failure_reason: string | null;
}

const iso = (v: Date | string) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

function fromRow(row: SubscriptionRow): SubscriptionRecord {
  const status: SubscriptionRecord['status'] = { timesSent: Number(row.times_sent), timesFailed: Number(row.times_failed) };
  if (row.last_notification) status.lastNotification = iso(row.last_notification);
  if (row.last_success) status.lastSuccess = iso(row.last_success);
  if (row.last_failure) status.lastFailure = iso(row.last_failure);
  if (row.last_failure_reason) status.lastFailureReason = row.last_failure_reason;
  return {
    tenant: row.tenant,
    id: row.id,
    owner: row.owner,
    context: row.context ?? undefined,
    body: row.body,
    createdAt: iso(row.created_at),
    modifiedAt: iso(row.modified_at),
    status,
  };
}

const COLUMNS =
  'tenant, id, owner, context, body, created_at, modified_at, times_sent, times_failed, last_notification, last_success, last_failure, last_failure_reason';

const BUMP = 'UPDATE ngsi_subscription_revision SET revision = revision + 1';

export async function insertSubscription(q: Queryable, record: SubscriptionRecord): Promise<boolean> {
  const rows = await q.query<{ id: string }>(
    `WITH ins AS (
       INSERT INTO ngsi_subscriptions (tenant, id, owner, context, body, is_active, expires_at, time_interval, next_periodic_at, created_at, modified_at)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7, $8, CASE WHEN $8::float8 IS NULL THEN NULL ELSE now() END, $9, $9)
       ON CONFLICT (tenant, id) DO NOTHING
       RETURNING id),
     bump AS (${BUMP} WHERE EXISTS (SELECT 1 FROM ins))
     SELECT id FROM ins`,
    [
      record.tenant,
      record.id,
      JSON.stringify(record.owner),
      record.context === undefined ? null : JSON.stringify(record.context),
      JSON.stringify(record.body),
      record.body.isActive,
      record.body.expiresAt ?? null,
      record.body.timeInterval ?? null,
      record.createdAt,
    ],
  );
  return rows.length === 1;
}

export async function updateSubscription(q: Queryable, record: SubscriptionRecord): Promise<boolean> {
  const rows = await q.query<{ id: string }>(
    `WITH upd AS (
       UPDATE ngsi_subscriptions
       SET context = $3::jsonb, body = $4::jsonb, is_active = $5, expires_at = $6, modified_at = $7,
           next_periodic_at = CASE WHEN $8::float8 IS NULL THEN NULL WHEN time_interval IS DISTINCT FROM $8::float8 THEN now() ELSE next_periodic_at END,
           time_interval = $8
       WHERE tenant = $1 AND id = $2
       RETURNING id),
     bump AS (${BUMP} WHERE EXISTS (SELECT 1 FROM upd))
     SELECT id FROM upd`,
    [
      record.tenant,
      record.id,
      record.context === undefined ? null : JSON.stringify(record.context),
      JSON.stringify(record.body),
      record.body.isActive,
      record.body.expiresAt ?? null,
      record.modifiedAt,
      record.body.timeInterval ?? null,
    ],
  );
  return rows.length === 1;
}

/** Deletes a subscription and what it still had to deliver. */
export async function deleteSubscription(q: Queryable, tenant: string, id: string): Promise<boolean> {
  const rows = await q.query<{ id: string }>(
    `WITH del AS (DELETE FROM ngsi_subscriptions WHERE tenant = $1 AND id = $2 RETURNING id),
     box AS (DELETE FROM ngsi_notification_outbox WHERE tenant = $1 AND subscription_id = $2),
     bump AS (${BUMP} WHERE EXISTS (SELECT 1 FROM del))
     SELECT id FROM del`,
    [tenant, id],
  );
  return rows.length === 1;
}

export async function getSubscription(q: Queryable, tenant: string, id: string): Promise<SubscriptionRecord | undefined> {
  const rows = await q.query<SubscriptionRow>(`SELECT ${COLUMNS} FROM ngsi_subscriptions WHERE tenant = $1 AND id = $2`, [tenant, id]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** A page of a city's subscriptions (in id order); `ownerKey` limits it to one owner's. */
export async function listSubscriptions(
  q: Queryable,
  tenant: string,
  page: { limit: number; offset: number; owner?: { kind: string; id: string | null } },
): Promise<{ records: SubscriptionRecord[]; count: number }> {
  const params: unknown[] = [tenant];
  let where = 'tenant = $1';
  if (page.owner) {
    params.push(JSON.stringify({ kind: page.owner.kind, id: page.owner.id }));
    where += ` AND owner @> $${params.length}::jsonb`;
  }
  const rows = await q.query<SubscriptionRow>(
    `SELECT ${COLUMNS} FROM ngsi_subscriptions WHERE ${where} ORDER BY id LIMIT ${Number(page.limit)} OFFSET ${Number(page.offset)}`,
    params,
  );
  const count = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ngsi_subscriptions WHERE ${where}`, params);
  return { records: rows.map(fromRow), count: count[0]?.n ?? 0 };
}

/** Every subscription of every city (the matcher's cache), and the revision it reflects. */
export async function loadAllSubscriptions(q: Queryable): Promise<{ revision: number; records: SubscriptionRecord[] }> {
  const revision = await currentRevision(q);
  const rows = await q.query<SubscriptionRow>(`SELECT ${COLUMNS} FROM ngsi_subscriptions ORDER BY tenant, id`);
  return { revision, records: rows.map(fromRow) };
}

export async function currentRevision(q: Queryable): Promise<number> {
  const rows = await q.query<{ revision: number }>('SELECT revision FROM ngsi_subscription_revision');
  return Number(rows[0]?.revision ?? 0);
}

// ---- the outbox ----

/** One item still to deliver: a notification `data` item of one subscription about one entity. */
export interface OutboxRow {
  key: string;
  tenant: string;
  subscriptionId: string;
  entityId: string;
  payload: unknown;
}

/** The INSERT a write statement carries (see ChangeObserver.sideWrite): rows leased to `owner` from the start. */
export function outboxInsertSql(param: string): string {
  return `INSERT INTO ngsi_notification_outbox (key, tenant, subscription_id, entity_id, payload, lease_owner, lease_until)
    SELECT r.key, r.tenant, r.subscription_id, r.entity_id, r.payload, r.lease_owner, now() + make_interval(secs => r.lease_seconds)
    FROM jsonb_to_recordset(${param}::jsonb) AS r(ord int, key text, tenant text, subscription_id text, entity_id text, payload jsonb, lease_owner text, lease_seconds float8)
    ORDER BY r.ord`;
}

export function outboxRecord(row: OutboxRow, ord: number, owner: string, leaseSeconds: number) {
  return {
    ord,
    key: row.key,
    tenant: row.tenant,
    subscription_id: row.subscriptionId,
    entity_id: row.entityId,
    payload: row.payload,
    lease_owner: owner,
    lease_seconds: leaseSeconds,
  };
}

/** Inserts rows outside an entity write (periodic notifications). */
export async function insertOutbox(q: Queryable, rows: readonly OutboxRow[], owner: string, leaseSeconds: number): Promise<void> {
  if (rows.length === 0) return;
  await q.query(outboxInsertSql('$1'), [JSON.stringify(rows.map((r, i) => outboxRecord(r, i, owner, leaseSeconds)))]);
}

/**
 * Claims the head of one subscription's queue for `owner`, in order: rows that are free (no lease, an expired
 * lease, or already ours), up to the first row another live process holds (`blocked` then says so).
 */
export async function claimHead(
  q: Queryable,
  tenant: string,
  subscriptionId: string,
  owner: string,
  leaseSeconds: number,
  limit: number,
): Promise<{ rows: OutboxRow[]; blocked: boolean }> {
  const rows = await q.query<{ key: string | null; tenant: string; subscription_id: string; entity_id: string; payload: unknown; blocked: boolean }>(
    `WITH head AS (
       SELECT key, seq, (lease_owner IS NULL OR lease_owner = $3 OR lease_until < now()) AS free
       FROM ngsi_notification_outbox WHERE tenant = $1 AND subscription_id = $2 ORDER BY seq LIMIT $5),
     cut AS (SELECT min(seq) AS seq FROM head WHERE NOT free),
     claimed AS (
       UPDATE ngsi_notification_outbox o SET lease_owner = $3, lease_until = now() + make_interval(secs => $4)
       FROM head, cut
       WHERE o.key = head.key AND head.free AND (cut.seq IS NULL OR head.seq < cut.seq)
         AND (o.lease_owner IS NULL OR o.lease_owner = $3 OR o.lease_until < now())
       RETURNING o.key, o.seq, o.tenant, o.subscription_id, o.entity_id, o.payload)
     SELECT c.key, c.tenant, c.subscription_id, c.entity_id, c.payload, (SELECT seq FROM cut) IS NOT NULL AS blocked
     FROM (SELECT 1) one LEFT JOIN claimed c ON true ORDER BY c.seq`,
    [tenant, subscriptionId, owner, leaseSeconds, limit],
  );
  return {
    rows: rows
      .filter((r) => r.key !== null)
      .map((r) => ({ key: r.key as string, tenant: r.tenant, subscriptionId: r.subscription_id, entityId: r.entity_id, payload: r.payload })),
    blocked: rows[0]?.blocked ?? false,
  };
}

/** Subscriptions with rows no live process holds (after a crash, a restart, or a queue that gave its rows back). */
export async function orphanedQueues(q: Queryable, limit: number): Promise<Array<{ tenant: string; subscriptionId: string }>> {
  const rows = await q.query<{ tenant: string; subscription_id: string }>(
    `SELECT DISTINCT tenant, subscription_id FROM (
       SELECT tenant, subscription_id FROM ngsi_notification_outbox
       WHERE lease_owner IS NULL OR lease_until < now() LIMIT ${Number(limit) * 20}) o LIMIT ${Number(limit)}`,
  );
  return rows.map((r) => ({ tenant: r.tenant, subscriptionId: r.subscription_id }));
}

/** Extends the leases of rows this process is delivering. */
export async function renewLeases(q: Queryable, keys: readonly string[], owner: string, leaseSeconds: number): Promise<void> {
  if (keys.length === 0) return;
  await q.query(
    'UPDATE ngsi_notification_outbox SET lease_until = now() + make_interval(secs => $3) WHERE key = ANY($1::text[]) AND lease_owner = $2',
    [keys, owner, leaseSeconds],
  );
}

/** Gives back rows (a queue that keeps its backlog in the table, or a process shutting down). */
export async function releaseLeases(q: Queryable, owner: string, scope?: { tenant: string; subscriptionId: string }): Promise<void> {
  if (scope) {
    await q.query('UPDATE ngsi_notification_outbox SET lease_owner = NULL, lease_until = NULL WHERE tenant = $1 AND subscription_id = $2 AND lease_owner = $3', [
      scope.tenant,
      scope.subscriptionId,
      owner,
    ]);
  } else {
    await q.query('UPDATE ngsi_notification_outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1', [owner]);
  }
}

export interface StatusDelta {
  tenant: string;
  id: string;
  sent: number;
  failed: number;
  lastNotification?: string;
  lastSuccess?: string;
  lastFailure?: string;
  lastFailureReason?: string;
}

/** One statement: deletes delivered rows and adds to the subscriptions' counters. */
export async function acknowledge(q: Queryable, delivered: readonly string[], status: readonly StatusDelta[]): Promise<void> {
  if (delivered.length === 0 && status.length === 0) return;
  await q.query(
    `WITH del AS (DELETE FROM ngsi_notification_outbox WHERE key = ANY($1::text[])),
     s AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS s(tenant text, id text, sent int, failed int,
             "lastNotification" timestamptz, "lastSuccess" timestamptz, "lastFailure" timestamptz, "lastFailureReason" text))
     UPDATE ngsi_subscriptions t SET
       times_sent = t.times_sent + s.sent,
       times_failed = t.times_failed + s.failed,
       last_notification = greatest(t.last_notification, s."lastNotification"),
       last_success = greatest(t.last_success, s."lastSuccess"),
       last_failure = greatest(t.last_failure, s."lastFailure"),
       last_failure_reason = coalesce(s."lastFailureReason", t.last_failure_reason)
     FROM s WHERE t.tenant = s.tenant AND t.id = s.id`,
    [delivered, JSON.stringify(status)],
  );
}

/** Drops the rows of a subscription that no longer exists. */
export async function dropQueue(q: Queryable, tenant: string, subscriptionId: string): Promise<void> {
  await q.query('DELETE FROM ngsi_notification_outbox WHERE tenant = $1 AND subscription_id = $2', [tenant, subscriptionId]);
}

/** Claims the periodic subscriptions that are due, moving each one's next time on (one process gets each). */
export async function claimDuePeriodic(q: Queryable): Promise<Array<{ tenant: string; id: string }>> {
  return q.query<{ tenant: string; id: string }>(
    `UPDATE ngsi_subscriptions SET next_periodic_at = now() + make_interval(secs => time_interval)
     WHERE time_interval IS NOT NULL AND is_active AND (expires_at IS NULL OR expires_at > now()) AND next_periodic_at <= now()
     RETURNING tenant, id`,
  );
}
