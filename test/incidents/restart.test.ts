/** Restart loses nothing: an open incident, its units and its timeline are all in the store, on either driver. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { createPlatform, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config/config.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { suiteDriver, testDatabaseUrl } from '../../src/platform/store/testing.ts';
import { createScratchDatabase } from '../support/process.ts';
import { alert, caller, hubEntity, north, SCENE, unit, upsert } from './support.ts';

const ADMIN = 'restart-admin-password';

async function start(storage: Record<string, string>): Promise<{ platform: Platform; token: string }> {
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const config = loadConfig({ CITYCLOUD_ADMIN_PASSWORD: ADMIN, LOG_LEVEL: 'warn', WEB_DIR: '/nonexistent', MQTT_PORT: '0', ...storage });
  const platform = await createPlatform(config, { logger: createLogger('warn', sink), processMetrics: false });
  const login = await platform.server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: ADMIN } });
  return { platform, token: login.json<{ accessToken: string }>().accessToken };
}

describe(`incidents across a restart on ${suiteDriver}`, () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('the open incident, its units and its timeline are there after the platform closes and reopens on the same store', async () => {
    let storage: Record<string, string>;
    if (testDatabaseUrl) {
      const db = await createScratchDatabase(testDatabaseUrl);
      cleanups.push(() => db.drop());
      storage = { DATABASE_URL: db.url };
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-incidents-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      storage = { DATA_DIR: dir };
    }
    const first = await start(storage);
    let call = caller(first.platform);
    await upsert(call, first.token, [unit('fe-1', 'fireEngine', north(300)), unit('fe-2', 'fireEngine', north(600)), alert('a-1', 'fire', SCENE)]);
    await first.platform.incidents.idle();
    const [opened] = (await call(first.token, 'GET', '/api/v1/incidents')).body.incidents;
    assert.ok(opened, 'the alert opened an incident');
    const dispatched = await call(first.token, 'POST', `/api/v1/incidents/${opened.id}/dispatch`, { unitIds: ['urn:ngsi-ld:EmergencyVehicle:fe-1', 'urn:ngsi-ld:EmergencyVehicle:fe-2'] });
    assert.equal(dispatched.status, 200, JSON.stringify(dispatched.body));
    const enRoute = await call(first.token, 'POST', `/api/v1/incidents/${opened.id}/units/${encodeURIComponent('urn:ngsi-ld:EmergencyVehicle:fe-1')}/status`, { status: 'enRoute' });
    assert.equal(enRoute.status, 200);
    const beforeView = (await call(first.token, 'GET', `/api/v1/incidents/${opened.id}`)).body;
    await first.platform.close();

    const second = await start(storage);
    cleanups.push(() => second.platform.close());
    call = caller(second.platform);
    const afterView = (await call(second.token, 'GET', `/api/v1/incidents/${opened.id}`)).body;
    assert.deepEqual(afterView, beforeView);
    assert.equal(afterView.status, 'open');
    assert.deepEqual(
      afterView.units.map((u: { status: string }) => u.status),
      ['enRoute', 'dispatched'],
    );
    assert.deepEqual(
      afterView.timeline.map((e: { kind: string }) => e.kind),
      ["opened", "alarmJoined", "dispatched", "dispatched", "unitStatus"],
    );
    // Still working after the restart: the unit's own report is followed, and the same alert changing joins nothing twice.
    await upsert(call, second.token, [{ id: 'urn:ngsi-ld:EmergencyVehicle:fe-1', type: 'EmergencyVehicle', status: { type: 'Property', value: 'onScene' } }, alert('a-1', 'fire', SCENE)]);
    await second.platform.incidents.idle();
    const now = (await call(second.token, 'GET', `/api/v1/incidents/${opened.id}`)).body;
    assert.equal(now.units[0].status, 'onScene');
    assert.deepEqual(now.alarmIds, ['a-1']);
    assert.equal((await hubEntity(call, second.token, 'urn:ngsi-ld:EmergencyVehicle:fe-2')).status, 'dispatched');
  });
});
