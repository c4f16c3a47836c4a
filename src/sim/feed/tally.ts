/** What the feeder sent, counted the way the hub stores it: entities per type, history instances per type and attribute, messages. */
import type { DeviceSpec, NgsiEntity } from '../model.ts';

/** The feeder's own account of a run, printed as the final JSON line of `citycloud simulate` and read by the tests. */
export interface FeedSummary {
  /** The simulated span whose history was sent: every counted instance has `from ≤ observedAt < to`. */
  from: string;
  to: string;
  /** Distinct entity ids the feeder created or updated, per type (initial entities, device entities, entity observations). */
  entities: Record<string, number>;
  /** Attribute instances sent with an `observedAt`, per entity type and attribute: what the hub's history must hold. */
  history: Record<string, Record<string, number>>;
  /** Citizen reports filed through Open311, per service code. */
  reports: Record<string, number>;
  mqttMessages: number;
  /** Requests of history sent through the temporal API (a backfill with --backfill-via temporal). */
  historyRequests: number;
  measurements: number;
  entityUpserts: number;
  devices: number;
  /** Wall-clock seconds in all, and of each phase (registration and first entities, history, live). */
  seconds: number;
  phases: Record<string, number>;
}

export class SentTally {
  readonly #entities = new Map<string, Set<string>>();
  readonly #history = new Map<string, Map<string, number>>();
  readonly #reports = new Map<string, number>();
  readonly #names = new Map<string, { type: string; names: Map<string, string> }>();
  mqttMessages = 0;
  historyRequests = 0;
  measurements = 0;
  entityUpserts = 0;
  devices = 0;

  /** Learns a device's attribute names (what its short keys become on the entity). */
  device(spec: DeviceSpec): void {
    this.#names.set(spec.id, { type: spec.entityType, names: new Map(spec.attributes.map((a) => [a.key, a.name])) });
    this.entity(spec.entityType, spec.entityId);
    this.devices++;
  }

  entity(type: string, id: string): void {
    const ids = this.#entities.get(type) ?? new Set<string>();
    this.#entities.set(type, ids);
    ids.add(id);
  }

  #instance(type: string, attribute: string, count = 1): void {
    const attrs = this.#history.get(type) ?? new Map<string, number>();
    this.#history.set(type, attrs);
    attrs.set(attribute, (attrs.get(attribute) ?? 0) + count);
  }

  /** One MQTT message of a device, once the platform acknowledged it. */
  deviceMessage(deviceId: string, measurements: ReadonlyArray<{ values: Record<string, unknown> }>): void {
    this.mqttMessages++;
    this.#measured(deviceId, measurements);
  }

  /** One temporal request of a device's history, once the platform acknowledged it: its measurements, and its instances per attribute name (historyJson counts them). */
  deviceHistory(deviceId: string, measurements: number, instances: ReadonlyMap<string, number>): void {
    this.historyRequests++;
    this.measurements += measurements;
    const known = this.#names.get(deviceId);
    if (!known) return;
    for (const [name, n] of instances) this.#instance(known.type, name, n);
  }

  #measured(deviceId: string, measurements: ReadonlyArray<{ values: Record<string, unknown> }>): void {
    const known = this.#names.get(deviceId);
    this.measurements += measurements.length;
    if (!known) return;
    const counts = new Map<string, number>();
    for (const m of measurements) for (const key in m.values) counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const [key, n] of counts) this.#instance(known.type, known.names.get(key) ?? key, n);
  }

  /**
   * An entity the hub accepted in a batch upsert: attributes with an observedAt become history at that time,
   * counted when it falls in `span` (ms since the epoch, end excluded) — the span the summary reports.
   */
  upserted(entity: NgsiEntity, span: { from: number; to: number }): void {
    this.entity(entity.type, entity.id);
    this.entityUpserts++;
    for (const [name, attribute] of Object.entries(entity)) {
      if (name === 'id' || name === 'type' || typeof attribute !== 'object' || attribute === null) continue;
      const at = (attribute as { observedAt?: string }).observedAt;
      if (at !== undefined && Date.parse(at) >= span.from && Date.parse(at) < span.to) this.#instance(entity.type, name);
    }
  }

  report(serviceCode: string): void {
    this.#reports.set(serviceCode, (this.#reports.get(serviceCode) ?? 0) + 1);
  }

  summary(from: string, to: string, seconds: number, phases: Record<string, number> = {}): FeedSummary {
    const sorted = <V, R>(map: Map<string, V>, f: (v: V) => R) => Object.fromEntries([...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, f(v)]));
    return {
      from,
      to,
      entities: sorted(this.#entities, (ids) => ids.size),
      history: sorted(this.#history, (attrs) => sorted(attrs, (n) => n)),
      reports: sorted(this.#reports, (n) => n),
      mqttMessages: this.mqttMessages,
      historyRequests: this.historyRequests,
      measurements: this.measurements,
      entityUpserts: this.entityUpserts,
      devices: this.devices,
      seconds: Math.round(seconds * 10) / 10,
      phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    };
  }
}
