/** Baseline for the HTTP benchmark: a bare Fastify route with no hooks, auth, logging or metrics. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/api/v1/auth/session', async () => ({ kind: 'user', id: 'u', name: 'bench', tenant: 'hangzhou', roles: ['admin'], department: null }));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`Portal:   http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
