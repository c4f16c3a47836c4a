/** Bad input at the HTTP edge: every mistake gets a clear 4xx problem body, no stack trace in the log, and the server stays up. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { HANGZHOU } from '../tenancy/hangzhou.ts';

describe('HTTP edge: bad input gets a clear problem', () => {
  let t: TestPlatform;
  let otherCityKey: string;

  before(async () => {
    t = await startTestPlatform({ BODY_LIMIT: '4096' });
    await t.platform.store.transaction((tx) => t.platform.tenancy.ensureTenant(tx, 'ningbo', { zh: '宁波市', en: 'Ningbo' }, HANGZHOU, []));
    const { systemPrincipal } = await import('../auth/model.ts');
    otherCityKey = (await t.platform.auth.createApiKey(systemPrincipal('ningbo'), { name: 'ningbo app', role: 'developer' })).key;
  });
  after(() => t.close());

  const assertProblem = (response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, status: number, detail: RegExp) => {
    assert.equal(response.statusCode, status);
    assert.match(String(response.headers['content-type']), /application\/problem\+json/);
    const body = response.json() as { type: string; title: string; status: number; detail: string; requestId: string };
    assert.equal(body.status, status);
    assert.ok(body.type.length > 0 && body.title.length > 0);
    assert.match(body.detail, detail);
    assert.ok(body.requestId);
  };

  test('a malformed JSON body gets 400 saying where the JSON breaks', async () => {
    const response = await t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "admin", "password": ',
    });
    assertProblem(response, 400, /not valid JSON.*(position|end)/i);
  });

  test('a body with a __proto__ key is refused, not merged into objects', async () => {
    const response = await t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":"a","password":"b","__proto__":{"admin":true}}',
    });
    assertProblem(response, 400, /not valid JSON/);
  });

  test('an oversized body gets 413 naming the limit', async () => {
    const response = await t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'admin', password: 'x'.repeat(10_000) }),
    });
    assertProblem(response, 413, /4096 bytes/);
  });

  test('an unsupported content type gets 415', async () => {
    const response = await t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'text/csv' },
      payload: 'a,b',
    });
    assertProblem(response, 415, /Content-Type/);
  });

  test('an empty JSON body gets 400', async () => {
    const response = await t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    assertProblem(response, 400, /empty/);
  });

  test('a body of the wrong shape gets 400 naming the field', async () => {
    const response = await t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 12345678, extra: true },
    });
    assertProblem(response, 400, /body/);
  });

  test('an unknown route gets 404 pointing at the docs', async () => {
    const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
    assertProblem(response, 404, /no GET \/api\/v1\/no-such-thing.*\/docs/);
  });

  test('a bad token gets 401', async () => {
    const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/me', headers: bearer('not.a.token') });
    assertProblem(response, 401, /access token is not valid/);
  });

  test('a tampered token (signature of another secret) gets 401', async () => {
    const [header, , signature] = t.adminToken.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'x', ten: 'hangzhou', roles: ['admin'], exp: 9e9 })).toString('base64url');
    const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(`${header}.${forged}.${signature}`) });
    assertProblem(response, 401, /bad signature/);
  });

  test('an Authorization header that is not Bearer gets 401 saying the expected form', async () => {
    const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Basic YWRtaW46eA==' } });
    assertProblem(response, 401, /Bearer/);
  });

  test('a key of another city used against this city gets 403', async () => {
    const response = await t.platform.server.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { ...bearer(otherCityKey), 'ngsild-tenant': 'hangzhou' },
    });
    assertProblem(response, 403, /belongs to city "ningbo".*cannot act in city "hangzhou"/);
  });

  test('the same key in its own city works', async () => {
    const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(otherCityKey) });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().user.tenant, 'ningbo');
  });

  test('an unknown city gets 404 NonexistentTenant', async () => {
    const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/city', headers: { 'ngsild-tenant': 'atlantis' } });
    assertProblem(response, 404, /no city \(tenant\) "atlantis"/);
    assert.equal(response.json().type, 'https://uri.etsi.org/ngsi-ld/errors/NonexistentTenant');
  });

  test('a hostile tenant header (SQL metacharacters, 10 kB) gets 404, not 500', async () => {
    for (const tenant of ["x'; DROP TABLE users; --", 'é'.repeat(5000)]) {
      const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/city', headers: { 'ngsild-tenant': tenant } });
      assert.equal(response.statusCode, 404, tenant.slice(0, 20));
    }
  });

  test('an API call without credentials gets 401 saying how to authenticate', async () => {
    const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/users' });
    assertProblem(response, 401, /Authorization: Bearer/);
  });

  test('a URL over 16 kB is refused with 414 before routing, however it arrives; one just under is served', async () => {
    const headers = { authorization: `Bearer ${t.adminToken}` };
    const coordinates = encodeURIComponent(JSON.stringify([Array.from({ length: 100_000 }, (_, i) => [120 + i / 1e6, 30])]));
    const url = `/ngsi-ld/v1/entities?type=Building&georel=within&geometry=Polygon&coordinates=${coordinates}`;
    const response = await t.platform.server.inject({ method: 'GET', url, headers });
    assertProblem(response, 414, /is [\d,]+ characters long; at most 16,384 are accepted: send long queries as POST \/ngsi-ld\/v1\/entityOperations\/query/);
    assert.equal(response.json<{ instance: string }>().instance, '/ngsi-ld/v1/entities');
    const unknownPath = await t.platform.server.inject({ method: 'DELETE', url: `/no/such/${'x'.repeat(20_000)}` });
    assert.equal(unknownPath.statusCode, 414);
    const justUnder = await t.platform.server.inject({ method: 'GET', url: `/healthz?pad=${'x'.repeat(16_384 - 13)}` });
    assert.equal(justUnder.statusCode, 200);
    // The request log names the refusal, not the megabytes of the URL.
    assert.ok(!t.logText().includes(coordinates.slice(0, 5000)), 'the over-long URL was written to the log');
  });

  test('none of the refusals above wrote a stack trace to the log, and the server still answers', async () => {
    const log = t.logText();
    assert.match(log, /request refused/);
    assert.doesNotMatch(log, /"stack"|\n\s+at /);
    const health = await t.platform.server.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
  });

  test('a request id given by the caller is echoed, and one is made up otherwise', async () => {
    const given = await t.platform.server.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-42' } });
    assert.equal(given.headers['x-request-id'], 'trace-42');
    const made = await t.platform.server.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(String(made.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });
});

describe('HTTP edge: operations endpoints', () => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform();
  });
  after(() => t.close());

  test('GET /healthz answers 200 when the store answers', async () => {
    const response = await t.platform.server.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok' });
  });

  test('GET /metrics is Prometheus text with request durations by route', async () => {
    await t.platform.server.inject({ method: 'GET', url: '/api/v1/city' });
    const response = await t.platform.server.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /text\/plain/);
    assert.match(response.body, /citycloud_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/city",status="200"\} 1/);
  });

  test('the OpenAPI document at /docs/json lists the platform routes', async () => {
    const response = await t.platform.server.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json();
    assert.equal(doc.openapi, '3.1.0');
    for (const path of ['/api/v1/auth/login', '/api/v1/users', '/api/v1/keys', '/api/v1/audit', '/api/v1/city']) {
      assert.ok(doc.paths[path], `missing ${path}`);
    }
    const ui = await t.platform.server.inject({ method: 'GET', url: '/docs/' });
    assert.equal(ui.statusCode, 200);
    assert.match(ui.body, /swagger/i);
  });

  test('the city profile lists the ten districts of the demo city', async () => {
    const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/city' });
    const city = response.json();
    assert.equal(city.tenant, 'hangzhou');
    assert.equal(city.name.zh, '杭州市');
    assert.equal(city.districts.features.length, 10);
    assert.ok(city.districts.features.some((f: { properties: { name: string } }) => f.properties.name === '西湖区'));
  });
});
