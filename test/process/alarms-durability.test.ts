/**
 * The command center across kill -9, on both drivers: a `for` duration half-way and an open incident with a unit on
 * its way both continue in the next process. The engine's state is written with its decisions every 200 ms; the
 * reading below is older than that when the process dies, as any duration of minutes is.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { contractDrivers, testDatabaseUrl } from '../../src/platform/store/testing.ts';
import { createScratchDatabase, type ServerProcess, startServerProcess } from '../support/process.ts';

const ADMIN = 'alarm-durable-admin';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions; a wrong field fails the test
type Body = any;

async function call(server: ServerProcess, token: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function adminToken(server: ServerProcess): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN }),
  });
  return ((await response.json()) as { accessToken: string }).accessToken;
}

const station = (pm25: number, at: number) => ({
  id: 'urn:ngsi-ld:AirQualityObserved:durable-1',
  type: 'AirQualityObserved',
  pm25: { type: 'Property', value: pm25, observedAt: new Date(at).toISOString() },
  location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.16, 30.27] } },
  district: { type: 'Property', value: 'xihu' },
});

const engine = {
  id: 'urn:ngsi-ld:EmergencyVehicle:durable-fe-1',
  type: 'EmergencyVehicle',
  name: { type: 'Property', value: '西湖消防车 D1' },
  vehicleKind: { type: 'Property', value: 'fireEngine' },
  status: { type: 'Property', value: 'available' },
  location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.161, 30.271] } },
};

for (const driver of contractDrivers()) {
  describe(`command center across kill -9 on ${driver}`, () => {
    const cleanups: Array<() => Promise<void> | void> = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    async function storageEnv(): Promise<Record<string, string>> {
      if (driver === 'pglite') {
        const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-alarms-durable-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        return { DATA_DIR: dir };
      }
      const db = await createScratchDatabase(testDatabaseUrl as string);
      cleanups.push(() => db.drop());
      return { DATABASE_URL: db.url };
    }

    test('a duration condition half-way and an open incident with a unit en route survive kill -9', async () => {
      const env = { ...(await storageEnv()), CITYCLOUD_ADMIN_PASSWORD: ADMIN };
      const first = await startServerProcess(env);
      let token = await adminToken(first);
      const rule = await call(first, token, 'POST', '/api/v1/alarms/rules', {
        id: 'pm25-held',
        name: { zh: 'PM2.5 持续超标', en: 'PM2.5 held high' },
        entityType: 'AirQualityObserved',
        condition: 'pm25 > 200',
        for: 'PT2M',
        alarmType: 'pm25Held',
        category: 'environment',
        severity: 'major',
      });
      assert.equal(rule.status, 201, JSON.stringify(rule.body));
      // Event time starts an hour ago, so the server's own clock cannot complete the two minutes by itself.
      const t0 = Date.now() - 3_600_000;
      const upsert = (server: ServerProcess, entities: unknown[]) => call(server, token, 'POST', '/ngsi-ld/v1/entityOperations/upsert?options=update', entities);
      assert.ok([201, 204].includes((await upsert(first, [station(260, t0), engine])).status));

      const opened = await call(first, token, 'POST', '/api/v1/incidents', { type: 'fire', title: '持久性演练', location: { lat: 30.27, long: 120.16 }, district: 'xihu' });
      assert.equal(opened.status, 201, JSON.stringify(opened.body));
      const incidentId = opened.body.id as string;
      assert.equal((await call(first, token, 'POST', `/api/v1/incidents/${incidentId}/dispatch`, { unitIds: [engine.id] })).status, 200);
      assert.equal((await call(first, token, 'POST', `/api/v1/incidents/${incidentId}/units/${encodeURIComponent(engine.id)}/status`, { status: 'enRoute' })).status, 200);

      const none = await call(first, token, 'GET', '/api/v1/alarms?status=all&type=pm25Held');
      assert.equal(none.body.total, 0, 'two minutes have not passed in event time');
      await sleep(1000); // longer than the alarms service's 200 ms flush: the hold is on disk, as any hold of minutes is
      first.process.kill('SIGKILL');
      assert.equal(await first.exited, 'SIGKILL');

      const second = await startServerProcess(env);
      try {
        token = await adminToken(second);
        assert.equal((await upsert(second, [station(270, t0 + 150_000)])).status, 204);
        let alarms: Body[] = [];
        for (let i = 0; i < 50 && alarms.length === 0; i++) {
          await sleep(100);
          alarms = (await call(second, token, 'GET', '/api/v1/alarms?status=all&type=pm25Held')).body.alarms;
        }
        assert.equal(alarms.length, 1, 'the hold that began before kill -9 completed after it');
        assert.equal(alarms[0].status, 'active');
        // Raised by this reading: without the hold restored from before the kill it would only start a new one.
        assert.equal(Date.parse(alarms[0].firstSeen), t0 + 150_000);

        const incident = await call(second, token, 'GET', `/api/v1/incidents/${incidentId}`);
        assert.equal(incident.status, 200);
        assert.equal(incident.body.status, 'open');
        const unit = incident.body.units.find((u: { unitId: string }) => u.unitId === engine.id);
        assert.equal(unit?.status, 'enRoute', JSON.stringify(incident.body.units));
        const kinds = incident.body.timeline.map((e: { kind: string }) => e.kind);
        assert.deepEqual(kinds, ['opened', 'dispatched', 'unitStatus']);
        // The incident goes on in the new process.
        assert.equal((await call(second, token, 'POST', `/api/v1/incidents/${incidentId}/units/${encodeURIComponent(engine.id)}/status`, { status: 'onScene' })).status, 200);
      } finally {
        second.process.kill('SIGTERM');
        await second.exited;
      }
    });
  });
}
