/**
 * Every alarm as an `Alert` entity in the context hub (FIWARE Alert shape, CONTRACT.md "Hub entities"), so the
 * portal and the incidents capability follow alarms through the hub. An alarm commits first; its entity is written
 * right after, coalesced with others, and `hub_version` records which version the entity shows. Should the hub write
 * fail (or the process stop) in between, the sweeper finds rows whose `hub_version` lags and writes them again.
 */
import type { TermMap } from '../context/ld/model.ts';
import { MirrorQueue } from '../context/mirror-queue.ts';
import type { ContextHub } from '../context/service.ts';
import { systemPrincipal } from '../platform/auth/model.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Queryable } from '../platform/store/store.ts';
import type { Severity } from './engine/model.ts';
import { ALERT_PREFIX, type AlarmRow, alarmRows, laggingAlarms, recordHubVersions } from './store.ts';

/** Our severities on FIWARE Alert's scale. */
export const FIWARE_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: 'critical',
  major: 'high',
  minor: 'medium',
  warning: 'low',
  indeterminate: 'informational',
};

const prop = (value: unknown) => ({ type: 'Property', value });
const iso = (value: Date | string) => new Date(value).toISOString();

/** The `Alert` entity of an alarm (normalized NGSI-LD, core terms). */
export function alertEntity(row: AlarmRow): Record<string, unknown> {
  const entity: Record<string, unknown> = {
    id: `${ALERT_PREFIX}${row.id}`,
    type: 'Alert',
    category: prop(row.category),
    subCategory: prop(row.alarm_type),
    severity: prop(FIWARE_SEVERITY[row.severity] ?? 'informational'),
    alarmSeverity: prop(row.severity),
    alarmType: prop(row.alarm_type),
    alarmStatus: prop(row.status),
    acknowledged: prop(row.acknowledged),
    count: prop(row.count),
    dateIssued: prop(iso(row.first_seen)),
    lastSeen: prop(iso(row.last_seen)),
    description: prop(row.description.zh),
    alertSource: { type: 'Relationship', object: row.originator },
    ruleId: prop(row.rule_id),
  };
  if (row.acknowledged_by) entity.acknowledgedBy = prop(row.acknowledged_by);
  if (row.acknowledged_at) entity.acknowledgedAt = prop(iso(row.acknowledged_at));
  if (row.cleared_at) entity.dateCleared = prop(iso(row.cleared_at));
  if (row.district) entity.district = prop(row.district);
  if (row.situation_id) entity.situationId = prop(row.situation_id);
  if (row.location) entity.location = { type: 'GeoProperty', value: row.location };
  return entity;
}

export interface AlertMirrorDeps {
  store: Queryable;
  hub: Pick<ContextHub, 'batchUpsert'>;
  terms: TermMap;
  logger: Logger;
}

export class AlertMirror {
  readonly #deps: AlertMirrorDeps;
  readonly #queue: MirrorQueue;

  constructor(deps: AlertMirrorDeps) {
    this.#deps = deps;
    this.#queue = new MirrorQueue(
      (tenant, ids) => this.#write(tenant, ids),
      (error, tenant, count) => deps.logger.warn({ err: error, tenant, count }, 'could not write Alert entities to the hub; the sweeper retries'),
    );
  }

  /** Writes the entities of these alarms soon (together with others); resolves once tried. Never rejects. */
  schedule(tenant: string, ids: readonly string[]): Promise<void> {
    return this.#queue.schedule(tenant, ids);
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Reads the rows as they are now, writes their entities in one batch, and records the versions written. */
  async #write(tenant: string, ids: string[]): Promise<void> {
    const { store, hub, terms } = this.#deps;
    const rows = await alarmRows(store, tenant, ids);
    if (rows.length === 0) return;
    const call = { tenant, principal: systemPrincipal(tenant, 'alarms'), terms };
    const outcomes = await hub.batchUpsert(call, rows.map(alertEntity), 'replace', { sharing: 'open' });
    const written: Array<{ id: string; version: number }> = [];
    rows.forEach((row, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) written.push({ id: row.id, version: row.version });
      else this.#deps.logger.warn({ err: outcome && !outcome.ok ? outcome.error : undefined, id: row.id }, 'the hub refused an Alert entity');
    });
    await recordHubVersions(store, tenant, written);
  }

  /** Writes again the entities of alarms whose `hub_version` lags; returns how many. */
  async mend(limit = 500): Promise<number> {
    const rows = await laggingAlarms(this.#deps.store, limit);
    const byTenant = new Map<string, string[]>();
    for (const r of rows) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r.id]);
    await Promise.all([...byTenant].map(([tenant, ids]) => this.schedule(tenant, ids)));
    return rows.length;
  }

  close(): Promise<void> {
    return this.idle();
  }
}
