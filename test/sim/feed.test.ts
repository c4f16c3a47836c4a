/**
 * Issue 5, item 3: CityCloud and the simulator as separate processes. `citycloud simulate --target` feeds a few
 * simulated hours through the public interfaces (device API, MQTT, NGSI-LD, Open311); the hub's entity counts
 * per type and its history per type and attribute must equal what the simulator says it sent — nothing lost,
 * nothing extra. And `citycloud simulate --out` is deterministic: the same seed twice gives identical files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testDatabaseUrl } from '../../src/platform/store/testing.ts';
import type { FeedSummary } from '../../src/sim/feed/tally.ts';
import { createScratchDatabase, freePort, runCli, type ServerProcess, startServerProcess } from '../support/process.ts';

const PASSWORD = 'sim-feed-admin-password';
/** A Monday morning: three simulated hours of history before 06:00 UTC (14:00 in Hangzhou). */
const LIVE_START = '2025-03-03T06:00:00Z';
const BACKFILL_DAYS = String(3 / 24);

/** Runs the simulator as a process of its own and returns its final summary line. */
async function simulate(args: string[]): Promise<{ code: number; summary: FeedSummary | undefined; output: string }> {
  const { code, stdout, stderr } = await runCli(['simulate', ...args], { CITYCLOUD_API_KEY: '' });
  const last = stdout.trim().split('\n').pop() ?? '';
  const summary = last.startsWith('{"summary"') ? (JSON.parse(last) as { summary: FeedSummary }).summary : undefined;
  return { code, summary, output: `${stdout}\n${stderr}` };
}

// Backfilled over MQTT as devices would have sent it, and through the temporal API as an archive import (the newest
// measurement of each device still over MQTT): the hub must hold the same either way.
for (const via of ['mqtt', 'temporal'] as const)
describe(`the simulator feeding a running CityCloud from another process (history via ${via})`, () => {
  let server: ServerProcess;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let dataDir: string;
  let mqttPort: number;
  let token: string;

  const get = async (url: string) => {
    const response = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  };

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'citycloud-sim-feed-'));
    mqttPort = await freePort();
    db = testDatabaseUrl ? await createScratchDatabase(testDatabaseUrl) : undefined;
    server = await startServerProcess({
      DATA_DIR: dataDir,
      MQTT_PORT: String(mqttPort),
      CITYCLOUD_ADMIN_PASSWORD: PASSWORD,
      ...(db ? { DATABASE_URL: db.url } : {}),
    });
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
  });

  after(async () => {
    server?.process.kill('SIGTERM');
    await server?.exited;
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('every entity and history instance the simulator sent is in the hub, and nothing else is', { timeout: 300_000 }, async () => {
    const run = await simulate([
      '--target',
      server.url,
      '--mqtt',
      `mqtt://127.0.0.1:${mqttPort}`,
      '--password',
      PASSWORD,
      '--size',
      'tiny',
      '--seed',
      '7',
      '--start',
      LIVE_START,
      '--backfill-days',
      BACKFILL_DAYS,
      '--days',
      '0',
      '--backfill-via',
      via,
    ]);
    assert.equal(run.code, 0, run.output);
    const sent = run.summary;
    assert.ok(sent, `the simulator printed no summary:\n${run.output}`);
    assert.ok(sent.measurements > 1000, `a tiny city sends more than 1,000 measurements in 3 hours, got ${sent.measurements}`);
    if (via === 'temporal') {
      // History in a few requests per device; only the newest measurement of each reporting device over MQTT.
      assert.ok(sent.historyRequests > 0, 'no temporal requests were sent');
      assert.ok(sent.mqttMessages <= sent.devices, `${sent.mqttMessages} MQTT messages for ${sent.devices} devices`);
    } else {
      assert.equal(sent.historyRequests, 0);
    }

    // Entities: every type the hub holds, counted, against what was sent (Open311 reports become ServiceRequest entities).
    const expected: Record<string, number> = { ...sent.entities };
    const reports = Object.values(sent.reports).reduce((a, b) => a + b, 0);
    if (reports > 0) expected.ServiceRequest = (expected.ServiceRequest ?? 0) + reports;
    const countHeld = async () => {
      const types = JSON.parse((await get('/ngsi-ld/v1/types')).text) as { typeList: string[] };
      const counts: Record<string, number> = {};
      for (const type of [...new Set([...types.typeList, ...Object.keys(expected)])].sort()) {
        const answer = await get(`/ngsi-ld/v1/entities?type=${encodeURIComponent(type)}&count=true&limit=0`);
        assert.equal(answer.status, 200, answer.text);
        counts[type] = Number(answer.headers.get('ngsild-results-count'));
      }
      return counts;
    };
    const wanted = (counts: Record<string, number>) => Object.fromEntries(Object.keys(counts).map((t) => [t, expected[t] ?? 0]));
    // A report's ServiceRequest entity is written just after the request commits: give the mirror a moment.
    let held = await countHeld();
    for (let i = 0; i < 40 && JSON.stringify(held) !== JSON.stringify(wanted(held)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      held = await countHeld();
    }
    assert.deepEqual(held, wanted(held));

    // History inside the simulated span: instances per type and attribute, every attribute the hub has.
    const history: Record<string, Record<string, number>> = {};
    /** The newest instance of each entity's attribute in the history. */
    const newestHeld = new Map<string, number>();
    const seen = new Set<string>();
    for (const type of Object.keys(held)) {
      for (let offset = 0; ; offset += 100) {
        const answer = await get(
          `/ngsi-ld/v1/temporal/entities?type=${encodeURIComponent(type)}&timerel=between&timeAt=${sent.from}&endTimeAt=${sent.to}&options=temporalValues&limit=100&offset=${offset}`,
        );
        assert.equal(answer.status, 200, `${type}: ${answer.text.slice(0, 300)}`);
        const page = JSON.parse(answer.text) as Array<Record<string, unknown>>;
        for (const entity of page) {
          for (const [name, attribute] of Object.entries(entity)) {
            if (typeof attribute !== 'object' || attribute === null) continue;
            const { values, objects } = attribute as { values?: unknown[]; objects?: unknown[] };
            const n = (values ?? objects ?? []).length;
            if (n === 0) continue;
            for (const [, at] of (values ?? objects ?? []) as Array<[unknown, string]>) {
              const key = `${entity.id}\u0000${name}`;
              // Each reading once: no instance was sent (or stored) twice.
              const instant = `${key}\u0000${at}`;
              assert.ok(!seen.has(instant), `${entity.id} ${name} has two instances at ${at}`);
              seen.add(instant);
              if (!(Date.parse(at) <= (newestHeld.get(key) ?? Number.NEGATIVE_INFINITY))) newestHeld.set(key, Date.parse(at));
            }
            history[type] ??= {};
            (history[type] as Record<string, number>)[name] = ((history[type] as Record<string, number>)[name] ?? 0) + n;
          }
        }
        if (page.length < 100) break;
      }
    }
    assert.deepEqual(history, sent.history);

    // Each entity ends in its newest state: an attribute's observedAt is its newest history instance.
    let compared = 0;
    for (const type of Object.keys(sent.history)) {
      const answer = await get(`/ngsi-ld/v1/entities?type=${encodeURIComponent(type)}&limit=100`);
      for (const entity of JSON.parse(answer.text) as Array<Record<string, unknown>>) {
        for (const [name, attribute] of Object.entries(entity)) {
          const at = typeof attribute === 'object' && attribute !== null ? (attribute as { observedAt?: string }).observedAt : undefined;
          const newest = newestHeld.get(`${entity.id}\u0000${name}`);
          if (at === undefined || newest === undefined) continue;
          assert.equal(at, new Date(newest).toISOString(), `${entity.id} ${name}`);
          compared++;
        }
      }
    }
    assert.ok(compared > 100, `only ${compared} attributes compared`);
  });
});

describe('citycloud simulate --out', () => {
  test('the same seed written twice gives byte-identical stream and ground truth files', { timeout: 300_000 }, async () => {
    const dirs = [mkdtempSync(path.join(tmpdir(), 'citycloud-sim-out-')), mkdtempSync(path.join(tmpdir(), 'citycloud-sim-out-'))];
    try {
      for (const dir of dirs) {
        const run = await runCli(['simulate', '--out', dir, '--seed', '11', '--size', 'tiny', '--start', '2025-03-03T00:00:00Z', '--days', '0.25'], {});
        assert.equal(run.code, 0, run.stderr);
      }
      const [a, b] = dirs as [string, string];
      const files = readdirSync(a).sort();
      assert.deepEqual(readdirSync(b).sort(), files);
      assert.ok(files.includes('truth.jsonl') && files.includes('stream.jsonl'), `files written: ${files.join(', ')}`);
      for (const file of files) {
        const first = readFileSync(path.join(a, file));
        assert.ok(first.length > 0, `${file} is empty`);
        assert.ok(first.equals(readFileSync(path.join(b, file))), `${file} differs between two runs of the same seed`);
      }
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a run without --target or --out is refused with a message saying what to give', async () => {
    const run = await runCli(['simulate', '--seed', '1'], {});
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--target URL .*--out DIR/);
  });
});
