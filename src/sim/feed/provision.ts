/** Provisioning through the public API: the city's devices (`POST /api/v1/devices`), its first entities (NGSI-LD batch upsert) and the API keys the feeder uses. */
import type { DeviceSpec, NgsiEntity } from '../model.ts';
import { type PlatformClient, PlatformRefused } from './client.ts';

/** Entities per batch upsert, and the largest batch body: well under the platform's default BODY_LIMIT (1 MB). */
const UPSERT_BATCH = 200;
const UPSERT_BYTES = 512 * 1024;

export interface ProvisionedDevices {
  /** Device id → its key (needed in the MQTT topic). */
  keys: Map<string, string>;
  /** How many were registered before (their keys were rotated to learn them again). */
  existing: number;
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** The public part of a device key (`ccd_<keyId>_<secret>`), which the registry lists. */
function keyIdOf(key: string): string | undefined {
  return /^ccd_([a-z0-9]+)_/.exec(key)?.[1];
}

/**
 * Registers every device (which creates its entity with its static attributes). A device already registered
 * keeps its key when `known` holds it (checked against the registry's key ids, one listing for all), else gets a
 * new one, since a key is shown only once.
 */
export async function registerDevices(
  client: PlatformClient,
  specs: readonly DeviceSpec[],
  options: { concurrency?: number; known?: ReadonlyMap<string, string> } = {},
): Promise<ProvisionedDevices> {
  const keys = new Map<string, string>();
  const registered = new Map<string, string>();
  if (options.known && options.known.size > 0) {
    const { devices } = await client.json<{ devices: Array<{ id: string; keyId: string }> }>('GET', '/api/v1/devices');
    for (const d of devices) registered.set(d.id, d.keyId);
  }
  let existing = 0;
  await inParallel(specs, options.concurrency ?? 16, async (spec) => {
    const knownKey = options.known?.get(spec.id);
    if (knownKey !== undefined && registered.has(spec.id)) {
      existing++;
      if (keyIdOf(knownKey) === registered.get(spec.id)) {
        keys.set(spec.id, knownKey);
        return;
      }
    }
    const answer = registered.has(spec.id)
      ? { status: 409, text: '' }
      : await client.request('POST', '/api/v1/devices', {
          json: {
            id: spec.id,
            entityType: spec.entityType,
            entityId: spec.entityId,
            attributes: spec.attributes,
            ownerDepartment: spec.ownerDepartment,
            staticAttributes: spec.staticAttributes,
            description: 'simulated city (citycloud simulate)',
          },
        });
    if (answer.status === 201) {
      keys.set(spec.id, (JSON.parse(answer.text) as { key: string }).key);
    } else if (answer.status === 409) {
      const rotated = await client.json<{ key: string }>('POST', `/api/v1/devices/${encodeURIComponent(spec.id)}/key`);
      keys.set(spec.id, rotated.key);
      if (!registered.has(spec.id)) existing++;
    } else {
      throw new PlatformRefused('POST', `/api/v1/devices (device ${spec.id})`, answer.status, answer.text);
    }
  });
  return { keys, existing };
}

/** Splits entities into batches that fit one request. */
export function upsertBatches(entities: readonly NgsiEntity[]): NgsiEntity[][] {
  const batches: NgsiEntity[][] = [];
  let batch: NgsiEntity[] = [];
  let bytes = 0;
  for (const entity of entities) {
    const size = JSON.stringify(entity).length;
    if (batch.length > 0 && (batch.length >= UPSERT_BATCH || bytes + size > UPSERT_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entity);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** One batch upsert (options=update: attributes are added or overwritten, others kept). Throws when any entity is refused. */
export async function upsertEntities(client: PlatformClient, entities: readonly NgsiEntity[]): Promise<void> {
  const answer = await client.request('POST', '/ngsi-ld/v1/entityOperations/upsert?options=update', { json: entities });
  if (answer.status === 201 || answer.status === 204) return;
  if (answer.status === 207) {
    const { errors } = JSON.parse(answer.text) as { errors: Array<{ entityId: string; error: { detail?: string; title?: string } }> };
    const first = errors[0];
    throw new Error(
      `the hub refused ${errors.length} of ${entities.length} entities, e.g. ${first?.entityId}: ${first?.error.detail ?? first?.error.title ?? 'unknown reason'}`,
    );
  }
  throw new PlatformRefused('POST', '/ngsi-ld/v1/entityOperations/upsert', answer.status, answer.text);
}

/** Creates a platform API key (shown once); the feeder uses one as MQTT gateway and as Open311 api_key. */
export async function createApiKey(client: PlatformClient, name: string, role: 'operator' | 'citizen' | 'developer'): Promise<string> {
  const created = await client.json<{ key: string }>('POST', '/api/v1/keys', { name, role });
  return created.key;
}
