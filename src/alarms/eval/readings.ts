/**
 * The simulator's stream turned into engine readings exactly as ingest would write them into the hub: device values
 * land on the device's entity (with its static attributes), entity upserts merge into the entity, every reading
 * carries the whole entity in keyValues form, the attributes it changed and its event time (observedAt).
 */
import type { DeviceSpec, NgsiEntity, Observation } from '../../sim/index.ts';
import type { Reading } from '../engine/model.ts';

/** One NGSI-LD normalized attribute → its keyValues value (Relationship → target id, GeoProperty → geometry). */
export function keyValue(attr: unknown): unknown {
  if (typeof attr !== 'object' || attr === null) return attr;
  const a = attr as { type?: string; value?: unknown; object?: unknown };
  if (a.type === 'Relationship') return a.object;
  if (a.type === 'Property' || a.type === 'GeoProperty') return a.value;
  return attr;
}

/** Keeps the latest keyValues of every entity and turns observations into readings. */
export class ReadingFeed {
  private readonly entities = new Map<string, { type: string; attrs: Record<string, unknown> }>();
  private readonly devices = new Map<string, DeviceSpec>();

  constructor(devices: readonly DeviceSpec[]) {
    for (const d of devices) this.devices.set(d.id, d);
  }

  /** The entity as the hub holds it after an upsert (a new object each time: the engine compares old and new values). */
  upsert(entity: NgsiEntity, fallbackAt: number): Reading {
    const prev = this.entities.get(entity.id);
    const attrs: Record<string, unknown> = { ...(prev?.attrs ?? {}) };
    const changed: string[] = [];
    let at: number | undefined;
    for (const [k, v] of Object.entries(entity)) {
      if (k === 'id' || k === 'type') continue;
      attrs[k] = keyValue(v);
      changed.push(k);
      const observed = (v as { observedAt?: string }).observedAt;
      if (observed) at = Math.max(at ?? Number.NEGATIVE_INFINITY, Date.parse(observed));
    }
    this.entities.set(entity.id, { type: entity.type, attrs });
    return { id: entity.id, type: entity.type, attrs, changed, at: at ?? fallbackAt };
  }

  /** A device's registration: its entity with the static attributes. */
  register(device: DeviceSpec, at: number): Reading {
    const entity: NgsiEntity = { id: device.entityId, type: device.entityType };
    for (const [k, v] of Object.entries(device.staticAttributes)) entity[k] = v as NgsiEntity[string];
    return this.upsert(entity, at);
  }

  /** An observation as readings (a citizen report is not an entity the engine watches: none). */
  readings(observation: Observation, tickAt: number): Reading[] {
    if (observation.channel === 'entity') return [this.upsert(observation.entity, tickAt)];
    if (observation.channel === 'report') return [];
    const device = this.devices.get(observation.deviceId);
    if (!device) return [];
    const prev = this.entities.get(device.entityId);
    const attrs: Record<string, unknown> = { ...(prev?.attrs ?? {}) };
    const byKey = new Map(device.attributes.map((a) => [a.key, a.name]));
    const changed: string[] = [];
    for (const [k, v] of Object.entries(observation.values)) {
      const name = byKey.get(k) ?? k;
      attrs[name] = v;
      changed.push(name);
    }
    this.entities.set(device.entityId, { type: device.entityType, attrs });
    return [{ id: device.entityId, type: device.entityType, attrs, changed, at: Date.parse(observation.observedAt) }];
  }
}
