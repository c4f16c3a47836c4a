/** HTTP: /ngsi-ld/v1/jsonldContexts (ETSI GS CIM 009 V1.8.1 clauses 5.13, 6.29, 6.30) on a whole platform. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { isAppError } from '../../platform/errors/app-error.ts';
import { CORE_CONTEXT_URL } from './index.ts';

const API = '/ngsi-ld/v1/jsonldContexts';
const SDM_PARKING = 'https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld';
const SDM_TRANSPORTATION = 'https://smart-data-models.github.io/dataModel.Transportation/context.jsonld';
const ERRORS = 'https://uri.etsi.org/ngsi-ld/errors/';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type Json = Record<string, unknown>;

interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  body?: unknown;
  /** Bearer token; null sends none. */
  token?: string | null;
}

function problemType(response: LightMyRequestResponse): unknown {
  return response.json<Json>().type;
}

function pathOf(contextId: string): string {
  return `${API}/${encodeURIComponent(contextId)}`;
}

describe('the /jsonldContexts endpoints', () => {
  let tp: TestPlatform;
  let developer: string;
  let citizen: string;
  const call = ({ method, url, body, token }: Call) =>
    tp.platform.server.inject({
      method,
      url,
      headers: {
        ...(token === null ? {} : bearer(token ?? tp.adminToken)),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  const addHosted = async (context: unknown, token?: string): Promise<string> => {
    const response = await call({ method: 'POST', url: API, body: { '@context': context }, ...(token ? { token } : {}) });
    assert.equal(response.statusCode, 201, response.body);
    return String(response.headers.location);
  };

  before(async () => {
    tp = await startTestPlatform();
    const created = await call({
      method: 'POST',
      url: '/api/v1/users',
      body: { username: 'dev-wang', password: 'developer-pass-1', roles: ['developer'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    developer = await tp.login('dev-wang', 'developer-pass-1');
    const registered = await call({ method: 'POST', url: '/api/v1/auth/register', body: { username: 'citizen-li', password: 'citizen-pass-1' }, token: null });
    assert.equal(registered.statusCode, 201, registered.body);
    citizen = registered.json<{ accessToken: string }>().accessToken;
  });
  after(async () => {
    await tp.close();
  });

  describe('POST /jsonldContexts (add a Hosted @context)', () => {
    test('adding a context answers 201 with its URL under /jsonldContexts in Location', async () => {
      const response = await call({ method: 'POST', url: API, body: { '@context': { flow: 'https://hangzhou.example/ns#flow' } }, token: developer });
      assert.equal(response.statusCode, 201, response.body);
      assert.match(String(response.headers.location), /^\/ngsi-ld\/v1\/jsonldContexts\/[0-9a-f]{32}$/);
      assert.equal(response.body, '');
    });

    test('a body without an @context member is BadRequestData', async () => {
      const response = await call({ method: 'POST', url: API, body: { flow: 'https://hangzhou.example/ns#flow' } });
      assert.equal(response.statusCode, 400);
      assert.equal(problemType(response), `${ERRORS}BadRequestData`);
    });

    test('an invalid @context is BadRequestData', async () => {
      const response = await call({ method: 'POST', url: API, body: { '@context': { flow: 42 } } });
      assert.equal(response.statusCode, 400);
      assert.equal(problemType(response), `${ERRORS}BadRequestData`);
      assert.match(String(response.json<Json>().detail), /"flow"/);
    });

    test('a citizen may not add a context', async () => {
      const response = await call({ method: 'POST', url: API, body: { '@context': {} }, token: citizen });
      assert.equal(response.statusCode, 403);
    });

    test('adding a context needs a login', async () => {
      const response = await call({ method: 'POST', url: API, body: { '@context': {} }, token: null });
      assert.equal(response.statusCode, 401);
    });
  });

  describe('GET /jsonldContexts/{contextId} (serve a @context)', () => {
    test('a Hosted context is served exactly as it was added, to anyone', async () => {
      const document = { '@context': { flow: 'https://hangzhou.example/ns#flow', level: { '@id': 'https://hangzhou.example/ns#level', '@type': '@vocab' } } };
      const location = await addHosted(document['@context']);
      const response = await call({ method: 'GET', url: location, token: null });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      assert.deepEqual(response.json(), document);
    });

    test('details=true gives the ContextInfo of a Hosted context', async () => {
      const location = await addHosted({ pressure: 'https://hangzhou.example/ns#pressure' });
      const localId = location.split('/').pop()!;
      const response = await call({ method: 'GET', url: `${location}?details=true` });
      assert.equal(response.statusCode, 200);
      const info = response.json<Json>();
      assert.deepEqual(Object.keys(info).sort(), ['URL', 'createdAt', 'kind', 'localId', 'numberOfHits']);
      assert.equal(info.URL, `http://localhost:80${location}`);
      assert.equal(info.localId, localId);
      assert.equal(info.kind, 'Hosted');
      assert.match(String(info.createdAt), ISO);
      assert.equal(info.numberOfHits, 0);
    });

    test('the details of a context need a login, unlike its document', async () => {
      const response = await call({ method: 'GET', url: `${pathOf(SDM_PARKING)}?details=true`, token: null });
      assert.equal(response.statusCode, 401);
    });

    test('a Cached context is found by its original URL', async () => {
      const response = await call({ method: 'GET', url: `${pathOf(SDM_PARKING)}?details=true` });
      assert.equal(response.statusCode, 200);
      const info = response.json<Json>();
      assert.equal(info.URL, SDM_PARKING);
      assert.equal(info.kind, 'Cached');
      assert.deepEqual(info.extraInfo, { origin: 'preloaded' });
      const document = await call({ method: 'GET', url: pathOf(SDM_PARKING), token: null });
      assert.equal(document.json<{ '@context': Json }>()['@context'].ParkingSpot, 'https://smartdatamodels.org/dataModel.Parking/ParkingSpot');
    });

    test('an unknown context id is ResourceNotFound', async () => {
      const response = await call({ method: 'GET', url: `${API}/no-such-context`, token: null });
      assert.equal(response.statusCode, 404);
      assert.equal(problemType(response), `${ERRORS}ResourceNotFound`);
    });

    test('details must be true or false', async () => {
      const response = await call({ method: 'GET', url: `${pathOf(SDM_PARKING)}?details=maybe`, token: null });
      assert.equal(response.statusCode, 400);
      assert.equal(problemType(response), `${ERRORS}BadRequestData`);
    });

    test('a Hosted context can be used as the @context of a request, and its hits are counted', async () => {
      const location = await addHosted({ turbidity: 'https://hangzhou.example/ns#turbidity' });
      const terms = await tp.platform.context.resolver.resolve(`https://citycloud.example${location}`);
      assert.equal(terms.expand('turbidity'), 'https://hangzhou.example/ns#turbidity');
      await tp.platform.context.resolver.resolve(`https://citycloud.example${location}`);
      const info = (await call({ method: 'GET', url: `${location}?details=true` })).json<Json>();
      assert.equal(info.numberOfHits, 2);
      assert.match(String(info.lastUsage), ISO);
    });

    test('an inline context used in a request is served as an ImplicitlyCreated context at its link URL', async () => {
      const inline = [{ salinity: 'https://hangzhou.example/ns#salinity' }, CORE_CONTEXT_URL];
      const terms = await tp.platform.context.resolver.resolve(inline);
      const document = await call({ method: 'GET', url: terms.linkUrl, token: null });
      assert.deepEqual(document.json(), { '@context': inline });
      const info = (await call({ method: 'GET', url: `${terms.linkUrl}?details=true` })).json<Json>();
      assert.equal(info.kind, 'ImplicitlyCreated');
      assert.equal(info.numberOfHits, 1);
    });
  });

  describe('GET /jsonldContexts (list @contexts)', () => {
    test('the list gives the URLs of the hosted, cached and built-in contexts', async () => {
      const location = await addHosted({ rainfall: 'https://hangzhou.example/ns#rainfall' });
      const response = await call({ method: 'GET', url: API });
      assert.equal(response.statusCode, 200);
      const urls = response.json<string[]>();
      assert.ok(urls.includes(`http://localhost:80${location}`), 'the hosted context');
      assert.ok(urls.includes(CORE_CONTEXT_URL), 'the core context');
      assert.ok(urls.includes(SDM_TRANSPORTATION), 'a preloaded Smart Data Models context');
    });

    test('kind=Hosted with details=true gives only the ContextInfo of Hosted contexts', async () => {
      const location = await addHosted({ snowfall: 'https://hangzhou.example/ns#snowfall' });
      const response = await call({ method: 'GET', url: `${API}?details=true&kind=Hosted` });
      assert.equal(response.statusCode, 200);
      const infos = response.json<Json[]>();
      assert.ok(infos.length > 0);
      assert.ok(infos.every((info) => info.kind === 'Hosted'));
      assert.ok(infos.some((info) => info.localId === location.split('/').pop()));
    });

    test('kind=Cached lists the core context among the Cached ones', async () => {
      const infos = (await call({ method: 'GET', url: `${API}?details=true&kind=Cached` })).json<Json[]>();
      const core = infos.find((info) => info.URL === CORE_CONTEXT_URL);
      assert.deepEqual(core?.extraInfo, { origin: 'core' });
    });

    test('an unknown kind is BadRequestData', async () => {
      const response = await call({ method: 'GET', url: `${API}?kind=Borrowed` });
      assert.equal(response.statusCode, 400);
      assert.equal(problemType(response), `${ERRORS}BadRequestData`);
    });

    test('listing needs a login', async () => {
      const response = await call({ method: 'GET', url: API, token: null });
      assert.equal(response.statusCode, 401);
    });
  });

  describe('DELETE /jsonldContexts/{contextId}', () => {
    test('a deleted Hosted context is no longer served nor usable in requests', async () => {
      const location = await addHosted({ humidity: 'https://hangzhou.example/ns#humidity' }, developer);
      await tp.platform.context.resolver.resolve(location);
      const deleted = await call({ method: 'DELETE', url: location, token: developer });
      assert.equal(deleted.statusCode, 204);
      assert.equal((await call({ method: 'GET', url: location, token: null })).statusCode, 404);
      await assert.rejects(tp.platform.context.resolver.resolve(location), (error: unknown) => {
        assert.ok(isAppError(error) && error.code === 'LD_CONTEXT_NOT_AVAILABLE', String(error));
        return true;
      });
    });

    test('the core context cannot be deleted', async () => {
      const response = await call({ method: 'DELETE', url: pathOf(CORE_CONTEXT_URL) });
      assert.equal(response.statusCode, 400);
      assert.equal(problemType(response), `${ERRORS}BadRequestData`);
      assert.equal((await call({ method: 'GET', url: pathOf(CORE_CONTEXT_URL), token: null })).statusCode, 200);
    });

    test('reloading the core context is accepted and keeps it', async () => {
      const response = await call({ method: 'DELETE', url: `${pathOf(CORE_CONTEXT_URL)}?reload=true` });
      assert.equal(response.statusCode, 204);
      assert.equal((await call({ method: 'GET', url: pathOf(CORE_CONTEXT_URL), token: null })).statusCode, 200);
    });

    test('reload=true on a Hosted context is BadRequestData', async () => {
      const location = await addHosted({ ozone: 'https://hangzhou.example/ns#ozone' });
      const response = await call({ method: 'DELETE', url: `${location}?reload=true` });
      assert.equal(response.statusCode, 400);
      assert.equal(problemType(response), `${ERRORS}BadRequestData`);
    });

    test('a preloaded Cached context can be deleted', async () => {
      const response = await call({ method: 'DELETE', url: pathOf(SDM_TRANSPORTATION) });
      assert.equal(response.statusCode, 204);
      const urls = (await call({ method: 'GET', url: `${API}?kind=Cached` })).json<string[]>();
      assert.ok(!urls.includes(SDM_TRANSPORTATION));
    });

    test('an unknown context id is ResourceNotFound', async () => {
      const response = await call({ method: 'DELETE', url: `${API}/urn:ngsi-ld:nothing` });
      assert.equal(response.statusCode, 404);
      assert.equal(problemType(response), `${ERRORS}ResourceNotFound`);
    });

    test('a citizen may not delete a context', async () => {
      const location = await addHosted({ noise: 'https://hangzhou.example/ns#noise' });
      const response = await call({ method: 'DELETE', url: location, token: citizen });
      assert.equal(response.statusCode, 403);
    });
  });
});

describe('reloading with fetching turned off', () => {
  let tp: TestPlatform;
  before(async () => {
    tp = await startTestPlatform({ LD_CONTEXT_FETCH: 'off' });
  });
  after(async () => {
    await tp.close();
  });

  test('reload=true on a Cached context is LdContextNotAvailable and the context stays', async () => {
    const response = await tp.platform.server.inject({ method: 'DELETE', url: `${pathOf(SDM_PARKING)}?reload=true`, headers: bearer(tp.adminToken) });
    assert.equal(response.statusCode, 503);
    assert.equal(problemType(response), `${ERRORS}LdContextNotAvailable`);
    assert.match(String(response.json<Json>().detail), /LD_CONTEXT_FETCH=off/);
    const still = await tp.platform.server.inject({ method: 'GET', url: pathOf(SDM_PARKING) });
    assert.equal(still.statusCode, 200);
  });
});
