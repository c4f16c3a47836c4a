/**
 * The ingest path shared by MQTT and HTTP: authenticate a message by its device key, throttle it, read
 * its measurements, map them onto the device's entity, and write them through the hub in batches — one
 * hub call for the messages of a few milliseconds, one update per measurement, in arrival order.
 */
import type { TermMap } from '../context/ld/model.ts';
import type { ContextHub } from '../context/service.ts';
import type { Principal } from '../platform/auth/model.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Queryable } from '../platform/store/store.ts';
import type { DeviceActivityLog } from './activity.ts';
import { deviceSecretMatches, parseDeviceKey } from './keys.ts';
import { type Device, type DeviceCredential, IngestRejected, type Measurement, measuredAttribute, type PayloadFormat, type Rejection } from './model.ts';
import { parsePayload, typedValue } from './payload.ts';
import { findByKeyId } from './store.ts';
import { TokenBuckets } from './throttle.ts';

/** What the ingest path needs of the context hub: batch upsert (options=update), with per-item outcomes. */
export type EntityWriter = Pick<ContextHub, 'batchUpsert'>;

export interface IngestOptions {
  /** Largest payload accepted, in bytes. */
  maxPayload: number;
  /** Messages per second per device; 0 = no limit. */
  rate: number;
  burst: number;
  /** How long the first message of a batch waits for others when the writer is idle. */
  lingerMs: number;
  /** Most measurements in one hub call. */
  maxBatch: number;
}

export interface IngestMessage {
  key: string;
  deviceId: string;
  format: PayloadFormat;
  payload: Buffer;
  /** The city to charge a refusal to when the key names none (HTTP: the request's city; MQTT: the default city). */
  tenantHint: string;
}

/** Counts refusals that cannot be charged to a device (unknown keys) and all outcomes, for /metrics. */
export interface IngestCounters {
  outcome(outcome: 'accepted' | Rejection, transport: string): void;
}

interface QueuedUpdate {
  tenant: string;
  department: string | null;
  entity: Record<string, unknown>;
  done: (error: Error | undefined) => void;
}

const KEY_CACHE_MS = 30_000;
const MISSING_CACHE_MS = 5_000;
const MAX_CACHED = 50_000;

export class DeviceIngest {
  readonly #deps: {
    store: Queryable;
    writer: EntityWriter;
    terms: TermMap;
    activity: DeviceActivityLog;
    logger: Logger;
    counters?: IngestCounters;
  };
  readonly #options: IngestOptions;
  readonly #buckets: TokenBuckets;
  readonly #keys = new Map<string, { credential: DeviceCredential | undefined; until: number }>();
  readonly #lookups = new Map<string, Promise<DeviceCredential | undefined>>();
  #queue: QueuedUpdate[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #closed = false;

  constructor(
    deps: { store: Queryable; writer: EntityWriter; terms: TermMap; activity: DeviceActivityLog; logger: Logger; counters?: IngestCounters },
    options: IngestOptions,
  ) {
    this.#deps = deps;
    this.#options = options;
    this.#buckets = new TokenBuckets(options.rate, options.burst);
  }

  get maxPayload(): number {
    return this.#options.maxPayload;
  }

  /** Drops a cached key (after the device was changed or deleted on this node). */
  forgetKey(keyId: string): void {
    this.#keys.delete(keyId);
  }

  async #credential(keyId: string): Promise<DeviceCredential | undefined> {
    const now = Date.now();
    const hit = this.#keys.get(keyId);
    if (hit && hit.until > now) return hit.credential;
    let lookup = this.#lookups.get(keyId);
    if (!lookup) {
      lookup = findByKeyId(this.#deps.store, keyId).finally(() => this.#lookups.delete(keyId));
      this.#lookups.set(keyId, lookup);
    }
    const credential = await lookup;
    if (this.#keys.size >= MAX_CACHED) this.#keys.clear();
    // Unknown keys are remembered briefly too, so a flood of them costs no query per message.
    this.#keys.set(keyId, { credential, until: now + (credential ? KEY_CACHE_MS : MISSING_CACHE_MS) });
    return credential;
  }

  /**
   * The device a key belongs to, checked against the device id the message names. Throws
   * IngestRejected (`wrong_key`, `unknown_device`), already counted.
   */
  async authenticate(key: string, deviceId: string, tenantHint: string, transport: string): Promise<Device> {
    const parsed = parseDeviceKey(key);
    const credential = parsed ? await this.#credential(parsed.keyId) : undefined;
    if (!parsed || !credential || !deviceSecretMatches(parsed.secret, credential.secretHash)) {
      throw this.#refuse(
        credential?.device.tenant ?? tenantHint,
        deviceId,
        'wrong_key',
        `The key for device "${deviceId.slice(0, 64)}" is not valid; use the key shown when the device was registered`,
        transport,
      );
    }
    const device = credential.device;
    if (device.id !== deviceId) {
      throw this.#refuse(
        device.tenant,
        device.id,
        'unknown_device',
        `This key belongs to device "${device.id}"; there is no device "${deviceId.slice(0, 64)}" with this key`,
        transport,
      );
    }
    return device;
  }

  #refuse(tenant: string, deviceId: string, reason: Rejection, message: string, transport: string): IngestRejected {
    // Charged to the device the message names, if any has that id (an UPDATE that matches nothing is harmless).
    this.#deps.activity.rejected(tenant, deviceId, reason, message);
    this.#deps.counters?.outcome(reason, transport);
    return new IngestRejected(reason, message);
  }

  /** Refuses a message for a known device: counts it and returns the error to throw or send. */
  refuse(device: Device, reason: Rejection, message: string, transport: string): IngestRejected {
    return this.#refuse(device.tenant, device.id, reason, message, transport);
  }

  /**
   * Takes one message of an authenticated device: throttles, reads and maps it, and resolves once all its
   * measurements are committed. Throws IngestRejected for a refused message (counted), or the store's
   * error when the write failed (nothing acknowledged: the device should send again).
   */
  async accept(device: Device, format: PayloadFormat, payload: Buffer, transport: string): Promise<number> {
    if (this.#closed) throw new Error('device ingest is shutting down');
    if (payload.length > this.#options.maxPayload) {
      throw this.refuse(device, 'too_large', `The payload is ${payload.length} bytes; the limit is ${this.#options.maxPayload}`, transport);
    }
    if (!this.#buckets.take(`${device.tenant}\u0000${device.id}`)) {
      throw this.refuse(device, 'throttled', `Device "${device.id}" sends more than ${this.#options.rate} messages per second; slow down`, transport);
    }
    const receivedAt = new Date().toISOString();
    let entities: Record<string, unknown>[];
    try {
      entities = parsePayload(format, payload).map((m) => this.#entityOf(device, m, format, receivedAt));
    } catch (error) {
      if (error instanceof IngestRejected) throw this.refuse(device, error.reason, error.message, transport);
      throw error;
    }
    const results = await Promise.allSettled(entities.map((entity) => this.#enqueue(device, entity)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const error = failed.reason as Error;
      if (error instanceof IngestRejected) throw this.refuse(device, error.reason, error.message, transport);
      throw error;
    }
    this.#deps.activity.accepted(device.tenant, device.id, 1);
    this.#deps.counters?.outcome('accepted', transport);
    return entities.length;
  }

  /** Authenticates and accepts one message (the HTTP and external-broker paths). */
  async ingest(message: IngestMessage, transport: string): Promise<number> {
    const device = await this.authenticate(message.key, message.deviceId, message.tenantHint, transport);
    return this.accept(device, message.format, message.payload, transport);
  }

  #entityOf(device: Device, measurement: Measurement, format: PayloadFormat, receivedAt: string): Record<string, unknown> {
    const entity: Record<string, unknown> = { id: device.entityId, type: device.entityType };
    const observedAt = measurement.observedAt ?? receivedAt;
    for (const [key, raw] of Object.entries(measurement.values)) {
      const mapping = device.attributes.find((a) => a.key === key);
      const name = mapping?.name ?? key;
      if (name === 'id' || name === 'type' || name === '@context' || name === 'scope') {
        throw new IngestRejected('bad_payload', `"${key}" cannot be a measurement: it names a reserved member of the entity`);
      }
      const value = format === 'ultralight' || mapping?.valueType ? typedValue(raw, mapping?.valueType) : raw;
      entity[name] = measuredAttribute(name, value, observedAt, mapping);
    }
    return entity;
  }

  #enqueue(device: Device, entity: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({
        tenant: device.tenant,
        department: device.ownerDepartment,
        entity,
        done: (error) => (error ? reject(error) : resolve()),
      });
      if (this.#writing) return; // the batch in flight takes the queue when it finishes
      if (this.#queue.length >= this.#options.maxBatch) this.#kick();
      else this.#timer ??= setTimeout(() => this.#kick(), this.#options.lingerMs);
    });
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing || this.#queue.length === 0) return;
    this.#writing = (async () => {
      // Group commit: while one batch is written, the next gathers; then it goes at once.
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#options.maxBatch);
        await this.#write(batch);
      }
    })().finally(() => {
      this.#writing = undefined;
    });
  }

  async #write(batch: QueuedUpdate[]): Promise<void> {
    // One hub call per city and owner department: the ingest principal carries the department.
    const groups = new Map<string, QueuedUpdate[]>();
    for (const update of batch) {
      const key = `${update.tenant}\u0000${update.department ?? ''}`;
      const group = groups.get(key);
      if (group) group.push(update);
      else groups.set(key, [update]);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const { tenant, department } = group[0] as QueuedUpdate;
        const principal: Principal = { kind: 'system', id: null, name: 'device ingest', tenant, roles: ['admin'], department };
        try {
          const call = { tenant, principal, terms: this.#deps.terms };
          const outcomes = await this.#deps.writer.batchUpsert(
            call,
            group.map((u) => u.entity),
            'update',
            {},
          );
          group.forEach((update, i) => {
            const outcome = outcomes[i];
            update.done(outcome && !outcome.ok ? new IngestRejected('write_failed', outcome.error.message) : undefined);
          });
        } catch (error) {
          this.#deps.logger.warn({ err: error, count: group.length }, 'device measurements could not be written; devices will send again');
          for (const update of group) update.done(error as Error);
        }
      }),
    );
  }

  /** Writes what is queued and refuses new messages; call before the store closes. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#kick();
    await this.#writing;
  }
}
