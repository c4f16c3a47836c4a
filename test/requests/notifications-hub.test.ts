/** Notifications (portal inbox, webhook over real HTTP with retries, e-mail outbox), the hub entity, statistics and the heat map. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createServiceRequests } from '../../src/requests/index.ts';
import { pothole, type RequestsWorld, startRequestsWorld } from './support.ts';

interface Received {
  status: number;
  body: { event: string; requestId: string; status: string; text: string };
}

describe('notifications, hub entity and statistics', () => {
  let w: RequestsWorld;
  let receiver: http.Server;
  const received: Received[] = [];
  let answered = 0;

  before(async () => {
    // A real HTTP receiver: it answers the first POST with 503, so delivery must retry.
    receiver = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const status = answered++ === 0 ? 503 : 204;
        received.push({ status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    w = await startRequestsWorld({ REQUESTS_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/requests`, NOTIFY_RETRY_BASE_MS: '20' });
  });
  after(async () => {
    await w.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
    for (let i = 0; i < 500; i++) {
      const value = await probe();
      if (value !== undefined) return value;
      await sleep(20);
    }
    throw new Error(`gave up waiting for ${what}`);
  }

  test('the reporter and followers find each status change in their inbox; an e-mail is queued for the reporter', async () => {
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ email: 'xiaoming@example.com' }));
    const id = created.body.request.id;
    await w.call(w.neighbour, 'POST', `/api/v1/requests/${id}/follow`);
    await w.call(w.transport, 'POST', `/api/v1/requests/${id}/status`, { status: 'in_progress', note: '施工队已出发' });

    const reporter = await w.call(w.citizen, 'GET', '/api/v1/requests/notifications');
    assert.deepEqual(
      reporter.body.notifications.filter((n: { requestId: string }) => n.requestId === id).map((n: { status: string }) => n.status),
      ['in_progress', 'open'],
    );
    const follower = await w.call(w.neighbour, 'GET', '/api/v1/requests/notifications');
    const [change] = follower.body.notifications;
    assert.equal(change.status, 'in_progress');
    assert.match(change.text, /施工队已出发/);
    assert.equal(change.read, false);
    await w.call(w.neighbour, 'POST', '/api/v1/requests/notifications/read', { ids: [change.id] });
    assert.equal((await w.call(w.neighbour, 'GET', '/api/v1/requests/notifications')).body.notifications[0].read, true);

    const emails = await w.t.platform.store.query<{ target: string; payload: { text: string } }>(
      `SELECT target, payload FROM service_request_outbox WHERE channel = 'email' AND payload->>'requestId' = $1 ORDER BY id`,
      [id],
    );
    assert.deepEqual(
      emails.map((e) => e.target),
      ['xiaoming@example.com', 'xiaoming@example.com'],
    );
    assert.match(emails[1]?.payload.text ?? '', /施工队已出发/);
  });

  test('status changes are POSTed to the webhook and retried after a failure until delivered', async () => {
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ lat: 30.3, long: 120.12, description: '莫干山路有坑' }));
    const id = created.body.request.id;
    await w.call(w.transport, 'POST', `/api/v1/requests/${id}/status`, { status: 'fixed' });
    const fixed = await until('the fixed notification', () =>
      received.find((r) => r.body.requestId === id && r.body.status === 'fixed' && r.status === 204),
    );
    assert.equal(fixed.body.event, 'status');
    assert.match(fixed.body.text, /已处理完毕/);
    assert.equal(received[0]?.status, 503, 'the first POST failed');
    const retried = received.filter((r) => r.body.requestId === received[0]?.body.requestId && r.body.event === received[0]?.body.event && r.body.status === received[0]?.body.status);
    assert.deepEqual(
      retried.map((r) => r.status),
      [503, 204],
      'the failed one was delivered on retry',
    );
    const pending = await until('an empty webhook outbox', async () => {
      const [row] = await w.t.platform.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM service_request_outbox WHERE channel = 'webhook' AND delivered_at IS NULL`);
      return row?.n === 0 ? row.n : undefined;
    });
    assert.equal(pending, 0);
  });

  test('every request is a ServiceRequest entity in the hub, with its public view only', async () => {
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ lat: 30.31, long: 120.13, description: '有坑，电话 13700001111' }));
    const id = created.body.request.id;
    await w.t.platform.requests.sweep();
    const list = await w.call(w.admin, 'GET', '/ngsi-ld/v1/entities?type=ServiceRequest&limit=100');
    assert.equal(list.status, 200);
    const entity = list.body.find((e: { id: string }) => e.id === `urn:ngsi-ld:ServiceRequest:${id}`);
    assert.ok(entity, 'the entity exists');
    assert.equal(entity.status.value, 'open');
    assert.equal(entity.department.value, 'transport');
    assert.deepEqual(entity.location.value.coordinates, [120.13, 30.31]);
    assert.equal(entity.description.value, '有坑，电话 [电话已隐藏]');
    assert.doesNotMatch(JSON.stringify(entity), /13700001111|xiaoming/);
    await w.call(w.transport, 'POST', `/api/v1/requests/${id}/status`, { status: 'planned' });
    const updated = await w.call(w.citizen, 'GET', `/ngsi-ld/v1/entities/urn:ngsi-ld:ServiceRequest:${id}`);
    assert.equal(updated.status, 200, 'open to every reader');
    assert.equal(updated.body.status.value, 'planned');
  });

  test('a request whose hub write failed gets its entity from the sweeper', async () => {
    const p = w.t.platform;
    const broken = createServiceRequests({
      store: p.store,
      tenancy: p.tenancy,
      hub: { batchUpsert: async () => Promise.reject(new Error('hub down')) },
      terms: p.context.resolver.core,
      logger: p.server.log as never,
      config: p.config,
      background: false,
    });
    const principal = { kind: 'user' as const, id: 'u-broken', name: 'someone', tenant: 'hangzhou', roles: ['citizen' as const], department: null };
    const { request } = await broken.service.submit('hangzhou', { serviceCode: 'garbage', addressString: '文一路', description: '垃圾没人收' }, principal);
    await broken.close();
    const entityUrl = `/ngsi-ld/v1/entities/urn:ngsi-ld:ServiceRequest:${request.id}`;
    assert.equal((await w.call(w.admin, 'GET', entityUrl)).status, 404, 'the hub write failed');
    const { mended } = await p.requests.sweep();
    assert.ok(mended >= 1);
    const entity = await w.call(w.admin, 'GET', entityUrl);
    assert.equal(entity.status, 200);
    assert.equal(entity.body.department.value, 'urban-management');
  });

  test('the statistics page counts per department and district; the heat map gives grid cells, not pins', async () => {
    const stats = await w.call(undefined, 'GET', '/api/v1/requests/stats');
    assert.equal(stats.status, 200);
    const transport = stats.body.byDepartment.find((d: { department: string }) => d.department === 'transport');
    assert.equal(transport.name.zh, '交通运输局');
    assert.equal(transport.received, 3);
    assert.equal(transport.resolved, 1);
    assert.equal(transport.responded, 3, 'an officer acted on each transport request');
    assert.equal(transport.onTimeRate, 1, 'one resolved on time, none overdue');
    const xihu = stats.body.byDistrict.find((d: { district: string }) => d.district === 'xihu');
    assert.equal(xihu.received, 3, 'all three pins lie in Xihu');
    assert.equal(xihu.name.zh, '西湖区');
    assert.ok(stats.body.totals.received >= 4);
    const future = await w.call(undefined, 'GET', '/api/v1/requests/stats?from=2099-01-01T00:00:00Z');
    assert.equal(future.body.totals.received, 0);
    assert.equal(future.body.totals.onTimeRate, null);
    const bad = await w.call(undefined, 'GET', '/api/v1/requests/stats?from=last-week');
    assert.equal(bad.status, 400);

    const heat = await w.call(undefined, 'GET', '/api/v1/requests/heatmap');
    assert.equal(heat.status, 200);
    const total = heat.body.cells.reduce((n: number, c: { count: number }) => n + c.count, 0);
    assert.equal(total, 3, 'the three pinned requests');
    for (const cell of heat.body.cells) {
      assert.notDeepEqual([cell.lat, cell.long], [30.25, 120.1], 'a cell centre, not the pin');
    }
  });
});
