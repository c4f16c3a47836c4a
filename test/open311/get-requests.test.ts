/** Open311 GeoReport v2 contract: GET requests with every filter, the default window, paging, notes, GET requests/{id} and the public view. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { API, assertError, call, createApiKey, FORMATS, type Format, potholeFields, type RequestDoc, readAs, WEST_LAKE } from './support.ts';

let platform: TestPlatform;
/** Filed in this order: a pothole (open), a noise report (closed), garbage by address (open); `old` is 100 days old. */
const ids = { pothole: '', noise: '', garbage: '', old: '' };
const DAY = 86_400_000;

async function file(apiKey: string, fields: [string, string][]): Promise<string> {
  const response = await call(platform, 'POST', 'requests', 'json', { form: [['api_key', apiKey], ...fields] });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ service_request_id: string }[]>()[0]?.service_request_id as string;
}

before(async () => {
  platform = await startTestPlatform();
  const apiKey = await createApiKey(platform);
  ids.old = await file(apiKey, [
    ['service_code', 'streetlight'],
    ['lat', '30.2741'],
    ['long', '120.1551'],
    ['description', '路灯不亮'],
  ]);
  await platform.platform.store.query(
    `UPDATE service_requests SET requested_at = requested_at - interval '100 days', updated_at = updated_at - interval '100 days' WHERE id = $1`,
    [ids.old],
  );
  ids.pothole = await file(apiKey, potholeFields(apiKey).filter(([name]) => name !== 'api_key').map(([n, v]): [string, string] => [n, n === 'description' ? '路面塌陷，联系电话 13812345678' : v]));
  ids.noise = await file(apiKey, [
    ['service_code', 'noise'],
    ['lat', WEST_LAKE.lat],
    ['long', WEST_LAKE.long],
    ['attribute[source]', 'construction'],
    ['description', '凌晨两点还在施工'],
  ]);
  ids.garbage = await file(apiKey, [
    ['service_code', 'garbage'],
    ['address_string', '拱墅区湖墅南路 1 号'],
  ]);
  const closed = await platform.platform.server.inject({
    method: 'POST',
    url: `/api/v1/requests/${ids.noise}/status`,
    headers: bearer(platform.adminToken),
    payload: { status: 'closed', closeReason: 'no_further_action', note: '已现场处理，如再发生请拨打 13812345678' },
  });
  assert.equal(closed.statusCode, 200, closed.body);
});
after(async () => {
  await platform?.close();
});

async function list(format: Format, query: Record<string, string | string[]> = {}) {
  const answer = readAs(await call(platform, 'GET', 'requests', format, { query }), format, 'service-requests');
  assert.equal(answer.status, 200, answer.text);
  const requests = answer.doc as RequestDoc[];
  return { requests, ids: requests.map((r) => r.service_request_id), headers: answer.headers };
}

const iso = (ms: number) => new Date(ms).toISOString();

for (const format of FORMATS) {
  describe(`Open311 GET requests (${format})`, () => {
    test('without arguments it lists the last 90 days, newest first, with string ids', async () => {
      const { requests, ids: listed, headers } = await list(format);
      assert.deepEqual(listed, [ids.garbage, ids.noise, ids.pothole]);
      assert.ok(requests.every((r) => typeof r.service_request_id === 'string'));
      assert.equal(headers['x-total-count'], '3');
    });

    test('each request carries its status, names, times with an offset, location and agency', async () => {
      const { requests } = await list(format);
      const pothole = requests.find((r) => r.service_request_id === ids.pothole) as RequestDoc;
      assert.equal(pothole.status, 'open');
      assert.equal(pothole.service_code, 'pothole');
      assert.equal(pothole.service_name, '道路坑洼');
      assert.equal(pothole.lat, 30.259);
      assert.equal(pothole.long, 120.13);
      assert.match(String(pothole.requested_datetime), /Z$|[+-]\d{2}:\d{2}$/);
      assert.ok(Date.parse(String(pothole.expected_datetime)) > Date.parse(String(pothole.requested_datetime)), 'expected_datetime is the SLA due time');
      assert.ok(pothole.agency_responsible);
      const garbage = requests.find((r) => r.service_request_id === ids.garbage) as RequestDoc;
      assert.equal(garbage.address, '拱墅区湖墅南路 1 号');
      assert.equal(garbage.lat, null);
    });

    test('a closed request is closed with its status notes, phone numbers masked', async () => {
      const { requests } = await list(format);
      const noise = requests.find((r) => r.service_request_id === ids.noise) as RequestDoc;
      assert.equal(noise.status, 'closed');
      assert.match(String(noise.status_notes), /已现场处理/);
      assert.ok(!String(noise.status_notes).includes('13812345678'));
    });

    test('phone numbers in descriptions are masked in the public view', async () => {
      const response = await call(platform, 'GET', 'requests', format);
      assert.ok(!response.body.includes('13812345678'));
    });

    test('service_request_id takes a comma list and overrides every other argument', async () => {
      const { ids: listed } = await list(format, { service_request_id: `${ids.pothole},${ids.old}`, status: 'closed', service_code: 'noise' });
      assert.deepEqual(new Set(listed), new Set([ids.pothole, ids.old]), 'the 100-day-old request and the open one, despite status and service_code');
    });

    test('service_code filters by one code, a comma list, or the argument declared twice', async () => {
      assert.deepEqual((await list(format, { service_code: 'noise' })).ids, [ids.noise]);
      assert.deepEqual((await list(format, { service_code: 'noise,garbage' })).ids, [ids.garbage, ids.noise]);
      assert.deepEqual((await list(format, { service_code: ['pothole', 'garbage'] })).ids, [ids.garbage, ids.pothole]);
    });

    test('status filters open, closed, or both', async () => {
      assert.deepEqual((await list(format, { status: 'open' })).ids, [ids.garbage, ids.pothole]);
      assert.deepEqual((await list(format, { status: 'closed' })).ids, [ids.noise]);
      assert.deepEqual((await list(format, { status: 'open,closed' })).ids, [ids.garbage, ids.noise, ids.pothole]);
    });

    test('an unknown status is a 400 naming the allowed ones', async () => {
      assertError(await call(platform, 'GET', 'requests', format, { query: { status: 'pending' } }), format, 400, 'pending', 'open', 'closed');
    });

    test('start_date and end_date bound requested_datetime, with Z or an offset', async () => {
      const now = Date.now();
      const recent = await list(format, { start_date: iso(now - 3_600_000), end_date: iso(now + 3_600_000) });
      assert.deepEqual(recent.ids, [ids.garbage, ids.noise, ids.pothole]);
      const old = await list(format, { start_date: iso(now - 101 * DAY), end_date: iso(now - 99 * DAY).replace('Z', '+00:00') });
      assert.deepEqual(old.ids, [ids.old]);
      const shanghai = new Date(now - 101 * DAY + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
      assert.deepEqual((await list(format, { start_date: shanghai, end_date: iso(now - 99 * DAY) })).ids, [ids.old]);
    });

    test('start_date alone covers the 90 days after it, end_date alone the 90 days before it', async () => {
      const now = Date.now();
      assert.deepEqual((await list(format, { start_date: iso(now - 101 * DAY) })).ids, [ids.old]);
      assert.deepEqual((await list(format, { end_date: iso(now - 50 * DAY) })).ids, [ids.old]);
      assert.deepEqual((await list(format, { end_date: iso(now + DAY) })).ids, [ids.garbage, ids.noise, ids.pothole]);
    });

    test('a request older than 90 days is outside the default window', async () => {
      assert.ok(!(await list(format)).ids.includes(ids.old));
    });

    test('a date that is not a W3C datetime with a timezone is a 400 naming the argument', async () => {
      for (const bad of ['yesterday', '2025-13-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-05-01T08:00:00', '2025-05-01']) {
        assertError(await call(platform, 'GET', 'requests', format, { query: { start_date: bad } }), format, 400, 'start_date', 'timezone');
      }
      assertError(await call(platform, 'GET', 'requests', format, { query: { end_date: 'soon' } }), format, 400, 'end_date');
    });

    test('a range of more than 90 days is a 400 that gives the limit', async () => {
      const now = Date.now();
      assertError(await call(platform, 'GET', 'requests', format, { query: { start_date: iso(now - 120 * DAY), end_date: iso(now) } }), format, 400, '90 days');
    });

    test('an end_date before the start_date is a 400', async () => {
      const now = Date.now();
      assertError(await call(platform, 'GET', 'requests', format, { query: { start_date: iso(now), end_date: iso(now - DAY) } }), format, 400, 'end_date', 'start_date');
    });

    test('paging gives page_size requests per page with the totals in headers', async () => {
      const first = await list(format, { page_size: '2' });
      assert.deepEqual(first.ids, [ids.garbage, ids.noise]);
      assert.equal(first.headers['x-total-count'], '3');
      assert.equal(first.headers['x-page-size'], '2');
      assert.equal(first.headers['x-total-pages'], '2');
      const second = await list(format, { page_size: '2', page: '2' });
      assert.deepEqual(second.ids, [ids.pothole]);
      assert.equal(second.headers['x-page'], '2');
    });

    test('a page size above the 1000 the spec allows, or a page that is not a number, is a 400', async () => {
      assertError(await call(platform, 'GET', 'requests', format, { query: { page_size: '1001' } }), format, 400, 'page_size', '1000');
      assertError(await call(platform, 'GET', 'requests', format, { query: { page: 'two' } }), format, 400, 'page');
    });

    test('the default page size is the 1000 requests of the spec', async () => {
      assert.equal((await list(format)).headers['x-page-size'], '1000');
    });

    test('extensions=true adds the public update history as notes', async () => {
      const plain = await list(format, { service_request_id: ids.noise });
      assert.equal(plain.requests[0]?.notes, undefined);
      const extended = await list(format, { service_request_id: ids.noise, extensions: 'true' });
      const notes = extended.requests[0]?.notes as { type: string; status: string | null; summary: string | null }[];
      assert.ok(notes.length >= 2, JSON.stringify(notes));
      assert.equal(notes[0]?.type, 'created');
      assert.ok(notes.some((n) => n.status === 'closed'));
      assert.ok(!JSON.stringify(notes).includes('13812345678'), 'the notes are the public view too');
    });

    test('an extensions value other than true or false is a 400', async () => {
      assertError(await call(platform, 'GET', 'requests', format, { query: { extensions: 'yes' } }), format, 400, 'extensions');
    });

    test('jurisdiction_id of the default city is accepted', async () => {
      assert.equal((await list(format, { jurisdiction_id: 'hangzhou' })).ids.length, 3);
    });
  });

  describe(`Open311 GET requests/{id} (${format})`, () => {
    test('one request by its id', async () => {
      const answer = readAs(await call(platform, 'GET', `requests/${ids.pothole}`, format), format, 'service-requests');
      const requests = answer.doc as RequestDoc[];
      assert.equal(requests.length, 1);
      assert.equal(requests[0]?.service_request_id, ids.pothole);
    });

    test('several requests by a comma-delimited list of ids', async () => {
      const answer = readAs(await call(platform, 'GET', `requests/${ids.pothole},${ids.garbage}`, format), format, 'service-requests');
      assert.deepEqual(new Set((answer.doc as RequestDoc[]).map((r) => r.service_request_id)), new Set([ids.pothole, ids.garbage]));
    });

    test('an unknown id is a 404 naming it', async () => {
      assertError(await call(platform, 'GET', 'requests/HZ99999999', format), format, 404, 'HZ99999999');
    });

    test('extensions=true works on a single request too', async () => {
      const answer = readAs(await call(platform, 'GET', `requests/${ids.noise}`, format, { query: { extensions: 'true' } }), format, 'service-requests');
      assert.ok(Array.isArray((answer.doc as RequestDoc[])[0]?.notes));
    });
  });
}

describe('Open311 requests in the portal and the API agree', () => {
  test('a request filed through Open311 shows in the workflow API with the same id', async () => {
    const response = await platform.platform.server.inject({ method: 'GET', url: `/api/v1/requests/${ids.pothole}` });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json<{ id: string }>().id, ids.pothole);
  });

  test('the Open311 paths answer HEAD like GET without a body', async () => {
    const response = await platform.platform.server.inject({ method: 'HEAD', url: `${API}/requests.json` });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '');
  });
});
