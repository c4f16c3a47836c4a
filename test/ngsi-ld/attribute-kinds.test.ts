/**
 * Conformance: the attribute kinds of clause 4.5 — Property, Relationship, GeoProperty, LanguageProperty,
 * VocabProperty, JsonProperty, ListProperty, ListRelationship; sub-attributes, observedAt, unitCode,
 * datasetId (multi-attributes) and the lang parameter (4.15) — ETSI GS CIM 009 V1.8.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, assertProblem, expectStatus, type Hub, type Json, objectListIds, openHub, TEST_CONTEXT, CORE_CONTEXT } from './support.ts';

let hub: Hub;
before(async () => {
  hub = await openHub();
});
after(async () => {
  await hub.close();
});

const id = (n: number) => `urn:ngsi-ld:Test:kinds-${n}`;

async function roundTrip(n: number, attrs: Json, query?: string): Promise<Json> {
  await hub.create({ id: id(n), type: 'KindsThing', ...attrs });
  return hub.retrieve(id(n), query);
}

describe('Property (4.5.2, 5.2.6)', () => {
  // 4.5.2: a Property value may be any JSON value: number, string, boolean, object, array.
  test('Property values of every JSON type are kept as sent', async () => {
    const values: Json = {
      n: { type: 'Property', value: 3.25 },
      s: { type: 'Property', value: '西湖' },
      b: { type: 'Property', value: false },
      o: { type: 'Property', value: { a: 1, b: [1, 2], c: { d: 'e' } } },
      l: { type: 'Property', value: [3, 1, 2] },
    };
    const entity = await roundTrip(1, values);
    for (const [name, attr] of Object.entries(values)) assert.deepEqual(entity[name], attr, name);
  });

  // 4.5.2 / 5.2.6: unitCode and observedAt are kept with the Property.
  test('unitCode and observedAt are kept with a Property', async () => {
    const entity = await roundTrip(2, { temperature: { type: 'Property', value: 21.5, unitCode: 'CEL', observedAt: '2026-05-01T08:00:00Z' } });
    const temperature = entity.temperature as Json;
    assert.equal(temperature.unitCode, 'CEL');
    assert.equal(Date.parse(String(temperature.observedAt)), Date.parse('2026-05-01T08:00:00Z'));
  });

  // 4.8 / 5.2.6: observedAt shall be a DateTime; anything else is BadRequestData.
  test('an observedAt that is not a DateTime answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, {
      id: id(3),
      type: 'KindsThing',
      temperature: { type: 'Property', value: 1, observedAt: 'yesterday' },
    });
    assertProblem(response, 'BadRequestData');
  });

  // 4.5.2: a Property in the normalized form needs "value".
  test('a Property without a value answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { id: id(4), type: 'KindsThing', temperature: { type: 'Property', unitCode: 'CEL' } });
    assertProblem(response, 'BadRequestData');
  });

  // 4.5: an attribute "type" that is not one of the NGSI-LD attribute kinds is BadRequestData.
  test('an attribute whose type is not an NGSI-LD attribute kind answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { id: id(5), type: 'KindsThing', temperature: { type: 'Temperature', value: 1 } });
    assertProblem(response, 'BadRequestData');
  });
});

describe('sub-attributes (4.5.2, 4.5.3: properties of properties and of relationships)', () => {
  // 4.5.2: a Property may have Properties and Relationships of its own, nested.
  test('sub-attributes of a Property are kept, nested two levels deep', async () => {
    const pm25 = {
      type: 'Property',
      value: 35,
      accuracy: { type: 'Property', value: 0.95, method: { type: 'Property', value: 'beta attenuation' } },
      measuredBy: { type: 'Relationship', object: 'urn:ngsi-ld:Device:pm-1' },
    };
    const entity = await roundTrip(10, { pm25 });
    assert.deepEqual(entity.pm25, pm25);
  });

  // 4.5.3: a Relationship may have sub-attributes too.
  test('sub-attributes of a Relationship are kept', async () => {
    const rel = { type: 'Relationship', object: 'urn:ngsi-ld:Road:r1', since: { type: 'Property', value: '2020' } };
    const entity = await roundTrip(11, { onRoad: rel });
    assert.deepEqual(entity.onRoad, rel);
  });

  // 6.3.7 keyValues: sub-attributes are not part of the simplified representation.
  test('keyValues shows only the value of a Property that has sub-attributes', async () => {
    const entity = await roundTrip(12, { pm25: { type: 'Property', value: 35, accuracy: { type: 'Property', value: 0.9 } } }, 'options=keyValues');
    assert.equal(entity.pm25, 35);
  });
});

describe('Relationship (4.5.3, 5.2.8)', () => {
  // 4.5.3 (V1.8): objectType gives the type of the target entity and is kept.
  test('a Relationship keeps its object and objectType', async () => {
    const entity = await roundTrip(20, { owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:p1', objectType: 'Person' } });
    assert.deepEqual(entity.owner, { type: 'Relationship', object: 'urn:ngsi-ld:Person:p1', objectType: 'Person' });
  });

  // 4.5.3 (V1.8, Annex C.2.2): a Relationship may point to several entities with an array of objects.
  test('a Relationship with an array of objects keeps all of them', async () => {
    const passengers = { type: 'Relationship', object: ['urn:ngsi-ld:Person:Alice', 'urn:ngsi-ld:Person:Bob'] };
    const entity = await roundTrip(22, { passengers });
    assert.deepEqual(entity.passengers, passengers);
  });

  // 4.5.3: a Relationship needs an object.
  test('a Relationship without an object answers 400 BadRequestData', async () => {
    assertProblem(await hub.post(`${API}/entities`, { id: id(21), type: 'KindsThing', owner: { type: 'Relationship' } }), 'BadRequestData');
  });
});

describe('GeoProperty (4.7, 5.2.7)', () => {
  // 4.7.1: every GeoJSON geometry type is a valid GeoProperty value.
  test('GeoProperty values of Point, LineString, Polygon and MultiPoint are kept', async () => {
    const attrs: Json = {
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.1, 30.2] } },
      route: {
        type: 'GeoProperty',
        value: {
          type: 'LineString',
          coordinates: [
            [120.1, 30.2],
            [120.2, 30.3],
          ],
        },
      },
      area: {
        type: 'GeoProperty',
        value: {
          type: 'Polygon',
          coordinates: [
            [
              [120, 30],
              [120.1, 30],
              [120.1, 30.1],
              [120, 30],
            ],
          ],
        },
      },
      stops: {
        type: 'GeoProperty',
        value: {
          type: 'MultiPoint',
          coordinates: [
            [120, 30],
            [121, 31],
          ],
        },
      },
    };
    const entity = await roundTrip(30, attrs);
    for (const [name, attr] of Object.entries(attrs)) assert.deepEqual(entity[name], attr, name);
  });

  // 4.7.1 / IETF RFC 7946 3.1.1: a position may have a third element (altitude).
  test('a Point with an altitude is kept with its three coordinates', async () => {
    const entity = await roundTrip(33, { location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.1, 30.2, 15.5] } } });
    assert.deepEqual((entity.location as Json).value, { type: 'Point', coordinates: [120.1, 30.2, 15.5] });
  });

  // 4.7.1 / IETF RFC 7946 3.1.4: a LineString has two or more positions.
  test('a LineString with a single position answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, {
      id: id(34),
      type: 'KindsThing',
      route: { type: 'GeoProperty', value: { type: 'LineString', coordinates: [[120.1, 30.2]] } },
    });
    assertProblem(response, 'BadRequestData');
  });

  // 4.7 / 4.5 concise: a bare GeoJSON geometry for "location" is a GeoProperty.
  test('a location given as a bare GeoJSON geometry is stored as a GeoProperty', async () => {
    const entity = await roundTrip(31, { location: { type: 'Point', coordinates: [120.3, 30.1] } });
    assert.deepEqual(entity.location, { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.3, 30.1] } });
  });

  // 4.7.1: a Polygon ring shall be closed (first = last position), as GeoJSON (IETF RFC 7946) requires.
  test('a Polygon whose ring is not closed answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, {
      id: id(32),
      type: 'KindsThing',
      location: {
        type: 'GeoProperty',
        value: {
          type: 'Polygon',
          coordinates: [
            [
              [120, 30],
              [120.1, 30],
              [120.1, 30.1],
            ],
          ],
        },
      },
    });
    assertProblem(response, 'BadRequestData');
  });
});

describe('LanguageProperty (4.5.18, 5.2.32) and lang (4.15)', () => {
  const name = { type: 'LanguageProperty', languageMap: { en: 'West Lake', zh: '西湖' } };

  // 4.5.18: a LanguageProperty keeps its languageMap.
  test('a LanguageProperty keeps its languageMap', async () => {
    const entity = await roundTrip(40, { name });
    assert.deepEqual(entity.name, name);
  });

  // 4.15 / 4.5.18: with lang=en the normalized LanguageProperty becomes a Property with that value and "lang".
  test('lang=en turns a LanguageProperty into a Property with the English value and lang "en"', async () => {
    const entity = await roundTrip(41, { name }, 'lang=en');
    assert.deepEqual(entity.name, { type: 'Property', value: 'West Lake', lang: 'en' });
  });

  // 4.15: with lang and keyValues the value is the string in that language.
  test('lang=zh with keyValues gives the Chinese string', async () => {
    const entity = await roundTrip(42, { name }, 'lang=zh&options=keyValues');
    assert.equal(entity.name, '西湖');
  });

  // 4.5.18 simplified representation: a LanguageProperty is {"languageMap": {...}}.
  test('keyValues shows a LanguageProperty as {"languageMap": …}', async () => {
    const entity = await roundTrip(43, { name }, 'options=keyValues');
    assert.deepEqual(entity.name, { languageMap: { en: 'West Lake', zh: '西湖' } });
  });

  // 4.5.18 concise: {"languageMap"} without type is a LanguageProperty.
  test('a concise {"languageMap"} is stored as a LanguageProperty', async () => {
    const entity = await roundTrip(44, { name: { languageMap: { en: 'Lingyin' } } });
    assert.deepEqual(entity.name, { type: 'LanguageProperty', languageMap: { en: 'Lingyin' } });
  });

  // 4.5.18: languageMap values are strings (or arrays of strings) keyed by language tags.
  test('a languageMap with a number as a value answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { id: id(45), type: 'KindsThing', name: { type: 'LanguageProperty', languageMap: { en: 5 } } });
    assertProblem(response, 'BadRequestData');
  });
});

describe('VocabProperty (4.5.20, 5.2.35)', () => {
  // 4.5.20: a VocabProperty's vocab is a term, expanded on input and compacted on output with the same @context.
  test('a VocabProperty keeps its vocab term through expansion and compaction', async () => {
    const entity = await roundTrip(50, { category: { type: 'VocabProperty', vocab: 'Residential' } });
    assert.deepEqual(entity.category, { type: 'VocabProperty', vocab: 'Residential' });
  });

  // 4.5.20: vocab is expanded with the request's @context; a client without that @context sees the IRI.
  test('a vocab term from a user @context is shown as its IRI to a client with only the core context', async () => {
    await hub.create({
      id: id(51),
      type: 'KindsThing',
      category: { type: 'VocabProperty', vocab: 'Station' },
      '@context': [TEST_CONTEXT, CORE_CONTEXT],
    });
    const entity = await hub.retrieve(id(51));
    assert.equal((entity.category as Json).vocab, TEST_CONTEXT.Station);
  });

  // 4.5.20 simplified: {"vocab": …}.
  test('keyValues shows a VocabProperty as {"vocab": …}', async () => {
    const entity = await roundTrip(52, { category: { type: 'VocabProperty', vocab: 'Residential' } }, 'options=keyValues');
    assert.deepEqual(entity.category, { vocab: 'Residential' });
  });
});

describe('JsonProperty (4.5.24, 5.2.38)', () => {
  // 4.5.24: the json member is kept verbatim, never expanded (even keys like "type" or "@id").
  test('a JsonProperty keeps its JSON as sent, keys and all', async () => {
    const json = { type: 'FeatureCollection', '@id': 'not expanded', features: [], nested: { value: null } };
    const entity = await roundTrip(60, { config: { type: 'JsonProperty', json } });
    assert.deepEqual(entity.config, { type: 'JsonProperty', json });
  });

  // 4.5.24 simplified: {"json": …}.
  test('keyValues shows a JsonProperty as {"json": …}', async () => {
    const entity = await roundTrip(61, { config: { type: 'JsonProperty', json: { a: [1, 2] } } }, 'options=keyValues');
    assert.deepEqual(entity.config, { json: { a: [1, 2] } });
  });
});

describe('ListProperty (4.5.21) and ListRelationship (4.5.22)', () => {
  // 4.5.21: a ListProperty keeps its valueList in order.
  test('a ListProperty keeps the order of its valueList', async () => {
    const entity = await roundTrip(70, { readings: { type: 'ListProperty', valueList: [5, 3, 9, 3] } });
    assert.deepEqual(entity.readings, { type: 'ListProperty', valueList: [5, 3, 9, 3] });
  });

  // 4.5.22: a ListRelationship keeps its objectList in order.
  test('a ListRelationship keeps the order of its objectList', async () => {
    const entity = await roundTrip(71, {
      stops: { type: 'ListRelationship', objectList: [{ object: 'urn:ngsi-ld:Stop:3' }, { object: 'urn:ngsi-ld:Stop:1' }, { object: 'urn:ngsi-ld:Stop:2' }] },
    });
    const stops = entity.stops as Json;
    assert.equal(stops.type, 'ListRelationship');
    assert.deepEqual(objectListIds(stops.objectList), ['urn:ngsi-ld:Stop:3', 'urn:ngsi-ld:Stop:1', 'urn:ngsi-ld:Stop:2']);
  });

  // 4.5.21: valueList shall be an array.
  test('a ListProperty whose valueList is not an array answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, { id: id(72), type: 'KindsThing', readings: { type: 'ListProperty', valueList: 5 } });
    assertProblem(response, 'BadRequestData');
  });

  // 4.5.22: every item of an objectList is an entity URI.
  test('a ListRelationship with an item that is not a URI answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, {
      id: id(73),
      type: 'KindsThing',
      stops: { type: 'ListRelationship', objectList: [{ object: 'not a uri' }] },
    });
    assertProblem(response, 'BadRequestData');
  });
});

describe('multi-attributes (4.5.5: datasetId)', () => {
  // 4.5.5: an attribute may have several instances, each with its own datasetId (at most one without).
  test('an attribute with several datasetIds keeps every instance', async () => {
    const entity = await roundTrip(80, {
      speed: [
        { type: 'Property', value: 55 },
        { type: 'Property', value: 54.5, datasetId: 'urn:ngsi-ld:Dataset:gps' },
        { type: 'Property', value: 56, datasetId: 'urn:ngsi-ld:Dataset:radar' },
      ],
    });
    const speed = entity.speed as Json[];
    assert.ok(Array.isArray(speed));
    assert.equal(speed.length, 3);
    assert.deepEqual(speed.map((i) => i.datasetId ?? '@default').sort(), ['@default', 'urn:ngsi-ld:Dataset:gps', 'urn:ngsi-ld:Dataset:radar']);
  });

  // 4.5.5: two instances with the same datasetId (or two without one) are BadRequestData.
  test('two instances with the same datasetId answer 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, {
      id: id(81),
      type: 'KindsThing',
      speed: [
        { type: 'Property', value: 1, datasetId: 'urn:ngsi-ld:Dataset:gps' },
        { type: 'Property', value: 2, datasetId: 'urn:ngsi-ld:Dataset:gps' },
      ],
    });
    assertProblem(response, 'BadRequestData');
    assert.equal(await hub.statusOf(id(81)), 404);
  });

  // 4.5.5: datasetId shall be a URI.
  test('a datasetId that is not a URI answers 400 BadRequestData', async () => {
    const response = await hub.post(`${API}/entities`, {
      id: id(82),
      type: 'KindsThing',
      speed: { type: 'Property', value: 1, datasetId: 'gps feed' },
    });
    assertProblem(response, 'BadRequestData');
  });

  // 5.7.2 / 4.5.5: a query on a multi-attribute matches when any instance matches.
  test('q matches an entity when any instance of a multi-attribute matches', async () => {
    await hub.create({
      id: id(83),
      type: 'KindsMulti',
      speed: [
        { type: 'Property', value: 10 },
        { type: 'Property', value: 90, datasetId: 'urn:ngsi-ld:Dataset:radar' },
      ],
    });
    const found = await hub.query(`type=KindsMulti&q=${encodeURIComponent('speed>80')}`);
    assert.deepEqual(
      found.map((e) => e.id),
      [id(83)],
    );
    const response = await hub.get(`${API}/entities?type=KindsMulti&q=${encodeURIComponent('speed>100')}`, { accept: 'application/json' });
    assert.deepEqual(expectStatus(response, 200), []);
  });
});
