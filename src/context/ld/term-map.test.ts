/** Expansion and compaction of terms: core terms, prefixes, @vocab, Smart Data Models terms, protected core terms, invalid contexts. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { isAppError } from '../../platform/errors/app-error.ts';
import { parseContextDocument } from './library.ts';
import type { TermMap } from './model.ts';
import { type ActiveContext, DEFAULT_VOCAB, type LoadedContext, processContext, processCoreContext } from './processor.ts';
import { createTermMap } from './term-map.ts';

const NGSI = 'https://uri.etsi.org/ngsi-ld/';
const CORE_URL = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld';
const SDM_ENVIRONMENT = 'https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld';
const SDM_PARKING = 'https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld';

function contextOf(file: string): unknown {
  const parsed = parseContextDocument(readFileSync(new URL(`./contexts/${file}`, import.meta.url), 'utf8'));
  assert.ok('context' in parsed);
  return parsed.context;
}

const core: ActiveContext = processCoreContext(contextOf('ngsi-ld-core-context-v1.9.jsonld'));
const documents: Record<string, unknown> = {
  [SDM_ENVIRONMENT]: contextOf('sdm-dataModel.Environment.jsonld'),
  [SDM_PARKING]: contextOf('sdm-dataModel.Parking.jsonld'),
  'https://example.org/nested.jsonld': ['https://example.org/leaf.jsonld', { nestedTerm: 'https://example.org/ns#nested' }],
  'https://example.org/leaf.jsonld': { leafTerm: 'https://example.org/ns#leaf' },
  'https://example.org/loop.jsonld': 'https://example.org/loop.jsonld',
};

async function load(url: string): Promise<LoadedContext> {
  if (url === CORE_URL) return { core: true };
  if (!(url in documents)) throw new Error(`unexpected load of ${url}`);
  return { core: false, context: documents[url] };
}

async function termsOf(context: unknown): Promise<TermMap> {
  const { active } = await processContext(context, load, core);
  return createTermMap(active, context, 'https://example.org/link');
}

const coreTerms = createTermMap(core, CORE_URL, CORE_URL);

async function rejects(context: unknown, pattern: RegExp): Promise<void> {
  await assert.rejects(termsOf(context), (error: unknown) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.code, 'BAD_REQUEST_DATA');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('expanding terms', () => {
  test('core terms expand to their NGSI-LD IRIs', () => {
    assert.equal(coreTerms.expand('Property'), `${NGSI}Property`);
    assert.equal(coreTerms.expand('location'), `${NGSI}location`);
    assert.equal(coreTerms.expand('observedAt'), `${NGSI}observedAt`);
    assert.equal(coreTerms.expand('value'), `${NGSI}hasValue`);
    assert.equal(coreTerms.expand('Point'), 'https://purl.org/geojson/vocab#Point');
  });

  test('a compact IRI with a known prefix expands through the prefix', () => {
    assert.equal(coreTerms.expand('ngsi-ld:Property'), `${NGSI}Property`);
    assert.equal(coreTerms.expand('geojson:Feature'), 'https://purl.org/geojson/vocab#Feature');
  });

  test('an absolute IRI passes through unchanged', () => {
    assert.equal(coreTerms.expand('https://example.org/ns#speed'), 'https://example.org/ns#speed');
    assert.equal(coreTerms.expand('urn:ngsi-ld:Vehicle:A1'), 'urn:ngsi-ld:Vehicle:A1');
  });

  test('a term no context defines expands with the default-context vocabulary', () => {
    assert.equal(coreTerms.expand('pm25'), `${DEFAULT_VOCAB}pm25`);
  });

  test("a user context's @vocab replaces the default vocabulary, even with the core context listed after it", async () => {
    const terms = await termsOf([{ '@vocab': 'https://example.org/ns#' }, CORE_URL]);
    assert.equal(terms.expand('pm25'), 'https://example.org/ns#pm25');
    assert.equal(terms.expand('Property'), `${NGSI}Property`);
  });

  test('Smart Data Models terms expand to their smartdatamodels.org IRIs', async () => {
    const terms = await termsOf(SDM_ENVIRONMENT);
    assert.equal(terms.expand('AirQualityObserved'), 'https://smartdatamodels.org/dataModel.Environment/AirQualityObserved');
    assert.equal(terms.expand('temperature'), 'https://smartdatamodels.org/dataModel.Environment/temperature');
    assert.equal(terms.expand('location'), `${NGSI}location`);
  });

  test('contexts of an array apply in order, a later one overriding an earlier term', async () => {
    const terms = await termsOf([{ speed: 'https://a.example/speed' }, { speed: 'https://b.example/speed' }]);
    assert.equal(terms.expand('speed'), 'https://b.example/speed');
  });

  test('a null entry clears the user terms defined before it', async () => {
    const terms = await termsOf([{ speed: 'https://a.example/speed' }, null, { other: 'https://a.example/other' }]);
    assert.equal(terms.expand('speed'), `${DEFAULT_VOCAB}speed`);
    assert.equal(terms.expand('other'), 'https://a.example/other');
  });

  test('a term may use a prefix defined in the same context', async () => {
    const terms = await termsOf({ ex: 'https://example.org/ns#', speed: 'ex:speed', Car: { '@id': 'ex:Car' } });
    assert.equal(terms.expand('speed'), 'https://example.org/ns#speed');
    assert.equal(terms.expand('Car'), 'https://example.org/ns#Car');
    assert.equal(terms.expand('ex:colour'), 'https://example.org/ns#colour');
  });

  test('a remote context that references other contexts is applied with them', async () => {
    const terms = await termsOf('https://example.org/nested.jsonld');
    assert.equal(terms.expand('leafTerm'), 'https://example.org/ns#leaf');
    assert.equal(terms.expand('nestedTerm'), 'https://example.org/ns#nested');
  });

  test('an @context wrapped inside a context object is applied', async () => {
    const terms = await termsOf({ '@context': { wrapped: 'https://example.org/ns#wrapped' } });
    assert.equal(terms.expand('wrapped'), 'https://example.org/ns#wrapped');
  });

  test('the definition of a term keeps its @type coercion and container', () => {
    assert.equal(coreTerms.definition?.('attributeList')?.type, '@vocab');
    assert.equal(coreTerms.definition?.('contextSourceExtras')?.type, '@json');
    assert.deepEqual(coreTerms.definition?.('valueList')?.container, ['@list']);
    assert.equal(coreTerms.definition?.('observedAt')?.type, `${NGSI}DateTime`);
  });
});

describe('the protected core context', () => {
  test('a user term with a core name is overridden by the core context applied last', async () => {
    const terms = await termsOf({ location: 'https://example.org/ns#where' });
    assert.equal(terms.expand('location'), `${NGSI}location`);
  });

  test('a context after the core one may not redefine a core term differently', async () => {
    await rejects([CORE_URL, { location: 'https://example.org/ns#where' }], /"location" is a protected term/);
  });

  test('a context after the core one may repeat a core term with the same meaning', async () => {
    const terms = await termsOf([CORE_URL, SDM_PARKING]);
    assert.equal(terms.expand('status'), `${NGSI}status`);
    assert.equal(terms.expand('ParkingSpot'), 'https://smartdatamodels.org/dataModel.Parking/ParkingSpot');
  });

  test('null may not clear the core context once it is applied', async () => {
    await rejects([CORE_URL, null], /protected terms/);
  });
});

describe('compacting IRIs', () => {
  test('a core IRI compacts to its core term', () => {
    assert.equal(coreTerms.compact(`${NGSI}Property`), 'Property');
    assert.equal(coreTerms.compact(`${NGSI}hasValue`), 'value');
    assert.equal(coreTerms.compact(`${NGSI}location`), 'location');
  });

  test('an IRI of the default vocabulary compacts to the bare term', () => {
    assert.equal(coreTerms.compact(`${DEFAULT_VOCAB}pm25`), 'pm25');
  });

  test('an IRI under a known prefix compacts to a compact IRI', () => {
    assert.equal(coreTerms.compact(`${NGSI}somethingNew`), 'ngsi-ld:somethingNew');
    assert.equal(coreTerms.compact('https://purl.org/geojson/vocab#newShape'), 'geojson:newShape');
  });

  test('an IRI nothing matches stays an IRI', () => {
    assert.equal(coreTerms.compact('https://example.org/ns#speed'), 'https://example.org/ns#speed');
  });

  test('a Smart Data Models IRI compacts to its term with the Smart Data Models context', async () => {
    const terms = await termsOf(SDM_ENVIRONMENT);
    assert.equal(terms.compact('https://smartdatamodels.org/dataModel.Environment/AirQualityObserved'), 'AirQualityObserved');
    assert.equal(terms.compact('https://smartdatamodels.org/dataModel.Environment/temperature'), 'temperature');
  });

  test("a user's alias of a core IRI is preferred to the core term", async () => {
    const terms = await termsOf({ place: `${NGSI}location` });
    assert.equal(terms.compact(`${NGSI}location`), 'place');
    assert.equal(terms.expand('location'), `${NGSI}location`);
  });

  test('a bare term is not used when the context defines that term differently', async () => {
    const terms = await termsOf({ pm25: 'https://example.org/ns#pm25' });
    assert.equal(terms.compact(`${DEFAULT_VOCAB}pm25`), 'ngsi-ld:default-context/pm25');
    assert.equal(terms.expand(terms.compact(`${DEFAULT_VOCAB}pm25`)), `${DEFAULT_VOCAB}pm25`);
  });

  test('with a user @vocab, the IRIs of that vocabulary compact to bare terms', async () => {
    const terms = await termsOf({ '@vocab': 'https://example.org/ns#' });
    assert.equal(terms.compact('https://example.org/ns#pm25'), 'pm25');
    assert.equal(terms.compact(`${DEFAULT_VOCAB}pm25`), 'ngsi-ld:default-context/pm25');
  });

  test('expansion and compaction answer the same string on repeated calls', () => {
    const first = coreTerms.expand('Relationship');
    assert.equal(coreTerms.expand('Relationship'), first);
    assert.equal(coreTerms.compact(first), coreTerms.compact(first));
  });
});

describe('invalid contexts', () => {
  test('a number is not a context', async () => {
    await rejects(42, /must be a URL, an object, an array or null/);
  });

  test('a term mapped to a number is refused', async () => {
    await rejects({ speed: 5 }, /the definition of "speed"/);
  });

  test('a term definition with an unknown member is refused', async () => {
    await rejects({ speed: { '@id': 'https://example.org/speed', '@unit': 'km/h' } }, /unknown member "@unit"/);
  });

  test('terms defined through each other are refused as a cycle', async () => {
    await rejects({ a: { '@id': 'b:x' }, b: { '@id': 'a:y' } }, /cyclic IRI mapping/);
  });

  test('an unknown @type coercion keyword is refused', async () => {
    await rejects({ speed: { '@id': 'https://example.org/speed', '@type': '@list' } }, /@type of "speed"/);
  });

  test('@version other than 1.1 is refused', async () => {
    await rejects({ '@version': 1.0 }, /@version must be the number 1.1/);
  });

  test('a keyword cannot be redefined', async () => {
    await rejects({ '@id': 'https://example.org/id' }, /keyword @id cannot be redefined/);
  });

  test('a remote context that includes itself is refused', async () => {
    await rejects('https://example.org/loop.jsonld', /includes itself/);
  });
});
