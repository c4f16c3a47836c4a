/** Conformance: Create Entity (5.6.1, 6.4.3.1) and Retrieve Entity (5.7.1, 6.5.3.1) — ETSI GS CIM 009 V1.8.1. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  API,
  assertProblem,
  CORE_CONTEXT,
  DEFAULT_VOCAB,
  entityPath,
  expectStatus,
  type Hub,
  type Json,
  openHub,
  TEST_CONTEXT_DOC,
  TEST_NS,
} from './support.ts';

let hub: Hub;
before(async () => {
  hub = await openHub();
});
after(async () => {
  await hub.close();
});

const id = (n: number) => `urn:ngsi-ld:Test:create-${n}`;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function sensor(n: number, extra: Json = {}): Json {
  return {
    id: id(n),
    type: 'AirQualitySensor',
    pm25: { type: 'Property', value: 35, unitCode: 'GQ' },
    isPartOf: { type: 'Relationship', object: 'urn:ngsi-ld:Station:hz-1' },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.16, 30.25] } },
    ...extra,
  };
}

describe('POST /entities (5.6.1 Create Entity)', () => {
  // 5.6.1 / 6.4.3.1: success is 201 with a Location header naming the new entity resource, and no body.
  test('creating a new entity answers 201 with the entity URL in Location', async () => {
    const response = await hub.post(`${API}/entities`, sensor(1));
    expectStatus(response, 201);
    assert.equal(response.headers.location, entityPath(id(1)));
    assert.equal(response.body, '');
  });

  // 5.6.1: the entity is stored as sent and can be retrieved (5.7.1) with all its attributes.
  test('a created entity can be retrieved with its attributes in the normalized form', async () => {
    await hub.create(sensor(2));
    const entity = await hub.retrieve(id(2));
    assert.equal(entity.id, id(2));
    assert.equal(entity.type, 'AirQualitySensor');
    assert.deepEqual(entity.pm25, { type: 'Property', value: 35, unitCode: 'GQ' });
    assert.deepEqual(entity.isPartOf, { type: 'Relationship', object: 'urn:ngsi-ld:Station:hz-1' });
    assert.deepEqual(entity.location, { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.16, 30.25] } });
  });

  // 5.6.1 behaviour: "If an Entity with the same id already exists, an error of type AlreadyExists shall be raised".
  test('creating an entity whose id already exists answers 409 AlreadyExists and leaves the stored entity unchanged', async () => {
    await hub.create(sensor(3));
    const again = await hub.post(`${API}/entities`, sensor(3, { pm25: { type: 'Property', value: 999 } }));
    assertProblem(again, 'AlreadyExists');
    const entity = await hub.retrieve(id(3));
    assert.equal((entity.pm25 as Json).value, 35);
  });

  // 5.6.1: of concurrent creations of one id exactly one succeeds; the others are AlreadyExists (never a server error).
  test('five concurrent creations of the same id give one 201 and four 409 AlreadyExists', async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => hub.post(`${API}/entities`, sensor(25))));
    const statuses = responses.map((r) => r.statusCode).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409], responses.map((r) => r.body).join('\n'));
    for (const response of responses.filter((r) => r.statusCode === 409)) assertProblem(response, 'AlreadyExists');
  });

  // 5.6.1 / 4.5.1: an entity needs an id that is a URI; otherwise BadRequestData and nothing is created.
  test('an entity id that is not a URI is refused with 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { id: 'not a uri', type: 'AirQualitySensor' });
    assertProblem(response, 'BadRequestData');
  });

  // 5.6.1 / 5.2.4: "type" is mandatory for an entity; without it the request is BadRequestData and nothing is stored.
  test('an entity without a type is refused with 400 BadRequestData and is not stored', async () => {
    const response = await hub.post(`${API}/entities`, { id: id(5), pm25: { type: 'Property', value: 1 } });
    assertProblem(response, 'BadRequestData');
    assert.equal(await hub.statusOf(id(5)), 404);
  });

  // 4.6.2: attribute names are restricted (no whitespace, quotes, "=", ";", "<", ">", "(", ")"); violations are BadRequestData.
  test('an attribute name with a character forbidden by 4.6.2 is refused with 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { id: id(6), type: 'T', 'bad=name': { type: 'Property', value: 1 } });
    assertProblem(response, 'BadRequestData');
    assert.equal(await hub.statusOf(id(6)), 404);
  });

  // 5.2.1: no member admits a null value; an NGSI-LD Null outside a partial update or merge is BadRequestData.
  test('a Property whose value is the NGSI-LD Null is refused on create with 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { id: id(7), type: 'T', p: { type: 'Property', value: 'urn:ngsi-ld:null' } });
    assertProblem(response, 'BadRequestData');
    assert.equal(await hub.statusOf(id(7)), 404);
  });

  // 5.2.1: null is not a value in NGSI-LD; a JSON null value is BadRequestData.
  test('a Property whose value is JSON null is refused with 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { id: id(8), type: 'T', p: { type: 'Property', value: null } });
    assertProblem(response, 'BadRequestData');
  });

  // 5.2.22 / 4.5.3: a Relationship's object shall be a URI.
  test('a Relationship whose object is not a URI is refused with 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { id: id(9), type: 'T', r: { type: 'Relationship', object: 'no uri here' } });
    assertProblem(response, 'BadRequestData');
  });

  // 4.7.1 / 5.2.7: a GeoProperty's value shall be a valid GeoJSON geometry.
  test('a GeoProperty whose value is not a GeoJSON geometry is refused with 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, {
      id: id(10),
      type: 'T',
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: 'east of the lake' } },
    });
    assertProblem(response, 'BadRequestData');
  });

  // 4.8: createdAt and modifiedAt are system-generated; values sent by a client are ignored.
  test('createdAt sent by the client is ignored and the broker stamps its own with options=sysAttrs', async () => {
    const before = Date.now();
    await hub.create({ ...sensor(11), createdAt: '2001-01-01T00:00:00Z' });
    const entity = await hub.retrieve(id(11), 'options=sysAttrs');
    assert.match(String(entity.createdAt), DATE_TIME);
    assert.match(String(entity.modifiedAt), DATE_TIME);
    assert.ok(Date.parse(String(entity.createdAt)) >= before - 60_000, `createdAt ${String(entity.createdAt)} is the broker's`);
    const pm25 = entity.pm25 as Json;
    assert.match(String(pm25.createdAt), DATE_TIME);
    assert.match(String(pm25.modifiedAt), DATE_TIME);
  });

  // 4.8 / 6.3.7: without options=sysAttrs the system attributes are not shown.
  test('system attributes are left out of a retrieval without options=sysAttrs', async () => {
    await hub.create(sensor(12));
    const entity = await hub.retrieve(id(12));
    assert.equal(entity.createdAt, undefined);
    assert.equal((entity.pm25 as Json).modifiedAt, undefined);
  });

  // 4.5.1 / 5.2.4: an entity may have several types (an array); all are kept.
  test('an entity with two types keeps both', async () => {
    await hub.create({ id: id(13), type: ['AirQualitySensor', 'Device'] });
    const entity = await hub.retrieve(id(13));
    assert.deepEqual([...(entity.type as string[])].sort(), ['AirQualitySensor', 'Device']);
  });

  // 4.18 / 5.2.4: scope is an entity member holding one or more scope paths.
  test('an entity created with a scope keeps it', async () => {
    await hub.create({ id: id(14), type: 'T', scope: '/Hangzhou/Xihu' });
    const entity = await hub.retrieve(id(14));
    const scope = Array.isArray(entity.scope) ? entity.scope : [entity.scope];
    assert.deepEqual(scope, ['/Hangzhou/Xihu']);
  });

  // 4.18 ABNF: Scope = [%x2F] ScopeLevel *(%x2F ScopeLevel); "#" and "+" belong to scope queries, not scopes.
  test('a scope containing "#" is refused with 400 BadRequestData', async () => {
    assertProblem(await hub.post(`${API}/entities`, { id: id(18), type: 'T', scope: '/Hangzhou/#' }), 'BadRequestData');
    assert.equal(await hub.statusOf(id(18)), 404);
  });

  // 4.18 ABNF: the leading "/" of a scope is optional ([%x2F]), so "Hangzhou/Xihu" is a valid scope.
  test('a scope without a leading "/" is accepted', async () => {
    expectStatus(await hub.post(`${API}/entities`, { id: id(24), type: 'T', scope: 'Hangzhou/Xihu' }), 201);
    const entity = await hub.retrieve(id(24));
    const scope = (Array.isArray(entity.scope) ? entity.scope : [entity.scope]) as string[];
    assert.equal(scope.length, 1);
    assert.match(scope[0]!, /^\/?Hangzhou\/Xihu$/);
  });

  // 5.6.1 / 5.2.4: an empty JSON object is not an entity (no id, no type).
  test('an empty JSON object is refused with 400 BadRequestData', async () => {
    assertProblem(await hub.post(`${API}/entities`, {}), 'BadRequestData');
  });

  // 6.3.5: the request @context may be an array mixing an inline object and the core context URL.
  test('an entity created with an array @context is stored with the expanded names', async () => {
    await hub.create({ id: id(19), type: 'Station', '@context': [{ Station: 'https://citycloud.example.org/ns#Station' }, CORE_CONTEXT] });
    const entity = await hub.retrieve(id(19));
    assert.equal(entity.type, 'https://citycloud.example.org/ns#Station');
  });

  // 4.5.1 / core @context: "@id" and "@type" are the JSON-LD keywords that "id" and "type" alias.
  test('an entity given with "@id" and "@type" is created like one with "id" and "type"', async () => {
    expectStatus(await hub.post(`${API}/entities`, { '@id': id(20), '@type': 'Bench' }), 201);
    const entity = await hub.retrieve(id(20));
    assert.equal(entity.id, id(20));
    assert.equal(entity.type, 'Bench');
  });

  // 4.5.1 / RFC 3986: entity ids are compared exactly: ids that differ only in case are two entities.
  test('entity ids that differ only in letter case are different entities', async () => {
    await hub.create({ id: 'urn:ngsi-ld:Test:create-Case-21', type: 'T' });
    await hub.create({ id: 'urn:ngsi-ld:Test:create-case-21', type: 'T' });
    assert.equal((await hub.retrieve('urn:ngsi-ld:Test:create-Case-21')).id, 'urn:ngsi-ld:Test:create-Case-21');
  });

  // 5.2.1: "URI" includes IRIs (IETF RFC 3987): an id with Chinese characters is valid and retrievable.
  test('an entity id that is an IRI with Chinese characters can be created and retrieved', async () => {
    const iri = 'urn:ngsi-ld:Test:create-西湖-22';
    const response = await hub.post(`${API}/entities`, { id: iri, type: 'Lake' });
    expectStatus(response, 201);
    const entity = await hub.retrieve(iri);
    assert.equal(entity.id, iri);
  });

  // 4.5.1 / 6.5 (IETF RFC 3986): ids with "/" or "#" are valid URIs; percent-encoded in the path they name the entity.
  test('entities whose ids contain "/" and "#" are retrieved and deleted through percent-encoded paths', async () => {
    for (const special of ['urn:ngsi-ld:Test:create-27/unit/3', 'https://city.example.org/things/create-28#main']) {
      expectStatus(await hub.post(`${API}/entities`, { id: special, type: 'T' }), 201);
      assert.equal((await hub.retrieve(special)).id, special);
      expectStatus(await hub.delete(entityPath(special)), 204);
      assert.equal(await hub.statusOf(special), 404);
    }
  });

  // 4.5.2: an explicit Property whose value looks like a GeoJSON geometry stays a Property.
  test('a Property whose value is a GeoJSON object stays a Property', async () => {
    const home = { type: 'Property', value: { type: 'Point', coordinates: [120.1, 30.2] } };
    await hub.create({ id: id(23), type: 'T', home });
    assert.deepEqual((await hub.retrieve(id(23))).home, home);
  });

  // 4.5 concise representation (V1.8 4.5.x): a bare value is a Property, {"object"} a Relationship; stored and shown normalized.
  test('an entity sent in the concise form is stored and shown in the normalized form', async () => {
    await hub.create({ id: id(15), type: 'T', speed: 42, owner: { object: 'urn:ngsi-ld:Person:1' } });
    const entity = await hub.retrieve(id(15));
    assert.deepEqual(entity.speed, { type: 'Property', value: 42 });
    assert.deepEqual(entity.owner, { type: 'Relationship', object: 'urn:ngsi-ld:Person:1' });
  });

  // 6.3.5: a user @context in the body defines the terms; retrieved with only the core context, names are full IRIs.
  test('terms defined by the request @context are expanded with it and shown as IRIs to a client without that context', async () => {
    await hub.create({ id: id(16), type: 'Sensor', reading: { type: 'Property', value: 7 }, '@context': TEST_CONTEXT_DOC });
    const entity = await hub.retrieve(id(16));
    assert.equal(entity.type, `${TEST_NS}Sensor`);
    assert.deepEqual(entity[`${TEST_NS}reading`], { type: 'Property', value: 7 });
    assert.equal(entity.reading, undefined);
  });

  // 4.6.2 / 6.3.5: an entity type may be given as a full IRI; it is shown as that IRI and selects by it.
  test('an entity type given as a full IRI is kept and can be queried by that IRI', async () => {
    const type = 'https://smartdatamodels.org/dataModel.Environment/AirQualityObserved';
    await hub.create({ id: id(26), type });
    assert.equal((await hub.retrieve(id(26))).type, type);
    assert.deepEqual(
      (await hub.query(`type=${encodeURIComponent(type)}`)).map((e) => e.id),
      [id(26)],
    );
  });

  // 4.5.1 / 6.3.5: a term that no @context defines is expanded with the core context's @vocab (default-context).
  test('a term that no @context defines is expanded with the default vocabulary and compacted back to the term', async () => {
    await hub.create({ id: id(17), type: 'Bench', colour: { type: 'Property', value: 'green' } });
    const entity = await hub.retrieve(id(17));
    assert.equal(entity.type, 'Bench');
    assert.deepEqual(entity.colour, { type: 'Property', value: 'green' });
    const byIri = await hub.query(`type=${encodeURIComponent(`${DEFAULT_VOCAB}Bench`)}&id=${encodeURIComponent(id(17))}`);
    assert.equal(byIri.length, 1);
  });
});

describe('GET /entities/{entityId} (5.7.1 Retrieve Entity)', () => {
  // 5.7.1: "If the Entity is not found, an error of type ResourceNotFound shall be raised".
  test('retrieving an entity that does not exist answers 404 ResourceNotFound', async () => {
    assertProblem(await hub.get(entityPath(id(100))), 'ResourceNotFound');
  });

  // 5.7.1 / 6.5.3.1: the entity id in the path shall be a URI; otherwise BadRequestData.
  test('retrieving with an entity id that is not a URI answers 400 BadRequestData', async () => {
    assertProblem(await hub.get(`${API}/entities/${encodeURIComponent('not a uri')}`), 'BadRequestData');
  });

  // 5.7.1: attrs restricts the attributes that are returned; id and type are always there.
  test('attrs returns only the listed attributes', async () => {
    await hub.create(sensor(101));
    const entity = await hub.retrieve(id(101), 'attrs=pm25');
    assert.deepEqual(Object.keys(entity).sort(), ['id', 'pm25', 'type']);
  });

  // 5.7.1 (V1.6 OpenAPI Query.attrs): "If the Entity does not have any of the Attributes in attrs, then a 404 Not Found".
  test('attrs naming only attributes the entity lacks answers 404 ResourceNotFound', async () => {
    await hub.create(sensor(102));
    assertProblem(await hub.get(`${entityPath(id(102))}?attrs=noSuchAttribute`), 'ResourceNotFound');
  });

  // 4.5 simplified representation / 6.3.7: options=keyValues gives attribute values only.
  test('options=keyValues gives the simplified representation', async () => {
    await hub.create(sensor(103));
    const entity = await hub.retrieve(id(103), 'options=keyValues');
    assert.deepEqual(entity, {
      id: id(103),
      type: 'AirQualitySensor',
      pm25: 35,
      isPartOf: 'urn:ngsi-ld:Station:hz-1',
      location: { type: 'Point', coordinates: [120.16, 30.25] },
    });
  });

  // 6.3.7 (V1.8): format=simplified is the same as options=keyValues; "format" is new in V1.8.
  test('format=simplified gives the simplified representation', async () => {
    await hub.create(sensor(104));
    const entity = await hub.retrieve(id(104), 'format=simplified');
    assert.equal(entity.pm25, 35);
    assert.equal(entity.isPartOf, 'urn:ngsi-ld:Station:hz-1');
  });

  // 4.5 concise representation / 6.3.7 (V1.7+): options=concise drops the redundant "type" of Properties and Relationships.
  test('options=concise gives the concise representation', async () => {
    await hub.create(sensor(105));
    const entity = await hub.retrieve(id(105), 'options=concise');
    assert.deepEqual(entity.pm25, { value: 35, unitCode: 'GQ' });
    assert.deepEqual(entity.isPartOf, { object: 'urn:ngsi-ld:Station:hz-1' });
    assert.equal(entity.type, 'AirQualitySensor');
  });

  // 6.3.7 (V1.8): format=concise is the V1.8 spelling of options=concise.
  test('format=concise gives the concise representation', async () => {
    await hub.create(sensor(106));
    const entity = await hub.retrieve(id(106), 'format=concise');
    assert.deepEqual(entity.pm25, { value: 35, unitCode: 'GQ' });
    assert.deepEqual(entity.isPartOf, { object: 'urn:ngsi-ld:Station:hz-1' });
  });

  // 6.3.7: an unknown value of options is BadRequestData.
  test('an unknown value in options answers 400 BadRequestData', async () => {
    await hub.create(sensor(107));
    assertProblem(await hub.get(`${entityPath(id(107))}?options=sideways`), 'BadRequestData');
  });

  // 4.21 (V1.8 projection): pick keeps only the named members; id and type are members like any other.
  test('pick keeps only the named entity members', async () => {
    await hub.create(sensor(108));
    const entity = await hub.retrieve(id(108), 'pick=id,pm25');
    assert.deepEqual(Object.keys(entity).sort(), ['id', 'pm25']);
  });

  // 4.21 (V1.8 projection): omit removes the named members and keeps the rest.
  test('omit removes the named entity members', async () => {
    await hub.create(sensor(109));
    const entity = await hub.retrieve(id(109), 'omit=pm25,location');
    assert.deepEqual(Object.keys(entity).sort(), ['id', 'isPartOf', 'type']);
  });

  // 6.3.6 / 6.3.5: with Accept application/ld+json the @context is in the body (and no context Link header).
  test('Accept application/ld+json puts the @context into the retrieved entity', async () => {
    await hub.create(sensor(110));
    const response = await hub.get(entityPath(id(110)), { accept: 'application/ld+json' });
    const body = expectStatus(response, 200) as Json;
    assert.match(String(response.headers['content-type']), /^application\/ld\+json/);
    const context = JSON.stringify(body['@context']);
    assert.ok(context.includes(CORE_CONTEXT), `@context ${context} includes the core context`);
    assert.equal(body.id, id(110));
  });
});
