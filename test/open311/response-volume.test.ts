/** Open311 GeoReport v2 "Response Volume": at most the first 1000 requests per answer, the rest on the next page. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { call, createApiKey, potholeFields, type RequestDoc, readAs } from './support.ts';

let platform: TestPlatform;
const COPIES = 1004;

before(async () => {
  platform = await startTestPlatform();
  const apiKey = await createApiKey(platform);
  const response = await call(platform, 'POST', 'requests', 'json', { form: potholeFields(apiKey) });
  assert.equal(response.statusCode, 201, response.body);
  const id = response.json<{ service_request_id: string }[]>()[0]?.service_request_id as string;
  // 1004 more requests in one statement (filing each through the API would only make the test slow),
  // a second apart and older than the original, so "newest first" has one answer.
  await platform.platform.store.query(
    `INSERT INTO service_requests (tenant_id, id, service_code, status, description, department, district, lat, long, attributes,
                                   requested_at, updated_at, due_at)
     SELECT tenant_id, id || '-' || g, service_code, status, description, department, district, lat, long, attributes,
            requested_at - g * interval '1 second', updated_at - g * interval '1 second', due_at
       FROM service_requests, generate_series(1, $2::int) AS g
      WHERE id = $1`,
    [id, COPIES],
  );
});
after(async () => {
  await platform?.close();
});

test('GET requests answers at most the first 1000 requests and says how many match in all', async () => {
  const answer = readAs(await call(platform, 'GET', 'requests', 'json'), 'json', 'service-requests');
  const requests = answer.doc as RequestDoc[];
  assert.equal(requests.length, 1000);
  assert.equal(answer.headers['x-total-count'], String(COPIES + 1));
  assert.equal(answer.headers['x-total-pages'], '2');
});

test('the requests after the first 1000 are on page 2', async () => {
  const first = readAs(await call(platform, 'GET', 'requests', 'xml'), 'xml', 'service-requests').doc as RequestDoc[];
  const second = readAs(await call(platform, 'GET', 'requests', 'xml', { query: { page: '2' } }), 'xml', 'service-requests').doc as RequestDoc[];
  assert.equal(second.length, COPIES + 1 - 1000);
  const seen = new Set(first.map((r) => r.service_request_id));
  assert.ok(second.every((r) => !seen.has(r.service_request_id)), 'no request is on both pages');
});
