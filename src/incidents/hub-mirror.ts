/**
 * Incidents as `Incident` entities in the hub (CONTRACT.md "Hub entities"), and the writes to units' own
 * `EmergencyVehicle` entities. An incident commits first and its entity is written right after; `hub_version` records
 * which version the entity shows, so the sweeper writes again any entity a failed write (or a stop) left behind.
 */
import type { TermMap } from '../context/ld/model.ts';
import type { ContextHub } from '../context/service.ts';
import { systemPrincipal } from '../platform/auth/model.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Queryable } from '../platform/store/store.ts';
import type { IncidentRow } from './store.ts';

export const INCIDENT_PREFIX = 'urn:ngsi-ld:Incident:';
export const ALERT_PREFIX = 'urn:ngsi-ld:Alert:';
/** Incidents belong to the emergency management bureau and are not shared outside the command centre. */
const OWNER = 'emergency';

const prop = (value: unknown) => ({ type: 'Property', value });
const iso = (value: Date | string) => new Date(value).toISOString();

export function incidentEntity(row: IncidentRow, alertIds: readonly string[], unitIds: readonly string[]): Record<string, unknown> {
  const entity: Record<string, unknown> = {
    id: `${INCIDENT_PREFIX}${row.id}`,
    type: 'Incident',
    incidentType: prop(row.type),
    title: prop(row.title),
    status: prop(row.status),
    severity: prop(row.severity),
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [row.long, row.lat] } },
    openedAt: prop(iso(row.opened_at)),
    escalated: prop(row.escalated_at !== null),
    units: prop([...unitIds]),
  };
  if (row.district) entity.district = prop(row.district);
  if (row.acknowledged_at) entity.acknowledgedAt = prop(iso(row.acknowledged_at));
  if (row.closed_at) entity.closedAt = prop(iso(row.closed_at));
  if (row.outcome) entity.outcome = prop(row.outcome);
  // One Relationship instance per alert (datasetId tells them apart), so a reader can follow each to its Alert.
  if (alertIds.length > 0) {
    entity.refAlerts = alertIds.map((id) => ({ type: 'Relationship', object: `${ALERT_PREFIX}${id}`, datasetId: `urn:ngsi-ld:Dataset:alert:${id}` }));
  }
  return entity;
}

export interface MirrorDeps {
  store: Queryable;
  hub: Pick<ContextHub, 'batchUpsert' | 'batchMerge'>;
  terms: TermMap;
  logger: Logger;
}

export class IncidentMirror {
  constructor(private readonly deps: MirrorDeps) {}

  /** Writes the entities of these incidents as they are now; never throws (the sweeper mends what failed). */
  async write(tenant: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.#write(tenant, ids);
    } catch (error) {
      this.deps.logger.warn({ err: error, tenant, ids }, 'could not write Incident entities to the hub; the sweeper retries');
    }
  }

  async #write(tenant: string, ids: readonly string[]): Promise<void> {
    const { store, hub, terms } = this.deps;
    const rows = await store.query<IncidentRow>('SELECT * FROM incidents WHERE tenant_id = $1 AND id = ANY($2::text[])', [tenant, ids]);
    if (rows.length === 0) return;
    const alerts = await store.query<{ incident_id: string; alert_id: string }>(
      'SELECT incident_id, alert_id FROM incident_alerts WHERE tenant_id = $1 AND incident_id = ANY($2::text[]) ORDER BY joined_at, alert_id',
      [tenant, ids],
    );
    const units = await store.query<{ incident_id: string; unit_id: string }>(
      `SELECT incident_id, unit_id FROM incident_units WHERE tenant_id = $1 AND incident_id = ANY($2::text[]) AND status <> 'clear' ORDER BY id`,
      [tenant, ids],
    );
    const of = <T extends { incident_id: string }>(list: T[], id: string, pick: (x: T) => string) => list.filter((x) => x.incident_id === id).map(pick);
    const outcomes = await hub.batchUpsert(
      { tenant, principal: systemPrincipal(tenant, 'incidents'), terms },
      rows.map((row) => incidentEntity(row, of(alerts, row.id, (a) => a.alert_id), of(units, row.id, (u) => u.unit_id))),
      'replace',
      { ownerDepartment: OWNER, sharing: 'not_shared' },
    );
    const written: Array<{ id: string; version: number }> = [];
    rows.forEach((row, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) written.push({ id: row.id, version: row.version });
      else this.deps.logger.warn({ err: outcome && !outcome.ok ? outcome.error : undefined, id: row.id }, 'the hub refused an Incident entity');
    });
    if (written.length === 0) return;
    await store.query(
      `UPDATE incidents i SET hub_version = x.version FROM jsonb_to_recordset($2::jsonb) AS x(id text, version int)
        WHERE i.tenant_id = $1 AND i.id = ANY($3::text[]) AND i.id = x.id AND i.hub_version < x.version`,
      [tenant, JSON.stringify(written), written.map((w) => w.id)],
    );
  }

  /** Writes again the entities whose `hub_version` lags; returns how many. */
  async mend(limit = 500): Promise<number> {
    const rows = await this.deps.store.query<{ tenant_id: string; id: string }>(
      'SELECT tenant_id, id FROM incidents WHERE hub_version < version ORDER BY tenant_id LIMIT $1',
      [limit],
    );
    const byTenant = new Map<string, string[]>();
    for (const r of rows) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r.id]);
    for (const [tenant, ids] of byTenant) await this.write(tenant, ids);
    return rows.length;
  }

  /**
   * Sets units' status (and `refIncident`, or removes it with NGSI-LD null) on their own entities, in one batch.
   * Returns the ids the hub refused, with why.
   */
  async writeUnits(tenant: string, units: ReadonlyArray<{ unitId: string; status: string; incidentId: string | null }>): Promise<Array<{ unitId: string; error: unknown }>> {
    if (units.length === 0) return [];
    const outcomes = await this.deps.hub.batchMerge(
      { tenant, principal: systemPrincipal(tenant, 'incidents'), terms: this.deps.terms },
      units.map((u) => ({
        id: u.unitId,
        type: 'EmergencyVehicle',
        status: prop(u.status),
        refIncident: u.incidentId ? { type: 'Relationship', object: `${INCIDENT_PREFIX}${u.incidentId}` } : 'urn:ngsi-ld:null',
      })),
    );
    const refused: Array<{ unitId: string; error: unknown }> = [];
    units.forEach((u, i) => {
      const outcome = outcomes[i];
      if (!outcome?.ok) refused.push({ unitId: u.unitId, error: outcome && !outcome.ok ? outcome.error : undefined });
    });
    return refused;
  }
}
