/** The workflow through /api/v1/requests: report, routing, officer actions, roles, reopening and rating. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PINS, pothole, type RequestsWorld, startRequestsWorld } from './support.ts';

describe('service-request workflow over /api/v1/requests', () => {
  let w: RequestsWorld;
  before(async () => {
    w = await startRequestsWorld();
  });
  after(() => w.close());

  test('the catalog lists the five seeded services with attributes of every datatype', async () => {
    const { status, body } = await w.call(undefined, 'GET', '/api/v1/requests/services');
    assert.equal(status, 200);
    assert.deepEqual(
      body.services.map((s: { code: string }) => s.code),
      ['pothole', 'streetlight', 'garbage', 'noise', 'illegal-parking'],
    );
    const datatypes = new Set(body.services[0].attributes.map((a: { datatype: string }) => a.datatype));
    assert.deepEqual([...datatypes].sort(), ['datetime', 'multivaluelist', 'number', 'singlevaluelist', 'string', 'text']);
    assert.equal(body.services.find((s: { code: string }) => s.code === 'illegal-parking').type, 'batch');
  });

  test('a pothole is routed to transport in Xihu, fixed by its officer with a note, and rated by the citizen', async () => {
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ attributes: { depth_cm: '12', lane: 'motorway', hazards: ['water', 'dark'] } }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const request = created.body.request;
    assert.match(request.id, /^HZ\d{8}$/);
    assert.equal(request.department, 'transport');
    assert.equal(request.district, 'xihu');
    assert.equal(request.districtName.zh, '西湖区');
    assert.deepEqual(request.attributes, { depth_cm: 12, lane: 'motorway', hazards: ['water', 'dark'] });
    assert.equal(request.status, 'open');
    assert.equal(new Date(request.dueAt).getTime() - new Date(request.requestedAt).getTime(), 72 * 3600_000);

    const queue = await w.call(w.transport, 'GET', '/api/v1/requests/queue');
    assert.equal(queue.status, 200);
    assert.ok(queue.body.requests.some((r: { id: string }) => r.id === request.id));

    const ack = await w.call(w.transport, 'POST', `/api/v1/requests/${request.id}/status`, { status: 'acknowledged' });
    assert.equal(ack.status, 200);
    assert.match(ack.body.statusNotes, /已受理/, 'no note: the template of the status');
    const fixed = await w.call(w.transport, 'POST', `/api/v1/requests/${request.id}/status`, { status: 'fixed', note: '已用沥青填补' });
    assert.equal(fixed.body.status, 'fixed');

    const seen = await w.call(w.citizen, 'GET', `/api/v1/requests/${request.id}`);
    assert.equal(seen.body.status, 'fixed');
    assert.equal(seen.body.statusNotes, '已用沥青填补');
    assert.deepEqual(
      seen.body.timeline.map((e: { kind: string; status?: string }) => `${e.kind}:${e.status}`),
      ['created:open', 'status:acknowledged', 'status:fixed'],
    );

    const rated = await w.call(w.citizen, 'POST', `/api/v1/requests/${request.id}/rating`, { score: 5, comment: '很快' });
    assert.equal(rated.status, 200);
    assert.deepEqual(rated.body.rating, { score: 5, comment: '很快' });
    const again = await w.call(w.citizen, 'POST', `/api/v1/requests/${request.id}/rating`, { score: 1 });
    assert.equal(again.status, 409);
    assert.match(again.body.detail, /rated once/);
  });

  test('an officer of another department may not act on the request (403), and a forbidden transition is 409 naming the allowed ones', async () => {
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ ...PINS.gongshu, description: '拱墅区湖墅南路有坑' }));
    const id = created.body.request.id;
    const foreign = await w.call(w.urban, 'POST', `/api/v1/requests/${id}/status`, { status: 'acknowledged' });
    assert.equal(foreign.status, 403);
    assert.match(foreign.body.detail, /department "transport"/);
    const citizen = await w.call(w.citizen, 'POST', `/api/v1/requests/${id}/status`, { status: 'acknowledged' });
    assert.equal(citizen.status, 403);
    const foreignQueue = await w.call(w.urban, 'GET', '/api/v1/requests/queue?department=transport');
    assert.equal(foreignQueue.status, 403);

    await w.call(w.transport, 'POST', `/api/v1/requests/${id}/status`, { status: 'fixed' });
    const back = await w.call(w.transport, 'POST', `/api/v1/requests/${id}/status`, { status: 'in_progress' });
    assert.equal(back.status, 409);
    assert.match(back.body.detail, /may become closed/);
    const noReason = await w.call(w.admin, 'POST', `/api/v1/requests/${id}/status`, { status: 'closed' });
    assert.equal(noReason.status, 200, 'a fixed request closes without a reason');
  });

  test('closing an unfixed request takes a reason and shows its template', async () => {
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', { serviceCode: 'garbage', addressString: '西湖区文三路 478 号', description: '垃圾桶满了三天没人清运' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.request.district, null, 'an address without a pin has no district');
    assert.equal(created.body.request.department, 'urban-management');
    const id = created.body.request.id;
    const missing = await w.call(w.urban, 'POST', `/api/v1/requests/${id}/status`, { status: 'closed' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.detail, /closeReason/);
    const closed = await w.call(w.urban, 'POST', `/api/v1/requests/${id}/status`, { status: 'closed', closeReason: 'referred' });
    assert.equal(closed.body.closeReason, 'referred');
    assert.match(closed.body.statusNotes, /转交/);
  });

  test('the reporter reopens a fixed request; nobody else may', async () => {
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ lat: 30.27, long: 120.08, description: '天目山路有坑' }));
    const id = created.body.request.id;
    await w.call(w.transport, 'POST', `/api/v1/requests/${id}/status`, { status: 'fixed' });
    const other = await w.call(w.neighbour, 'POST', `/api/v1/requests/${id}/reopen`, { reason: '还没修好' });
    assert.equal(other.status, 403);
    const reopened = await w.call(w.citizen, 'POST', `/api/v1/requests/${id}/reopen`, { reason: '填补的沥青又塌了' });
    assert.equal(reopened.status, 200);
    assert.equal(reopened.body.status, 'open');
    assert.equal(reopened.body.reopenCount, 1);
    const twice = await w.call(w.citizen, 'POST', `/api/v1/requests/${id}/reopen`, { reason: '再试一次' });
    assert.equal(twice.status, 409);
  });

  test('assignment takes an officer of the department; bulk actions treat each id on its own', async () => {
    const a = (await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ lat: 30.2, long: 120.06, description: '转塘路段有坑' }))).body.request.id;
    const b = (await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ lat: 30.21, long: 120.07, description: '之江路有坑' }))).body.request.id;
    const wrong = await w.call(w.transport, 'POST', `/api/v1/requests/${a}/assign`, { officer: 'light-officer' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.detail, /not an officer of department "transport"/);
    const assigned = await w.call(w.transport, 'POST', `/api/v1/requests/${a}/assign`, { officer: 'road-officer' });
    assert.equal(assigned.body.assignee, 'road-officer');

    await w.call(w.transport, 'POST', `/api/v1/requests/${b}/status`, { status: 'fixed' });
    const bulk = await w.call(w.transport, 'POST', '/api/v1/requests/bulk', { ids: [a, b, 'HZ99999999'], status: 'in_progress' });
    assert.equal(bulk.status, 200);
    assert.deepEqual(
      bulk.body.results.map((r: { id: string; ok: boolean }) => [r.id, r.ok]),
      [
        [a, true],
        [b, false],
        ['HZ99999999', false],
      ],
    );
    assert.match(bulk.body.results[1].error, /fixed may become closed/);
    assert.equal((await w.call(w.transport, 'GET', `/api/v1/requests/${a}`)).body.status, 'in_progress');
  });

  test('a batch service answers with a token that leads to the request', async () => {
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', { serviceCode: 'illegal-parking', ...PINS.gongshu, description: '消防通道被占', attributes: { plate: '浙A12345' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.request.department, 'public-security');
    const token = created.body.token;
    assert.ok(token);
    const found = await w.t.platform.requests.service.tokenLookup('hangzhou', token);
    assert.equal(found.serviceRequestId, created.body.request.id);
  });

  test('"my reports" lists filed and followed requests, newest first', async () => {
    const mine = await w.call(w.citizen, 'GET', '/api/v1/requests/mine');
    assert.equal(mine.status, 200);
    assert.ok(mine.body.requests.length >= 5);
    const times = mine.body.requests.map((r: { requestedAt: string }) => r.requestedAt);
    assert.deepEqual(times, [...times].sort().reverse());
    const anonymous = await w.call(undefined, 'GET', '/api/v1/requests/mine');
    assert.equal(anonymous.status, 401);
  });
});
