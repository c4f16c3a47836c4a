/** Test support for device ingest: a platform with its embedded broker, device registration, MQTT clients and waiting. */
import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { ChangeObserver, EntityChange } from '../../src/context/write-batch.ts';
import type { DeviceView } from '../../src/devices/model.ts';
import { bearer, startTestPlatform, type TestPlatform } from '../support/platform.ts';

export type Json = Record<string, unknown>;

export interface DeviceRig {
  tp: TestPlatform;
  /** The embedded broker's URL (when started). */
  mqttUrl: string;
  /** Every committed change of the hub, in order (to check that no measurement was collapsed). */
  changes: EntityChange[];
  /** When each committed change was heard (performance.now()). */
  commitTimes: number[];
  register(body: Json, token?: string): Promise<{ device: DeviceView; key: string }>;
  device(id: string): Promise<DeviceView>;
  entity(id: string): Promise<Json>;
  close(): Promise<void>;
}

/** A unique device id per test run, so parallel runs against a shared broker never see each other's messages. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function openRig(env: Record<string, string> = {}, options: { broker?: boolean } = {}): Promise<DeviceRig> {
  const tp = await startTestPlatform({ DEVICE_RATE_LIMIT: '1000', ...env });
  const changes: EntityChange[] = [];
  const commitTimes: number[] = [];
  const observer: ChangeObserver = {
    committed(_tenant, batch) {
      const at = performance.now();
      for (const change of batch) {
        changes.push(change);
        commitTimes.push(at);
      }
    },
  };
  tp.platform.context.hub.observe(observer);
  let mqttUrl = '';
  if (options.broker !== false) {
    const state = await tp.platform.devices.startMqtt(env.MQTT_URL ? {} : { port: 0 });
    if (state.mode === 'embedded') mqttUrl = `mqtt://127.0.0.1:${state.port}`;
  }
  const server = tp.platform.server;
  return {
    tp,
    mqttUrl,
    changes,
    commitTimes,
    async register(body, token = tp.adminToken) {
      const response = await server.inject({ method: 'POST', url: '/api/v1/devices', headers: bearer(token), payload: body });
      if (response.statusCode !== 201) throw new Error(`register answered ${response.statusCode}: ${response.body}`);
      return response.json();
    },
    async device(id) {
      await tp.platform.devices.flushActivity();
      const response = await server.inject({ method: 'GET', url: `/api/v1/devices/${encodeURIComponent(id)}`, headers: bearer(tp.adminToken) });
      if (response.statusCode !== 200) throw new Error(`device answered ${response.statusCode}: ${response.body}`);
      return response.json();
    },
    async entity(id) {
      const response = await server.inject({ method: 'GET', url: `/ngsi-ld/v1/entities/${encodeURIComponent(id)}`, headers: bearer(tp.adminToken) });
      if (response.statusCode !== 200) throw new Error(`entity answered ${response.statusCode}: ${response.body}`);
      return response.json();
    },
    close: () => tp.close(),
  };
}

export function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
}

/** Waits until `check` returns a value that is not undefined (polling), or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The value of an attribute in a normalized entity. */
export function attributeValue(entity: Json, name: string): unknown {
  return (entity[name] as Json | undefined)?.value;
}
