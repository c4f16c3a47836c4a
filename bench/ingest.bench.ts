/**
 * MQTT ingest benchmark: QoS 1 publishers in a separate process, through CityCloud's embedded broker,
 * into entities (and their temporal history), counted end to end (a PUBACK is sent only after the commit,
 * and the devices' message counts are checked against what was sent). Same-run baseline: a bare aedes
 * broker (no processing) receiving the same messages from the same publisher process.
 *
 * The same file runs the two helper processes: `--publisher` and `--bare-broker`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import pg from 'pg';
import { ROOT, SERVER_NODE_FLAGS } from '../test/support/process.ts';
import { benchStore, type Driver, fmt, type RunningCityCloud, startCityCloud } from './harness.ts';
import type { BenchResult } from './report.ts';

const MESSAGES = Number(process.env.BENCH_INGEST_MESSAGES ?? 100_000);
const DEVICES = Number(process.env.BENCH_INGEST_DEVICES ?? 500);
const CONNECTIONS = Number(process.env.BENCH_INGEST_CONNECTIONS ?? 10);
/** Unacknowledged QoS 1 messages each publisher connection keeps in flight. */
const WINDOW = Number(process.env.BENCH_INGEST_WINDOW ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const TARGET = 'target on PostgreSQL ≥ 10,000 messages/s and ≥ 0.6 of bare aedes';

interface PublisherPlan {
  url: string;
  username: string;
  password: string;
  devices: Array<{ id: string; key: string }>;
  messages: number;
  connections: number;
  window: number;
}

interface PublisherResult {
  acked: number;
  seconds: number;
  errors: number;
}

// ---- helper process: the publisher ----

async function publish(plan: PublisherPlan): Promise<PublisherResult> {
  const clients = await Promise.all(
    Array.from({ length: plan.connections }, (_, i) =>
      mqtt.connectAsync(plan.url, { username: plan.username, password: plan.password, clientId: `bench-pub-${process.pid}-${i}`, reconnectPeriod: 0 }),
    ),
  );
  let next = 0;
  let acked = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      await Promise.all(
        Array.from({ length: plan.window }, async () => {
          for (;;) {
            const n = next++;
            if (n >= plan.messages) return;
            const device = plan.devices[n % plan.devices.length] as { id: string; key: string };
            try {
              await client.publishAsync(`/${device.key}/${device.id}/attrs`, `{"t":${(n % 401) / 10},"h":${n % 97}}`, { qos: 1 });
              acked++;
            } catch {
              errors++;
            }
          }
        }),
      );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  return { acked, seconds, errors };
}

// ---- helper process: aedes with no processing ----

async function bareBroker(): Promise<void> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`port ${(server.address() as { port: number }).port}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    broker.close(() => process.exit(0));
  });
}

// ---- the benchmark ----

async function runPublisher(plan: PublisherPlan): Promise<PublisherResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/ingest.bench.ts'), '--publisher'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify(plan));
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the publisher exited with ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').pop() as string) as PublisherResult;
}

/** aedes with no processing, in a process of its own (the MQTT baselines of ingest and the simulator's backfill). */
export async function startBareBroker(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', path.join(ROOT, 'bench/ingest.bench.ts'), '--bare-broker'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /port (\d+)\n/.exec(text);
      if (match) resolve(match[1] as string);
    });
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function api<T>(server: RunningCityCloud, method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (response.status >= 300) throw new Error(`${method} ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return (await response.json()) as T;
}

async function registerDevices(server: RunningCityCloud): Promise<Array<{ id: string; key: string }>> {
  const devices: Array<{ id: string; key: string }> = [];
  for (let i = 0; i < DEVICES; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, DEVICES - i) }, (_, k) => {
        const id = `bench-th-${String(i + k).padStart(5, '0')}`;
        return api<{ key: string }>(server, 'POST', '/api/v1/devices', {
          id,
          entityType: 'WeatherObserved',
          attributes: [
            { key: 't', name: 'temperature', unitCode: 'CEL' },
            { key: 'h', name: 'relativeHumidity', unitCode: 'P1' },
          ],
        }).then(({ key }) => ({ id, key }));
      }),
    );
    devices.push(...batch);
  }
  return devices;
}

async function storedMessages(server: RunningCityCloud): Promise<number> {
  const { devices } = await api<{ devices: Array<{ messageCount: number }> }>(server, 'GET', '/api/v1/devices');
  return devices.reduce((sum, d) => sum + d.messageCount, 0);
}

async function historyRows(databaseUrl: string | undefined): Promise<number | undefined> {
  if (!databaseUrl) return undefined;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('SELECT ((SELECT count(*) FROM temporal_instances) + (SELECT coalesce(sum(cardinality(observed_at)), 0) FROM temporal_packs))::int AS n');
    return rows[0]?.n;
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

export async function benchIngest(drivers: Driver[], databaseUrl: string | undefined): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    const store = await benchStore(driver, databaseUrl);
    const mqttPort = await freePort();
    let server: RunningCityCloud | undefined;
    const bare = await startBareBroker();
    try {
      server = await startCityCloud(store, { MQTT_PORT: String(mqttPort), DEVICE_RATE_LIMIT: '0' });
      console.log(`ingest (${driver}): registering ${fmt(DEVICES)} devices…`);
      const devices = await registerDevices(server);
      const { key: gatewayKey } = await api<{ key: string }>(server, 'POST', '/api/v1/keys', { name: 'bench gateway', role: 'operator' });
      const plan = (url: string, messages: number): PublisherPlan => ({
        url,
        username: 'bench-gateway',
        password: gatewayKey,
        devices,
        messages,
        connections: CONNECTIONS,
        window: WINDOW,
      });
      // Warm-up: JIT, key cache, connection pools.
      await runPublisher(plan(`mqtt://127.0.0.1:${mqttPort}`, Math.min(5000, MESSAGES / 10)));
      for (let run = 1; run <= RUNS; run++) {
        console.log(`ingest (${driver}): ${fmt(MESSAGES)} QoS 1 messages, run ${run}…`);
        const before = await storedMessages(server);
        const historyBefore = await historyRows(store.databaseUrl);
        const city = await runPublisher(plan(`mqtt://127.0.0.1:${mqttPort}`, MESSAGES));
        const stored = (await storedMessages(server)) - before;
        const historyAfter = await historyRows(store.databaseUrl);
        const base = await runPublisher(plan(bare.url, MESSAGES));
        const rate = city.acked / city.seconds;
        const baseRate = base.acked / base.seconds;
        const history = historyBefore !== undefined && historyAfter !== undefined ? `; history instances written ${fmt(historyAfter - historyBefore)} (2 attributes per message)` : '';
        results.push({
          name: `MQTT ingest, QoS 1 JSON messages from ${CONNECTIONS} gateway connections in another process, ${fmt(DEVICES)} devices, into entities and history — run ${run}`,
          driver,
          figure: `${fmt(rate)} messages/s (acknowledged after commit; ${fmt(stored)} of ${fmt(MESSAGES)} counted in the store)`,
          baseline: `bare aedes, same messages, no processing: ${fmt(baseRate)} messages/s`,
          ratio: rate / baseRate,
          notes: `${fmt(MESSAGES)} messages, window ${WINDOW} per connection; publisher errors ${city.errors}/${base.errors}${history}; ${TARGET}`,
        });
        if (stored !== MESSAGES) console.log(`ingest (${driver}): WARNING: ${fmt(stored)} messages counted in the store, ${fmt(MESSAGES)} sent`);
      }
    } finally {
      await server?.stop();
      await bare.stop();
      await store.drop();
    }
  }
  return results;
}

if (process.argv.includes('--publisher')) {
  let input = '';
  process.stdin.on('data', (chunk) => {
    input += chunk;
  });
  await once(process.stdin, 'end');
  const result = await publish(JSON.parse(input) as PublisherPlan);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else if (process.argv.includes('--bare-broker')) {
  await bareBroker();
}
