/**
 * What the incidents capability hears from the hub (in-process subscriptions, after commit): `Alert` entities (alarms
 * open or join incidents), new `ServiceRequest` entities (clusters of citizen reports), and `EmergencyVehicle`
 * entities that refer to an incident (a crew reporting en route, on scene, available). Handlers only queue work;
 * the work runs one item at a time, so a burst of alerts opens one incident and joins the rest to it.
 */
import { renderEntity } from '../context/entity-output.ts';
import type { TermMap } from '../context/ld/model.ts';
import type { StoredEntity } from '../context/model.ts';
import type { EntityReader } from '../context/read.ts';
import { systemPrincipal } from '../platform/auth/model.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { LiveHub } from '../subscriptions/live.ts';
import { ALERT_PREFIX } from './hub-mirror.ts';
import type { Severity } from './model.ts';
import { REPORT_CLUSTER } from './plans.ts';
import { pointOf } from './recommend.ts';
import type { AlertInput, IncidentsService, ReportInput } from './service.ts';

/** FIWARE Alert severities back to ours, for alerts that carry only the FIWARE one. */
const FROM_FIWARE: Record<string, Severity> = { critical: 'critical', high: 'major', medium: 'minor', low: 'warning', informational: 'indeterminate' };
const OURS = new Set(['critical', 'major', 'minor', 'warning', 'indeterminate']);

export interface FollowerDeps {
  live: LiveHub;
  service: IncidentsService;
  reader: EntityReader;
  terms: TermMap;
  logger: Logger;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export function alertFrom(entity: StoredEntity, terms: TermMap): AlertInput {
  const kv = renderEntity(entity, { terms, representation: 'keyValues', sysAttrs: false });
  const ours = text(kv.alarmSeverity);
  const fiware = text(kv.severity);
  return {
    id: entity.id.startsWith(ALERT_PREFIX) ? entity.id.slice(ALERT_PREFIX.length) : entity.id,
    alarmType: text(kv.alarmType) ?? text(kv.subCategory) ?? '',
    alarmStatus: text(kv.alarmStatus) ?? 'active',
    severity: ours && OURS.has(ours) ? (ours as Severity) : fiware ? FROM_FIWARE[fiware] : undefined,
    location: pointOf(kv.location),
    district: text(kv.district),
    description: text(kv.description),
    lastSeen: Date.parse(text(kv.lastSeen) ?? text(kv.dateIssued) ?? '') || undefined,
  };
}

export function reportFrom(entity: StoredEntity, terms: TermMap): ReportInput | undefined {
  const kv = renderEntity(entity, { terms, representation: 'keyValues', sysAttrs: false });
  const location = pointOf(kv.location);
  const serviceCode = text(kv.serviceCode);
  if (!location || !serviceCode) return undefined;
  const requestedAt = Date.parse(text(kv.requestedAt) ?? entity.createdAt);
  return {
    id: text(kv.serviceRequestId) ?? entity.id,
    serviceCode,
    department: text(kv.department),
    status: text(kv.status) ?? 'open',
    location,
    district: text(kv.district),
    requestedAt: Number.isNaN(requestedAt) ? Date.parse(entity.createdAt) : requestedAt,
  };
}

export class HubFollower {
  readonly #deps: FollowerDeps;
  readonly #stops: Array<() => void> = [];
  #queue: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(deps: FollowerDeps) {
    this.#deps = deps;
  }

  /** Follows the hub of these cities. */
  follow(tenants: readonly string[]): void {
    const { live, terms } = this.#deps;
    for (const tenant of tenants) {
      const principal = systemPrincipal(tenant, 'incidents');
      this.#stops.push(
        live.subscribe(tenant, { entities: [{ type: 'Alert' }], principal, terms }, (event) => {
          if (event.entity) this.#enqueue(() => this.#alert(tenant, event.entity as StoredEntity));
        }),
        live.subscribe(tenant, { entities: [{ type: 'ServiceRequest' }], notificationTrigger: ['entityCreated'], principal, terms }, (event) => {
          if (event.entity) this.#enqueue(() => this.#report(tenant, event.entity as StoredEntity));
        }),
        live.subscribe(tenant, { entities: [{ type: 'EmergencyVehicle' }], principal, terms }, (event) => {
          const entity = event.entity;
          if (!entity) return;
          // Cheap test first: most vehicle changes (positions, simulator dispatches) refer to no incident of ours.
          const ref = entity.attrs[terms.expand('refIncident')]?.[0];
          const target = ref?.object ?? ref?.value;
          if (typeof target !== 'string' || !target.startsWith('urn:ngsi-ld:Incident:')) return;
          const status = entity.attrs[terms.expand('status')]?.[0]?.value;
          if (typeof status !== 'string') return;
          this.#enqueue(async () => {
            await this.#deps.service.unitReported(tenant, entity.id, target, status);
          });
        }),
      );
    }
  }

  /** Alerts that became active while no process listened (a restart): the active ones not yet in an incident. */
  async catchUp(tenant: string): Promise<number> {
    const { reader, terms } = this.#deps;
    const { entities } = await reader.queryEntities(
      { tenant, principal: systemPrincipal(tenant, 'incidents'), terms },
      { type: 'Alert', q: 'alarmStatus=="active"', limit: 1000, offset: 0, count: false },
    );
    let opened = 0;
    for (const entity of entities) if (await this.#deps.service.openFromAlert(tenant, alertFrom(entity, terms))) opened++;
    return opened;
  }

  /** Resolves when everything heard so far has been handled. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#queue;
  }

  async close(): Promise<void> {
    for (const stop of this.#stops.splice(0)) stop();
    await this.idle();
  }

  #enqueue(work: () => Promise<unknown>): void {
    this.#pending++;
    this.#queue = this.#queue
      .then(async () => {
        await work();
      })
      .catch((error) => this.#deps.logger.warn({ err: error }, 'incidents could not handle a hub change'))
      .finally(() => {
        this.#pending--;
      });
  }

  async #alert(tenant: string, entity: StoredEntity): Promise<void> {
    await this.#deps.service.openFromAlert(tenant, alertFrom(entity, this.#deps.terms));
  }

  async #report(tenant: string, entity: StoredEntity): Promise<void> {
    const { reader, terms } = this.#deps;
    const report = reportFrom(entity, terms);
    if (!report) return;
    const { entities } = await reader.queryEntities(
      { tenant, principal: systemPrincipal(tenant, 'incidents'), terms },
      {
        type: 'ServiceRequest',
        q: `serviceCode==${JSON.stringify(report.serviceCode)}`,
        geo: { georel: `near;maxDistance==${REPORT_CLUSTER.radiusM}`, geometry: 'Point', coordinates: JSON.stringify([report.location.long, report.location.lat]) },
        limit: 1000,
        offset: 0,
        count: false,
      },
    );
    const nearby = entities.map((e) => reportFrom(e, terms)).filter((r): r is ReportInput => r !== undefined);
    await this.#deps.service.openFromReports(tenant, report, nearby);
  }
}
