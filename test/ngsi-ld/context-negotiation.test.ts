/**
 * Conformance: MIME types and content negotiation (6.3.4), JSON-LD @context resolution from the body or
 * the Link header (6.3.5), the @context of responses (6.3.6) and LdContextNotAvailable — V1.8.1.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  API,
  assertProblem,
  CORE_CONTEXT,
  contextLinkOf,
  entityPath,
  expectStatus,
  type Hub,
  idsOf,
  type Json,
  linkTo,
  openHub,
  TEST_CONTEXT,
  TEST_CONTEXT_DOC,
  TEST_NS,
  UNREACHABLE_CONTEXT,
} from './support.ts';

let hub: Hub;
let contextServer: Server;
/** A user @context served over HTTP, as a client would publish it. */
let servedContextUrl: string;

before(async () => {
  // The broker never fetches from loopback unless the deployment allows that host (its SSRF guard):
  // the test's context server runs on 127.0.0.1, so this platform allows it.
  hub = await openHub({ LD_CONTEXT_ALLOW_HOSTS: '127.0.0.1' });
  contextServer = createServer((request, response) => {
    if (request.url === '/test-context.jsonld') {
      response.writeHead(200, { 'content-type': 'application/ld+json' });
      response.end(JSON.stringify({ '@context': TEST_CONTEXT }));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => contextServer.listen(0, '127.0.0.1', resolve));
  servedContextUrl = `http://127.0.0.1:${(contextServer.address() as AddressInfo).port}/test-context.jsonld`;
});
after(async () => {
  await hub.close();
  await new Promise<void>((resolve) => contextServer.close(() => resolve()));
});

const id = (n: number) => `urn:ngsi-ld:Test:context-${n}`;
const thing = (n: number): Json => ({ id: id(n), type: 'Kiosk', open: { type: 'Property', value: true } });

describe('request @context (6.3.5)', () => {
  // 6.3.5: Content-Type application/json with an @context in the body is BadRequestData (the context goes in a Link header).
  test('application/json with an @context member in the body answers 400 BadRequestData and creates nothing', async () => {
    const response = await hub.post(`${API}/entities`, { ...thing(1), '@context': CORE_CONTEXT }, { contentType: 'application/json' });
    assertProblem(response, 'BadRequestData');
    assert.equal(await hub.statusOf(id(1)), 404);
  });

  // 6.3.5: Content-Type application/ld+json together with a JSON-LD Link header is BadRequestData.
  test('application/ld+json together with a JSON-LD Link header answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { ...thing(2), '@context': CORE_CONTEXT }, { link: CORE_CONTEXT });
    assertProblem(response, 'BadRequestData');
    assert.equal(await hub.statusOf(id(2)), 404);
  });

  // 6.3.5: with application/ld+json the @context shall be in the body; without it the request is BadRequestData.
  test('application/ld+json without an @context in the body answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, thing(3), { raw: true });
    assertProblem(response, 'BadRequestData');
    assert.equal(await hub.statusOf(id(3)), 404);
  });

  // 6.3.5: application/json without a Link header is interpreted with the core @context.
  test('application/json without a Link header is accepted with the core @context', async () => {
    expectStatus(await hub.post(`${API}/entities`, thing(4), { contentType: 'application/json' }), 201);
    const entity = await hub.retrieve(id(4));
    assert.equal(entity.type, 'Kiosk');
    assert.deepEqual(entity.open, { type: 'Property', value: true });
  });

  // 6.3.5: application/json with a JSON-LD Link header uses that @context.
  test('application/json with a JSON-LD Link header is accepted', async () => {
    expectStatus(await hub.post(`${API}/entities`, thing(5), { contentType: 'application/json', link: CORE_CONTEXT }), 201);
    assert.equal(await hub.statusOf(id(5)), 200);
  });

  // 6.3.5: the same rule for PATCH: application/json with @context in the body is BadRequestData.
  test('updating attributes with application/json and an @context in the body answers 400 BadRequestData', async () => {
    await hub.create(thing(6));
    const response = await hub.patch(
      `${entityPath(id(6))}/attrs`,
      { open: { type: 'Property', value: false }, '@context': CORE_CONTEXT },
      { contentType: 'application/json' },
    );
    assertProblem(response, 'BadRequestData');
    assert.equal(((await hub.retrieve(id(6))).open as Json).value, true);
  });

  // 6.3.5 / JSON-LD 1.1: an @context that is not a URL, object or array is not a valid context: BadRequestData.
  test('an @context that is a number answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { ...thing(7), '@context': 5 });
    assertProblem(response, 'BadRequestData');
  });

  // 6.3.5 / Table 6.3.2-1: a remote @context that cannot be retrieved is LdContextNotAvailable (503).
  test('an @context URL that cannot be fetched answers 503 LdContextNotAvailable and creates nothing', async () => {
    const response = await hub.post(`${API}/entities`, { ...thing(8), '@context': UNREACHABLE_CONTEXT });
    assertProblem(response, 'LdContextNotAvailable');
    assert.equal(await hub.statusOf(id(8)), 404);
  });

  // 6.3.5: a Link header naming a context that cannot be fetched is LdContextNotAvailable (503).
  test('a GET whose Link header names an unreachable @context answers 503 LdContextNotAvailable', async () => {
    await hub.create(thing(9));
    assertProblem(await hub.get(entityPath(id(9)), { link: UNREACHABLE_CONTEXT }), 'LdContextNotAvailable');
  });

  // 6.3.5: a user @context given by URL in a Link header is fetched and used for expansion and compaction.
  test('a user @context given by URL in the Link header compacts names and expands the type query', async () => {
    await hub.create({ id: id(10), type: 'Sensor', reading: { type: 'Property', value: 12 }, '@context': TEST_CONTEXT_DOC });
    const entity = await hub.retrieve(id(10), undefined, { link: servedContextUrl });
    assert.equal(entity.type, 'Sensor');
    assert.deepEqual(entity.reading, { type: 'Property', value: 12 });
    const found = await hub.query('type=Sensor', { link: servedContextUrl });
    assert.deepEqual(idsOf(found), [id(10)]);
    // Without the context the same type term means another IRI, which no entity has.
    assert.deepEqual(await hub.query(`type=Sensor&id=${encodeURIComponent(id(10))}`), []);
    assert.equal((await hub.retrieve(id(10)))[`${TEST_NS}reading`] !== undefined, true);
  });
});

describe('the request @context applies to every term of a request (6.3.5)', () => {
  // 6.3.5 / 5.7.5: type names in discovery results are compacted with the Link header's @context.
  test('GET /types compacts a user type to its term with the Link header @context', async () => {
    await hub.create({ id: id(11), type: 'Station', '@context': TEST_CONTEXT_DOC });
    const response = await hub.get(`${API}/types`, { accept: 'application/json', link: servedContextUrl });
    const list = expectStatus(response, 200) as Json;
    const names = list.typeList as string[];
    assert.ok(names.includes('Station'), JSON.stringify(names));
    assert.ok(!names.includes(`${TEST_NS}Station`));
  });

  // 6.3.5 / 5.6.5: the attrId of the URL path is a term expanded with the Link header @context.
  test('deleting an attribute named by a term of the Link header @context deletes the expanded attribute', async () => {
    await hub.create({ id: id(12), type: 'Sensor', reading: { type: 'Property', value: 1 }, '@context': TEST_CONTEXT_DOC });
    expectStatus(await hub.delete(`${entityPath(id(12))}/attrs/reading`, { link: servedContextUrl }), 204);
    const entity = await hub.retrieve(id(12));
    assert.equal(entity[`${TEST_NS}reading`], undefined);
  });

  // 6.3.5: without the user @context the same term is another IRI, which the entity does not have.
  test('the same attribute term without the user @context does not name the attribute', async () => {
    await hub.create({ id: id(13), type: 'Sensor', reading: { type: 'Property', value: 1 }, '@context': TEST_CONTEXT_DOC });
    assertProblem(await hub.delete(`${entityPath(id(13))}/attrs/reading`), 'ResourceNotFound');
    assert.ok((await hub.retrieve(id(13)))[`${TEST_NS}reading`]);
  });

  // 6.3.5 / 5.7.1: attrs terms are expanded with the Link header @context.
  test('attrs given as a term of the Link header @context selects the expanded attribute', async () => {
    await hub.create({
      id: id(14),
      type: 'Sensor',
      reading: { type: 'Property', value: 1 },
      other: { type: 'Property', value: 2 },
      '@context': TEST_CONTEXT_DOC,
    });
    const entity = await hub.retrieve(id(14), 'attrs=reading', { link: servedContextUrl });
    assert.deepEqual(Object.keys(entity).sort(), ['id', 'reading', 'type']);
  });
});

describe('Link header variants (6.3.5)', () => {
  // 6.3.5: a JSON body (application/json) is expanded with the @context of the Link header.
  test('application/json with a Link header to a user @context expands the body with it', async () => {
    const body = { id: id(15), type: 'Sensor', reading: { type: 'Property', value: 3 } };
    expectStatus(await hub.post(`${API}/entities`, body, { contentType: 'application/json', link: servedContextUrl }), 201);
    const entity = await hub.retrieve(id(15));
    assert.equal(entity.type, `${TEST_NS}Sensor`);
    assert.ok(entity[`${TEST_NS}reading`]);
  });

  // 6.3.5: only a Link with rel="http://www.w3.org/ns/json-ld#context" carries an @context; other links are ignored.
  test('a Link header with another relation is ignored and the core @context applies', async () => {
    await hub.create(thing(16));
    const response = await hub.get(entityPath(id(16)), { headers: { link: '<https://example.org/page/2>; rel="next"' }, accept: 'application/json' });
    const body = expectStatus(response, 200) as Json;
    assert.equal(body.type, 'Kiosk');
  });

  // 6.3.6: with Accept application/ld+json and a Link header, the body's @context is the linked @context.
  test('an application/ld+json response to a request with a Link header carries that @context in the body', async () => {
    await hub.create({ id: id(17), type: 'Sensor', '@context': TEST_CONTEXT_DOC });
    const response = await hub.get(entityPath(id(17)), { accept: 'application/ld+json', link: servedContextUrl });
    const body = expectStatus(response, 200) as Json;
    assert.ok(JSON.stringify(body['@context']).includes(servedContextUrl), JSON.stringify(body['@context']));
    assert.equal(body.type, 'Sensor');
  });
});

describe('MIME types (6.3.4)', () => {
  // 6.3.4: a request body in a MIME type the API does not support is 415 Unsupported Media Type.
  test('a body sent as text/plain answers 415 and creates nothing', async () => {
    const response = await hub.post(`${API}/entities`, JSON.stringify(thing(20)), { contentType: 'text/plain' });
    assert.equal(response.statusCode, 415, response.body);
    assert.equal(await hub.statusOf(id(20)), 404);
  });

  // 6.3.4: application/xml is not supported either.
  test('a body sent as application/xml answers 415', async () => {
    const response = await hub.post(`${API}/entities`, '<entity/>', { contentType: 'application/xml' });
    assert.equal(response.statusCode, 415, response.body);
  });

  // 6.3.4: media types may carry parameters; "application/ld+json; charset=utf-8" is application/ld+json.
  test('a Content-Type with a charset parameter is accepted', async () => {
    expectStatus(await hub.post(`${API}/entities`, thing(25), { contentType: 'application/ld+json; charset=utf-8' }), 201);
    assert.equal(await hub.statusOf(id(25)), 200);
  });

  // 6.3.4: a JSON Patch body (application/json-patch+json) is not a supported request type.
  test('a body sent as application/json-patch+json answers 415', async () => {
    await hub.create(thing(26));
    const response = await hub.patch(entityPath(id(26)), [{ op: 'replace', path: '/open/value', value: false }], {
      contentType: 'application/json-patch+json',
    });
    assert.equal(response.statusCode, 415, response.body);
    assert.equal(((await hub.retrieve(id(26))).open as Json).value, true);
  });

  // 6.3.4 / IETF RFC 9110 12.5.1: the Accept quality values choose between the supported types.
  test('Accept "application/ld+json;q=0.5, application/json" answers application/json', async () => {
    await hub.create(thing(27));
    const response = await hub.get(entityPath(id(27)), { accept: 'application/ld+json;q=0.5, application/json' });
    expectStatus(response, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
  });

  // 6.3.4: a response type the API cannot produce is 406 Not Acceptable.
  test('Accept text/html on an entity answers 406', async () => {
    await hub.create(thing(21));
    assert.equal((await hub.get(entityPath(id(21)), { accept: 'text/html' })).statusCode, 406);
  });

  // 6.3.4: without an Accept header the response is application/json.
  test('a retrieval without Accept answers application/json', async () => {
    await hub.create(thing(22));
    const response = await hub.get(entityPath(id(22)));
    expectStatus(response, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
  });

  // 6.3.4: Accept */* is answered with application/json.
  test('Accept */* answers application/json', async () => {
    await hub.create(thing(23));
    const response = await hub.get(entityPath(id(23)), { accept: '*/*' });
    expectStatus(response, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
  });

  // 6.3.4 / 5.2.29: Accept application/geo+json on one entity gives a GeoJSON Feature.
  test('Accept application/geo+json on an entity gives a GeoJSON Feature with its location', async () => {
    await hub.create({ ...thing(24), location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.2, 30.3] } } });
    const response = await hub.get(entityPath(id(24)), { accept: 'application/geo+json' });
    const feature = expectStatus(response, 200) as Json;
    assert.match(String(response.headers['content-type']), /^application\/geo\+json/);
    assert.equal(feature.type, 'Feature');
    assert.equal(feature.id, id(24));
    assert.deepEqual(feature.geometry, { type: 'Point', coordinates: [120.2, 30.3] });
    assert.equal((feature.properties as Json).type, 'Kiosk');
  });
});

describe('response @context (6.3.6)', () => {
  // 6.3.6: an application/json response references its @context in a JSON-LD Link header, not in the body.
  test('an application/json response has a JSON-LD Link header to the core @context and no @context member', async () => {
    await hub.create(thing(30));
    const response = await hub.get(entityPath(id(30)), { accept: 'application/json' });
    const body = expectStatus(response, 200) as Json;
    assert.equal(body['@context'], undefined);
    assert.equal(contextLinkOf(response), CORE_CONTEXT, `Link: ${String(response.headers.link)}`);
  });

  // 6.3.6: the Link header of the response names the @context the request used.
  test('an application/json response echoes the @context URL of the request Link header', async () => {
    await hub.create(thing(31));
    const response = await hub.get(entityPath(id(31)), { accept: 'application/json', link: servedContextUrl });
    expectStatus(response, 200);
    assert.equal(contextLinkOf(response), servedContextUrl);
  });

  // 6.3.6: an application/ld+json response carries the @context in the body.
  test('an application/ld+json response has the @context in the body', async () => {
    await hub.create(thing(32));
    const response = await hub.get(entityPath(id(32)), { accept: 'application/ld+json' });
    const body = expectStatus(response, 200) as Json;
    assert.match(String(response.headers['content-type']), /^application\/ld\+json/);
    assert.ok(JSON.stringify(body['@context']).includes(CORE_CONTEXT));
  });

  // 6.3.6: for a query answered as application/ld+json each entity carries its @context.
  test('each entity of an application/ld+json query result carries the @context', async () => {
    await hub.create({ ...thing(33), type: 'KioskLd' });
    const response = await hub.get(`${API}/entities?type=KioskLd`, { accept: 'application/ld+json' });
    const body = expectStatus(response, 200) as Json[];
    assert.equal(body.length, 1);
    assert.ok(JSON.stringify(body[0]!['@context']).includes(CORE_CONTEXT));
  });

  // 6.3.5 / Annex C.7 (JSON-LD 1.1 §6.1): at most one JSON-LD context Link header; two are BadRequestData.
  test('a request with two JSON-LD context links answers 400 BadRequestData', async () => {
    await hub.create(thing(34));
    const link = `${linkTo(CORE_CONTEXT)}, ${linkTo(servedContextUrl)}`;
    assertProblem(await hub.get(entityPath(id(34)), { headers: { link }, accept: 'application/json' }), 'BadRequestData');
  });
});
