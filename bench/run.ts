/**
 * `npm run bench`: runs every benchmark on the embedded store and, with DATABASE_URL, on PostgreSQL; writes BENCHMARKS.md.
 * BENCH_ONLY=http,upsert,patch,query (or context),temporal,notifications,ingest,requests,sim,alarms,insight picks benchmarks; BENCH_DRIVERS=pglite|postgres picks stores.
 */
import path from 'node:path';
import { benchAlarms } from './alarms.bench.ts';
import { benchContext } from './context.bench.ts';
import type { Driver } from './harness.ts';
import { benchHttp } from './http.bench.ts';
import { benchInsight } from './insight.bench.ts';
import { benchIngest } from './ingest.bench.ts';
import { benchNotifications } from './notifications.bench.ts';
import { benchRequests } from './requests.bench.ts';
import { benchSim } from './sim.bench.ts';
import { benchTemporal } from './temporal.bench.ts';
import pg from 'pg';
import { type BenchResult, writeReport } from './report.ts';

const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
const available: Driver[] = databaseUrl ? ['pglite', 'postgres'] : ['pglite'];
const asked = process.env.BENCH_DRIVERS?.split(',').map((d) => d.trim());
const drivers = asked ? available.filter((d) => asked.includes(d)) : available;
const only = new Set((process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const started = new Date();
const results: BenchResult[] = [];

if (only.size === 0 || only.has('http')) results.push(...(await benchHttp(drivers, databaseUrl)));
if (only.size === 0 || ['context', 'upsert', 'patch', 'query'].some((b) => only.has(b))) results.push(...(await benchContext(drivers, databaseUrl, only)));
if (only.size === 0 || only.has('temporal')) results.push(...(await benchTemporal(drivers, databaseUrl)));

if (only.size === 0 || only.has('notifications')) results.push(...(await benchNotifications(drivers, databaseUrl)));

if (only.size === 0 || only.has('ingest')) results.push(...(await benchIngest(drivers, databaseUrl)));

if (only.size === 0 || only.has('requests')) results.push(...(await benchRequests(drivers, databaseUrl)));

if (only.has('sim')) results.push(...(await benchSim(drivers, databaseUrl)));

if (only.has('insight')) results.push(...(await benchInsight(drivers, databaseUrl)));

if (only.size === 0 || only.has('alarms')) results.push(...(await benchAlarms()));

/** The PostgreSQL server's version and the settings the figures depend on, read when this run used it. */
async function postgresSettings(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const names = ['server_version', 'shared_buffers', 'effective_cache_size', 'work_mem', 'synchronous_commit', 'max_wal_size', 'autovacuum', 'jit'];
    const { rows } = await client.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name`,
      [names],
    );
    return `${rows.map((r) => `${r.name} ${r.setting}`).join(', ')}; same machine, over TCP loopback`;
  } finally {
    await client.end();
  }
}

const file = path.resolve(import.meta.dirname, '../BENCHMARKS.md');
const pgSettings = databaseUrl && drivers.includes('postgres') ? await postgresSettings(databaseUrl) : undefined;
writeReport(file, results, started, pgSettings);
for (const r of results) console.log(`${r.driver.padEnd(8)} ${r.name}: ${r.figure} — baseline ${r.baseline} — ratio ${r.ratio.toFixed(2)}`);
console.log(`Wrote ${file}`);
