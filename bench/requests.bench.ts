/**
 * Citizen service requests: 200 concurrent citizens submitting reports through POST /api/v1/requests, each
 * one routed (category → department, pin → district polygon) and checked for duplicates (same category within
 * 200 m and 14 days, Chinese text likeness) against the reports already filed, beside a bare Fastify route that
 * answers the same 201 body with no work (same run). Before the run, SEEDED reports are filed across the city so
 * the duplicate check has neighbours to compare with. Target on PostgreSQL: p99 ≤ 150 ms.
 *
 * Citizens are modelled as load-testing tools model users: each files a report, waits a think time drawn from an
 * exponential distribution (mean 1 s, then 0.5 s) and files the next — so 200 citizens offer about 200 (then
 * 400) reports/s as independent arrivals. A last run has every citizen file back to back (saturation).
 * (autocannon's own rate limit is not used: it releases every connection's requests at the same instant each second.)
 */
import {
  type BenchStore,
  benchStore,
  type CpuMeter,
  cpuMeter,
  cpuPer,
  type Driver,
  DURATION_S,
  fmt,
  type Load,
  load,
  seeded,
  startBareServer,
  startCityCloud,
} from './harness.ts';
import type { BenchResult } from './report.ts';

const CITIZENS = 200;
const ACCOUNTS = 20;
/** Mean think time of each citizen between two reports, in ms (0: back to back, with autocannon). */
const THINK_MS = [1000, 500, 0];
const SEEDED = Number(process.env.BENCH_REQUESTS_SEEDED ?? 5000);
/** Central Hangzhou (西湖, 上城, 拱墅, 滨江): where most reports are. */
const AREA = { lon: [120.08, 120.32] as const, lat: [30.17, 30.38] as const };
const PLACES = ['文三路', '延安路', '庆春路', '解放路', '莫干山路', '天目山路', '江南大道', '滨盛路', '凤起路', '体育场路'];
const PROBLEMS: Record<string, { texts: string[]; attributes: Record<string, unknown> }> = {
  pothole: { texts: ['路面有个大坑，车辆经过很危险', '人行道塌陷出现坑洞', '路口路面破损严重'], attributes: { depth_cm: 12, lane: 'motorway' } },
  streetlight: { texts: ['路灯晚上不亮', '一排路灯全部熄灭', '路灯一直闪烁'], attributes: {} },
  garbage: { texts: ['垃圾桶满了没人清运', '小区门口垃圾堆积发臭', '垃圾两天没有收'], attributes: {} },
  noise: { texts: ['夜间施工噪音太大影响休息', '深夜工地还在施工', '凌晨装修噪声扰民'], attributes: { source: 'construction' } },
};
const CODES = Object.keys(PROBLEMS);

function reportMaker(seed: number): () => string {
  const random = seeded(seed);
  return () => {
    const code = CODES[Math.floor(random() * CODES.length)] as string;
    const problem = PROBLEMS[code] as (typeof PROBLEMS)[string];
    const place = PLACES[Math.floor(random() * PLACES.length)] as string;
    const text = problem.texts[Math.floor(random() * problem.texts.length)] as string;
    return JSON.stringify({
      serviceCode: code,
      lat: Math.round((AREA.lat[0] + random() * (AREA.lat[1] - AREA.lat[0])) * 1e6) / 1e6,
      long: Math.round((AREA.lon[0] + random() * (AREA.lon[1] - AREA.lon[0])) * 1e6) / 1e6,
      description: `${place}${Math.floor(random() * 300) + 1}号附近，${text}`,
      attributes: problem.attributes,
    });
  };
}

async function citizenTokens(url: string, adminToken: string, driver: Driver): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const response = await fetch(`${url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `bench-citizen-${driver}-${i}`, password: 'bench-citizen-password' }),
    });
    if (response.status !== 201) throw new Error(`register answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    tokens.push(((await response.json()) as { accessToken: string }).accessToken);
  }
  void adminToken;
  return tokens;
}

async function seedReports(url: string, tokens: string[], count: number): Promise<void> {
  const next = reportMaker(7);
  let sent = 0;
  await Promise.all(
    Array.from({ length: 10 }, async (_, worker) => {
      while (sent < count) {
        sent++;
        const response = await fetch(`${url}/api/v1/requests`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[worker % tokens.length]}` },
          body: next(),
        });
        if (response.status !== 201) throw new Error(`seeding a report answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
      }
    }),
  );
}

/**
 * CITIZENS concurrent users, each in a loop: think (exponential, mean `thinkMs`), file one report, wait for the
 * answer. A 2 s warm-up, then DURATION_S measured; latencies from send to full answer.
 */
async function citizensThinking(
  url: string,
  request: () => { path: string; body: string; headers: Record<string, string> },
  thinkMs: number,
  meter: CpuMeter,
): Promise<Load> {
  const random = seeded(thinkMs);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let measuring = false;
  let stopAt = Number.POSITIVE_INFINITY;
  const citizen = async () => {
    while (performance.now() < stopAt) {
      await sleep(-Math.log(1 - random()) * thinkMs);
      if (performance.now() >= stopAt) return;
      const { path, body, headers } = request();
      const started = performance.now();
      const counted = measuring;
      try {
        const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
        await response.arrayBuffer();
        if (!counted) continue;
        const key = `${String(response.status)[0]}xx`;
        statuses[key] = (statuses[key] ?? 0) + 1;
        if (response.status >= 300) errors++;
        latencies.push(performance.now() - started);
      } catch {
        if (counted) errors++;
      }
    }
  };
  stopAt = performance.now() + 2000 + DURATION_S * 1000;
  const running = Array.from({ length: CITIZENS }, citizen);
  await sleep(2000);
  measuring = true;
  await meter.start();
  const from = performance.now();
  await Promise.all(running);
  // Reports sent in the measured window, over that window (a citizen still thinking at its end sends nothing more).
  const seconds = (stopAt - from) / 1000;
  const cpu = await meter.stop();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99), errors, total: latencies.length, statuses, cpu };
}

async function benchOne(driver: Driver, store: BenchStore): Promise<BenchResult[]> {
  const bare = await startBareServer();
  let baseline: Awaited<ReturnType<typeof load>>;
  try {
    const next = reportMaker(11);
    baseline = await load({
      url: `${bare.url}/api/v1/requests`,
      method: 'POST',
      connections: CITIZENS,
      headers: { 'content-type': 'application/json' },
      next: () => ({ path: '/api/v1/requests', body: next() }),
    });
  } finally {
    await bare.stop();
  }
  const server = await startCityCloud(store);
  try {
    const tokens = await citizenTokens(server.url, server.token, driver);
    console.log(`requests (${driver}): seeding ${fmt(SEEDED)} reports…`);
    const seededAt = performance.now();
    await seedReports(server.url, tokens, SEEDED);
    const seedRate = SEEDED / ((performance.now() - seededAt) / 1000);
    const results: BenchResult[] = [];
    const name = (how: string) =>
      `POST /api/v1/requests: ${CITIZENS} concurrent citizens ${how} (validation, routing by category and district polygon, duplicate check, hub entity), ${fmt(SEEDED)} reports already filed`;
    // Paced: each citizen files a report, reads the confirmation and files again about a second later
    // (an open load of CITIZENS × PACE reports/s), then back to back (every citizen always waiting on a submit).
    for (const think of THINK_MS) {
      console.log(`requests (${driver}): ${CITIZENS} citizens submitting ${think ? `with a mean think time of ${think} ms` : 'back to back'}…`);
      const next = reportMaker(13 + think);
      let n = 0;
      const request = () => ({ path: '/api/v1/requests', body: next(), headers: { authorization: `Bearer ${tokens[n++ % tokens.length]}` } });
      const meter = await cpuMeter(server.pid, store.databaseUrl);
      const run = await (think
        ? citizensThinking(server.url, request, think, meter)
        : load({ url: `${server.url}/api/v1/requests`, method: 'POST', connections: CITIZENS, headers: { 'content-type': 'application/json' }, next: request, meter })
      ).finally(() => meter.close());
      results.push({
        name: name(
          think
            ? `each filing a report, then thinking ${fmt(think)} ms on average (about ${fmt((CITIZENS * 1000) / think)} reports/s offered)`
            : 'filing back to back (saturation)',
        ),
        driver,
        figure: `${fmt(run.rps)} requests/s, p99 ${fmt(run.p99)} ms`,
        baseline: `bare Fastify POST route answering a canned 201, back to back: ${fmt(baseline.rps)} req/s, p99 ${fmt(baseline.p99)} ms`,
        ratio: run.rps / baseline.rps,
        notes: `${CITIZENS} citizens, ${ACCOUNTS} citizen accounts; errors ${run.errors} ${JSON.stringify(run.statuses)}; p50 ${fmt(run.p50)} ms; ${cpuPer(run.cpu, run.total, 'request')}; seeding ran at ${fmt(seedRate)} reports/s from 10 clients; target on PostgreSQL p99 ≤ 150 ms`,
      });
    }
    return results;
  } finally {
    await server.stop();
  }
}

export async function benchRequests(drivers: Driver[], databaseUrl: string | undefined): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    const store = await benchStore(driver, databaseUrl);
    try {
      results.push(...(await benchOne(driver, store)));
    } finally {
      await store.drop();
    }
  }
  return results;
}
