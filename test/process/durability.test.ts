/** An acknowledged write survives kill -9, on both drivers; SIGTERM stops the server cleanly. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { contractDrivers, testDatabaseUrl } from '../../src/platform/store/testing.ts';
import { createScratchDatabase, startServerProcess } from '../support/process.ts';

const ADMIN = 'durable-admin-pass';

async function login(url: string, username: string, password: string): Promise<Response> {
  return fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

for (const driver of contractDrivers()) {
  describe(`durability on ${driver}`, () => {
    const cleanups: Array<() => Promise<void> | void> = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    async function storageEnv(): Promise<Record<string, string>> {
      if (driver === 'pglite') {
        const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-durability-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        return { DATA_DIR: dir };
      }
      const db = await createScratchDatabase(testDatabaseUrl as string);
      cleanups.push(() => db.drop());
      return { DATABASE_URL: db.url };
    }

    test('writes acknowledged just before kill -9 are there after restart', async () => {
      const env = { ...(await storageEnv()), CITYCLOUD_ADMIN_PASSWORD: ADMIN };
      const first = await startServerProcess(env);
      const token = ((await (await login(first.url, "admin", ADMIN)).json()) as { accessToken: string }).accessToken;
      // Several writes in flight at once, each acknowledged, then the process dies without warning.
      const usernames = Array.from({ length: 5 }, (_, i) => `survivor${i}`);
      const acks = await Promise.all(
        usernames.map((username) =>
          fetch(`${first.url}/api/v1/users`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ username, password: 'survivor-pass', roles: ['citizen'] }),
          }),
        ),
      );
      assert.deepEqual(
        acks.map((r) => r.status),
        [201, 201, 201, 201, 201],
      );
      first.process.kill('SIGKILL');
      assert.equal(await first.exited, 'SIGKILL');

      const second = await startServerProcess(env);
      try {
        for (const username of usernames) {
          const response = await login(second.url, username, 'survivor-pass');
          assert.equal(response.status, 200, `${username} lost after kill -9`);
        }
        assert.doesNotMatch(second.output(), /Password:/, 'the first admin is not created twice');
      } finally {
        second.process.kill('SIGTERM');
        await second.exited;
      }
    });

    test('SIGTERM finishes cleanly (exit 0) and the store opens again', async () => {
      const env = { ...(await storageEnv()), CITYCLOUD_ADMIN_PASSWORD: ADMIN };
      const first = await startServerProcess(env);
      first.process.kill('SIGTERM');
      assert.equal(await first.exited, 0, `server output:\n${first.output()}`);
      const second = await startServerProcess(env);
      try {
        assert.equal((await login(second.url, 'admin', ADMIN)).status, 200);
      } finally {
        second.process.kill('SIGINT');
        assert.equal(await second.exited, 0);
      }
    });
  });
}
