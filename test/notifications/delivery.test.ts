/**
 * Delivery that loses nothing, end to end with real processes: CityCloud as `citycloud serve` and HTTP receivers
 * each in its own process. On PGlite by default, on PostgreSQL (a scratch database) with DATABASE_URL.
 * - a receiver down for 60 s gets every notification it missed, in order per entity, and the other receivers see
 *   no delay meanwhile (their latency is measured before and during the outage);
 * - CityCloud killed (kill -9) in the middle of a stream of writes and started again: every acknowledged write is
 *   notified to every receiver, in order per entity.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { suiteDriver, testDatabaseUrl } from '../../src/platform/store/testing.ts';
import { createScratchDatabase, type ServerProcess, startServerProcess } from '../support/process.ts';
import { type ReceivedNotification, type ReceiverProcess, spawnReceiver, until } from './support.ts';

const ADMIN = 'delivery-admin-pass';
const OUTAGE_MS = Number(process.env.NOTIFY_TEST_OUTAGE_MS ?? 60_000);
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function storageEnv(): Promise<Record<string, string>> {
  if (suiteDriver === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-delivery-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return { DATA_DIR: dir };
  }
  const db = await createScratchDatabase(testDatabaseUrl as string);
  cleanups.push(() => db.drop());
  return { DATABASE_URL: db.url };
}

async function startCityCloud(env: Record<string, string>): Promise<{ server: ServerProcess; token: string }> {
  const server = await startServerProcess({ ...env, CITYCLOUD_ADMIN_PASSWORD: ADMIN });
  cleanups.push(async () => {
    if (server.process.exitCode === null && server.process.signalCode === null) {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN }),
  });
  assert.equal(login.status, 200);
  return { server, token: ((await login.json()) as { accessToken: string }).accessToken };
}

function api(url: string, token: string) {
  return (method: string, pathname: string, body?: unknown) =>
    fetch(`${url}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
}

async function receiver(port = 0): Promise<ReceiverProcess> {
  const r = await spawnReceiver(port);
  cleanups.push(() => r.stop());
  return r;
}

/** Per entity, the `seq` values received, in the order received. */
function sequences(records: ReceivedNotification[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of records) {
    for (const item of r.body.data) {
      const list = out.get(item.id as string) ?? [];
      list.push(typeof item.seq === 'object' && item.seq !== null ? (item.seq as { value: number }).value : (item.seq as number));
      out.set(item.id as string, list);
    }
  }
  return out;
}

/**
 * In order per entity: every value arrives for the first time after every smaller one. A value seen before may come
 * again (at-least-once: a notification sent but not yet acknowledged when the process died is sent again).
 */
function assertInOrder(seqs: Map<string, number[]>, who: string): void {
  for (const [id, list] of seqs) {
    const seen = new Set<number>();
    let highest = Number.NEGATIVE_INFINITY;
    for (const value of list) {
      if (!seen.has(value)) {
        assert.ok(value > highest, `${who}: ${id} got ${value} for the first time after ${highest}`);
        highest = value;
        seen.add(value);
      }
    }
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ENTITIES = Array.from({ length: 10 }, (_, i) => `urn:ngsi-ld:Sensor:delivery-${i}`);

async function subscribeAll(call: ReturnType<typeof api>, receivers: ReceiverProcess[]): Promise<void> {
  for (const [i, r] of receivers.entries()) {
    const response = await call('POST', '/ngsi-ld/v1/subscriptions', {
      id: `urn:ngsi-ld:Subscription:delivery-${i}`,
      type: 'Subscription',
      entities: [{ type: 'Sensor' }],
      notification: { format: 'keyValues', endpoint: { uri: `${r.url}/notify` } },
    });
    assert.equal(response.status, 201, await response.text());
  }
}

describe(`notification delivery with receivers in other processes (${suiteDriver})`, () => {
  test(`a receiver down for ${OUTAGE_MS / 1000} s gets everything it missed, in order, and the others see no delay`, { timeout: OUTAGE_MS + 180_000 }, async () => {
    const { server, token } = await startCityCloud({ ...(await storageEnv()), NOTIFY_RETRY_MAX_SECONDS: '2', NOTIFY_RETRY_BASE_MS: '200' });
    const call = api(server.url, token);
    let down = await receiver();
    const others = [await receiver(), await receiver()];
    await subscribeAll(call, [down, ...others]);
    for (const id of ENTITIES) {
      const r = await call('POST', '/ngsi-ld/v1/entities', { id, type: 'Sensor', seq: { type: 'Property', value: 0 }, sentAt: { type: 'Property', value: Date.now() } });
      assert.equal(r.status, 201);
    }

    // About 20 updates a second: each entity every 500 ms.
    let step = 0;
    let phase: 'before' | 'outage' | 'after' = 'before';
    const phaseOf = new Map<number, string>();
    const writer = (async () => {
      const end = Date.now() + OUTAGE_MS + 10_000;
      while (Date.now() < end) {
        const tick = Date.now();
        step++;
        phaseOf.set(step, phase);
        const responses = await Promise.all(
          ENTITIES.map((id) =>
            call('PATCH', `/ngsi-ld/v1/entities/${encodeURIComponent(id)}/attrs`, {
              seq: { type: 'Property', value: step },
              sentAt: { type: 'Property', value: Date.now() },
            }),
          ),
        );
        for (const r of responses) assert.equal(r.status, 204);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 500 - (Date.now() - tick))));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 5000));
    const port = down.port;
    phase = 'outage';
    await down.stop();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    down = await receiver(port);
    phase = 'after';
    await writer;
    const lastStep = step;

    // Everything reaches every receiver: the restarted one included (it lost the records of its first life,
    // so it must at least have everything from the outage on).
    const complete = async (r: ReceiverProcess, from: number) => {
      const { records } = await r.records();
      const seqs = sequences(records);
      return ENTITIES.every((id) => {
        const got = new Set(seqs.get(id));
        for (let s = from; s <= lastStep; s++) if (!got.has(s)) return false;
        return true;
      })
        ? records
        : undefined;
    };
    const firstOutageStep = Math.min(...[...phaseOf].filter(([, p]) => p === 'outage').map(([s]) => s));
    const recovered = await until(() => complete(down, firstOutageStep), 60_000, 'the recovered receiver to catch up', 500);
    assertInOrder(sequences(recovered), 'recovered receiver');

    for (const [i, r] of others.entries()) {
      const records = await until(() => complete(r, 1), 30_000, `receiver ${i} to have everything`, 500);
      assertInOrder(sequences(records), `receiver ${i}`);
      const latency = { before: [] as number[], outage: [] as number[] };
      for (const record of records) {
        for (const item of record.body.data) {
          const p = phaseOf.get((item.seq as number) ?? -1);
          if (p === 'before' || p === 'outage') latency[p].push(record.at - (item.sentAt as number));
        }
      }
      const before = percentile(latency.before, 99);
      const during = percentile(latency.outage, 99);
      console.log(`receiver ${i}: p99 update-to-receipt ${before.toFixed(1)} ms before the outage, ${during.toFixed(1)} ms during it (${latency.outage.length} notifications)`);
      assert.ok(latency.outage.length > 100, 'it kept receiving during the outage');
      // A dead receiver next door must not slow this one down: seconds of retries would show here.
      assert.ok(during < Math.max(500, before * 3), `p99 during the outage ${during} ms vs ${before} ms before`);
    }
  });

  test('CityCloud killed in the middle and started again: every acknowledged write is notified, in order', { timeout: 240_000 }, async () => {
    const env = { ...(await storageEnv()), NOTIFY_LEASE_SECONDS: '3', NOTIFY_RETRY_MAX_SECONDS: '2' };
    const receivers = [await receiver(), await receiver()];
    let { server, token } = await startCityCloud(env);
    await subscribeAll(api(server.url, token), receivers);
    for (const id of ENTITIES) {
      const r = await api(server.url, token)('POST', '/ngsi-ld/v1/entities', { id, type: 'Sensor', seq: { type: 'Property', value: 0 }, sentAt: { type: 'Property', value: 0 } });
      assert.equal(r.status, 201);
    }
    const acknowledged = new Map<string, Set<number>>(ENTITIES.map((id) => [id, new Set([0])]));
    let seq = 0;
    const writeRound = async (url: string, bearer: string) => {
      seq++;
      const value = seq;
      await Promise.all(
        ENTITIES.map(async (id) => {
          try {
            const r = await api(url, bearer)('PATCH', `/ngsi-ld/v1/entities/${encodeURIComponent(id)}/attrs`, {
              seq: { type: 'Property', value },
              sentAt: { type: 'Property', value: Date.now() },
            });
            if (r.status === 204) acknowledged.get(id)?.add(value);
          } catch {
            // The process died under this request: not acknowledged, so not owed.
          }
        }),
      );
    };
    // Writes flow; in the middle of them the process is killed without warning.
    const first = (async () => {
      for (let i = 0; i < 200; i++) await writeRound(server.url, token);
    })();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    server.process.kill('SIGKILL');
    await first;
    await server.exited;
    ({ server, token } = await startCityCloud(env));
    for (let i = 0; i < 50; i++) await writeRound(server.url, token);

    for (const [i, r] of receivers.entries()) {
      const records = await until(
        async () => {
          const { records } = await r.records();
          const seqs = sequences(records);
          return ENTITIES.every((id) => [...(acknowledged.get(id) ?? [])].every((s) => seqs.get(id)?.includes(s))) ? records : undefined;
        },
        60_000,
        `receiver ${i} to have every acknowledged write`,
        500,
      );
      assertInOrder(sequences(records), `receiver ${i}`);
    }
    const total = [...acknowledged.values()].reduce((n, s) => n + s.size, 0);
    assert.ok(total > 300, `writes acknowledged on both sides of the crash: ${total}`);
  });
});
