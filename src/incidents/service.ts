/** The incident workflow: opening (by operators, alarms and citizen-report clusters), dispatch, unit status, steps, escalation and closing. */
import type { TermMap } from '../context/ld/model.ts';
import type { EntityReader } from '../context/read.ts';
import { type Principal, systemPrincipal } from '../platform/auth/model.ts';
import type { AuditEvent, AuditLog } from '../platform/audit/service.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Queryable, Store } from '../platform/store/store.ts';
import { INCIDENT_PREFIX, type IncidentMirror } from './hub-mirror.ts';
import {
  INCIDENT_TYPES,
  type IncidentSummary,
  type IncidentType,
  type IncidentView,
  OUTCOMES,
  type OpenInput,
  type Point,
  type Recommendation,
  type ResponsePlan,
  type Severity,
  UNIT_STATUSES,
  type UnitStatus,
} from './model.ts';
import { autoOpenTypeFor, JOIN_RADIUS_M, PLANS, REPORT_CLUSTER } from './plans.ts';
import { haversineM, readAvailableUnits, recommendUnits, unitFromEntity } from './recommend.ts';
import * as sql from './store.ts';

const SEVERITY_ORDER: readonly Severity[] = ['indeterminate', 'warning', 'minor', 'major', 'critical'];
const MAX_TEXT = 2000;
const MAX_UNITS_PER_DISPATCH = 20;

/** Which unit status may follow which (clear from any earlier state: a unit recalled before it arrived). */
export const UNIT_TRANSITIONS: Readonly<Record<UnitStatus, readonly UnitStatus[]>> = {
  dispatched: ['enRoute', 'onScene', 'clear'],
  enRoute: ['onScene', 'clear'],
  onScene: ['clear'],
  clear: [],
};

/** An alert as the incidents capability reads it from the hub's `Alert` entity. */
export interface AlertInput {
  /** The alarm id (the entity id without `urn:ngsi-ld:Alert:`). */
  id: string;
  alarmType: string;
  alarmStatus: string;
  severity: Severity | undefined;
  location: Point | undefined;
  district: string | undefined;
  description: string | undefined;
  /** When the alarm was last seen (ms); an old alert is history, not an emergency to open an incident for. */
  lastSeen?: number | undefined;
}

/** An alert last seen longer ago than this (a replayed backfill, a restart after hours) opens no incident. */
const STALE_ALERT_MS = 30 * 60_000;

/** A citizen report as read from the hub's `ServiceRequest` entity. */
export interface ReportInput {
  id: string;
  serviceCode: string;
  department: string | undefined;
  status: string;
  location: Point;
  district: string | undefined;
  requestedAt: number;
}

export interface IncidentsDeps {
  store: Store;
  audit: AuditLog;
  reader: EntityReader;
  terms: TermMap;
  mirror: IncidentMirror;
  logger: Logger;
  now: () => Date;
}

function bad(field: string, message: string): AppError {
  return new AppError('BAD_REQUEST_DATA', message, { details: { field } });
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no incident "${String(id).slice(0, 64)}" in this city`);
}

/** How an actor is written in the timeline: a user's name, or `system:<part>`. */
export function actorOf(principal: Principal): string {
  if (principal.kind === 'system') return `system:${principal.name ?? 'system'}`;
  return principal.name ?? `${principal.kind}:${principal.id ?? 'anonymous'}`;
}

function iso(value: Date | null): string | null {
  return value ? new Date(value).toISOString() : null;
}

function plainText(value: unknown, field: string, required: boolean): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) throw bad(field, `${field} is required: say what happened / 请填写${field}`);
    return undefined;
  }
  if (typeof value !== 'string') throw bad(field, `${field} must be text`);
  const text = value.trim();
  if (text.length > MAX_TEXT) throw bad(field, `${field} is ${text.length} characters long; at most ${MAX_TEXT} are allowed`);
  if (/<\s*[a-z!/]/i.test(text)) throw bad(field, `${field} must be plain text: remove the HTML markup`);
  if (!text && required) throw bad(field, `${field} is required`);
  return text || undefined;
}

function checkPoint(value: unknown): Point {
  const p = value as Partial<Point> | undefined;
  if (!p || typeof p.lat !== 'number' || typeof p.long !== 'number') throw bad('location', 'location must be { "lat": <number>, "long": <number> } (WGS84 degrees)');
  if (p.lat < -90 || p.lat > 90) throw bad('location.lat', `location.lat must be from -90 to 90; got ${p.lat}`);
  if (p.long < -180 || p.long > 180) throw bad('location.long', `location.long must be from -180 to 180; got ${p.long}`);
  return { lat: p.lat, long: p.long };
}

function higher(a: string, b: string | undefined): string {
  if (!b) return a;
  return SEVERITY_ORDER.indexOf(b as Severity) > SEVERITY_ORDER.indexOf(a as Severity) ? b : a;
}

function incidentId(number: number, at: Date): string {
  return `INC-${at.toISOString().slice(0, 10).replaceAll('-', '')}-${String(number).padStart(4, '0')}`;
}

function toSummary(row: sql.IncidentRow, alertIds: string[]): IncidentSummary {
  return {
    id: row.id,
    type: row.type as IncidentType,
    title: row.title,
    status: row.status,
    severity: row.severity as Severity,
    location: { lat: row.lat, long: row.long },
    district: row.district,
    openedBy: row.opened_by,
    openedAt: iso(row.opened_at) as string,
    ackDueAt: iso(row.ack_due_at) as string,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: iso(row.acknowledged_at),
    escalated: row.escalated_at !== null,
    escalatedAt: iso(row.escalated_at),
    closedBy: row.closed_by,
    closedAt: iso(row.closed_at),
    outcome: row.outcome,
    note: row.note,
    alarmIds: alertIds,
    requestIds: row.request_ids,
  };
}

interface Change {
  action: string;
  events: Array<{ kind: string; details?: Record<string, unknown> }>;
  /** Units whose hub entity must change once the change committed. */
  unitWrites?: Array<{ unitId: string; status: string; incidentId: string | null }>;
  audit?: Record<string, unknown>;
}

export class IncidentsService {
  readonly #deps: IncidentsDeps;

  constructor(deps: IncidentsDeps) {
    this.#deps = deps;
  }

  types(): ResponsePlan[] {
    return INCIDENT_TYPES.map((t) => PLANS[t]);
  }

  // ── reading ──────────────────────────────────────────────────────────────

  async list(tenant: string, query: { status?: string; limit?: number; offset?: number }): Promise<{ incidents: IncidentSummary[]; total: number }> {
    const status = query.status ?? 'open';
    if (status !== 'open' && status !== 'closed' && status !== 'all') throw bad('status', 'status must be open, closed or all');
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw bad('limit', 'limit must be a whole number from 1 to 500');
    if (!Number.isInteger(offset) || offset < 0) throw bad('offset', 'offset must be a whole number from 0');
    const { rows, total } = await sql.listIncidents(this.#deps.store, tenant, status, limit, offset);
    const alerts = await sql.alertIdsOf(this.#deps.store, tenant, rows.map((r) => r.id));
    return { incidents: rows.map((r) => toSummary(r, alerts.get(r.id) ?? [])), total };
  }

  async get(tenant: string, id: string): Promise<IncidentView> {
    const q = this.#deps.store;
    const row = await sql.getIncident(q, tenant, id);
    if (!row) throw notFound(id);
    const [alerts, units, events] = await Promise.all([sql.alertIdsOf(q, tenant, [id]), sql.unitsOf(q, tenant, [id]), sql.eventsOf(q, tenant, id)]);
    return {
      ...toSummary(row, alerts.get(id) ?? []),
      plan: row.plan,
      steps: row.plan.steps.map((step) => {
        const state = row.steps[step.id];
        return { ...step, done: Boolean(state), doneAt: state?.doneAt ?? null, doneBy: state?.doneBy ?? null };
      }),
      units: units.map((u) => ({
        unitId: u.unit_id,
        vehicleKind: u.vehicle_kind,
        status: u.status,
        dispatchedBy: u.dispatched_by,
        dispatchedAt: iso(u.dispatched_at) as string,
        enRouteAt: iso(u.en_route_at),
        onSceneAt: iso(u.on_scene_at),
        clearedAt: iso(u.cleared_at),
      })),
      timeline: events.map((e) => ({ at: e.at, actor: e.actor, kind: e.kind, details: e.details })),
    };
  }

  // ── opening ──────────────────────────────────────────────────────────────

  /** Opened by an operator. */
  async open(tenant: string, principal: Principal, input: OpenInput): Promise<IncidentView> {
    if (!(INCIDENT_TYPES as readonly string[]).includes(input.type)) {
      throw bad('type', `There is no incident type "${String(input.type).slice(0, 40)}"; use one of ${INCIDENT_TYPES.join(', ')}`);
    }
    const type = input.type as IncidentType;
    const plan = PLANS[type];
    const at = checkPoint(input.location);
    const title = plainText(input.title, 'title', false) ?? `${plan.name.zh} ${plan.name.en}`;
    const district = plainText(input.district, 'district', false) ?? null;
    if (input.severity !== undefined && !(SEVERITY_ORDER as readonly string[]).includes(input.severity)) {
      throw bad('severity', `severity must be one of ${[...SEVERITY_ORDER].reverse().join(', ')}`);
    }
    const alarmIds = [...new Set(input.alarmIds ?? [])];
    const requestIds = [...new Set(input.requestIds ?? [])];
    const now = this.#deps.now();
    const actor = actorOf(principal);
    const id = await this.#deps.store.transaction(async (tx) => {
      const id = incidentId(await sql.nextNumber(tx), now);
      await sql.insertIncident(tx, {
        tenant,
        id,
        type,
        title,
        severity: input.severity ?? plan.defaultSeverity,
        at,
        district,
        serviceCode: null,
        openedBy: actor,
        openedAt: now,
        ackDueAt: new Date(now.getTime() + plan.ackWithinSeconds * 1000),
        requestIds,
        plan,
      });
      if (alarmIds.length > 0) {
        const taken = await tx.query<{ alert_id: string; incident_id: string }>(
          `WITH x AS (SELECT unnest($3::text[]) AS alert_id)
           INSERT INTO incident_alerts (tenant_id, alert_id, incident_id, joined_at) SELECT $1, alert_id, $2, $4 FROM x
           ON CONFLICT (tenant_id, alert_id) DO NOTHING RETURNING alert_id, incident_id`,
          [tenant, id, alarmIds, now.toISOString()],
        );
        if (taken.length < alarmIds.length) {
          const joined = new Set(taken.map((t) => t.alert_id));
          const other = alarmIds.find((a) => !joined.has(a)) as string;
          throw new AppError('CONFLICT', `Alarm ${other} already belongs to another incident; open this one without it or add to that incident`, { details: { alarmId: other } });
        }
      }
      await sql.addEvents(tx, [{ tenant_id: tenant, incident_id: id, at: now.toISOString(), actor, kind: 'opened', details: { type, title, alarmIds, requestIds } }]);
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'incident.open', target: { type: 'incident', id }, details: { type } });
      return id;
    });
    await this.#deps.mirror.write(tenant, [id]);
    return this.get(tenant, id);
  }

  /**
   * An active alert of an auto-open type opens an incident, or joins the nearest open incident of that type within
   * 200 m. Each alert joins once (replays and other processes hearing of it change nothing). Returns the incident id.
   */
  async openFromAlert(tenant: string, alert: AlertInput): Promise<{ incidentId: string; joined: boolean } | undefined> {
    if (alert.alarmStatus !== 'active') return undefined;
    const type = autoOpenTypeFor(alert.alarmType);
    if (!type) return undefined;
    if (alert.lastSeen !== undefined && this.#deps.now().getTime() - alert.lastSeen > STALE_ALERT_MS) return undefined;
    const at = alert.location;
    if (!at) {
      this.#deps.logger.warn({ tenant, alert: alert.id }, 'an alert without a point location cannot open an incident');
      return undefined;
    }
    const plan = PLANS[type];
    const now = this.#deps.now();
    const principal = systemPrincipal(tenant, 'alarm');
    const result = await this.#deps.store.transaction(async (tx) => {
      await sql.lockOpening(tx, tenant, type);
      const [already] = await tx.query<{ incident_id: string }>('SELECT incident_id FROM incident_alerts WHERE tenant_id = $1 AND alert_id = $2', [tenant, alert.id]);
      if (already) return undefined;
      const near = nearest(await sql.openNear(tx, tenant, type, at, JOIN_RADIUS_M), at, JOIN_RADIUS_M);
      const id = near?.row.id ?? incidentId(await sql.nextNumber(tx), now);
      if (near) {
        await tx.query('UPDATE incidents SET version = version + 1, severity = $3 WHERE tenant_id = $1 AND id = $2', [tenant, id, higher(near.row.severity, alert.severity)]);
      } else {
        await sql.insertIncident(tx, {
          tenant,
          id,
          type,
          title: alert.description ?? `${plan.name.zh}告警 ${plan.name.en} alarm`,
          severity: alert.severity ?? plan.defaultSeverity,
          at,
          district: alert.district ?? null,
          serviceCode: null,
          openedBy: 'system:alarm',
          openedAt: now,
          ackDueAt: new Date(now.getTime() + plan.ackWithinSeconds * 1000),
          requestIds: [],
          plan,
        });
      }
      await tx.query('INSERT INTO incident_alerts (tenant_id, alert_id, incident_id, joined_at) VALUES ($1, $2, $3, $4)', [tenant, alert.id, id, now.toISOString()]);
      const events: sql.EventRow[] = [];
      if (!near) events.push({ tenant_id: tenant, incident_id: id, at: now.toISOString(), actor: 'system:alarm', kind: 'opened', details: { type, alarmId: alert.id, alarmType: alert.alarmType } });
      events.push({
        tenant_id: tenant,
        incident_id: id,
        at: now.toISOString(),
        actor: 'system:alarm',
        kind: 'alarmJoined',
        details: { alarmId: alert.id, alarmType: alert.alarmType, ...(near ? { distanceM: Math.round(near.distanceM) } : {}) },
      });
      await sql.addEvents(tx, events);
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: near ? 'incident.alarmJoin' : 'incident.open', target: { type: 'incident', id }, details: { alarmId: alert.id } });
      return { incidentId: id, joined: Boolean(near) };
    });
    if (result) await this.#deps.mirror.write(tenant, [result.incidentId]);
    return result;
  }

  /**
   * A new citizen report: when ≥ 3 reports of its service code lie within 300 m and 2 h of it, they open a
   * `citizenReports` incident, or join the open one of that code nearby.
   */
  async openFromReports(tenant: string, report: ReportInput, nearby: readonly ReportInput[]): Promise<{ incidentId: string; joined: boolean } | undefined> {
    const cluster = nearby.filter(
      (r) =>
        r.serviceCode === report.serviceCode &&
        r.status !== 'closed' &&
        r.status !== 'fixed' &&
        Math.abs(report.requestedAt - r.requestedAt) <= REPORT_CLUSTER.windowMs &&
        haversineM(report.location, r.location) <= REPORT_CLUSTER.radiusM,
    );
    if (!cluster.some((r) => r.id === report.id)) cluster.push(report);
    if (cluster.length < REPORT_CLUSTER.minCount) return undefined;
    const plan = PLANS.citizenReports;
    const now = this.#deps.now();
    const principal = systemPrincipal(tenant, 'reports');
    const ids = [...new Set(cluster.map((r) => r.id))].sort();
    const result = await this.#deps.store.transaction(async (tx) => {
      await sql.lockOpening(tx, tenant, 'citizenReports');
      const near = nearest(await sql.openNear(tx, tenant, 'citizenReports', report.location, REPORT_CLUSTER.radiusM, report.serviceCode), report.location, REPORT_CLUSTER.radiusM);
      if (near) {
        const added = ids.filter((id) => !near.row.request_ids.includes(id));
        if (added.length === 0) return undefined;
        await tx.query('UPDATE incidents SET request_ids = request_ids || $3::text[], version = version + 1 WHERE tenant_id = $1 AND id = $2', [tenant, near.row.id, added]);
        await sql.addEvents(tx, [{ tenant_id: tenant, incident_id: near.row.id, at: now.toISOString(), actor: 'system:reports', kind: 'reportsJoined', details: { requestIds: added } }]);
        await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'incident.reportsJoin', target: { type: 'incident', id: near.row.id }, details: { requestIds: added } });
        return { incidentId: near.row.id, joined: true };
      }
      // A report already gathered in an incident (open or closed) does not open another one by itself.
      const [contains] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents WHERE tenant_id = $1 AND type = 'citizenReports' AND request_ids @> $2::text[]`, [tenant, [report.id]]);
      if ((contains?.n ?? 0) > 0) return undefined;
      const id = incidentId(await sql.nextNumber(tx), now);
      const department = report.department;
      await sql.insertIncident(tx, {
        tenant,
        id,
        type: 'citizenReports',
        title: `市民集中反映：${report.serviceCode}（${ids.length} 条） Citizens report ${report.serviceCode} (${ids.length})`,
        severity: plan.defaultSeverity,
        at: report.location,
        district: report.district ?? null,
        serviceCode: report.serviceCode,
        openedBy: 'system:reports',
        openedAt: now,
        ackDueAt: new Date(now.getTime() + plan.ackWithinSeconds * 1000),
        requestIds: ids,
        plan: department ? routedPlan(plan, department) : plan,
      });
      await sql.addEvents(tx, [{ tenant_id: tenant, incident_id: id, at: now.toISOString(), actor: 'system:reports', kind: 'opened', details: { type: 'citizenReports', serviceCode: report.serviceCode, requestIds: ids } }]);
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'incident.open', target: { type: 'incident', id }, details: { requestIds: ids } });
      return { incidentId: id, joined: false };
    });
    if (result) await this.#deps.mirror.write(tenant, [result.incidentId]);
    return result;
  }

  // ── working an incident ─────────────────────────────────────────────────

  async acknowledge(tenant: string, principal: Principal, id: string): Promise<IncidentView> {
    return this.#change(tenant, principal, id, async (tx, row, now) => {
      if (row.status !== 'open') throw new AppError('CONFLICT', `Incident ${id} is ${row.status}${row.acknowledged_by ? ` (acknowledged by ${row.acknowledged_by})` : ''}; only an open incident can be acknowledged`);
      await tx.query(`UPDATE incidents SET status = 'acknowledged', acknowledged_by = $3, acknowledged_at = $4 WHERE tenant_id = $1 AND id = $2`, [tenant, id, actorOf(principal), now.toISOString()]);
      const late = now.getTime() > new Date(row.ack_due_at).getTime();
      return { action: 'incident.acknowledge', events: [{ kind: 'acknowledged', details: { withinTarget: !late, targetSeconds: row.plan.ackWithinSeconds } }] };
    });
  }

  /** Per unit line of the plan, the nearest available units (a read: the timeline records what was dispatched, with each unit's distance). */
  async recommendations(tenant: string, _principal: Principal, id: string): Promise<{ incidentId: string; recommendations: Recommendation[]; method: string }> {
    const row = await sql.getIncident(this.#deps.store, tenant, id);
    if (!row) throw notFound(id);
    if (row.status === 'closed') throw new AppError('CONFLICT', `Incident ${id} is closed; there is nothing to send units to`);
    const at = { lat: row.lat, long: row.long };
    const units = await readAvailableUnits(this.#deps.reader, this.#deps.terms, tenant, at, row.plan.units.map((l) => l.vehicleKind));
    const recommendations = recommendUnits(at, row.plan.units, units);
    return {
      incidentId: id,
      recommendations,
      method: 'straight-line (road-free) haversine distance; ETA = 60 s turnout + distance at 30 km/h urban average 直线距离；预计到达 = 出车 60 秒 + 按 30 km/h 行驶',
    };
  }

  /** Sends units: each must be an available EmergencyVehicle; their hub entities show `dispatched` and `refIncident`. */
  async dispatch(tenant: string, principal: Principal, id: string, unitIds: readonly string[]): Promise<IncidentView> {
    const ids = [...new Set(unitIds)];
    if (ids.length === 0) throw bad('unitIds', 'unitIds must name at least one unit (EmergencyVehicle entity id)');
    if (ids.length > MAX_UNITS_PER_DISPATCH) throw bad('unitIds', `At most ${MAX_UNITS_PER_DISPATCH} units per dispatch`);
    const call = { tenant, principal: systemPrincipal(tenant, 'incidents'), terms: this.#deps.terms };
    const { entities } = await this.#deps.reader.queryEntities(call, { ids, limit: ids.length, offset: 0, count: false });
    const units = new Map(entities.map((e) => [e.id, e]));
    const kinds = new Map<string, string>();
    const located = new Map<string, { lat: number; long: number }>();
    for (const unitId of ids) {
      const entity = units.get(unitId);
      if (!entity) throw new AppError('NOT_FOUND', `There is no unit "${unitId.slice(0, 120)}" in this city; dispatch EmergencyVehicle entity ids (see the recommendations)`, { details: { unitId } });
      if (!entity.types.includes(this.#deps.terms.expand('EmergencyVehicle'))) {
        throw bad('unitIds', `${unitId} is not an EmergencyVehicle; only units can be dispatched`);
      }
      const unit = unitFromEntity(entity, this.#deps.terms);
      const status = unit?.status ?? 'unknown';
      if (status !== 'available') {
        throw new AppError('CONFLICT', `Unit ${unitId} is not available (its status is ${status}); choose another unit from the recommendations`, { details: { unitId, unitStatus: status } });
      }
      kinds.set(unitId, unit?.vehicleKind ?? '');
      if (unit) located.set(unitId, unit.location);
    }
    const view = await this.#change(tenant, principal, id, async (tx, row, now) => {
      if (row.status === 'closed') throw new AppError('CONFLICT', `Incident ${id} is closed; units cannot be sent to it`);
      try {
        await tx.query(
          `INSERT INTO incident_units (tenant_id, incident_id, unit_id, vehicle_kind, status, dispatched_by, dispatched_at)
           SELECT $1, $2, x.unit_id, x.kind, 'dispatched', $3, $4 FROM jsonb_to_recordset($5::jsonb) AS x(unit_id text, kind text)`,
          [tenant, id, actorOf(principal), now.toISOString(), JSON.stringify(ids.map((u) => ({ unit_id: u, kind: kinds.get(u) })))],
        );
      } catch (error) {
        if ((error as { code?: string }).code !== '23505') throw error;
        const busy = await this.#deps.store.query<{ unit_id: string; incident_id: string }>(
          `SELECT unit_id, incident_id FROM incident_units WHERE tenant_id = $1 AND unit_id = ANY($2::text[]) AND status <> 'clear'`,
          [tenant, ids],
        );
        const first = busy[0];
        throw new AppError('CONFLICT', first ? `Unit ${first.unit_id} is already dispatched to incident ${first.incident_id}` : 'One of the units was dispatched elsewhere meanwhile; ask for recommendations again', {
          details: first ? { unitId: first.unit_id, incidentId: first.incident_id } : {},
        });
      }
      return {
        action: 'incident.dispatch',
        events: ids.map((unitId) => {
          const from = located.get(unitId);
          return { kind: 'dispatched', details: { unitId, vehicleKind: kinds.get(unitId), ...(from ? { distanceM: Math.round(haversineM(from, { lat: row.lat, long: row.long })) } : {}) } };
        }),
        unitWrites: ids.map((unitId) => ({ unitId, status: 'dispatched', incidentId: id })),
        audit: { unitIds: ids },
      };
    });
    return view;
  }

  /** A unit's status by the operator (source `api`) or by the unit's own entity in the hub (source `hub`). */
  async setUnitStatus(tenant: string, principal: Principal, id: string, unitId: string, status: string, source: 'api' | 'hub' = 'api'): Promise<IncidentView> {
    if (!(UNIT_STATUSES as readonly string[]).includes(status) || status === 'dispatched') {
      throw bad('status', `status must be one of enRoute, onScene, clear; got "${String(status).slice(0, 40)}"`);
    }
    const next = status as UnitStatus;
    return this.#change(tenant, principal, id, async (tx, _row, now) => {
      const units = await tx.query<sql.UnitRow>('SELECT * FROM incident_units WHERE tenant_id = $1 AND incident_id = $2 AND unit_id = $3 ORDER BY id DESC', [tenant, id, unitId]);
      const unit = units[0];
      if (!unit) throw new AppError('NOT_FOUND', `Unit ${unitId} was not dispatched to incident ${id}; dispatch it first`, { details: { unitId } });
      const allowed = UNIT_TRANSITIONS[unit.status];
      if (!allowed.includes(next)) {
        throw new AppError(
          'CONFLICT',
          `Unit ${unitId} is ${unit.status}; from ${unit.status} it can go to ${allowed.length > 0 ? allowed.join(' or ') : 'no other status (dispatch it again for a new task)'}, not ${next}`,
          { details: { unitId, unitStatus: unit.status, allowed } },
        );
      }
      const column = next === 'enRoute' ? 'en_route_at' : next === 'onScene' ? 'on_scene_at' : 'cleared_at';
      await tx.query(`UPDATE incident_units SET status = $2, ${column} = $3 WHERE id = $1`, [unit.id, next, now.toISOString()]);
      return {
        action: 'incident.unitStatus',
        events: [{ kind: 'unitStatus', details: { unitId, from: unit.status, status: next, source } }],
        // A crew's own report is already in its entity; the operator's is written to it.
        unitWrites: source === 'api' ? [{ unitId, status: next === 'clear' ? 'available' : next, incidentId: next === 'clear' ? null : id }] : [],
        audit: { unitId, status: next, source },
      };
    });
  }

  /**
   * A unit's own entity changed in the hub: when it refers to one of our incidents and reports a later status, the
   * incident follows (`available`/`returning` mean it left the scene: clear). Stale or backwards reports are ignored.
   */
  async unitReported(tenant: string, unitId: string, refIncident: string, hubStatus: string): Promise<boolean> {
    if (!refIncident.startsWith(INCIDENT_PREFIX)) return false;
    const id = refIncident.slice(INCIDENT_PREFIX.length);
    const next: UnitStatus | undefined =
      hubStatus === 'enRoute' ? 'enRoute' : hubStatus === 'onScene' ? 'onScene' : hubStatus === 'available' || hubStatus === 'returning' ? 'clear' : undefined;
    if (!next) return false;
    const [unit] = await this.#deps.store.query<{ status: UnitStatus }>(
      `SELECT u.status FROM incident_units u JOIN incidents i ON i.tenant_id = u.tenant_id AND i.id = u.incident_id
        WHERE u.tenant_id = $1 AND u.incident_id = $2 AND u.unit_id = $3 AND u.status <> 'clear' AND i.status <> 'closed'`,
      [tenant, id, unitId],
    );
    if (!unit || !UNIT_TRANSITIONS[unit.status].includes(next)) return false;
    await this.setUnitStatus(tenant, systemPrincipal(tenant, `unit:${unitId}`), id, unitId, next, 'hub').catch((error) => {
      if (error instanceof AppError && (error.code === 'CONFLICT' || error.code === 'NOT_FOUND')) return undefined;
      throw error;
    });
    return true;
  }

  async stepDone(tenant: string, principal: Principal, id: string, stepId: string): Promise<IncidentView> {
    return this.#change(tenant, principal, id, async (tx, row, now) => {
      if (row.status === 'closed') throw new AppError('CONFLICT', `Incident ${id} is closed; its steps can no longer change`);
      const step = row.plan.steps.find((s) => s.id === stepId);
      if (!step) throw new AppError('NOT_FOUND', `The plan of incident ${id} has no step "${stepId.slice(0, 60)}"; its steps are ${row.plan.steps.map((s) => s.id).join(', ')}`);
      const done = row.steps[stepId];
      if (done) throw new AppError('CONFLICT', `Step ${stepId} was already done at ${done.doneAt} by ${done.doneBy}`);
      const state = { doneAt: now.toISOString(), doneBy: actorOf(principal) };
      await tx.query('UPDATE incidents SET steps = steps || $3::jsonb WHERE tenant_id = $1 AND id = $2', [tenant, id, JSON.stringify({ [stepId]: state })]);
      const dueAt = step.targetMinutes !== undefined ? new Date(row.opened_at).getTime() + step.targetMinutes * 60_000 : undefined;
      return {
        action: 'incident.stepDone',
        events: [{ kind: 'stepDone', details: { stepId, text: step.text, ...(dueAt !== undefined ? { withinTarget: now.getTime() <= dueAt } : {}) } }],
      };
    });
  }

  async addNote(tenant: string, principal: Principal, id: string, text: unknown): Promise<IncidentView> {
    const note = plainText(text, 'text', true) as string;
    return this.#change(tenant, principal, id, async () => ({ action: 'incident.note', events: [{ kind: 'note', details: { text: note } }] }));
  }

  /** Closes with an outcome; units still attached are released (their entities show `available` again). */
  async close(tenant: string, principal: Principal, id: string, outcome: string, noteText?: unknown): Promise<IncidentView> {
    if (!(OUTCOMES as readonly string[]).includes(outcome)) throw bad('outcome', `outcome must be one of ${OUTCOMES.join(', ')}`);
    const note = plainText(noteText, 'note', false) ?? null;
    return this.#change(tenant, principal, id, async (tx, row, now) => {
      if (row.status === 'closed') throw new AppError('CONFLICT', `Incident ${id} was already closed at ${iso(row.closed_at)} by ${row.closed_by} (${row.outcome})`);
      const released = await tx.query<{ unit_id: string; before: string }>(
        `UPDATE incident_units u SET status = 'clear', cleared_at = $3 FROM incident_units b
          WHERE b.id = u.id AND u.tenant_id = $1 AND u.incident_id = $2 AND u.status <> 'clear' RETURNING u.unit_id, b.status AS before`,
        [tenant, id, now.toISOString()],
      );
      await tx.query(`UPDATE incidents SET status = 'closed', closed_by = $3, closed_at = $4, outcome = $5, note = $6 WHERE tenant_id = $1 AND id = $2`, [
        tenant,
        id,
        actorOf(principal),
        now.toISOString(),
        outcome,
        note,
      ]);
      return {
        action: 'incident.close',
        events: [
          ...released.map((u) => ({ kind: 'unitStatus', details: { unitId: u.unit_id, from: u.before, status: 'clear', source: 'close' } })),
          { kind: 'closed', details: { outcome, ...(note ? { note } : {}), durationSeconds: Math.round((now.getTime() - new Date(row.opened_at).getTime()) / 1000) } },
        ],
        unitWrites: released.map((u) => ({ unitId: u.unit_id, status: 'available', incidentId: null })),
        audit: { outcome, released: released.map((u) => u.unit_id) },
      };
    });
  }

  /** Escalates every incident not acknowledged within its plan's time, once (safe with several processes). */
  async escalateOverdue(): Promise<number> {
    const now = this.#deps.now();
    let total = 0;
    for (;;) {
      const rows = await this.#deps.store.transaction(async (tx) => {
        const rows = await sql.escalateOverdue(tx, now, 500);
        const events: AuditEvent[] = rows.map((r) => ({
          tenant: r.tenant_id,
          actor: systemPrincipal(r.tenant_id, 'escalation'),
          action: 'incident.escalate',
          target: { type: 'incident', id: r.id },
          details: { severity: r.severity, previousSeverity: r.before },
        }));
        await this.#deps.audit.record(tx, events);
        return rows;
      });
      total += rows.length;
      const byTenant = new Map<string, string[]>();
      for (const r of rows) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r.id]);
      for (const [tenant, ids] of byTenant) await this.#deps.mirror.write(tenant, ids);
      if (rows.length < 500) return total;
    }
  }

  /** One change of one incident: locked, changed, versioned, timeline and audit written in one transaction; then the hub. */
  async #change(tenant: string, principal: Principal, id: string, work: (tx: Queryable, row: sql.IncidentRow, now: Date) => Promise<Change>): Promise<IncidentView> {
    const now = this.#deps.now();
    const actor = actorOf(principal);
    const change = await this.#deps.store.transaction(async (tx) => {
      const row = await sql.getIncident(tx, tenant, id, true);
      if (!row) throw notFound(id);
      const change = await work(tx, row, now);
      await tx.query('UPDATE incidents SET version = version + 1 WHERE tenant_id = $1 AND id = $2', [tenant, id]);
      await sql.addEvents(
        tx,
        change.events.map((e) => ({ tenant_id: tenant, incident_id: id, at: now.toISOString(), actor, kind: e.kind, details: e.details ?? {} })),
      );
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: change.action, target: { type: 'incident', id }, ...(change.audit ? { details: change.audit } : {}) });
      return change;
    });
    if (change.unitWrites && change.unitWrites.length > 0) {
      const refused = await this.#deps.mirror.writeUnits(tenant, change.unitWrites).catch((error) => change.unitWrites?.map((u) => ({ unitId: u.unitId, error })) ?? []);
      if (refused.length > 0) {
        this.#deps.logger.warn({ tenant, incident: id, refused }, 'the hub refused unit status writes');
        const unitIds = refused.map((r) => r.unitId);
        await sql.addEvents(this.#deps.store, [{ tenant_id: tenant, incident_id: id, at: now.toISOString(), actor: 'system:incidents', kind: 'unitWriteFailed', details: { unitIds } }]);
        if (change.action === 'incident.dispatch') {
          // A unit whose own entity does not say it is dispatched is not sent: it is released here so it stays choosable.
          await this.#deps.store.query(
            `UPDATE incident_units SET status = 'clear', cleared_at = $4 WHERE tenant_id = $1 AND incident_id = $2 AND unit_id = ANY($3::text[]) AND status = 'dispatched'`,
            [tenant, id, unitIds, now.toISOString()],
          );
          await this.#deps.mirror.write(tenant, [id]);
          throw new AppError('CONFLICT', `The hub refused to mark ${unitIds.join(', ')} as dispatched, so they were not sent (the other units were); ask for recommendations again`, {
            details: { unitIds },
          });
        }
      }
    }
    await this.#deps.mirror.write(tenant, [id]);
    return this.get(tenant, id);
  }
}

function nearest(rows: readonly sql.IncidentRow[], at: Point, radiusM: number): { row: sql.IncidentRow; distanceM: number } | undefined {
  let best: { row: sql.IncidentRow; distanceM: number } | undefined;
  for (const row of rows) {
    const distanceM = haversineM(at, { lat: row.lat, long: row.long });
    if (distanceM <= radiusM && (!best || distanceM < best.distanceM)) best = { row, distanceM };
  }
  return best;
}

/** The citizen-reports plan with the routed department named in its notify step. */
function routedPlan(plan: ResponsePlan, department: string): ResponsePlan {
  return {
    ...plan,
    steps: plan.steps.map((s) => (s.id === 'notifyDepartment' ? { ...s, department } : s)),
    notify: plan.notify.map((n) => (n.department === 'routed' ? { ...n, department } : n)),
  };
}
