/** QoS 1 measurements acknowledged by the embedded broker survive kill -9 of the server, on both drivers. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { contractDrivers, testDatabaseUrl } from '../../src/platform/store/testing.ts';
import { createScratchDatabase, startServerProcess } from '../support/process.ts';
import { connect } from './support.ts';

const ADMIN = 'durable-admin-pass';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const driver of contractDrivers()) {
  describe(`device ingest durability on ${driver}`, () => {
    const cleanups: Array<() => Promise<void> | void> = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    test('every measurement acknowledged before kill -9 is in the entity after restart', async () => {
      let storage: Record<string, string>;
      if (driver === 'pglite') {
        const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-device-durability-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        storage = { DATA_DIR: dir };
      } else {
        const db = await createScratchDatabase(testDatabaseUrl as string);
        cleanups.push(() => db.drop());
        storage = { DATABASE_URL: db.url };
      }
      const mqttPort = await freePort();
      const env = { ...storage, CITYCLOUD_ADMIN_PASSWORD: ADMIN, MQTT_PORT: String(mqttPort), DEVICE_RATE_LIMIT: '0' };
      const first = await startServerProcess(env);
      cleanups.push(() => void first.process.kill('SIGKILL'));
      const login = await fetch(`${first.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
      const token = ((await login.json()) as { accessToken: string }).accessToken;
      const registered = await fetch(`${first.url}/api/v1/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ id: 'counter-1', entityType: 'Counter' }),
      });
      const { key } = (await registered.json()) as { key: string };

      const client = await connect(`mqtt://127.0.0.1:${mqttPort}`, { username: 'counter-1', password: key });
      let highest = -1;
      // Publishes keep going while the server is killed: the highest acknowledged one must survive.
      const publishing = (async () => {
        for (let n = 0; n < 100_000; n++) {
          try {
            await client.publishAsync(`/${key}/counter-1/attrs`, `{"n": ${n}}`, { qos: 1 });
            highest = n;
          } catch {
            return;
          }
        }
      })();
      while (highest < 200) await new Promise((resolve) => setTimeout(resolve, 20));
      first.process.kill('SIGKILL');
      assert.equal(await first.exited, 'SIGKILL');
      client.end(true);
      await publishing;
      const acknowledged = highest;

      const second = await startServerProcess({ ...env, MQTT_PORT: '0' });
      cleanups.push(async () => {
        second.process.kill('SIGTERM');
        await second.exited;
      });
      const again = await fetch(`${second.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
      const token2 = ((await again.json()) as { accessToken: string }).accessToken;
      const entity = await fetch(`${second.url}/ngsi-ld/v1/entities/urn:ngsi-ld:Counter:counter-1`, { headers: { authorization: `Bearer ${token2}` } });
      assert.equal(entity.status, 200);
      const n = ((await entity.json()) as { n: { value: number } }).n.value;
      // In order on one connection: the stored value is at least the last acknowledged one.
      assert.ok(n >= acknowledged, `stored n=${n}, but n=${acknowledged} was acknowledged`);
    });
  });
}
