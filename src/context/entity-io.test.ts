import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendAttributes, deleteAttribute, mergeAttributes, updateAttributes } from './attribute-ops.ts';
import { readAttributes, readEntity } from './entity-input.ts';
import { renderEntity, renderFeature } from './entity-output.ts';
import type { TermMap } from './ld/model.ts';
import type { StoredEntity } from './model.ts';

const VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';
const terms: TermMap = {
  expand: (t) => (t === 'location' ? 'https://uri.etsi.org/ngsi-ld/location' : t.includes(':') ? t : VOCAB + t),
  compact: (iri) => (iri === 'https://uri.etsi.org/ngsi-ld/location' ? 'location' : iri.startsWith(VOCAB) ? iri.slice(VOCAB.length) : iri),
  document: 'core',
  linkUrl: 'core',
};
const NOW = '2026-11-22T08:00:00.000Z';
const ctx = { terms, now: NOW };

function stored(body: unknown): StoredEntity {
  const input = readEntity(body, ctx);
  return { ...input, scopes: input.scopes ?? [], ownerDepartment: null, sharing: 'open', createdBy: null, createdAt: NOW, modifiedAt: NOW, version: 0 };
}

const sensor = {
  id: 'urn:ngsi-ld:AirQualityObserved:hz-001',
  type: 'AirQualityObserved',
  pm25: { type: 'Property', value: 35, unitCode: 'GQ', observedAt: '2026-11-22T16:00:00+08:00', reliability: { type: 'Property', value: 0.9 } },
  refStation: { type: 'Relationship', object: 'urn:ngsi-ld:Station:1' },
  name: { type: 'LanguageProperty', languageMap: { zh: '西湖站', en: 'West Lake' } },
  location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.15, 30.25] } },
};

describe('reading entities', () => {
  it('expands names and types and normalises observedAt to UTC', () => {
    const input = readEntity(sensor, ctx);
    assert.deepEqual(input.types, [`${VOCAB}AirQualityObserved`]);
    const pm25 = input.attrs[`${VOCAB}pm25`]?.[0];
    assert.equal(pm25?.observedAt, '2026-11-22T08:00:00.000Z');
    assert.equal(pm25?.sub?.[`${VOCAB}reliability`]?.value, 0.9);
  });

  it('infers the kind of concise attributes', () => {
    const input = readEntity(
      { id: 'urn:x:1', type: 'T', a: 5, b: { object: 'urn:x:2' }, location: { type: 'Point', coordinates: [1, 2] }, c: { languageMap: { en: 'x' } } },
      ctx,
    );
    assert.equal(input.attrs[`${VOCAB}a`]?.[0]?.type, 'Property');
    assert.equal(input.attrs[`${VOCAB}b`]?.[0]?.type, 'Relationship');
    assert.equal(input.attrs['https://uri.etsi.org/ngsi-ld/location']?.[0]?.type, 'GeoProperty');
    assert.equal(input.attrs[`${VOCAB}c`]?.[0]?.type, 'LanguageProperty');
  });

  it('refuses what the specification forbids, saying what is wrong', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ type: 'T' }, /id/],
      [{ id: 'not a uri', type: 'T' }, /not a URI/],
      [{ id: 'urn:x:1' }, /type/],
      [{ id: 'urn:x:1', type: 'T', a: null }, /null/],
      [{ id: 'urn:x:1', type: 'T', 'bad name': 1 }, /forbids/],
      [{ id: 'urn:x:1', type: 'T', r: { type: 'Relationship', object: 'nope' } }, /URI/],
      [{ id: 'urn:x:1', type: 'T', location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [500, 1] } } }, /longitude/],
      [{ id: 'urn:x:1', type: 'T', a: { type: 'Property', value: 1, observedAt: 'yesterday' } }, /date-time/],
      [{ id: 'urn:x:1', type: 'T', a: { type: 'Weird', value: 1 } }, /not an NGSI-LD attribute type/],
      [{ id: 'urn:x:1', type: 'T', a: [{ type: 'Property', value: 1 }, { type: 'Property', value: 2 }] }, /datasetId/],
    ];
    for (const [body, message] of cases) {
      assert.throws(() => readEntity(body, ctx), (e: Error & { code?: string }) => e.code === 'BAD_REQUEST_DATA' && message.test(e.message), JSON.stringify(body));
    }
  });
});

describe('changing attributes', () => {
  const base = stored(sensor).attrs;
  const later = { terms, now: '2026-11-22T09:00:00.000Z' };

  it('append overwrites unless noOverwrite, keeping createdAt', () => {
    const incoming = readAttributes({ pm25: { type: 'Property', value: 40 } }, later).attrs;
    const overwritten = appendAttributes(base, incoming, false);
    assert.equal(overwritten.attrs[`${VOCAB}pm25`]?.[0]?.value, 40);
    assert.equal(overwritten.attrs[`${VOCAB}pm25`]?.[0]?.createdAt, NOW);
    const kept = appendAttributes(base, incoming, true);
    assert.equal(kept.attrs[`${VOCAB}pm25`]?.[0]?.value, 35);
    assert.equal(kept.notUpdated.length, 1);
  });

  it('update reports attributes that do not exist instead of adding them', () => {
    const change = updateAttributes(base, readAttributes({ humidity: 50 }, later).attrs);
    assert.equal(change.attrs[`${VOCAB}humidity`], undefined);
    assert.deepEqual(change.notUpdated.map((n) => n.attributeIri), [`${VOCAB}humidity`]);
  });

  it('merge keeps sub-attributes it was not given and deletes NGSI-LD null', () => {
    const patch = readAttributes({ pm25: { value: 50 }, name: 'urn:ngsi-ld:null' }, { ...later, allowNull: true });
    const change = mergeAttributes(base, patch.attrs, patch.deletions);
    const pm25 = change.attrs[`${VOCAB}pm25`]?.[0];
    assert.equal(pm25?.value, 50);
    assert.equal(pm25?.sub?.[`${VOCAB}reliability`]?.value, 0.9);
    assert.equal(change.attrs[`${VOCAB}name`], undefined);
  });

  it('keeps one instance per datasetId and deletes them selectively', () => {
    const two = appendAttributes(base, readAttributes({ pm25: { type: 'Property', value: 1, datasetId: 'urn:ds:b' } }, later).attrs, false).attrs;
    assert.equal(two[`${VOCAB}pm25`]?.length, 2);
    const one = deleteAttribute(two, `${VOCAB}pm25`, { datasetId: 'urn:ds:b' });
    assert.equal(one?.[`${VOCAB}pm25`]?.length, 1);
    assert.equal(deleteAttribute(two, `${VOCAB}pm25`, { datasetId: 'urn:ds:zzz' }), undefined);
    assert.equal(deleteAttribute(two, `${VOCAB}pm25`, { deleteAll: true })?.[`${VOCAB}pm25`], undefined);
  });
});

describe('rendering entities', () => {
  const entity = stored(sensor);

  it('normalized round-trips the input', () => {
    const out = renderEntity(entity, { terms, representation: 'normalized', sysAttrs: false });
    assert.deepEqual(out.pm25, { ...sensor.pm25, observedAt: '2026-11-22T08:00:00.000Z' });
    assert.deepEqual(out.refStation, sensor.refStation);
    assert.deepEqual(out.location, sensor.location);
  });

  it('keyValues gives bare values, concise drops the types', () => {
    const kv = renderEntity(entity, { terms, representation: 'keyValues', sysAttrs: false });
    assert.equal(kv.pm25, 35);
    assert.equal(kv.refStation, 'urn:ngsi-ld:Station:1');
    const concise = renderEntity(entity, { terms, representation: 'concise', sysAttrs: false });
    assert.deepEqual(concise.refStation, { object: 'urn:ngsi-ld:Station:1' });
    assert.deepEqual(concise.location, sensor.location.value);
    assert.equal((concise.pm25 as Record<string, unknown>).value, 35);
  });

  it('lang turns a LanguageProperty into one string', () => {
    const out = renderEntity(entity, { terms, representation: 'normalized', sysAttrs: false, lang: ['en'] });
    assert.deepEqual(out.name, { type: 'Property', value: 'West Lake', lang: 'en' });
  });

  it('sysAttrs adds createdAt and modifiedAt; pick keeps only what is named', () => {
    const out = renderEntity(entity, { terms, representation: 'normalized', sysAttrs: true, pick: new Set([`${VOCAB}pm25`]) });
    assert.equal(out.createdAt, NOW);
    assert.deepEqual(Object.keys(out).sort(), ['createdAt', 'id', 'modifiedAt', 'pm25', 'type']);
  });

  it('a GeoJSON feature carries the location as geometry', () => {
    const feature = renderFeature(entity, { terms, representation: 'keyValues', sysAttrs: false });
    assert.deepEqual(feature.geometry, sensor.location.value);
    assert.equal(feature.id, sensor.id);
  });
});
