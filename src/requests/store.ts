/** The SQL of service requests: filing in one statement, reading with timeline and media, and changes written with their notifications. */
import { PLAN_ONCE, type Queryable } from '../platform/store/store.ts';
import type { AttributeValue, CloseReason, RequestStatus, TimelineKind } from './model.ts';

/** A request row as read, with its timeline and media. */
export interface RequestRow {
  tenant_id: string;
  id: string;
  service_code: string;
  status: RequestStatus;
  close_reason: CloseReason | null;
  status_notes: string | null;
  description: string;
  department: string;
  district: string | null;
  lat: number | null;
  long: number | null;
  address_string: string | null;
  address_id: string | null;
  media_url: string | null;
  attributes: Record<string, AttributeValue>;
  reporter_key: string | null;
  reporter_name: string;
  reporter_phone: string;
  reporter_email: string;
  requested_at: Date;
  updated_at: Date;
  responded_at: Date | null;
  resolved_at: Date | null;
  due_at: Date;
  paused_at: Date | null;
  escalated_at: Date | null;
  assignee: string | null;
  reopen_count: number;
  rating_score: number | null;
  rating_comment: string | null;
  duplicate_of: string | null;
  followers: number;
  version: number;
  timeline: EventRow[];
  media: Array<{ id: string; contentType: string; review: 'pending' | 'approved' | 'rejected'; uploadedBy: string }>;
}

export interface EventRow {
  at: string;
  kind: TimelineKind;
  status: RequestStatus | null;
  actor: string | null;
  text: string;
  public: boolean;
}

/** The columns a change may set, with their SQL types. */
const SETTABLE = {
  status: 'text',
  close_reason: 'text',
  status_notes: 'text',
  updated_at: 'timestamptz',
  responded_at: 'timestamptz',
  resolved_at: 'timestamptz',
  due_at: 'timestamptz',
  paused_at: 'timestamptz',
  escalated_at: 'timestamptz',
  assignee: 'text',
  reopen_count: 'int',
  rating_score: 'int',
  rating_comment: 'text',
  duplicate_of: 'text',
} as const;
export type Settable = { -readonly [K in keyof typeof SETTABLE]?: unknown };

const COLUMNS = `r.tenant_id, r.id, r.service_code, r.status, r.close_reason, r.status_notes, r.description, r.department, r.district,
  r.lat, r.long, r.address_string, r.address_id, r.media_url, r.attributes, r.reporter_key, r.reporter_name, r.reporter_phone,
  r.reporter_email, r.requested_at, r.updated_at, r.responded_at, r.resolved_at, r.due_at, r.paused_at, r.escalated_at, r.assignee,
  r.reopen_count, r.rating_score, r.rating_comment, r.duplicate_of, r.followers, r.version`;

const WITH_TIMELINE = `${COLUMNS},
  (SELECT coalesce(json_agg(json_build_object('at', e.at, 'kind', e.kind, 'status', e.status, 'actor', e.actor, 'text', e.text, 'public', e.public) ORDER BY e.seq), '[]')
     FROM service_request_events e WHERE e.tenant_id = r.tenant_id AND e.request_id = r.id) AS timeline,
  (SELECT coalesce(json_agg(json_build_object('id', m.id, 'contentType', m.content_type, 'review', m.review, 'uploadedBy', m.uploaded_by) ORDER BY m.created_at, m.id), '[]')
     FROM service_request_media m WHERE m.tenant_id = r.tenant_id AND m.request_id = r.id) AS media`;

/** Parameters numbered as they are added. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Reads requests with their timeline and media; `where` is over alias `r`, `tail` adds ORDER BY / LIMIT. */
export async function selectRequests(q: Queryable, where: string, params: Params, tail = ''): Promise<RequestRow[]> {
  return q.query<RequestRow>(`SELECT ${WITH_TIMELINE} FROM service_requests r WHERE ${where} ${tail}`, params.values);
}

export async function countRequests(q: Queryable, where: string, params: Params): Promise<number> {
  const [row] = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM service_requests r WHERE ${where}`, params.values);
  return row?.n ?? 0;
}

export async function findRequest(q: Queryable, tenant: string, id: string): Promise<RequestRow | undefined> {
  const p = new Params();
  const [row] = await selectRequests(q, `r.tenant_id = ${p.add(tenant)} AND r.id = ${p.add(id)}`, p);
  return row;
}

export interface NearbyRequest {
  id: string;
  lat: number;
  long: number;
  description: string;
  status: RequestStatus;
  requested_at: string;
  followers: number;
}

export interface DuplicateProbe {
  tenant: string;
  serviceCode: string;
  box: { minLat: number; maxLat: number; minLong: number; maxLong: number };
  since: Date;
}

/** Open requests of one category in the box since `since`: one range scan of service_requests_nearby. */
const NEARBY_SQL = (p: Params, probe: DuplicateProbe) => `
  SELECT id, lat, long, description, status, requested_at, followers FROM service_requests
   WHERE tenant_id = ${p.add(probe.tenant)} AND service_code = ${p.add(probe.serviceCode)}
     AND status NOT IN ('fixed', 'closed') AND lat IS NOT NULL
     AND lat BETWEEN ${p.add(probe.box.minLat)}::float8 AND ${p.add(probe.box.maxLat)}::float8
     AND long BETWEEN ${p.add(probe.box.minLong)}::float8 AND ${p.add(probe.box.maxLong)}::float8
     AND requested_at >= ${p.add(probe.since.toISOString())}::timestamptz
   ORDER BY requested_at DESC LIMIT 100`;

export async function nearbyRequests(q: Queryable, probe: DuplicateProbe): Promise<NearbyRequest[]> {
  const p = new Params();
  return q.query<NearbyRequest>(NEARBY_SQL(p, probe), p.values);
}

export interface NewRequest {
  tenant: string;
  idPrefix: string;
  serviceCode: string;
  statusNotes: string;
  description: string;
  department: string;
  district: string | null;
  lat: number | null;
  long: number | null;
  addressString: string | null;
  addressId: string | null;
  mediaUrl: string | null;
  attributes: Record<string, AttributeValue>;
  reporterKey: string;
  reporter: { name: string; phone: string; email: string; deviceId: string | null; accountId: string | null };
  requestedAt: Date;
  dueAt: Date;
  createdText: string;
  actor: string;
  mediaIds: string[];
  /** Photos sent with the request (checked already): stored in the same statement. */
  photos: Array<{ id: string; contentType: string; bytes: Uint8Array }>;
  token: string | null;
  /** Outbox rows (webhook, e-mail); `payload.requestId` is filled in with the new id. */
  outbox: Array<{ channel: 'webhook' | 'email'; target: string; payload: Record<string, unknown> }>;
  /** Duplicate probe run in the same statement (its snapshot does not see the new request). */
  probe: DuplicateProbe | null;
}

/**
 * Files a request in ONE statement: the duplicate query, the request, its first timeline entry, the photos
 * attached, the token, the reporter's inbox row and the outbox rows. A photo that is not the reporter's own
 * unattached upload aborts the whole statement (service_request_check), so nothing is half-saved.
 */
export async function insertRequest(q: Queryable, r: NewRequest): Promise<{ id: string; nearby: NearbyRequest[]; media: Array<{ id: string; contentType: string }> }> {
  const p = new Params();
  const t = p.add(r.tenant);
  const at = p.add(r.requestedAt.toISOString());
  const nearby = r.probe ? NEARBY_SQL(p, r.probe) : 'SELECT NULL::text AS id WHERE false';
  const mediaIds = p.add(r.mediaIds);
  // Every part is reached by key or by the nearby index whatever the values: planned once per connection.
  const sql = `
    WITH nearby AS (${nearby}),
    req AS (
      INSERT INTO service_requests (tenant_id, id, service_code, status, status_notes, description, department, district, lat, long,
        address_string, address_id, media_url, attributes, reporter_key, reporter_name, reporter_phone, reporter_email, reporter_device,
        reporter_account, requested_at, updated_at, due_at)
      VALUES (${t}, ${p.add(r.idPrefix)} || lpad(nextval('service_request_numbers')::text, 8, '0'), ${p.add(r.serviceCode)}, 'open',
        ${p.add(r.statusNotes)}, ${p.add(r.description)}, ${p.add(r.department)}, ${p.add(r.district)}::text, ${p.add(r.lat)}::float8,
        ${p.add(r.long)}::float8, ${p.add(r.addressString)}::text, ${p.add(r.addressId)}::text, ${p.add(r.mediaUrl)}::text,
        ${p.add(JSON.stringify(r.attributes))}::jsonb, ${p.add(r.reporterKey)}, ${p.add(r.reporter.name)}, ${p.add(r.reporter.phone)},
        ${p.add(r.reporter.email)}, ${p.add(r.reporter.deviceId)}::text, ${p.add(r.reporter.accountId)}::text, ${at}::timestamptz,
        ${at}::timestamptz, ${p.add(r.dueAt.toISOString())}::timestamptz)
      RETURNING id),
    ev AS (
      INSERT INTO service_request_events (tenant_id, request_id, at, kind, status, actor, text)
      SELECT ${t}, req.id, ${at}::timestamptz, 'created', 'open', ${p.add(r.actor)}, ${p.add(r.createdText)} FROM req),
    med AS (
      UPDATE service_request_media m SET request_id = req.id FROM req
       WHERE m.tenant_id = ${t} AND m.id = ANY(${mediaIds}::text[]) AND m.uploaded_by = ${p.add(r.reporterKey)} AND m.request_id IS NULL
      RETURNING m.id, m.content_type),
    ${
      r.photos.length === 0
        ? ''
        : `photos AS (
      INSERT INTO service_request_media (tenant_id, id, request_id, content_type, size, bytes, uploaded_by)
      SELECT ${t}, v.id, req.id, v.content_type, v.size, v.bytes, ${p.add(r.reporterKey)} FROM req,
        (VALUES ${r.photos.map((photo) => `(${p.add(photo.id)}::text, ${p.add(photo.contentType)}::text, ${p.add(photo.bytes.length)}::int, ${p.add(photo.bytes)}::bytea)`).join(', ')})
          AS v(id, content_type, size, bytes)),`
    }
    tok AS (
      INSERT INTO service_request_tokens (tenant_id, token, request_id) SELECT ${t}, ${p.add(r.token)}::text, req.id FROM req WHERE ${p.add(r.token)}::text IS NOT NULL),
    inbox AS (
      INSERT INTO service_request_inbox (tenant_id, recipient_key, request_id, status, text, at)
      SELECT ${t}, ${p.add(r.reporterKey)}, req.id, 'open', ${p.add(r.statusNotes)}, ${at}::timestamptz FROM req),
    outbox AS (
      INSERT INTO service_request_outbox (tenant_id, channel, target, payload)
      SELECT ${t}, x.channel, x.target, jsonb_set(x.payload, '{requestId}', to_jsonb(req.id)) FROM req,
             jsonb_to_recordset(${p.add(JSON.stringify(r.outbox))}::jsonb) AS x(channel text, target text, payload jsonb))
    SELECT (SELECT id FROM req) AS id,
           (SELECT coalesce(json_agg(json_build_object('id', id, 'contentType', content_type)), '[]') FROM med) AS media,
           (SELECT coalesce(json_agg(nearby), '[]') FROM nearby) AS nearby,
           service_request_check((SELECT count(*) FROM med) = ${p.add(r.mediaIds.length)}::int,
             'a photo in mediaIds is not one you uploaded, or it is already attached to another request') AS checked`;
  const [row] = await q.query<{ id: string; media: Array<{ id: string; contentType: string }>; nearby: NearbyRequest[] }>(sql, p.values);
  if (!row) throw new Error('filing a request returned no row');
  return { id: row.id, nearby: row.nearby, media: row.media };
}

export interface Change {
  tenant: string;
  id: string;
  /** The version the change was decided on; the write applies only if the row is still at it. */
  version: number;
  set: Settable;
  events: Array<{ at: string; kind: TimelineKind; status: RequestStatus | null; actor: string | null; text: string; public?: boolean }>;
  /** Tell the reporter and followers (portal inbox), the webhook and the reporter's e-mail. */
  notify?: { text: string; at: string; webhookUrl: string | undefined; payload: Record<string, unknown>; subject: string };
}

/**
 * Writes one change with its timeline entries and notifications in ONE statement, if the row is still at
 * `version` (optimistic concurrency). Returns false when someone else changed it first (read again and retry).
 */
export async function applyChange(q: Queryable, c: Change): Promise<boolean> {
  const p = new Params();
  const t = p.add(c.tenant);
  const sets = Object.entries(c.set).map(([column, value]) => {
    const type = SETTABLE[column as keyof typeof SETTABLE];
    if (!type) throw new Error(`not a settable column: ${column}`);
    return `${column} = ${p.add(value instanceof Date ? value.toISOString() : value)}::${type}`;
  });
  const events = p.add(JSON.stringify(c.events.map((e, n) => ({ ...e, public: e.public ?? true, n }))));
  const notifyText = p.add(c.notify?.text ?? null);
  const notifyAt = p.add(c.notify?.at ?? null);
  const hookUrl = p.add(c.notify?.webhookUrl ?? null);
  const sql = `${PLAN_ONCE}
    WITH upd AS (
      UPDATE service_requests SET ${[...sets, 'version = version + 1'].join(', ')}
       WHERE tenant_id = ${t} AND id = ${p.add(c.id)} AND version = ${p.add(c.version)}::int
      RETURNING tenant_id, id, version, status, reporter_key, reporter_email),
    ev AS (
      INSERT INTO service_request_events (tenant_id, request_id, at, kind, status, actor, text, public)
      SELECT upd.tenant_id, upd.id, x.at, x.kind, x.status, x.actor, x.text, x.public
        FROM upd, jsonb_to_recordset(${events}::jsonb) AS x(at timestamptz, kind text, status text, actor text, text text, public boolean, n int)
       ORDER BY x.n),
    rcpt AS (
      SELECT upd.reporter_key AS key FROM upd WHERE upd.reporter_key IS NOT NULL
      UNION SELECT f.follower_key FROM upd JOIN service_request_followers f ON f.tenant_id = upd.tenant_id AND f.request_id = upd.id),
    inbox AS (
      INSERT INTO service_request_inbox (tenant_id, recipient_key, request_id, status, text, at)
      SELECT upd.tenant_id, rcpt.key, upd.id, upd.status, ${notifyText}::text, ${notifyAt}::timestamptz FROM upd, rcpt WHERE ${notifyText}::text IS NOT NULL),
    hook AS (
      INSERT INTO service_request_outbox (tenant_id, channel, target, payload)
      SELECT upd.tenant_id, 'webhook', ${hookUrl}::text, ${p.add(JSON.stringify(c.notify?.payload ?? {}))}::jsonb FROM upd
       WHERE ${hookUrl}::text IS NOT NULL AND ${notifyText}::text IS NOT NULL),
    mail AS (
      INSERT INTO service_request_outbox (tenant_id, channel, target, payload)
      SELECT upd.tenant_id, 'email', upd.reporter_email,
             jsonb_build_object('subject', ${p.add(c.notify?.subject ?? '')}::text, 'text', ${notifyText}::text, 'requestId', upd.id)
        FROM upd WHERE upd.reporter_email <> '' AND ${notifyText}::text IS NOT NULL)
    SELECT version FROM upd`;
  const rows = await q.query(sql, p.values);
  return rows.length > 0;
}

/** Adds a follower (once); returns whether they were new. */
export async function addFollower(q: Queryable, tenant: string, id: string, follower: string): Promise<boolean> {
  const rows = await q.query(
    `WITH ins AS (
       INSERT INTO service_request_followers (tenant_id, request_id, follower_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1)
     UPDATE service_requests SET followers = followers + 1 WHERE tenant_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM ins) RETURNING id`,
    [tenant, id, follower],
  );
  return rows.length > 0;
}

export interface EscalatedRow {
  tenant_id: string;
  id: string;
}

/**
 * Escalates overdue requests: a conditional UPDATE (`escalated_at IS NULL`), so each is escalated once even with
 * several processes sweeping at the same time (a row taken by one is skipped or re-checked by the others).
 * Writes the timeline entry, the department's inbox row and the webhook row in the same statement.
 */
export async function escalateOverdue(q: Queryable, now: Date, webhookUrl: string | undefined, limit: number): Promise<EscalatedRow[]> {
  return q.query<EscalatedRow>(
    `WITH due AS (
       SELECT tenant_id, id FROM service_requests
        WHERE escalated_at IS NULL AND paused_at IS NULL AND status NOT IN ('fixed', 'closed') AND due_at < $1::timestamptz
        ORDER BY due_at LIMIT $3::int FOR UPDATE SKIP LOCKED),
     esc AS (
       UPDATE service_requests r SET escalated_at = $1::timestamptz, version = r.version + 1
         FROM due
        WHERE r.tenant_id = due.tenant_id AND r.id = due.id AND r.escalated_at IS NULL AND r.paused_at IS NULL
          AND r.status NOT IN ('fixed', 'closed') AND r.due_at < $1::timestamptz
       RETURNING r.tenant_id, r.id, r.department, r.status, r.service_code,
                 to_char(r.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS due),
     ev AS (
       INSERT INTO service_request_events (tenant_id, request_id, at, kind, status, actor, text)
       SELECT tenant_id, id, $1::timestamptz, 'escalated', status, 'system',
              '已超过处理时限（' || due || '），已升级督办。 Overdue since ' || due || '; escalated.' FROM esc),
     inbox AS (
       INSERT INTO service_request_inbox (tenant_id, recipient_key, request_id, status, text, at)
       SELECT tenant_id, 'department:' || department, id, status,
              '超时升级：' || id || '（' || service_code || '）应于 ' || due || ' 前办结。 Escalated: ' || id || ' was due ' || due || '.', $1::timestamptz FROM esc),
     hook AS (
       INSERT INTO service_request_outbox (tenant_id, channel, target, payload)
       SELECT tenant_id, 'webhook', $2::text,
              jsonb_build_object('event', 'escalated', 'tenant', tenant_id, 'requestId', id, 'department', department, 'status', status, 'dueAt', due, 'at', $4::text)
         FROM esc WHERE $2::text IS NOT NULL)
     SELECT tenant_id, id FROM esc`,
    [now.toISOString(), webhookUrl ?? null, limit, now.toISOString()],
  );
}
