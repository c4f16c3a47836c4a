/** HTTP benchmark: a trivial authenticated GET through the full stack vs a bare Fastify route, same run. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createScratchDatabase, ROOT, startServerProcess } from '../test/support/process.ts';
import type { BenchResult } from './report.ts';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 50;

interface Load {
  rps: number;
  p99: number;
  p50: number;
  errors: number;
}

async function load(url: string, headers: Record<string, string>): Promise<Load> {
  // A short warm-up so JIT and connection set-up are not measured.
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 });
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function bareBaseline(): Promise<Load> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/bare-server.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  const port = await new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /:(\d+)\/\n/.exec(text);
      if (match) resolve(match[1] as string);
    });
  });
  try {
    return await load(`http://127.0.0.1:${port}/api/v1/auth/session`, {});
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

async function fullStack(env: Record<string, string>): Promise<{ session: Load; me: Load }> {
  const server = await startServerProcess({ ...env, CITYCLOUD_ADMIN_PASSWORD: 'bench-admin-pass', LOG_LEVEL: 'warn' });
  try {
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'bench-admin-pass' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const headers = { authorization: `Bearer ${accessToken}` };
    return {
      session: await load(`${server.url}/api/v1/auth/session`, headers),
      me: await load(`${server.url}/api/v1/me`, headers),
    };
  } finally {
    server.process.kill('SIGTERM');
    await server.exited;
  }
}

export async function benchHttp(drivers: Array<'pglite' | 'postgres'>, databaseUrl: string | undefined): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    // The baseline is measured right beside each full-stack run: load on a shared machine drifts.
    console.log(`http: bare Fastify baseline (${CONNECTIONS} connections, ${DURATION_S} s)…`);
    const bare = await bareBaseline();
    console.log(`http: full stack on ${driver}…`);
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    if (driver === 'pglite') {
      const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-bench-'));
      env = { DATA_DIR: dir };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const db = await createScratchDatabase(databaseUrl as string);
      env = { DATABASE_URL: db.url };
      cleanup = db.drop;
    }
    try {
      const full = await fullStack(env);
      results.push(
        {
          name: 'Authenticated GET /api/v1/auth/session (token check, no database)',
          driver,
          figure: `${Math.round(full.session.rps).toLocaleString('en')} req/s, p99 ${full.session.p99} ms`,
          baseline: `bare Fastify route: ${Math.round(bare.rps).toLocaleString('en')} req/s, p99 ${bare.p99} ms`,
          ratio: full.session.rps / bare.rps,
          notes: `${CONNECTIONS} connections, ${DURATION_S} s; errors ${full.session.errors}; p50 ${full.session.p50} ms vs ${bare.p50} ms`,
        },
        {
          name: 'Authenticated GET /api/v1/me (token check + one indexed read)',
          driver,
          figure: `${Math.round(full.me.rps).toLocaleString('en')} req/s, p99 ${full.me.p99} ms`,
          baseline: `bare Fastify route: ${Math.round(bare.rps).toLocaleString('en')} req/s`,
          ratio: full.me.rps / bare.rps,
          notes: `errors ${full.me.errors}; p50 ${full.me.p50} ms`,
        },
      );
    } finally {
      await cleanup();
    }
  }
  return results;
}
