/** Test support for alarms: a whole platform on a store that can be closed and opened again (restart), users, and HTTP helpers. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { InjectOptions } from 'fastify';
import { createPlatform, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config/config.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { openPgliteStore } from '../../src/platform/store/pglite.ts';
import { dropPostgresSchema, openPostgresStore } from '../../src/platform/store/postgres.ts';
import type { Store } from '../../src/platform/store/store.ts';
import { testDatabaseUrl } from '../../src/platform/store/testing.ts';
import { ADMIN_PASSWORD, bearer } from '../support/platform.ts';

/** A database that outlives a platform: a PGlite data directory, or a schema of the test PostgreSQL (DATABASE_URL). */
export interface DurableStore {
  open(): Promise<Store>;
  /** Removes the data (after the last platform on it closed). */
  dispose(): Promise<void>;
}

export function durableStore(): DurableStore {
  if (testDatabaseUrl) {
    const url = testDatabaseUrl;
    const schema = `t_alarms_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    return { open: () => openPostgresStore({ connectionString: url, schema, maxConnections: 5 }), dispose: () => dropPostgresSchema(url, schema) };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-alarms-'));
  return {
    open: () => openPgliteStore(dir),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface AlarmsWorld {
  platform: Platform;
  admin: string;
  operator: string;
  officer: string;
  citizen: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions; a wrong field fails the test
  call(token: string | undefined, method: InjectOptions['method'], url: string, payload?: unknown): Promise<{ status: number; body: any }>;
  /** Writes entities through the NGSI-LD API (batch upsert; `update` merges into what is there). */
  upsert(entities: unknown[], mode?: 'replace' | 'update'): Promise<void>;
  logText(): string;
  /** Closes the platform (its store is closed with it; the data stays). */
  close(): Promise<void>;
}

/** A platform on `durable` (opened now); users are created on the first start and logged in on later ones. */
export async function startAlarmsWorld(durable: DurableStore): Promise<AlarmsWorld> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const config = loadConfig({ CITYCLOUD_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'info', WEB_DIR: '/nonexistent' });
  const store = await durable.open();
  const platform = await createPlatform(config, { logger: createLogger('info', sink), store, processMetrics: false });
  // The engines are primed in the background; a restarted city's rules should see what the hub held.
  await platform.alarms.ready;
  const call: AlarmsWorld['call'] = async (token, method, url, payload) => {
    const response = await platform.server.inject({
      method,
      url,
      headers: token ? bearer(token) : {},
      ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}),
    });
    const type = String(response.headers['content-type'] ?? '');
    return { status: response.statusCode, body: type.includes('json') ? response.json() : response.body };
  };
  const login = async (username: string, password: string) => {
    const response = await call(undefined, 'POST', '/api/v1/auth/login', { username, password });
    assert.equal(response.status, 200, `login of ${username}: ${JSON.stringify(response.body)}`);
    return response.body.accessToken as string;
  };
  const admin = await login('admin', ADMIN_PASSWORD);
  const user = async (username: string, roles: string[]) => {
    const created = await call(admin, 'POST', '/api/v1/users', { username, password: `${username}-password`, roles });
    assert.ok(created.status === 201 || created.status === 409, JSON.stringify(created.body));
    return login(username, `${username}-password`);
  };
  const operator = await user('duty-operator', ['operator']);
  const officer = await user('patrol-officer', ['officer']);
  const citizen = await user('resident', ['citizen']);
  return {
    platform,
    admin,
    operator,
    officer,
    citizen,
    call,
    async upsert(entities, mode = 'replace') {
      const response = await call(admin, 'POST', `/ngsi-ld/v1/entityOperations/upsert${mode === 'update' ? '?options=update' : ''}`, entities);
      assert.ok(response.status === 201 || response.status === 204, `upsert: ${response.status} ${JSON.stringify(response.body)}`);
    },
    logText: () => lines.join(''),
    close: () => platform.close(),
  };
}

/** An air-quality station reading (normalized NGSI-LD) with pm25 observed at `at`. */
export function airQuality(id: string, pm25: number, at: number, extra: Record<string, unknown> = {}) {
  return {
    id: `urn:ngsi-ld:AirQualityObserved:${id}`,
    type: 'AirQualityObserved',
    pm25: { type: 'Property', value: pm25, observedAt: new Date(at).toISOString() },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.1, 30.25] } },
    district: { type: 'Property', value: 'xihu' },
    ...extra,
  };
}

/** A rule on AirQualityObserved used across the tests (no defaults rule fires on these readings). */
export function pm25Rule(extra: Record<string, unknown> = {}) {
  return {
    id: 'pm25-spike',
    name: { zh: 'PM2.5 骤升', en: 'PM2.5 spike' },
    entityType: 'AirQualityObserved',
    condition: 'pm25 > 200',
    clear: 'pm25 < 100',
    alarmType: 'pm25Spike',
    category: 'environment',
    severity: 'major',
    description: { zh: 'PM2.5 超过 200 µg/m³', en: 'PM2.5 above 200 µg/m³' },
    ...extra,
  };
}
