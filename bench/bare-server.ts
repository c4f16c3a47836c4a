/**
 * Baseline for the HTTP benchmarks: bare Fastify routes with no hooks, auth, logging, metrics or
 * database, answering what CityCloud's routes answer (same status, same body shape and size).
 */
import Fastify from 'fastify';

const LINK = '<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"';

/** A page of 20 entities shaped like the query benchmark's AirQualityObserved. */
const PAGE = Array.from({ length: 20 }, (_, i) => ({
  id: `urn:ngsi-ld:AirQualityObserved:hz-${String(i).padStart(6, '0')}`,
  type: 'AirQualityObserved',
  pm25: { type: 'Property', value: 50 + i, unitCode: 'GQ' },
  temperature: { type: 'Property', value: 18.5, unitCode: 'CEL' },
  location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.2 + i / 1000, 30.25] } },
}));

const app = Fastify({ logger: false });
app.get('/api/v1/auth/session', async () => ({ kind: 'user', id: 'u', name: 'bench', tenant: 'hangzhou', roles: ['admin'], department: null }));
// Update Attributes: read the JSON body, answer 204.
app.patch('/ngsi-ld/v1/entities/:entityId/attrs', async (_request, reply) => reply.status(204).send());
// Append Attribute instances (temporal API): read the JSON body, answer 204.
app.post('/ngsi-ld/v1/temporal/entities/:entityId/attrs', async (_request, reply) => reply.status(204).send());
// File a service request: read the JSON body, answer 201 with a request shaped like CityCloud's.
const FILED = {
  request: {
    id: 'HZ00000001', serviceCode: 'pothole', serviceName: { zh: '道路坑洼', en: 'Pothole' }, status: 'open', closeReason: null, statusNotes: null,
    description: '文三路12号附近，路面有个大坑，车辆经过很危险', department: 'transport', departmentName: { zh: '交通运输局', en: 'Transport Bureau' },
    district: 'xihu', districtName: { zh: '西湖区', en: 'Xihu' }, lat: 30.28, long: 120.14, addressString: null, attributes: { depth_cm: 12, lane: 'motorway' },
    media: [], requestedAt: '2026-11-22T00:00:00.000Z', updatedAt: '2026-11-22T00:00:00.000Z', dueAt: '2026-11-25T00:00:00.000Z', overdue: false, paused: false,
    escalatedAt: null, assignee: null, reopenCount: 0, rating: null, duplicateOf: null, followers: 0,
    timeline: [{ at: '2026-11-22T00:00:00.000Z', kind: 'created', status: 'open', text: '已受理' }],
  },
  duplicates: [],
};
app.post('/api/v1/requests', async (_request, reply) => reply.status(201).send(FILED));
// Query Entities: a canned page.
app.get('/ngsi-ld/v1/entities', async (_request, reply) => reply.header('link', LINK).send(PAGE));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`Portal:   http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
