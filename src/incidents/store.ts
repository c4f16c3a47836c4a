/** The SQL of incidents: one statement per batch, rows read by primary key or through the partial indexes. */
import { type BatchColumn, insertBatch, type Queryable } from '../platform/store/store.ts';
import type { Point, ResponsePlan, UnitStatus } from './model.ts';

export interface IncidentRow {
  tenant_id: string;
  id: string;
  type: string;
  title: string;
  status: 'open' | 'acknowledged' | 'closed';
  severity: string;
  lat: number;
  long: number;
  district: string | null;
  service_code: string | null;
  opened_by: string;
  opened_at: Date;
  ack_due_at: Date;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  escalated_at: Date | null;
  closed_by: string | null;
  closed_at: Date | null;
  outcome: string | null;
  note: string | null;
  request_ids: string[];
  plan: ResponsePlan;
  steps: Record<string, { doneAt: string; doneBy: string }>;
  version: number;
  hub_version: number;
}

export interface UnitRow {
  id: string;
  incident_id: string;
  unit_id: string;
  vehicle_kind: string | null;
  status: UnitStatus;
  dispatched_by: string;
  dispatched_at: Date;
  en_route_at: Date | null;
  on_scene_at: Date | null;
  cleared_at: Date | null;
}

export interface EventRow {
  tenant_id: string;
  incident_id: string;
  at: string;
  actor: string;
  kind: string;
  details: Record<string, unknown>;
}

const EVENT_COLUMNS: readonly BatchColumn[] = [
  { name: 'tenant_id', type: 'text' },
  { name: 'incident_id', type: 'text' },
  { name: 'at', type: 'timestamptz' },
  { name: 'actor', type: 'text' },
  { name: 'kind', type: 'text' },
  { name: 'details', type: 'jsonb' },
];

export async function addEvents(q: Queryable, events: readonly EventRow[]): Promise<void> {
  await insertBatch(q, 'incident_events', EVENT_COLUMNS, events as never);
}

export async function nextNumber(q: Queryable): Promise<number> {
  const [row] = await q.query<{ n: string }>(`SELECT nextval('incident_numbers')::text AS n`);
  return Number(row?.n);
}

export interface NewIncident {
  tenant: string;
  id: string;
  type: string;
  title: string;
  severity: string;
  at: Point;
  district: string | null;
  serviceCode: string | null;
  openedBy: string;
  openedAt: Date;
  ackDueAt: Date;
  requestIds: string[];
  plan: ResponsePlan;
}

export async function insertIncident(q: Queryable, n: NewIncident): Promise<void> {
  await q.query(
    `INSERT INTO incidents (tenant_id, id, type, title, status, severity, lat, long, district, service_code, opened_by, opened_at, ack_due_at, request_ids, plan)
     VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, $12, $13::text[], $14::jsonb)`,
    [n.tenant, n.id, n.type, n.title, n.severity, n.at.lat, n.at.long, n.district, n.serviceCode, n.openedBy, n.openedAt.toISOString(), n.ackDueAt.toISOString(), n.requestIds, JSON.stringify(n.plan)],
  );
}

/** The incident, locked for the transaction's change when `forUpdate`. */
export async function getIncident(q: Queryable, tenant: string, id: string, forUpdate = false): Promise<IncidentRow | undefined> {
  const rows = await q.query<IncidentRow>(`SELECT * FROM incidents WHERE tenant_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`, [tenant, id]);
  return rows[0];
}

export async function listIncidents(
  q: Queryable,
  tenant: string,
  status: 'open' | 'closed' | 'all',
  limit: number,
  offset: number,
): Promise<{ rows: IncidentRow[]; total: number }> {
  const where = status === 'open' ? `AND status <> 'closed'` : status === 'closed' ? `AND status = 'closed'` : '';
  const rows = await q.query<IncidentRow>(`SELECT * FROM incidents WHERE tenant_id = $1 ${where} ORDER BY opened_at DESC, id DESC LIMIT $2 OFFSET $3`, [tenant, limit, offset]);
  const [count] = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents WHERE tenant_id = $1 ${where}`, [tenant]);
  return { rows, total: count?.n ?? 0 };
}

/** Alert ids per incident, for a page of incidents at once. */
export async function alertIdsOf(q: Queryable, tenant: string, ids: readonly string[]): Promise<Map<string, string[]>> {
  const rows = await q.query<{ incident_id: string; alert_id: string }>(
    'SELECT incident_id, alert_id FROM incident_alerts WHERE tenant_id = $1 AND incident_id = ANY($2::text[]) ORDER BY joined_at, alert_id',
    [tenant, ids],
  );
  const map = new Map<string, string[]>();
  for (const r of rows) map.set(r.incident_id, [...(map.get(r.incident_id) ?? []), r.alert_id]);
  return map;
}

export async function unitsOf(q: Queryable, tenant: string, ids: readonly string[]): Promise<UnitRow[]> {
  return q.query<UnitRow>('SELECT * FROM incident_units WHERE tenant_id = $1 AND incident_id = ANY($2::text[]) ORDER BY id', [tenant, ids]);
}

export async function eventsOf(q: Queryable, tenant: string, id: string): Promise<EventRow[]> {
  return q.query<EventRow>(
    `SELECT tenant_id, incident_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, kind, details
       FROM incident_events WHERE tenant_id = $1 AND incident_id = $2 ORDER BY seq`,
    [tenant, id],
  );
}

/**
 * Open incidents of a type whose position lies within `radiusM` (the box narrows through `incidents_open_nearby`;
 * the caller tests the exact distance), optionally of one service code.
 */
export async function openNear(q: Queryable, tenant: string, type: string, at: Point, radiusM: number, serviceCode?: string): Promise<IncidentRow[]> {
  const dLat = radiusM / 111_320;
  const dLong = radiusM / (111_320 * Math.max(0.01, Math.cos((at.lat * Math.PI) / 180)));
  return q.query<IncidentRow>(
    `SELECT * FROM incidents
      WHERE tenant_id = $1 AND type = $2 AND status <> 'closed' AND lat BETWEEN $3 AND $4 AND long BETWEEN $5 AND $6
        AND ($7::text IS NULL OR service_code = $7)
      ORDER BY opened_at`,
    [tenant, type, at.lat - dLat, at.lat + dLat, at.long - dLong, at.long + dLong, serviceCode ?? null],
  );
}

/** Takes an advisory lock for the rest of the transaction, so two processes deciding "join or open" for the same type and city take turns. */
export async function lockOpening(q: Queryable, tenant: string, type: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incidents:${tenant}:${type}`]);
}

export const SEVERITY_RAISE_SQL = `CASE i.severity WHEN 'indeterminate' THEN 'warning' WHEN 'warning' THEN 'minor' WHEN 'minor' THEN 'major' ELSE 'critical' END`;

/**
 * The escalation sweep: incidents still `open` past their acknowledgement deadline are marked escalated once, their
 * severity raised one step, and a timeline entry written — one statement; rows another process holds are skipped
 * (FOR UPDATE SKIP LOCKED), and the conditions are checked again on update, so several sweepers never escalate twice.
 */
export async function escalateOverdue(q: Queryable, now: Date, limit: number): Promise<Array<{ tenant_id: string; id: string; severity: string; before: string; ack_due_at: Date }>> {
  return q.query(
    `WITH due AS (
       SELECT tenant_id, id, severity FROM incidents
        WHERE status = 'open' AND escalated_at IS NULL AND ack_due_at < $1::timestamptz
        ORDER BY ack_due_at LIMIT $2::int FOR UPDATE SKIP LOCKED),
     esc AS (
       UPDATE incidents i SET escalated_at = $1::timestamptz, severity = ${SEVERITY_RAISE_SQL}, version = i.version + 1
         FROM due
        WHERE i.tenant_id = due.tenant_id AND i.id = due.id AND i.status = 'open' AND i.escalated_at IS NULL AND i.ack_due_at < $1::timestamptz
       RETURNING i.tenant_id, i.id, i.severity, due.severity AS before, i.ack_due_at),
     ev AS (
       INSERT INTO incident_events (tenant_id, incident_id, at, actor, kind, details)
       SELECT tenant_id, id, $1::timestamptz, 'system:escalation', 'escalated',
              jsonb_build_object('severity', severity, 'previousSeverity', before,
                                 'ackDueAt', to_char(ack_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                 'zh', '未在时限内确认，已升级', 'en', 'Not acknowledged in time; escalated') FROM esc)
     SELECT tenant_id, id, severity, before, ack_due_at FROM esc`,
    [now.toISOString(), limit],
  );
}
