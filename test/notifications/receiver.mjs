// Notification receivers for tests and benchmarks, run as their own process: `node receiver.mjs` (PORT=0 picks one;
// COUNT=n listens on n ephemeral ports). Each records every POST (path, receipt time, headers, body) and serves them at
// GET /records?from=N. RECEIVER_KEEP_BODIES=0 keeps only the entity ids and their `sentAt` (benchmarks).
// Plain JavaScript, so it starts in a few milliseconds without a TypeScript loader.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const port = Number(process.env.PORT ?? 0);
const count = Number(process.env.COUNT ?? 1);
const keep = process.env.RECEIVER_KEEP_BODIES !== '0';

function receiver() {
  const records = [];
  return http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://receiver');
  if (request.method === 'GET' && url.pathname === '/records') {
    const from = Number(url.searchParams.get('from') ?? 0);
    const body = JSON.stringify({ total: records.length, records: records.slice(from) });
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = Buffer.concat(chunks).toString('utf8');
    }
    const headers = {};
    for (const name of ['content-type', 'link', 'ngsild-tenant', 'x-city', 'x-token']) {
      if (request.headers[name] !== undefined) headers[name] = request.headers[name];
    }
    // The benchmark needs only the receipt time and, per item, the entity id and its send stamp.
    const data = Array.isArray(body?.data) ? body.data : [];
    records.push(keep ? { path: url.pathname, at, headers, body } : { path: url.pathname, at, items: data.map((d) => ({ id: d.id, sentAt: d.sentAt?.value ?? d.sentAt })) });
    response.writeHead(204).end();
  });
  });
}

const servers = Array.from({ length: count }, () => receiver());
const ports = await Promise.all(
  servers.map(
    (server, i) =>
      new Promise((resolve) => {
        server.keepAliveTimeout = 60_000;
        server.listen(i === 0 ? port : 0, '127.0.0.1', () => resolve(server.address().port));
      }),
  ),
);
process.stdout.write(`listening ${ports.join(',')}\n`);
process.on('SIGTERM', () => process.exit(0));
