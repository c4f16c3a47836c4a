/**
 * Conformance: error reporting — error types (5.5.2), their HTTP status (6.3.2, Table 6.3.2-1) and the
 * ProblemDetails body (IETF RFC 7807) — ETSI GS CIM 009 V1.8.1. One trigger per error type.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, assertProblem, entityPath, ERROR_BASE, type Hub, type Json, openHub, UNREACHABLE_CONTEXT } from './support.ts';

let hub: Hub;
before(async () => {
  hub = await openHub();
});
after(async () => {
  await hub.close();
});

const id = (n: number) => `urn:ngsi-ld:Test:errors-${n}`;

describe('ProblemDetails (5.5.2, 6.3.2)', () => {
  // 6.3.2: the body of an error response is a ProblemDetails with type, title, status and detail.
  test('an error response is a ProblemDetails whose status member equals the HTTP status and whose detail is text', async () => {
    const response = await hub.get(entityPath(id(1)));
    const body = assertProblem(response, 'ResourceNotFound');
    assert.equal(body.status, 404);
    assert.equal(typeof body.detail, 'string');
    assert.ok(String(body.detail).length > 0);
  });

  // 6.3.2: error bodies are JSON, never JSON-LD: they carry no @context.
  test('an error body has no @context, even when the client accepts application/ld+json', async () => {
    const response = await hub.get(entityPath(id(2)), { accept: 'application/ld+json' });
    const body = assertProblem(response, 'ResourceNotFound');
    assert.equal(body['@context'], undefined);
  });
});

describe('one trigger per error type (5.5.2, Table 6.3.2-1)', () => {
  // 5.5.2: InvalidRequest — "The request associated to the operation is syntactically invalid"; malformed JSON is.
  test('a body that is not well-formed JSON answers 400 InvalidRequest', async () => {
    const response = await hub.post(`${API}/entities`, '{"id": "urn:ngsi-ld:Test:errors-3", "type": ', { contentType: 'application/ld+json' });
    assertProblem(response, 'InvalidRequest');
    assert.equal(await hub.statusOf(id(3)), 404);
  });

  // 5.5.2: BadRequestData — well-formed JSON that does not meet the requirements of the operation.
  test('a JSON array posted as one entity answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, [{ id: id(4), type: 'T' }], { contentType: 'application/json' });
    assertProblem(response, 'BadRequestData');
    assert.equal(await hub.statusOf(id(4)), 404);
  });

  // 5.5.2 / 4.6.2: an entity type with a forbidden character is BadRequestData.
  test('an entity type containing a space answers 400 BadRequestData', async () => {
    assertProblem(await hub.post(`${API}/entities`, { id: id(5), type: 'Air Quality' }), 'BadRequestData');
  });

  // 5.5.2: AlreadyExists (409) — the referred element already exists.
  test('creating an existing entity answers 409 AlreadyExists', async () => {
    await hub.create({ id: id(6), type: 'T' });
    assertProblem(await hub.post(`${API}/entities`, { id: id(6), type: 'T' }), 'AlreadyExists');
  });

  // 5.5.2: ResourceNotFound (404) — the referred resource has not been found.
  test('deleting an attribute of an entity that does not exist answers 404 ResourceNotFound', async () => {
    assertProblem(await hub.delete(`${entityPath(id(7))}/attrs/x`), 'ResourceNotFound');
  });

  // 5.5.2: TooManyResults (403) — the query would produce so many results that it should be made more restrictive.
  test('a limit beyond the broker maximum answers 403 TooManyResults', async () => {
    assertProblem(await hub.get(`${API}/entities?type=T&limit=999999999`), 'TooManyResults');
  });

  // 5.5.2: LdContextNotAvailable (503) — a remote JSON-LD @context could not be retrieved.
  test('an unreachable remote @context answers 503 LdContextNotAvailable', async () => {
    assertProblem(await hub.get(`${API}/entities?type=T`, { link: UNREACHABLE_CONTEXT }), 'LdContextNotAvailable');
  });

  // 5.5.2: NonexistentTenant (404) — the addressed tenant does not exist.
  test('an unknown NGSILD-Tenant answers 404 NonexistentTenant', async () => {
    assertProblem(await hub.get(`${API}/entities?type=T`, { tenant: 'no-such-city' }), 'NonexistentTenant');
  });

  // 5.5.2 / 6.3.2: every type URI is under https://uri.etsi.org/ngsi-ld/errors/ and names the error.
  test('the type URIs of errors returned by a batch are NGSI-LD error type URIs', async () => {
    await hub.create({ id: id(8), type: 'T' });
    const response = await hub.post(`${API}/entityOperations/create`, [{ id: id(8), type: 'T' }, { id: 'bad id', type: 'T' }]);
    assert.equal(response.statusCode, 207, response.body);
    const result = response.json<{ success: string[]; errors: { entityId: string; error: Json }[] }>();
    assert.deepEqual(result.success, []);
    assert.equal(result.errors.length, 2);
    for (const entry of result.errors) assert.ok(String(entry.error.type).startsWith(ERROR_BASE), JSON.stringify(entry));
  });
});
