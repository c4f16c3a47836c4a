/**
 * City-scale simulator benchmark (issue 5, item 4): `citycloud simulate --size city` (≥ 5,000 sensors every minute)
 * backfilling history into CityCloud through its public interfaces, in a process of its own. It runs for
 * BENCH_SIM_SECONDS (default 300) of backfill out of BENCH_SIM_DAYS (default 30) asked, stops cleanly, and reports
 * messages/s, measurements/s and the projected time of the whole 30-day backfill. Same-run baseline: the same
 * generator and publisher sending the same messages to a bare aedes broker (no server processing).
 *
 * The same file runs the baseline helper process: `--bare-feed`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { PlatformClient } from '../src/sim/feed/client.ts';
import { DevicePublisher } from '../src/sim/feed/publisher.ts';
import type { FeedSummary } from '../src/sim/feed/tally.ts';
import { InFlightWindow } from '../src/sim/feed/window.ts';
import { CLI, ROOT } from '../test/support/process.ts';
import { HISTORY_CHUNK_TICKS, historyJson } from '../src/sim/feed/feeder.ts';
import type { DeviceSpec } from '../src/sim/model.ts';
import { ADMIN_PASSWORD, type BenchStore, benchStore, type Driver, fmt, type RunningCityCloud, startBareServer, startCityCloud } from './harness.ts';
import { startBareBroker } from './ingest.bench.ts';
import type { BenchResult } from './report.ts';

const SECONDS = Number(process.env.BENCH_SIM_SECONDS ?? 300);
const DAYS = Number(process.env.BENCH_SIM_DAYS ?? 30);
const SIZE = process.env.BENCH_SIM_SIZE ?? 'city';
const WINDOW = Number(process.env.BENCH_SIM_WINDOW ?? 256);
const CONNECTIONS = Number(process.env.BENCH_SIM_CONNECTIONS ?? 4);
const BASELINE_SECONDS = Number(process.env.BENCH_SIM_BASELINE_SECONDS ?? 60);
/** How the backfill sends device history: mqtt (every measurement as a device message) or temporal (the temporal API, newest over MQTT). */
const VIA = process.env.BENCH_SIM_VIA === 'temporal' ? 'temporal' : 'mqtt';
/** The live part starts here; history is the DAYS before it. */
const LIVE_START = '2025-04-01T00:00:00Z';
const SEED = 5;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `citycloud simulate` against the platform, stopped with SIGTERM after SECONDS (it sends what is pending and prints its summary). */
async function runSimulator(server: RunningCityCloud, mqttPort: number): Promise<FeedSummary> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const args = ['simulate', '--target', server.url, '--mqtt', `mqtt://127.0.0.1:${mqttPort}`, '--password', ADMIN_PASSWORD];
  args.push('--size', SIZE, '--seed', String(SEED), '--start', LIVE_START, '--backfill-days', String(DAYS), '--days', '0');
  args.push('--window', String(WINDOW), '--connections', String(CONNECTIONS), '--backfill-via', VIA);
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    process.stdout.write(chunk);
  });
  child.stderr.on('data', (chunk) => process.stderr.write(chunk));
  // The clock starts when the history starts: provisioning 5,000 devices is not the backfill.
  let timer: NodeJS.Timeout | undefined;
  const started = new Promise<void>((resolve) => {
    child.stdout.on('data', () => {
      if (/simulated city \(seed/.test(out)) resolve();
    });
  });
  void started.then(() => {
    if (SECONDS > 0) timer = setTimeout(() => child.kill('SIGTERM'), SECONDS * 1000);
  });
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{"summary"')) throw new Error(`the simulator exited with ${code}`);
  return (JSON.parse(last) as { summary: FeedSummary }).summary;
}

// ---- helper process: the same generator and publisher against a bare broker ----

interface BareFeedPlan {
  /** The bare aedes broker (mqtt) or the bare Fastify server (temporal). */
  url: string;
  via: 'mqtt' | 'temporal';
  seconds: number;
  size: string;
  days: number;
}

async function bareFeed(plan: BareFeedPlan): Promise<{ messages: number; measurements: number; seconds: number }> {
  const { buildCity, devices, simulate } = await import('../src/sim/index.ts');
  const step = 60_000;
  const liveStart = Date.parse(LIVE_START);
  const from = liveStart - Math.round((plan.days * 86_400_000) / step) * step;
  const city = buildCity({ seed: SEED, size: plan.size as 'city', start: new Date(from).toISOString() });
  const specs = new Map(devices(city).map((d) => [d.id, d]));
  const connectionOf = new Map([...specs.keys()].map((id, i) => [id, i]));
  const publisher = plan.via === 'mqtt' ? await DevicePublisher.connect({ url: plan.url, connections: CONNECTIONS }) : undefined;
  // The simulator's own HTTP client, so the baseline differs from the real feed only by what the server does.
  const client = new PlatformClient({ url: plan.url, token: 'bare' });
  const chunk = plan.via === 'mqtt' ? 30 : HISTORY_CHUNK_TICKS;
  const window = new InFlightWindow(WINDOW);
  const pending = new Map<string, Array<{ observedAt: string; values: Record<string, number | string | boolean> }>>();
  let messages = 0;
  let measurements = 0;
  const started = performance.now();
  const deadline = started + plan.seconds * 1000;
  const flush = async () => {
    for (const [id, list] of pending) {
      pending.delete(id);
      await window.run(async () => {
        if (publisher) await publisher.publish('bare', id, list, connectionOf.get(id) ?? 0);
        else {
          const spec = specs.get(id) as DeviceSpec;
          const answer = await client.request('POST', `/ngsi-ld/v1/temporal/entities/${encodeURIComponent(spec.entityId)}/attrs`, { jsonText: historyJson(spec, list) });
          if (answer.status !== 204) throw new Error(`the bare server answered ${answer.status}`);
        }
        messages++;
        measurements += list.length;
      });
    }
  };
  let ticks = 0;
  outer: for (let day = from; day < liveStart; day += 86_400_000) {
    for (const tick of simulate(city, new Date(day).toISOString(), new Date(Math.min(liveStart, day + 86_400_000)).toISOString())) {
      if (performance.now() > deadline) break outer;
      for (const o of tick.observations) {
        if (o.channel !== 'device') continue;
        const list = pending.get(o.deviceId) ?? [];
        pending.set(o.deviceId, list);
        list.push({ observedAt: o.observedAt, values: o.values });
      }
      if (++ticks % chunk === 0) await flush();
    }
  }
  await flush();
  await window.drain();
  const seconds = (performance.now() - started) / 1000;
  await publisher?.close();
  return { messages, measurements, seconds };
}

async function runBareFeed(url: string): Promise<{ messages: number; measurements: number; seconds: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/sim.bench.ts'), '--bare-feed'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify({ url, via: VIA, seconds: BASELINE_SECONDS, size: SIZE, days: DAYS } satisfies BareFeedPlan));
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the bare feed exited with ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').pop() as string);
}

/** The history the run left on PostgreSQL: instances (rows and packed) and bytes of the database (history is nearly all of it). */
async function historyOnDisk(store: BenchStore): Promise<{ instances: number; bytes: number } | undefined> {
  if (!store.databaseUrl || store.driver !== 'postgres') return undefined;
  const client = new pg.Client({ connectionString: store.databaseUrl });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
    const { rows } = await client.query<{ instances: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM temporal_instances) + (SELECT coalesce(sum(cardinality(observed_at)), 0) FROM temporal_packs) AS instances,
              pg_database_size(current_database()) AS bytes`,
    );
    return { instances: Number(rows[0]?.instances), bytes: Number(rows[0]?.bytes) };
  } finally {
    await client.end();
  }
}

function hours(seconds: number): string {
  return seconds < 3600 ? `${(seconds / 60).toFixed(1)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

export async function benchSim(drivers: Driver[], databaseUrl: string | undefined): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    const store = await benchStore(driver, databaseUrl);
    const mqttPort = await freePort();
    let server: RunningCityCloud | undefined;
    const bare = VIA === 'mqtt' ? await startBareBroker() : await startBareServer();
    try {
      server = await startCityCloud(store, { MQTT_PORT: String(mqttPort), DEVICE_RATE_LIMIT: '0' });
      console.log(`sim (${driver}): size ${SIZE}, ${DAYS} days of backfill asked, stopped after ${SECONDS > 0 ? `${SECONDS} s` : 'the whole span'}…`);
      const sent = await runSimulator(server, mqttPort);
      const backfill = sent.phases.backfill ?? sent.seconds;
      const messages = sent.mqttMessages + sent.historyRequests;
      const messagesRate = messages / backfill;
      const measurementsRate = sent.measurements / backfill;
      const sensors = sent.devices;
      const simulatedDays = (Date.parse(sent.to) - Date.parse(sent.from)) / 86_400_000;
      // Projected from the simulated time actually covered (security sensors report on events, not every minute).
      const wanted = (sent.measurements / simulatedDays) * DAYS;
      const projectedSeconds = (DAYS / simulatedDays) * backfill;
      const disk = await historyOnDisk(store);
      // What the whole backfill would leave on disk at the bytes per instance of this run.
      const diskNote = disk
        ? `; on disk ${(disk.bytes / 1e9).toFixed(1)} GB for ${fmt(disk.instances)} history instances (${fmt(disk.bytes / disk.instances)} bytes each, ` +
          `${(disk.instances / sent.measurements).toFixed(2)} per measurement): the ${DAYS} days would need ≈ ${fmt((disk.bytes / sent.measurements) * wanted / 1e9)} GB`
        : '';
      console.log(`sim (${driver}): baseline, the same feed to a bare ${VIA === 'mqtt' ? 'aedes broker' : 'Fastify route'} for ${BASELINE_SECONDS} s…`);
      const base = await runBareFeed(bare.url);
      const baseRate = base.measurements / base.seconds;
      const route =
        VIA === 'mqtt'
          ? 'MQTT (QoS 1, arrays of 30) + NGSI-LD + Open311 → entities and history'
          : 'history through the NGSI-LD temporal API (Append Attribute instances, 12 h of a device per request), each device’s newest measurement over MQTT, + NGSI-LD + Open311';
      const unit = VIA === 'mqtt' ? 'messages' : 'requests';
      // The whole span, not a run stopped early (by BENCH_SIM_SECONDS or a signal to the simulator).
      const whole = simulatedDays >= DAYS - 1e-6;
      results.push({
        // A run stopped early is named by how far it got, so a long partial run and a short one keep rows of their own.
        name: `Simulator backfill ${whole ? `of ${DAYS} days` : `stopped after ${simulatedDays >= 1 ? Math.round(simulatedDays) : simulatedDays.toFixed(1)} of ${DAYS} days`}, ${SIZE} size (${fmt(sensors)} devices, one measurement a minute each), citycloud simulate in another process → ${route}`,
        driver,
        figure: `${fmt(measurementsRate)} measurements/s, ${fmt(messagesRate)} ${unit}/s (${simulatedDays.toFixed(2)} simulated days in ${hours(backfill)})`,
        baseline:
          VIA === 'mqtt'
            ? `same generator and publisher to a bare aedes broker, no processing: ${fmt(baseRate)} measurements/s, ${fmt(base.messages / base.seconds)} messages/s`
            : `same generator and HTTP requests to a bare Fastify route answering 204, no processing: ${fmt(baseRate)} measurements/s, ${fmt(base.messages / base.seconds)} requests/s`,
        ratio: measurementsRate / baseRate,
        notes:
          `${fmt(sent.measurements)} measurements in ${fmt(sent.historyRequests)} temporal requests and ${fmt(sent.mqttMessages)} MQTT messages, ${fmt(sent.entityUpserts)} entity upserts; provisioning ${sent.phases.provisioning ?? '?'} s; ` +
          `projected backfill of ${DAYS} days × ${fmt(sensors)} devices (≈ ${fmt(wanted)} measurements): ${hours(projectedSeconds)} at this rate${diskNote}`,
      });
    } finally {
      await server?.stop();
      await bare.stop();
      await store.drop();
    }
  }
  return results;
}

if (process.argv.includes('--bare-feed')) {
  let input = '';
  process.stdin.on('data', (chunk) => {
    input += chunk;
  });
  await once(process.stdin, 'end');
  const result = await bareFeed(JSON.parse(input) as BareFeedPlan);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
