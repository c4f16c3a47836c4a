/** What every benchmark shares: the store a run uses, CityCloud and the bare baseline as child processes, and the load generators. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import pg from 'pg';
import { createScratchDatabase, ROOT, SERVER_NODE_FLAGS, startServerProcess } from '../test/support/process.ts';

export type Driver = 'pglite' | 'postgres';

export const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
export const ADMIN_PASSWORD = 'bench-admin-pass';

/** A fresh store for one driver: a temporary PGlite directory, or a scratch database on the PostgreSQL of DATABASE_URL. */
export interface BenchStore {
  driver: Driver;
  /** Environment for `citycloud serve`. */
  env: Record<string, string>;
  /** The PGlite directory (pglite) or the scratch database URL (postgres). */
  dataDir?: string;
  databaseUrl?: string;
  drop(): Promise<void>;
}

/** With BENCH_KEEP=1 the store outlives the run (for EXPLAIN ANALYZE afterwards); its location is printed. */
export async function benchStore(driver: Driver, databaseUrl: string | undefined): Promise<BenchStore> {
  const keep = process.env.BENCH_KEEP === '1';
  if (driver === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-bench-'));
    const drop = async () => (keep ? console.log(`kept the PGlite store in ${dir}/pglite`) : rmSync(dir, { recursive: true, force: true }));
    return { driver, env: { DATA_DIR: dir }, dataDir: dir, drop };
  }
  if (!databaseUrl) throw new Error('the postgres benchmarks need DATABASE_URL');
  const db = await createScratchDatabase(databaseUrl);
  const drop = async () => (keep ? console.log(`kept the scratch database ${db.url}`) : db.drop());
  return { driver, env: { DATABASE_URL: db.url }, databaseUrl: db.url, drop };
}

export interface RunningCityCloud {
  url: string;
  pid: number;
  /** Bearer token of the first admin. */
  token: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `citycloud serve` on `store` and logs in as the first admin. With BENCH_CPU_PROF=<dir> the server writes a CPU profile there on exit. */
export async function startCityCloud(store: BenchStore, extraEnv: Record<string, string> = {}): Promise<RunningCityCloud> {
  const profile: Record<string, string> = process.env.BENCH_CPU_PROF ? { NODE_OPTIONS: `--import ${path.join(ROOT, 'bench/cpu-profile.mjs')}` } : {};
  const server = await startServerProcess({
    ...store.env,
    CITYCLOUD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
    ...profile,
    ...extraEnv,
  });
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  return {
    url: server.url,
    pid: server.process.pid as number,
    token: accessToken,
    process: server.process,
    async stop() {
      server.process.kill('SIGTERM');
      await server.exited;
    },
  };
}

/** The bare Fastify baseline (bench/bare-server.ts) as a child process. */
export async function startBareServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', path.join(ROOT, 'bench/bare-server.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  const port = await new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /:(\d+)\/\n/.exec(text);
      if (match) resolve(match[1] as string);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Requests of the measured run (after the warm-up). */
  total: number;
  /** Status codes seen, for the notes. */
  statuses: Record<string, number>;
  /** CPU seconds spent during the measured run, when a meter was given. */
  cpu?: CpuUse;
}

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  duration?: number;
  method?: 'GET' | 'POST' | 'PATCH';
  /** Builds each request: its path (with query), body and extra headers. */
  next?: () => { path: string; body?: string; headers?: Record<string, string> };
  /** Measures the CPU of the server (and its PostgreSQL backends) during the measured run. */
  meter?: CpuMeter;
  /** Requests per second each connection sends at most (an open, paced load); unset: back to back. */
  connectionRate?: number;
}

/** autocannon, after a short warm-up so JIT and connection set-up are not measured. */
export async function load(options: LoadOptions): Promise<Load> {
  const { url, headers = {}, connections, duration = DURATION_S, method = 'GET', next, meter, connectionRate } = options;
  const requests = next
    ? [
        {
          method,
          setupRequest: (request: Record<string, unknown>) => {
            const { path: p, body, headers: extra } = next();
            return {
              ...request,
              path: p,
              ...(body !== undefined ? { body } : {}),
              ...(extra ? { headers: { ...(request.headers as Record<string, string>), ...extra } } : {}),
            };
          },
        },
      ]
    : undefined;
  const base = { url, headers, method, connections, ...(requests ? { requests } : {}), ...(connectionRate ? { connectionRate } : {}) } as autocannon.Options;
  await autocannon({ ...base, duration: 2 });
  await meter?.start();
  const result = await autocannon({ ...base, duration });
  const cpu = await meter?.stop();
  const statuses: Record<string, number> = {};
  for (const [key, value] of Object.entries(result)) {
    const match = /^(\d)xx$/.exec(key);
    if (match && typeof value === 'number' && value > 0) statuses[key] = value;
  }
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    total: result.requests.total,
    statuses,
    ...(cpu ? { cpu } : {}),
  };
}

export interface CpuUse {
  /** CPU seconds of the CityCloud process (with PGlite, the database runs inside it). */
  server: number;
  /** CPU seconds of the PostgreSQL backends serving the benchmark's database (postgres driver only). */
  postgres?: number;
}

export interface CpuMeter {
  start(): Promise<void>;
  stop(): Promise<CpuUse>;
  close(): Promise<void>;
}

/** CPU seconds of a process so far (Linux /proc; 0 where it cannot be read). */
function cpuSeconds(pid: number): number {
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds so far of the server and of every PostgreSQL process on this machine (backends, autovacuum, checkpointer), by pid. */
function busyProcesses(serverPid: number): Map<number, number> {
  const out = new Map<number, number>([[serverPid, cpuSeconds(serverPid)]]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') out.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/**
 * Waits until the server and PostgreSQL have been idle (under a tenth of a core together) for a whole second, or
 * `maxSeconds` passed, and returns the seconds waited. A bulk load sets work off after its last answer (history,
 * alarm rules over the new entities, autovacuum of the table and its checkpoint): that is the load's cost, and a
 * benchmark started on top of it measures both. Linux only (elsewhere it returns at once).
 */
export async function settle(serverPid: number, maxSeconds = 120): Promise<number> {
  const started = performance.now();
  let before = busyProcesses(serverPid);
  while (performance.now() - started < maxSeconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = busyProcesses(serverPid);
    let used = 0;
    for (const [pid, seconds] of now) used += Math.max(0, seconds - (before.get(pid) ?? seconds));
    if (used < 0.1) break;
    before = now;
  }
  return (performance.now() - started) / 1000;
}

/**
 * Where the CPU goes during a run: the server process, and on PostgreSQL the backends connected to the
 * benchmark's own database (other databases on the same server are not counted). Linux only: elsewhere 0.
 */
export async function cpuMeter(serverPid: number, databaseUrl?: string): Promise<CpuMeter> {
  const client = databaseUrl ? new pg.Client({ connectionString: databaseUrl }) : undefined;
  await client?.connect();
  const database = databaseUrl ? decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) : '';
  const own = client ? ((await client.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid : 0;
  let backends = new Map<number, number>();
  let poll: NodeJS.Timeout | undefined;
  let serverAtStart = 0;
  // Backends are polled during the run: a pool may open connections after the start.
  const discover = async () => {
    if (!client) return;
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> $2', [database, own]);
    for (const { pid } of rows) if (!backends.has(pid)) backends.set(pid, cpuSeconds(pid));
  };
  return {
    async start() {
      backends = new Map();
      await discover();
      serverAtStart = cpuSeconds(serverPid);
      // With BENCH_CPU_PROF the server's profile starts afresh here: it then shows the last measured run, not start-up and loading.
      if (process.env.BENCH_CPU_PROF) process.kill(serverPid, 'SIGUSR2');
      poll = setInterval(() => void discover().catch(() => undefined), 500);
    },
    async stop() {
      clearInterval(poll);
      await discover();
      const server = cpuSeconds(serverPid) - serverAtStart;
      if (!client) return { server };
      let postgres = 0;
      for (const [pid, atStart] of backends) postgres += Math.max(0, cpuSeconds(pid) - atStart);
      return { server, postgres };
    },
    async close() {
      clearInterval(poll);
      await client?.end();
    },
  };
}

/** "server 0.58 ms, PostgreSQL 1.12 ms" of CPU per unit of work. */
export function cpuPer(cpu: CpuUse | undefined, units: number, unit: string): string {
  if (!cpu || units <= 0 || cpu.server === 0) return '';
  const ms = (seconds: number) => ((1000 * seconds) / units).toFixed(3);
  return `CPU per ${unit}: server ${ms(cpu.server)} ms${cpu.postgres !== undefined ? `, PostgreSQL ${ms(cpu.postgres)} ms` : ' (PGlite inside)'}`;
}

/** Runs `clients` loops of `work` for `seconds`; each call returns how many units it did. Units/s and per-call latency. */
export async function concurrently(
  clients: number,
  seconds: number,
  work: (client: number) => Promise<number>,
  meter?: CpuMeter,
): Promise<{ perSecond: number; units: number; calls: number; p50: number; p99: number; errors: number; firstError?: string; cpu?: CpuUse }> {
  const latencies: number[] = [];
  await meter?.start();
  let units = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          // Not `units += await …`: that reads `units` before the await and loses the other clients' counts.
          const done = await work(client);
          units += done;
          latencies.push(performance.now() - t);
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = await meter?.stop();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return { perSecond: units / elapsed, units, calls: latencies.length, p50: at(0.5), p99: at(0.99), errors, ...(firstError ? { firstError } : {}), ...(cpu ? { cpu } : {}) };
}

/** A small deterministic random source (mulberry32), so every run loads the same city. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en');
