/**
 * Conformance: multi-tenancy (4.14, 6.3.14 NGSILD-Tenant header): isolation between two cities and
 * NonexistentTenant for an unknown tenant — ETSI GS CIM 009 V1.8.1.
 *
 * The platform creates tenants (cities) explicitly, with their own administrators, so the implicit
 * creation of a tenant by a first write (4.14) is not tested: each city's credential acts in its own city.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, assertProblem, entityPath, expectStatus, type Hub, idsOf, type Json, openHub, type RequestOptions } from './support.ts';

const SUZHOU = 'suzhou';
const SUZHOU_PASSWORD = 'suzhou-admin-password-1';

let hub: Hub;
let suzhouToken: string;
/** Options for a request in the second city, with its admin's credential and the NGSILD-Tenant header. */
let inSuzhou: RequestOptions;

before(async () => {
  hub = await openHub();
  const { platform } = hub.tp;
  await platform.store.transaction((tx) =>
    platform.tenancy.ensureTenant(
      tx,
      SUZHOU,
      { zh: '苏州', en: 'Suzhou' },
      { name: { zh: '苏州', en: 'Suzhou' }, center: [120.58, 31.3], districts: { type: 'FeatureCollection', features: [] } },
      [],
    ),
  );
  await platform.auth.ensureFirstAdmin(SUZHOU, SUZHOU_PASSWORD);
  suzhouToken = await hub.tp.login('admin', SUZHOU_PASSWORD, SUZHOU);
  inSuzhou = { token: suzhouToken, tenant: SUZHOU };
});
after(async () => {
  await hub.close();
});

const id = (n: number) => `urn:ngsi-ld:Test:tenants-${n}`;
const bench = (n: number, colour: string): Json => ({ id: id(n), type: 'TenantBench', colour: { type: 'Property', value: colour } });

describe('isolation between tenants (4.14, 6.3.14)', () => {
  // 4.14: each tenant is a separate information space: an entity of one is not visible in the other.
  test('an entity created in the second city cannot be retrieved in the default city', async () => {
    await hub.create(bench(1, 'red'), inSuzhou);
    assert.equal(((await hub.retrieve(id(1), undefined, inSuzhou)).colour as Json).value, 'red');
    assertProblem(await hub.get(entityPath(id(1))), 'ResourceNotFound');
  });

  // 6.3.14: naming the default tenant explicitly addresses the same information space as naming none.
  test('an entity created without NGSILD-Tenant is found when the default city is named explicitly', async () => {
    await hub.create(bench(12, 'default'));
    const tenant = hub.tp.platform.config.defaultTenant;
    assert.equal(((await hub.retrieve(id(12), undefined, { tenant })).colour as Json).value, 'default');
  });

  // 4.14: queries only see the tenant's own entities.
  test('a query in each city returns only that city’s entities', async () => {
    await hub.create(bench(2, 'blue'), inSuzhou);
    await hub.create(bench(3, 'green'));
    assert.deepEqual(idsOf(await hub.query('type=TenantBench', inSuzhou)).filter((i) => i === id(2) || i === id(3)), [id(2)]);
    assert.deepEqual(idsOf(await hub.query('type=TenantBench')).filter((i) => i === id(2) || i === id(3)), [id(3)]);
  });

  // 4.14: the same entity id may exist in two tenants as two independent entities.
  test('the same entity id can exist in both cities, and updating one leaves the other unchanged', async () => {
    await hub.create(bench(4, 'hangzhou-white'));
    await hub.create(bench(4, 'suzhou-grey'), inSuzhou);
    expectStatus(await hub.patch(`${entityPath(id(4))}/attrs`, { colour: { type: 'Property', value: 'repainted' } }, inSuzhou), 204);
    assert.equal(((await hub.retrieve(id(4))).colour as Json).value, 'hangzhou-white');
    assert.equal(((await hub.retrieve(id(4), undefined, inSuzhou)).colour as Json).value, 'repainted');
  });

  // 4.14: deleting in one tenant does not delete the other tenant's entity with the same id.
  test('deleting an entity in one city leaves the other city’s entity with the same id', async () => {
    await hub.create(bench(5, 'a'));
    await hub.create(bench(5, 'b'), inSuzhou);
    expectStatus(await hub.delete(entityPath(id(5))), 204);
    assert.equal(await hub.statusOf(id(5)), 404);
    assert.equal(await hub.statusOf(id(5), inSuzhou), 200);
  });

  // 4.14 / 5.7.5: discovery is per tenant: a type used only in one city is listed only there.
  test('GET /types lists a type only in the city that has entities of it', async () => {
    await hub.create({ id: id(6), type: 'OnlyInSuzhou' }, inSuzhou);
    const there = expectStatus(await hub.get(`${API}/types`, { ...inSuzhou, accept: 'application/json' }), 200) as Json;
    const here = expectStatus(await hub.get(`${API}/types`, { accept: 'application/json' }), 200) as Json;
    assert.ok((there.typeList as string[]).includes('OnlyInSuzhou'));
    assert.ok(!(here.typeList as string[]).includes('OnlyInSuzhou'));
  });

  // 4.14: batch operations act in the tenant of the request only.
  test('a batch create in the second city does not create entities in the default city', async () => {
    const response = await hub.post(`${API}/entityOperations/create`, [bench(7, 'x'), bench(8, 'y')], inSuzhou);
    expectStatus(response, 201);
    assert.equal(await hub.statusOf(id(7)), 404);
    assert.equal(await hub.statusOf(id(8), inSuzhou), 200);
  });

  // 6.3.14: a response to a request that named a tenant carries the NGSILD-Tenant header with that tenant.
  test('a response to a request in a named tenant carries the NGSILD-Tenant header', async () => {
    await hub.create(bench(9, 'z'), inSuzhou);
    const response = await hub.get(entityPath(id(9)), { ...inSuzhou, accept: 'application/json' });
    expectStatus(response, 200);
    assert.equal(response.headers['ngsild-tenant'], SUZHOU);
  });

  // 6.3.14 / 6.4.3.1 (OpenAPI: 201 headers NGSILD-Tenant): a creation in a named tenant answers with the header.
  test('creating an entity in a named tenant answers 201 with the NGSILD-Tenant header', async () => {
    const response = await hub.post(`${API}/entities`, bench(11, 'w'), inSuzhou);
    expectStatus(response, 201);
    assert.equal(response.headers['ngsild-tenant'], SUZHOU);
  });

  // 4.14 (platform): a credential of one city never reads another city's entities, whatever NGSILD-Tenant says.
  test('the default city’s credential with NGSILD-Tenant of the second city does not see its entities', async () => {
    await hub.create(bench(10, 'secret'), inSuzhou);
    const response = await hub.get(entityPath(id(10)), { tenant: SUZHOU });
    assert.ok(response.statusCode >= 400, `status ${response.statusCode}`);
    assert.ok(!response.body.includes('secret'));
  });
});

describe('NonexistentTenant (6.3.14, Table 6.3.2-1)', () => {
  // 6.3.14: "If the tenant ... does not exist, an error of type NonexistentTenant shall be returned" (404).
  test('retrieving an entity in a tenant that does not exist answers 404 NonexistentTenant', async () => {
    assertProblem(await hub.get(entityPath(id(20)), { tenant: 'atlantis' }), 'NonexistentTenant');
  });

  // 6.3.14: the same for a query.
  test('querying entities in a tenant that does not exist answers 404 NonexistentTenant', async () => {
    assertProblem(await hub.get(`${API}/entities?type=TenantBench`, { tenant: 'atlantis' }), 'NonexistentTenant');
  });

  // 6.3.14: the same for discovery.
  test('GET /types in a tenant that does not exist answers 404 NonexistentTenant', async () => {
    assertProblem(await hub.get(`${API}/types`, { tenant: 'atlantis' }), 'NonexistentTenant');
  });

  // 6.3.14: an unknown tenant is NonexistentTenant even before any credential is looked at.
  test('a request without a credential naming an unknown tenant answers 404 NonexistentTenant', async () => {
    assertProblem(await hub.get(`${API}/entities?type=TenantBench`, { tenant: 'atlantis', token: null }), 'NonexistentTenant');
  });
});
