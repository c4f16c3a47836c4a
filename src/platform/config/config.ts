/** Reads the environment once, at start, into a validated, typed configuration. */
import { isIP } from 'node:net';
import path from 'node:path';
import { AppError } from '../errors/app-error.ts';
import { TENANT_ID_PATTERN } from '../tenancy/model.ts';

export type Mode = 'demo' | 'serve';

export interface Config {
  mode: Mode;
  port: number;
  host: string;
  dataDir: string;
  /** PostgreSQL connection string; absent means the embedded PGlite store under `dataDir`. */
  databaseUrl: string | undefined;
  /** Embedded MQTT broker port; 0 turns it off. */
  mqttPort: number;
  mqttUrl: string | undefined;
  /** Shared-subscription group on the external broker; every node of one platform uses the same. */
  mqttShareGroup: string;
  /** Connections each node opens to the external broker (each may hold a few unacknowledged messages). */
  mqttConsumers: number;
  /** Client id prefix on the external broker; set it to keep the session (and queued messages) across restarts. */
  mqttClientId: string | undefined;
  /** Messages per second one device may send (a token bucket, bursts of twice that); 0 = no limit. */
  deviceRateLimit: number;
  /** Largest device message accepted, in bytes. */
  deviceMaxPayload: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** LOG_REQUESTS: an access-log line for every request (`all`, serve's default) or only for refused and failed ones (`refused`, demo's default: the simulated city's own traffic would flood the console). */
  logRequests: 'all' | 'refused';
  auth: 'on' | 'off';
  /** The city served when a request names none (no NGSILD-Tenant header, no token). */
  defaultTenant: string;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Lifetime of access tokens, in seconds. */
  tokenTtl: number;
  /** HMAC secret for access tokens; when absent one is generated and kept in the store. */
  jwtSecret: string | undefined;
  /** Password for the first admin; when absent a random one is generated and printed once. */
  adminPassword: string | undefined;
  /** Directory of the built portal. */
  webDir: string;
  /** Extra preloaded JSON-LD @contexts: a directory with an index.json (URL → file), on top of those shipped. */
  ldContextsDir: string | undefined;
  /** Seconds a downloaded remote @context stays fresh before it is refreshed in the background. */
  ldContextTtl: number;
  /** Whether unknown remote @context URLs are downloaded (`off`: only preloaded, hosted and already cached ones). */
  ldContextFetch: 'on' | 'off';
  /**
   * Host names (lower case) whose @contexts may be fetched although they resolve to a private or loopback
   * address; empty by default (the SSRF guard refuses such addresses). For tests and in-house context servers.
   */
  ldContextAllowHosts: string[];
  /** Notification delivery of subscriptions (src/subscriptions/delivery.ts). */
  notifications: {
    /** Seconds a process holds an outbox row it is delivering before another may take it over (NOTIFY_LEASE_SECONDS). */
    leaseSeconds: number;
    /** First retry delay after a failed notification, doubled each time (NOTIFY_RETRY_BASE_MS). */
    retryBaseMs: number;
    /** The cap of the retry delay (NOTIFY_RETRY_MAX_SECONDS). */
    retryMaxSeconds: number;
    /** Default time a receiver has to answer (NOTIFY_TIMEOUT_MS). */
    timeoutMs: number;
    /** How often a process checks whether another changed the subscriptions (SUBSCRIPTIONS_REFRESH_MS). */
    refreshMs: number;
  };
  /** Days of temporal history kept (TEMPORAL_RETENTION_DAYS); older day partitions are dropped. 0 keeps everything. */
  temporalRetentionDays: number;
  /** Where service-request status changes are POSTed as JSON (REQUESTS_WEBHOOK_URL); none: no webhook. Retries use the NOTIFY_* settings. */
  requestsWebhookUrl: string | undefined;
  /**
   * Demo mode's simulated city, fed through the public interfaces once the server listens (never in serve mode):
   * SIM_CITY (on | off), SIM_SIZE (tiny | small | city), SIM_SEED, SIM_BACKFILL_HOURS (history sent at start).
   */
  demoCity: { enabled: boolean; size: 'tiny' | 'small' | 'city'; seed: number; backfillHours: number };
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new AppError('BAD_REQUEST_DATA', `${name} must be a whole number, got "${raw}"`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new AppError('BAD_REQUEST_DATA', `${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.trim().toLowerCase() as T;
  if (!allowed.includes(value)) {
    throw new AppError('BAD_REQUEST_DATA', `${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return value;
}

/** A name that goes into MQTT topics or client ids: no `/`, `+`, `#` or blanks. */
function mqttName(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim() || fallback;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) {
    throw new AppError('BAD_REQUEST_DATA', `${name} must be 1 to 64 letters, digits, "_", "." or "-", got "${value.slice(0, 80)}"`);
  }
  return value;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const kind = isIP(host);
  if (kind === 4) return host.startsWith('127.');
  if (kind === 6) return host === '::1';
  return false;
}

/** Parses and validates the environment; throws an AppError naming the variable to fix. */
export function loadConfig(env: Env = process.env, mode: Mode = 'serve'): Config {
  const host = env.HOST?.trim() || '127.0.0.1';
  const auth = oneOf(env, 'CITYCLOUD_AUTH', ['on', 'off'] as const, 'on');
  if (auth === 'off' && !isLoopback(host)) {
    throw new AppError(
      'BAD_REQUEST_DATA',
      `CITYCLOUD_AUTH=off is for local development only and refuses HOST=${host}; use HOST=127.0.0.1 or turn auth on`,
    );
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new AppError('BAD_REQUEST_DATA', 'DATABASE_URL must start with postgres:// or postgresql://');
  }
  const mqttUrl = env.MQTT_URL?.trim() || undefined;
  if (mqttUrl && !/^(mqtts?|wss?|tcp):\/\//.test(mqttUrl)) {
    throw new AppError('BAD_REQUEST_DATA', 'MQTT_URL must start with mqtt://, mqtts://, ws:// or wss://');
  }
  const defaultTenant = env.CITYCLOUD_TENANT?.trim() || 'hangzhou';
  if (!TENANT_ID_PATTERN.test(defaultTenant)) {
    throw new AppError(
      'BAD_REQUEST_DATA',
      'CITYCLOUD_TENANT must be lower-case letters, digits, "-" or "_", starting with a letter',
    );
  }
  const ldContextAllowHosts = (env.LD_CONTEXT_ALLOW_HOSTS ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase().replace(/^\[|\]$/g, ''))
    .filter((host) => host.length > 0);
  for (const host of ldContextAllowHosts) {
    if (!/^[a-z0-9.-]+$/.test(host) && isIP(host) === 0) {
      throw new AppError('BAD_REQUEST_DATA', `LD_CONTEXT_ALLOW_HOSTS must be a comma-separated list of host names or IP addresses, got "${host}"`);
    }
  }
  const requestsWebhookUrl = env.REQUESTS_WEBHOOK_URL?.trim() || undefined;
  if (requestsWebhookUrl !== undefined && !/^https?:\/\/[^\s/]+/i.test(requestsWebhookUrl)) {
    throw new AppError('BAD_REQUEST_DATA', `REQUESTS_WEBHOOK_URL must be an http:// or https:// URL, got "${requestsWebhookUrl.slice(0, 80)}"`);
  }
  const jwtSecret = env.JWT_SECRET || undefined;
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new AppError('BAD_REQUEST_DATA', 'JWT_SECRET must be at least 32 characters long');
  }
  return {
    mode,
    port: integer(env, 'PORT', 8080, 0, 65535),
    host,
    dataDir: path.resolve(env.DATA_DIR?.trim() || './data'),
    databaseUrl,
    mqttPort: integer(env, 'MQTT_PORT', 1883, 0, 65535),
    mqttUrl,
    mqttShareGroup: mqttName(env, 'MQTT_SHARE_GROUP', 'citycloud'),
    mqttConsumers: integer(env, 'MQTT_CONSUMERS', 4, 1, 64),
    mqttClientId: env.MQTT_CLIENT_ID?.trim() ? mqttName(env, 'MQTT_CLIENT_ID', '') : undefined,
    deviceRateLimit: integer(env, 'DEVICE_RATE_LIMIT', 100, 0, 1_000_000),
    deviceMaxPayload: integer(env, 'DEVICE_MAX_PAYLOAD', 64 * 1024, 64, 16 * 1024 * 1024),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    logRequests: oneOf(env, 'LOG_REQUESTS', ['all', 'refused'] as const, mode === 'demo' ? 'refused' : 'all'),
    auth,
    defaultTenant,
    bodyLimit: integer(env, 'BODY_LIMIT', 1024 * 1024, 1024, 512 * 1024 * 1024),
    tokenTtl: integer(env, 'TOKEN_TTL', 3600, 60, 30 * 24 * 3600),
    jwtSecret,
    adminPassword: env.CITYCLOUD_ADMIN_PASSWORD || undefined,
    webDir: path.resolve(env.WEB_DIR?.trim() || path.join(import.meta.dirname, '../../../web/dist')),
    ldContextsDir: env.LD_CONTEXTS_DIR?.trim() ? path.resolve(env.LD_CONTEXTS_DIR.trim()) : undefined,
    ldContextTtl: integer(env, 'LD_CONTEXT_TTL', 86400, 1, 365 * 24 * 3600),
    ldContextFetch: oneOf(env, 'LD_CONTEXT_FETCH', ['on', 'off'] as const, 'on'),
    ldContextAllowHosts,
    notifications: {
      leaseSeconds: integer(env, 'NOTIFY_LEASE_SECONDS', 30, 2, 3600),
      retryBaseMs: integer(env, 'NOTIFY_RETRY_BASE_MS', 500, 10, 60_000),
      retryMaxSeconds: integer(env, 'NOTIFY_RETRY_MAX_SECONDS', 60, 1, 86_400),
      timeoutMs: integer(env, 'NOTIFY_TIMEOUT_MS', 10_000, 100, 300_000),
      refreshMs: integer(env, 'SUBSCRIPTIONS_REFRESH_MS', 500, 50, 60_000),
    },
    temporalRetentionDays: integer(env, 'TEMPORAL_RETENTION_DAYS', 0, 0, 100 * 366),
    requestsWebhookUrl,
    demoCity: {
      enabled: mode === 'demo' && oneOf(env, 'SIM_CITY', ['on', 'off'] as const, 'on') === 'on',
      size: oneOf(env, 'SIM_SIZE', ['tiny', 'small', 'city'] as const, 'small'),
      seed: integer(env, 'SIM_SEED', 1, 0, 2 ** 32 - 1),
      backfillHours: integer(env, 'SIM_BACKFILL_HOURS', 6, 0, 24 * 366),
    },
  };
}
