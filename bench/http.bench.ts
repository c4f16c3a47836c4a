/** HTTP benchmark: a trivial authenticated GET through the full stack vs a bare Fastify route, same run. */
import { benchStore, type Driver, DURATION_S, fmt, type Load, load, startBareServer, startCityCloud } from './harness.ts';
import type { BenchResult } from './report.ts';

const CONNECTIONS = 50;

async function bareBaseline(): Promise<Load> {
  const bare = await startBareServer();
  try {
    return await load({ url: `${bare.url}/api/v1/auth/session`, connections: CONNECTIONS });
  } finally {
    await bare.stop();
  }
}

export async function benchHttp(drivers: Driver[], databaseUrl: string | undefined): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    // The baseline is measured right beside each full-stack run: load on a shared machine drifts.
    console.log(`http: bare Fastify baseline (${CONNECTIONS} connections, ${DURATION_S} s)…`);
    const bare = await bareBaseline();
    console.log(`http: full stack on ${driver}…`);
    const store = await benchStore(driver, databaseUrl);
    try {
      const server = await startCityCloud(store);
      let session: Load;
      let me: Load;
      try {
        const headers = { authorization: `Bearer ${server.token}` };
        session = await load({ url: `${server.url}/api/v1/auth/session`, headers, connections: CONNECTIONS });
        me = await load({ url: `${server.url}/api/v1/me`, headers, connections: CONNECTIONS });
      } finally {
        await server.stop();
      }
      results.push(
        {
          name: 'Authenticated GET /api/v1/auth/session (token check, no database)',
          driver,
          figure: `${fmt(session.rps)} req/s, p99 ${session.p99} ms`,
          baseline: `bare Fastify route: ${fmt(bare.rps)} req/s, p99 ${bare.p99} ms`,
          ratio: session.rps / bare.rps,
          notes: `${CONNECTIONS} connections, ${DURATION_S} s; errors ${session.errors}; p50 ${session.p50} ms vs ${bare.p50} ms`,
        },
        {
          name: 'Authenticated GET /api/v1/me (token check + one indexed read)',
          driver,
          figure: `${fmt(me.rps)} req/s, p99 ${me.p99} ms`,
          baseline: `bare Fastify route: ${fmt(bare.rps)} req/s`,
          ratio: me.rps / bare.rps,
          notes: `errors ${me.errors}; p50 ${me.p50} ms`,
        },
      );
    } finally {
      await store.drop();
    }
  }
  return results;
}
