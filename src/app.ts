/** The one place that wires CityCloud together: store, platform services, capabilities and the HTTP server. */
import type { FastifyInstance } from 'fastify';
import { type AlarmsParts, createAlarms } from './alarms/index.ts';
import { type ContextHubParts, createContextHub } from './context/hub.ts';
import { createDevices, type DevicesParts } from './devices/index.ts';
import { createIncidents, type IncidentsParts } from './incidents/index.ts';
import { createInsight, type InsightParts } from './insight/index.ts';
import { migrations } from './migrations.ts';
import { auditRoutes } from './platform/audit/routes.ts';
import { AuditLog } from './platform/audit/service.ts';
import { authRoutes } from './platform/auth/routes.ts';
import { AuthService, loadTokenSecret } from './platform/auth/service.ts';
import type { Config } from './platform/config/config.ts';
import { buildServer } from './platform/http/server.ts';
import type { Logger } from './platform/logging/logger.ts';
import { createMetrics, type Metrics } from './platform/metrics/metrics.ts';
import { migrate } from './platform/store/migrate.ts';
import { openStore } from './platform/store/open-store.ts';
import type { Store } from './platform/store/store.ts';
import { HANGZHOU, HANGZHOU_DEPARTMENTS, unmappedCity } from './platform/tenancy/hangzhou.ts';
import { tenancyRoutes } from './platform/tenancy/routes.ts';
import { Tenancy } from './platform/tenancy/service.ts';
import { createServiceRequests, type RequestsParts } from './requests/index.ts';
import { open311FrameworkError, open311Routes } from './requests/open311/routes.ts';
import { createSubscriptions, type SubscriptionParts } from './subscriptions/index.ts';
import { createTemporal, type TemporalParts } from './temporal/index.ts';

export interface Platform {
  config: Config;
  store: Store;
  server: FastifyInstance;
  metrics: Metrics;
  auth: AuthService;
  audit: AuditLog;
  tenancy: Tenancy;
  /** The NGSI-LD context hub: every capability reads and writes city data through it. */
  context: ContextHubParts;
  /** NGSI-LD subscriptions and notifications; `subscriptions.live.subscribe(…)` for in-process subscribers. */
  subscriptions: SubscriptionParts;
  /** Temporal history of the hub's entities (/ngsi-ld/v1/temporal). */
  temporal: TemporalParts;
  /** Device registry and ingest; `devices.startMqtt()` starts the MQTT side (the CLI does, after the HTTP server listens). */
  devices: DevicesParts;
  /** Citizen service requests (/api/v1/requests): the workflow service, its sweeper and webhook delivery. */
  requests: RequestsParts;
  /** Alarms (/api/v1/alarms): engines fed from hub changes, suppressed signals with why, `Alert` entities in the hub. */
  alarms: AlarmsParts;
  /** Incidents (/api/v1/incidents): response plans, dispatch, escalation; opened from Alert entities and citizen-report clusters. */
  incidents: IncidentsParts;
  /** Insight (/api/v1/insight): hourly CityIndicator entities, forecasts, anomalies (an alarm rule), dashboards. */
  insight: InsightParts;
  /** Set on the first start of a city: the admin's login, to print once. */
  firstAdmin: { username: string; password: string | null } | undefined;
  /** Stops accepting requests, finishes those in flight, flushes and closes the store. */
  close(): Promise<void>;
}

export interface PlatformOptions {
  logger: Logger;
  /** Use this store instead of opening one from the configuration (tests); it is closed with the platform. */
  store?: Store;
  processMetrics?: boolean;
}

/** Brings up one city platform: migrates, seeds the default city and its first admin, and builds the server. */
export async function createPlatform(config: Config, options: PlatformOptions): Promise<Platform> {
  const store = options.store ?? (await openStore(config));
  try {
    const report = await migrate(store, migrations);
    if (report.applied.length > 0) options.logger.info({ applied: report.applied }, 'database migrated');

    const audit = new AuditLog();
    const tenancy = new Tenancy(store);
    const city = config.defaultTenant === 'hangzhou' ? HANGZHOU : unmappedCity(config.defaultTenant);
    await store.transaction((tx) => tenancy.ensureTenant(tx, config.defaultTenant, city.name, city, HANGZHOU_DEPARTMENTS));
    const secret = await loadTokenSecret(store, config.jwtSecret);
    const auth = new AuthService({ store, audit, tenancy }, { secret, tokenTtl: config.tokenTtl });
    const firstAdmin = await auth.ensureFirstAdmin(config.defaultTenant, config.adminPassword);

    const context = await createContextHub({ store, audit, tenancy, logger: options.logger, config });
    const subscriptions = await createSubscriptions({ store, context, config, logger: options.logger });
    const temporal = await createTemporal({ store, audit, logger: options.logger, context, retentionDays: config.temporalRetentionDays });

    const metrics = createMetrics({ processMetrics: options.processMetrics ?? true });
    const devices = createDevices({
      store,
      audit,
      tenancy,
      hub: context.hub,
      terms: context.resolver.core,
      authenticateApiKey: (key) => auth.authenticate(key),
      logger: options.logger,
      config,
      metricsRegistry: metrics.registry,
    });
    const requests = createServiceRequests({ store, tenancy, hub: context.hub, terms: context.resolver.core, logger: options.logger, config });
    const alarms = await createAlarms({ store, audit, tenancy, hub: context.hub, reader: context.reader, live: subscriptions.live, terms: context.resolver.core, logger: options.logger });
    const incidents = await createIncidents({
      store,
      audit,
      tenancy,
      hub: context.hub,
      reader: context.reader,
      live: subscriptions.live,
      terms: context.resolver.core,
      logger: options.logger,
    });
    const insight = await createInsight({
      store,
      audit,
      tenancy,
      hub: context.hub,
      reader: context.reader,
      terms: context.resolver.core,
      logger: options.logger,
      alarms: alarms.service,
    });
    const server = await buildServer({
      logger: options.logger,
      metrics,
      bodyLimit: config.bodyLimit,
      logRequests: config.logRequests,
      webDir: config.webDir,
      auth,
      tenancy,
      defaultTenant: config.defaultTenant,
      authEnabled: config.auth === 'on',
      checkHealth: async () => {
        await store.query('SELECT 1');
      },
      routes: [
        { prefix: '/api/v1', plugin: authRoutes(auth) },
        { prefix: '/api/v1', plugin: tenancyRoutes(tenancy) },
        { prefix: '/api/v1', plugin: auditRoutes(audit, store) },
        ...context.routes.map((plugin) => ({ prefix: '/ngsi-ld/v1', plugin })),
        { prefix: '/ngsi-ld/v1', plugin: subscriptions.ngsiRoutes },
        { prefix: '/api/v1', plugin: subscriptions.apiRoutes },
        ...temporal.routes.map((plugin) => ({ prefix: '/ngsi-ld/v1', plugin })),
        { prefix: '/api/v1', plugin: devices.apiRoutes },
        { prefix: '/iot', plugin: devices.ingestRoutes },
        { prefix: '/api/v1', plugin: requests.apiRoutes },
        { prefix: '/api/v1', plugin: alarms.apiRoutes },
        { prefix: '/api/v1', plugin: incidents.apiRoutes },
        { prefix: '/api/v1', plugin: insight.apiRoutes },
        {
          prefix: '/open311/v2',
          plugin: open311Routes({ service: requests.service, authenticate: (credential) => auth.authenticate(credential), tenancy }),
          frameworkError: open311FrameworkError,
        },
      ],
    });

    const keyUsage = setInterval(() => {
      auth.flushKeyUsage().catch((error) => options.logger.warn({ err: error }, 'could not record API key usage'));
    }, 10_000);
    keyUsage.unref();

    let closing: Promise<void> | undefined;
    return {
      config,
      store,
      server,
      metrics,
      auth,
      audit,
      tenancy,
      context,
      subscriptions,
      temporal,
      devices,
      requests,
      alarms,
      incidents,
      insight,
      firstAdmin,
      close() {
        closing ??= (async () => {
          clearInterval(keyUsage);
          await server.close();
          // Before the store closes: MQTT stops, queued measurements and device counters are written.
          await devices.close().catch((error) => options.logger.warn({ err: error }, 'error while stopping device ingest'));
          await auth.flushKeyUsage().catch(() => undefined);
          await requests.close().catch((error) => options.logger.warn({ err: error }, 'error while stopping service-request delivery'));
          await incidents.close().catch((error) => options.logger.warn({ err: error }, 'error while stopping incidents'));
          await insight.close().catch((error) => options.logger.warn({ err: error }, 'error while stopping the insight job'));
          await temporal.close().catch(() => undefined);
          // Before subscriptions close: decisions, engine state and Alert entities are written.
          await alarms.close().catch((error) => options.logger.warn({ err: error }, 'error while stopping the alarms service'));
          // Before the store closes: sends in flight finish, delivered rows are acknowledged, the rest given back.
          await subscriptions.close().catch((error) => options.logger.warn({ err: error }, 'error while stopping notification delivery'));
          await context.close().catch(() => undefined);
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
