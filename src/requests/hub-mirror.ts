/**
 * Every request as a `ServiceRequest` entity in the context hub (public view only, owned by the routed department).
 * A request commits first; its entity is written right after, coalesced with others, and `hub_version` records
 * which version the entity shows. Should the hub write fail (or the process stop) in between, the sweeper
 * finds the rows whose `hub_version` lags and writes them again — no request is left without its entity.
 */
import type { TermMap } from '../context/ld/model.ts';
import { MirrorQueue } from '../context/mirror-queue.ts';
import type { ContextHub } from '../context/service.ts';
import { systemPrincipal } from '../platform/auth/model.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Queryable } from '../platform/store/store.ts';
import { maskPersonalData } from './moderation.ts';
import { open311Status, type RequestStatus, type ServiceCategory } from './model.ts';
import { isOverdue } from './workflow.ts';

export const ENTITY_PREFIX = 'urn:ngsi-ld:ServiceRequest:';

interface MirrorRow {
  tenant_id: string;
  id: string;
  service_code: string;
  status: RequestStatus;
  close_reason: string | null;
  status_notes: string | null;
  description: string;
  department: string;
  district: string | null;
  lat: number | null;
  long: number | null;
  address_string: string | null;
  requested_at: Date;
  updated_at: Date;
  responded_at: Date | null;
  resolved_at: Date | null;
  due_at: Date;
  paused_at: Date | null;
  escalated_at: Date | null;
  reopen_count: number;
  followers: number;
  rating_score: number | null;
  version: number;
}

const prop = (value: unknown) => ({ type: 'Property', value });
const iso = (value: Date | string) => new Date(value).toISOString();

/** The entity of a request: its public view (personal data masked, no reporter). */
export function requestEntity(row: MirrorRow, category: ServiceCategory | undefined, now: Date): Record<string, unknown> {
  const entity: Record<string, unknown> = {
    id: `${ENTITY_PREFIX}${row.id}`,
    type: 'ServiceRequest',
    serviceRequestId: prop(row.id),
    serviceCode: prop(row.service_code),
    serviceName: prop(category?.name.zh ?? row.service_code),
    status: prop(row.status),
    open311Status: prop(open311Status(row.status)),
    description: prop(maskPersonalData(row.description)),
    department: prop(row.department),
    requestedAt: prop(iso(row.requested_at)),
    updatedAt: prop(iso(row.updated_at)),
    dueAt: prop(iso(row.due_at)),
    // First response and resolution times: the insight capability's response and resolution rates read them.
    ...(row.responded_at ? { acknowledgedAt: prop(iso(row.responded_at)) } : {}),
    ...(row.resolved_at ? { closedAt: prop(iso(row.resolved_at)) } : {}),
    overdue: prop(isOverdue({ status: row.status, dueAt: new Date(row.due_at), pausedAt: row.paused_at ? new Date(row.paused_at) : null }, now)),
    paused: prop(row.paused_at !== null),
    reopenCount: prop(row.reopen_count),
    followers: prop(row.followers),
  };
  if (row.close_reason) entity.closeReason = prop(row.close_reason);
  if (row.status_notes) entity.statusNotes = prop(maskPersonalData(row.status_notes));
  if (row.district) entity.district = prop(row.district);
  if (row.address_string) entity.address = prop(maskPersonalData(row.address_string));
  if (row.escalated_at) entity.escalatedAt = prop(iso(row.escalated_at));
  if (row.rating_score !== null) entity.rating = prop(row.rating_score);
  if (row.lat !== null && row.long !== null) entity.location = { type: 'GeoProperty', value: { type: 'Point', coordinates: [row.long, row.lat] } };
  return entity;
}

export interface MirrorDeps {
  store: Queryable;
  hub: Pick<ContextHub, 'batchUpsert'>;
  terms: TermMap;
  logger: Logger;
}

export class HubMirror {
  readonly #deps: MirrorDeps;
  #catalog: (tenant: string) => Promise<Map<string, ServiceCategory>> = async () => new Map();
  #now: () => Date = () => new Date();
  readonly #queue: MirrorQueue;

  constructor(deps: MirrorDeps) {
    this.#deps = deps;
    this.#queue = new MirrorQueue(
      (tenant, ids) => this.#write(tenant, ids),
      (error, tenant, count) => deps.logger.warn({ err: error, tenant, count }, 'could not write ServiceRequest entities to the hub; the sweeper retries'),
    );
  }

  /** Wired by the service (it owns the catalog and the clock). */
  attach(catalog: (tenant: string) => Promise<Map<string, ServiceCategory>>, now: () => Date): void {
    this.#catalog = catalog;
    this.#now = now;
  }

  /** Writes the entity of these requests soon (together with others); resolves once tried. Never rejects. */
  schedule(tenant: string, ids: readonly string[]): Promise<void> {
    return this.#queue.schedule(tenant, ids);
  }

  /** Waits until every scheduled write was tried. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Reads the rows as they are now, writes their entities per department, and records the versions written. */
  async #write(tenant: string, ids: string[]): Promise<void> {
    const { store, hub, terms } = this.#deps;
    const rows = await store.query<MirrorRow>(
      `SELECT tenant_id, id, service_code, status, close_reason, status_notes, description, department, district, lat, long, address_string,
              requested_at, updated_at, responded_at, resolved_at, due_at, paused_at, escalated_at, reopen_count, followers, rating_score, version
         FROM service_requests WHERE tenant_id = $1 AND id = ANY($2::text[])`,
      [tenant, ids],
    );
    if (rows.length === 0) return;
    const catalog = await this.#catalog(tenant);
    const now = this.#now();
    const byDepartment = new Map<string, MirrorRow[]>();
    for (const row of rows) byDepartment.set(row.department, [...(byDepartment.get(row.department) ?? []), row]);
    const written: Array<{ id: string; version: number }> = [];
    const call = { tenant, principal: systemPrincipal(tenant, 'service-requests'), terms };
    for (const [department, group] of byDepartment) {
      const outcomes = await hub.batchUpsert(
        call,
        group.map((row) => requestEntity(row, catalog.get(row.service_code), now)),
        'replace',
        { ownerDepartment: department, sharing: 'open' },
      );
      group.forEach((row, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) written.push({ id: row.id, version: row.version });
        else this.#deps.logger.warn({ err: outcome && !outcome.ok ? outcome.error : undefined, id: row.id }, 'the hub refused a ServiceRequest entity');
      });
    }
    if (written.length === 0) return;
    await store.query(
      `UPDATE service_requests r SET hub_version = x.version
         FROM jsonb_to_recordset($2::jsonb) AS x(id text, version int)
        WHERE r.tenant_id = $1 AND r.id = ANY($3::text[]) AND r.id = x.id AND r.hub_version < x.version`,
      // The id list lets the planner reach the rows by primary key: with the join alone, stale row estimates made it
      // hash every request of the city (8 ms at 4,000 requests, growing with the city's history).
      [tenant, JSON.stringify(written), written.map((w) => w.id)],
    );
  }

  /** Writes again the entities of requests whose `hub_version` lags (a failed or interrupted write); returns how many. */
  async mend(limit = 500): Promise<number> {
    const rows = await this.#deps.store.query<{ tenant_id: string; id: string }>(
      'SELECT tenant_id, id FROM service_requests WHERE hub_version < version ORDER BY tenant_id LIMIT $1',
      [limit],
    );
    const byTenant = new Map<string, string[]>();
    for (const r of rows) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r.id]);
    await Promise.all([...byTenant].map(([tenant, ids]) => this.schedule(tenant, ids)));
    return rows.length;
  }

  close(): Promise<void> {
    return this.idle();
  }
}
