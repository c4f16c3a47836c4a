/**
 * Issue 4, item 3: two CityCloud processes on one PostgreSQL and one mosquitto. Devices publish 20,000 QoS 1
 * messages to the external broker; the nodes split them through a shared subscription. Every message must
 * become exactly one history instance, and every matching notification must reach its receiver (in a third
 * process) exactly once — counted, not sampled.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { testDatabaseUrl } from '../../src/platform/store/testing.ts';
import { type Mosquitto, mosquittoMissing, startMosquitto } from '../support/mqtt.ts';
import { createScratchDatabase, type ServerProcess, startServerProcess } from '../support/process.ts';

const DEVICES = Number(process.env.TWO_NODES_DEVICES ?? 50);
const PER_DEVICE = Number(process.env.TWO_NODES_PER_DEVICE ?? 400);
const MESSAGES = DEVICES * PER_DEVICE;
const PASSWORD = 'two-nodes-admin-password';
/** Devices write with the core @context: `temperature` expands through its @vocab. */
const TEMPERATURE = 'https://uri.etsi.org/ngsi-ld/default-context/temperature';
const skip = !testDatabaseUrl ? 'needs PostgreSQL (DATABASE_URL): two processes share one database' : mosquittoMissing;

interface Receiver {
  url: string;
  child: ChildProcess;
  records(): Promise<Array<{ path: string; body: { data: Array<Record<string, unknown>> } }>>;
}

async function startReceiver(): Promise<Receiver> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', COUNT: '1' };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [path.join(import.meta.dirname, '../notifications/receiver.mjs')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const port = /listening (\d+)/.exec(line.toString())?.[1];
  assert.ok(port, `the receiver did not say its port: ${line}`);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    async records() {
      const all: Array<{ path: string; body: { data: Array<Record<string, unknown>> } }> = [];
      for (;;) {
        const page = (await (await fetch(`${url}/records?from=${all.length}`)).json()) as { total: number; records: typeof all };
        all.push(...page.records);
        if (page.records.length === 0 || all.length >= page.total) return all;
      }
    },
  };
}

async function until<T>(what: () => string, check: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('two CityCloud nodes on one PostgreSQL and one mosquitto', { skip }, () => {
  let db: { url: string; drop(): Promise<void> };
  let broker: Mosquitto;
  const nodes: ServerProcess[] = [];
  let receiver: Receiver;
  let sql: pg.Client;
  let token: string;
  const group = `cc-test-${randomBytes(4).toString('hex')}`;
  const devices: Array<{ id: string; key: string }> = [];

  const api = async (node: ServerProcess, method: string, url: string, body?: unknown) => {
    const response = await fetch(`${node.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  };

  before(async () => {
    db = await createScratchDatabase(testDatabaseUrl as string);
    // A broker of the test's own, configured as production should be: mosquitto's default queue of 1,000
    // messages per subscriber drops QoS 1 messages silently once consumers fall behind a burst.
    broker = await startMosquitto(['max_queued_messages 0', 'max_inflight_messages 0']);
    const env = {
      DATABASE_URL: db.url,
      MQTT_URL: broker.url,
      MQTT_SHARE_GROUP: group,
      CITYCLOUD_ADMIN_PASSWORD: PASSWORD,
      DEVICE_RATE_LIMIT: '0',
    };
    // The first node migrates; the second starts on the migrated database (both would be safe: migrations take a lock).
    nodes.push(await startServerProcess(env));
    nodes.push(await startServerProcess(env));
    const login = await fetch(`${nodes[0]?.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    receiver = await startReceiver();
  });

  after(async () => {
    receiver?.child.kill('SIGTERM');
    await sql?.end().catch(() => undefined);
    await Promise.all(
      nodes.map(async (n) => {
        n.process.kill('SIGTERM');
        await n.exited;
      }),
    );
    await db?.drop();
    await broker?.stop();
  });

  test(`${MESSAGES.toLocaleString('en')} device messages: one history instance each, each notification delivered exactly once`, { timeout: 600_000 }, async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    // Devices registered on node A, the subscription on node B: each node must see the other's work.
    for (let d = 0; d < DEVICES; d++) {
      const id = `${group}-station-${d}`;
      const registered = await api(a, 'POST', '/api/v1/devices', {
        id,
        entityType: 'WeatherObserved',
        entityId: `urn:ngsi-ld:WeatherObserved:${id}`,
        attributes: [{ key: 't', name: 'temperature', unitCode: 'CEL' }],
      });
      assert.equal(registered.status, 201, registered.text);
      devices.push({ id, key: registered.json().key });
    }
    const subscribed = await fetch(`${b.url}/ngsi-ld/v1/subscriptions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        type: 'Subscription',
        entities: [{ type: 'WeatherObserved' }],
        watchedAttributes: ['temperature'],
        notification: { format: 'keyValues', attributes: ['temperature'], endpoint: { uri: `${receiver.url}/weather`, accept: 'application/json' } },
      }),
    });
    assert.equal(subscribed.status, 201, await subscribed.text());
    // Node A learns of B's subscription by its refresh (SUBSCRIPTIONS_REFRESH_MS, 500 ms by default).
    await new Promise((r) => setTimeout(r, 2000));

    // Publish: every device's 400 readings, values 0…399 with one observedAt per second, interleaved across devices.
    const publishers: MqttClient[] = await Promise.all(
      Array.from({ length: 4 }, () => mqtt.connectAsync(broker.url, { reconnectPeriod: 0, protocolVersion: 5 })),
    );
    const base = Date.UTC(2026, 10, 1, 0, 0, 0);
    const started = performance.now();
    const window: Array<Promise<unknown>> = [];
    for (let n = 0; n < PER_DEVICE; n++) {
      for (let d = 0; d < DEVICES; d++) {
        const device = devices[d] as { id: string; key: string };
        const payload = JSON.stringify({ t: n, TimeInstant: new Date(base + n * 1000).toISOString() });
        const client = publishers[(n * DEVICES + d) % publishers.length] as MqttClient;
        window.push(client.publishAsync(`/${device.key}/${device.id}/attrs`, payload, { qos: 1 }));
        if (window.length >= 400) await Promise.all(window.splice(0));
      }
    }
    await Promise.all(window);
    const published = performance.now() - started;
    await Promise.all(publishers.map((c) => c.endAsync()));

    // Every message becomes exactly one history instance.
    let recorded = '0';
    const history = await until(
      () => `${MESSAGES} history instances (got ${recorded}); node logs:\n${nodes.map((n) => n.output().slice(-3000)).join('\n---\n')}`,
      async () => {
        const rows = await sql.query<{ total: string; distinct: string }>(
          `SELECT count(*) AS total, count(DISTINCT (s.entity_id, i.observed_at)) AS distinct
           FROM temporal_instances i JOIN temporal_series s ON s.id = i.series WHERE s.attr = $1`,
          [TEMPERATURE],
        );
        const row = rows.rows[0] as { total: string; distinct: string };
        recorded = row.total;
        return Number(row.total) >= MESSAGES ? row : undefined;
      },
      300_000,
    );
    const ingested = performance.now() - started;
    assert.equal(Number(history.total), MESSAGES, 'one history instance per message, no more');
    assert.equal(Number(history.distinct), MESSAGES, 'no message recorded twice');

    // Every matching notification delivered exactly once.
    let notified = 0;
    const items = await until(
      () => `${MESSAGES} notified values (got ${notified})`,
      async () => {
        const all = (await receiver.records()).flatMap((r) => r.body.data);
        notified = all.length;
        return all.length >= MESSAGES ? all : undefined;
      },
      300_000,
    );
    // Wait a little longer: a duplicate would arrive after the last expected one.
    await new Promise((r) => setTimeout(r, 3000));
    const final = (await receiver.records()).flatMap((r) => r.body.data);
    const keys = final.map((item) => `${item.id} ${item.temperature}`);
    assert.equal(new Set(keys).size, MESSAGES, 'every value notified');
    assert.equal(final.length, MESSAGES, `no value notified twice (${final.length - new Set(keys).size} duplicates)`);
    assert.ok(items.length >= MESSAGES);

    // Both nodes did part of the work (the shared subscription split the messages).
    const accepted = await Promise.all(
      nodes.map(async (node) => {
        const text = await (await fetch(`${node.url}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith('citycloud_device_messages_total{') && l.includes('outcome="accepted"'));
        return Number(line?.split(' ').pop() ?? 0);
      }),
    );
    assert.equal(
      accepted.reduce((x, y) => x + y, 0),
      MESSAGES,
      `accepted per node: ${accepted.join(', ')}`,
    );
    assert.ok(
      accepted.every((n) => n > 0),
      `both nodes consumed: ${accepted.join(', ')}`,
    );
    console.log(
      `two nodes: published ${MESSAGES} in ${Math.round(published)} ms; all in history after ${Math.round(ingested)} ms; accepted per node ${accepted.join(' / ')}`,
    );
  });
});
