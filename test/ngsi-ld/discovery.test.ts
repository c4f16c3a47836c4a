/**
 * Conformance: discovery of entity types and attributes — Retrieve Available Entity Types (5.7.5, 5.7.6),
 * Entity Type Information (5.7.7), Available Attributes (5.7.8, 5.7.9), Attribute Information (5.7.10);
 * data types EntityTypeList (5.2.24), EntityType (5.2.25), EntityTypeInfo (5.2.26), AttributeList (5.2.27),
 * Attribute (5.2.28) — ETSI GS CIM 009 V1.8.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, assertProblem, CORE_CONTEXT, DEFAULT_VOCAB, entityPath, expectStatus, type Hub, type Json, openHub, TEST_CONTEXT_DOC, TEST_NS } from './support.ts';

let hub: Hub;
const id = (n: number) => `urn:ngsi-ld:Test:discovery-${n}`;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

before(async () => {
  hub = await openHub();
  const entities = [
    {
      id: id(1),
      type: 'DiscA',
      temperature: { type: 'Property', value: 1 },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120, 30] } },
      owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:1' },
    },
    { id: id(2), type: 'DiscA', temperature: { type: 'Property', value: 2 } },
    { id: id(3), type: 'DiscB', temperature: { type: 'Property', value: 3 }, label: { type: 'LanguageProperty', languageMap: { en: 'x' } } },
  ];
  const response = await hub.post(`${API}/entityOperations/create`, entities);
  assert.equal(response.statusCode, 201, response.body);
});
after(async () => {
  await hub.close();
});

async function getJson(path: string): Promise<unknown> {
  return expectStatus(await hub.get(path, { accept: 'application/json' }), 200);
}

describe('GET /types (5.7.5, 5.7.6)', () => {
  // 5.7.5 / 5.2.24: an EntityTypeList with an id (URI), type "EntityTypeList" and the type names.
  test('GET /types answers an EntityTypeList naming every type that has entities', async () => {
    const list = (await getJson(`${API}/types`)) as Json;
    assert.equal(list.type, 'EntityTypeList');
    assert.match(String(list.id), URI);
    const names = list.typeList as string[];
    assert.ok(names.includes('DiscA') && names.includes('DiscB'), JSON.stringify(names));
  });

  // 5.7.6 / 5.2.25: details=true gives an array of EntityType with the attribute names of each type.
  test('GET /types?details=true answers EntityType objects with their attribute names', async () => {
    const list = (await getJson(`${API}/types?details=true`)) as Json[];
    assert.ok(Array.isArray(list));
    const a = list.find((t) => t.typeName === 'DiscA');
    assert.ok(a, JSON.stringify(list));
    assert.equal(a.type, 'EntityType');
    assert.equal(a.id, `${DEFAULT_VOCAB}DiscA`);
    assert.deepEqual([...(a.attributeNames as string[])].sort(), ['location', 'owner', 'temperature']);
  });

  // 5.7.5: the list reflects the entities that exist: a type whose last entity is deleted disappears.
  test('a type disappears from GET /types once its last entity is deleted', async () => {
    await hub.create({ id: id(10), type: 'DiscGone' });
    assert.ok((((await getJson(`${API}/types`)) as Json).typeList as string[]).includes('DiscGone'));
    expectStatus(await hub.delete(entityPath(id(10))), 204);
    assert.ok(!(((await getJson(`${API}/types`)) as Json).typeList as string[]).includes('DiscGone'));
  });

  // 5.7.5 / 6.3.5: type names are compacted with the request's @context; without it a user-context type is its IRI.
  test('a type defined by a user @context is listed as its full IRI when only the core context applies', async () => {
    await hub.create({ id: id(11), type: 'Station', '@context': TEST_CONTEXT_DOC });
    const names = ((await getJson(`${API}/types`)) as Json).typeList as string[];
    assert.ok(names.includes(`${TEST_NS}Station`), JSON.stringify(names));
  });

  // 6.3.6: with Accept application/ld+json the @context is in the body.
  test('GET /types with Accept application/ld+json carries the @context in the body', async () => {
    const response = await hub.get(`${API}/types`, { accept: 'application/ld+json' });
    const body = expectStatus(response, 200) as Json;
    assert.ok(JSON.stringify(body['@context']).includes(CORE_CONTEXT));
    assert.equal(body.type, 'EntityTypeList');
  });
});

describe('GET /types/{type} (5.7.7)', () => {
  // 5.7.7 / 5.2.26: EntityTypeInfo with the full type IRI, its name, the entity count and attribute details.
  test('GET /types/DiscA answers EntityTypeInfo with the entity count and attribute details', async () => {
    const info = (await getJson(`${API}/types/DiscA`)) as Json;
    assert.equal(info.type, 'EntityTypeInfo');
    assert.equal(info.id, `${DEFAULT_VOCAB}DiscA`);
    assert.equal(info.typeName, 'DiscA');
    assert.equal(info.entityCount, 2);
    const details = info.attributeDetails as Json[];
    const byName = new Map(details.map((d) => [d.attributeName, d]));
    assert.deepEqual([...byName.keys()].sort(), ['location', 'owner', 'temperature']);
    const temperature = byName.get('temperature')!;
    assert.equal(temperature.type, 'Attribute');
    assert.equal(temperature.id, `${DEFAULT_VOCAB}temperature`);
    assert.deepEqual(temperature.attributeTypes, ['Property']);
    assert.deepEqual(byName.get('location')!.attributeTypes, ['GeoProperty']);
    assert.deepEqual(byName.get('owner')!.attributeTypes, ['Relationship']);
  });

  // 5.7.7 / 5.2.28: an attribute used as a Property in one entity and a Relationship in another lists both kinds.
  test('attributeTypes lists every kind an attribute has among the entities of the type', async () => {
    await hub.create({ id: id(30), type: 'DiscMixed', link: { type: 'Property', value: 'x' } });
    await hub.create({ id: id(31), type: 'DiscMixed', link: { type: 'Relationship', object: 'urn:ngsi-ld:Thing:1' } });
    const info = (await getJson(`${API}/types/DiscMixed`)) as Json;
    const link = (info.attributeDetails as Json[]).find((d) => d.attributeName === 'link')!;
    assert.deepEqual([...(link.attributeTypes as string[])].sort(), ['Property', 'Relationship']);
    assert.equal(info.entityCount, 2);
  });

  // 5.7.7: a type given as its full IRI is the same type.
  test('GET /types/{type} accepts the full IRI of the type', async () => {
    const info = (await getJson(`${API}/types/${encodeURIComponent(`${DEFAULT_VOCAB}DiscB`)}`)) as Json;
    assert.equal(info.entityCount, 1);
  });

  // 5.7.7: "If no entity of the type exists, an error of type ResourceNotFound shall be raised".
  test('GET /types/{type} for a type without entities answers 404 ResourceNotFound', async () => {
    assertProblem(await hub.get(`${API}/types/NoSuchType`), 'ResourceNotFound');
  });
});

describe('GET /attributes (5.7.8, 5.7.9)', () => {
  // 5.7.8 / 5.2.27: an AttributeList naming every attribute that some entity has.
  test('GET /attributes answers an AttributeList naming the attributes in use', async () => {
    const list = (await getJson(`${API}/attributes`)) as Json;
    assert.equal(list.type, 'AttributeList');
    assert.match(String(list.id), URI);
    const names = list.attributeList as string[];
    for (const name of ['temperature', 'location', 'owner', 'label']) assert.ok(names.includes(name), `${name} in ${JSON.stringify(names)}`);
  });

  // 5.7.9 / 5.2.28: details=true gives Attribute objects with the types that use each attribute.
  test('GET /attributes?details=true answers Attribute objects with their type names', async () => {
    const list = (await getJson(`${API}/attributes?details=true`)) as Json[];
    assert.ok(Array.isArray(list));
    const temperature = list.find((a) => a.attributeName === 'temperature');
    assert.ok(temperature, JSON.stringify(list));
    assert.equal(temperature.type, 'Attribute');
    assert.equal(temperature.id, `${DEFAULT_VOCAB}temperature`);
    assert.deepEqual([...(temperature.typeNames as string[])].sort(), ['DiscA', 'DiscB']);
  });
});

describe('GET /attributes/{attrId} (5.7.10)', () => {
  // 5.7.10 / 5.2.28: the attribute's count of instances, attribute kinds and entity type names.
  test('GET /attributes/temperature answers its instance count, kinds and type names', async () => {
    const info = (await getJson(`${API}/attributes/temperature`)) as Json;
    assert.equal(info.type, 'Attribute');
    assert.equal(info.id, `${DEFAULT_VOCAB}temperature`);
    assert.equal(info.attributeName, 'temperature');
    assert.equal(info.attributeCount, 3);
    assert.deepEqual(info.attributeTypes, ['Property']);
    assert.deepEqual([...(info.typeNames as string[])].sort(), ['DiscA', 'DiscB']);
  });

  // 5.7.10: the kind of a LanguageProperty is reported as LanguageProperty.
  test('GET /attributes/label reports the LanguageProperty kind', async () => {
    const info = (await getJson(`${API}/attributes/label`)) as Json;
    assert.deepEqual(info.attributeTypes, ['LanguageProperty']);
    assert.deepEqual(info.typeNames, ['DiscB']);
  });

  // 5.7.10: the attribute may be named by its full IRI.
  test('GET /attributes/{attrId} accepts the full IRI of the attribute', async () => {
    const info = (await getJson(`${API}/attributes/${encodeURIComponent(`${DEFAULT_VOCAB}owner`)}`)) as Json;
    assert.equal(info.attributeName, 'owner');
    assert.deepEqual(info.attributeTypes, ['Relationship']);
  });

  // 5.7.10: the count follows the entities: deleting an entity that had the attribute lowers attributeCount.
  test('attributeCount goes down when an entity with the attribute is deleted', async () => {
    await hub.create({ id: id(20), type: 'DiscC', humidity: { type: 'Property', value: 1 } });
    await hub.create({ id: id(21), type: 'DiscC', humidity: { type: 'Property', value: 2 } });
    assert.equal(((await getJson(`${API}/attributes/humidity`)) as Json).attributeCount, 2);
    expectStatus(await hub.delete(entityPath(id(21))), 204);
    assert.equal(((await getJson(`${API}/attributes/humidity`)) as Json).attributeCount, 1);
  });

  // 5.7.10: "If no entity has the attribute, an error of type ResourceNotFound shall be raised".
  test('GET /attributes/{attrId} for an attribute no entity has answers 404 ResourceNotFound', async () => {
    assertProblem(await hub.get(`${API}/attributes/noSuchAttribute`), 'ResourceNotFound');
  });
});
