/** Assembles device ingest: the registry, the ingest path, its HTTP routes, and MQTT (embedded broker or external broker). */
import type { FastifyPluginAsync } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { TermMap } from '../context/ld/model.ts';
import type { ContextHub } from '../context/service.ts';
import type { AuditLog } from '../platform/audit/service.ts';
import type { Principal } from '../platform/auth/model.ts';
import type { Config } from '../platform/config/config.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Store } from '../platform/store/store.ts';
import type { Tenancy } from '../platform/tenancy/service.ts';
import { DeviceActivityLog } from './activity.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from './broker.ts';
import { type SharedConsumer, startSharedConsumer } from './consumer.ts';
import { DeviceIngest } from './ingest.ts';
import { deviceRoutes, ingestRoutes } from './routes.ts';
import { DeviceRegistry } from './service.ts';

export type { EmbeddedBroker } from './broker.ts';
export { DeviceIngest } from './ingest.ts';
export { DeviceRegistry } from './service.ts';

const ACTIVITY_FLUSH_MS = 2_000;

export type MqttState = { mode: 'off' } | { mode: 'embedded'; port: number } | { mode: 'external'; url: string };

export interface DevicesParts {
  registry: DeviceRegistry;
  ingest: DeviceIngest;
  /** Mounted under /api/v1. */
  apiRoutes: FastifyPluginAsync;
  /** Mounted under /iot (HTTP ingest, authenticated by device key). */
  ingestRoutes: FastifyPluginAsync;
  /**
   * Starts MQTT as configured: consumption from MQTT_URL, else the embedded broker on MQTT_PORT (0: none).
   * Rejects with the listen error (code EADDRINUSE when the port is taken). `port` overrides MQTT_PORT (tests).
   */
  startMqtt(override?: { port?: number }): Promise<MqttState>;
  /** Writes the activity counted so far (the portal and tests read it from the store). */
  flushActivity(): Promise<void>;
  /** Stops MQTT, writes what is queued and the counters; call before the store closes. */
  close(): Promise<void>;
}

export function createDevices(deps: {
  store: Store;
  audit: AuditLog;
  tenancy: Tenancy;
  hub: Pick<ContextHub, 'batchUpsert'>;
  terms: TermMap;
  authenticateApiKey: (key: string) => Promise<Principal>;
  logger: Logger;
  config: Config;
  metricsRegistry?: Registry;
}): DevicesParts {
  const { config, logger, store } = deps;
  const activity = new DeviceActivityLog();
  const messages = new Counter({
    name: 'citycloud_device_messages_total',
    help: 'Device messages by outcome (accepted, or why they were refused) and transport',
    labelNames: ['outcome', 'transport'] as const,
    registers: deps.metricsRegistry ? [deps.metricsRegistry] : [],
  });
  const ingest = new DeviceIngest(
    { store, writer: deps.hub, terms: deps.terms, activity, logger, counters: { outcome: (outcome, transport) => messages.inc({ outcome, transport }) } },
    {
      maxPayload: config.deviceMaxPayload,
      rate: config.deviceRateLimit,
      burst: Math.max(10, config.deviceRateLimit * 2),
      lingerMs: 2,
      maxBatch: 2000,
    },
  );
  const registry = new DeviceRegistry({ ...deps, activity }, (keyId) => ingest.forgetKey(keyId));

  const flushActivity = () => activity.flush(store);
  const timer = setInterval(() => {
    flushActivity().catch((error) => logger.warn({ err: error }, 'could not record device activity'));
  }, ACTIVITY_FLUSH_MS);
  timer.unref();

  let broker: EmbeddedBroker | undefined;
  let consumer: SharedConsumer | undefined;
  let closing: Promise<void> | undefined;
  return {
    registry,
    ingest,
    apiRoutes: deviceRoutes(registry),
    ingestRoutes: ingestRoutes(ingest),
    async startMqtt(override = {}) {
      if (config.mqttUrl) {
        consumer = await startSharedConsumer({
          url: config.mqttUrl,
          ingest,
          group: config.mqttShareGroup,
          connections: config.mqttConsumers,
          clientId: config.mqttClientId,
          defaultTenant: config.defaultTenant,
          logger,
        });
        return { mode: 'external', url: config.mqttUrl };
      }
      const port = override.port ?? config.mqttPort;
      if (port === 0 && override.port === undefined) return { mode: 'off' };
      broker = await startEmbeddedBroker({
        ingest,
        authenticateApiKey: deps.authenticateApiKey,
        port,
        host: config.host,
        defaultTenant: config.defaultTenant,
        logger,
      });
      return { mode: 'embedded', port: broker.port };
    },
    flushActivity,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await broker?.close().catch((error) => logger.warn({ err: error }, 'error while stopping the MQTT broker'));
        await consumer?.close().catch((error) => logger.warn({ err: error }, 'error while leaving the external MQTT broker'));
        await ingest.close();
        await flushActivity().catch((error) => logger.warn({ err: error }, 'could not record device activity'));
      })();
      return closing;
    },
  };
}
