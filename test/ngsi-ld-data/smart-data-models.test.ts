/**
 * Round trip of real-world entities: every FIWARE Smart Data Models example under
 * test/fixtures/smart-data-models is created in the hub, read back in the normalized, keyValues and
 * concise representations (ETSI GS CIM 009 V1.8, clause 4.5) and found again by type, q and geoQ.
 * The *.schema.json files are kept beside the examples but not checked here: they describe the keyValues
 * form, `$ref` the remote common-schema.json, and would need a JSON Schema 2020-12 validator (a new dependency).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ATTRIBUTE_KINDS as KINDS, CONTENT_MEMBER as KIND_MEMBER } from '../../src/context/model.ts';

type Json = Record<string, unknown>;

const API = '/ngsi-ld/v1';
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/smart-data-models');
const CONTEXT_INDEX = path.resolve(import.meta.dirname, '../../src/context/ld/contexts/index.json');
const JSONLD_CONTEXT_REL = 'http://www.w3.org/ns/json-ld#context';
const ATTRIBUTE_KINDS = new Set<string>(KINDS);
// Keyed by any string: the examples' attribute types are checked against ATTRIBUTE_KINDS before use.
const CONTENT_MEMBER: Record<string, string> = KIND_MEMBER;
/** Attribute members that are not sub-attributes (clause 4.5). */
const META_MEMBERS = new Set(['type', 'datasetId', 'observedAt', 'unitCode', 'objectType', 'createdAt', 'modifiedAt', ...Object.values(CONTENT_MEMBER)]);
const TIME_MEMBERS = new Set(['observedAt', 'createdAt', 'modifiedAt']);
/** A point ~111 km from any example's location: one degree of latitude away. */
const FAR_DEGREES = 1;

/**
 * Published examples that break NGSI-LD rules, what is wrong, and the smallest repair. The hub must
 * refuse the example as published (BadRequestData) and take the repaired one.
 */
const REPAIRS: Record<string, { problem: string; repair: (entity: Json) => void }> = {
  WaterObserved: {
    problem: '"dateObserved" is a Relationship whose object "2020-03-17T08:45:00.209Z" is not a URI (the schema makes it a date-time Property)',
    repair(entity) {
      entity.dateObserved = { type: 'Property', value: (entity.dateObserved as Json).object };
    },
  },
  TransportStation: {
    problem:
      'attributes with "type": "DateTime" and "type": "object" (not NGSI-LD attribute types) and an attribute named "featuredArtist " (a name may not contain whitespace)',
    repair(entity) {
      for (const [name, attr] of Object.entries(entity)) {
        if (isObject(attr) && typeof attr.type === 'string' && !ATTRIBUTE_KINDS.has(attr.type)) attr.type = 'Property';
        if (name !== name.trim()) {
          entity[name.trim()] = attr;
          delete entity[name];
        }
      }
    },
  },
};

interface Example {
  domain: string;
  model: string;
  /** As published (without @context). */
  published: Json;
  /** As created here: published, repaired when REPAIRS names the model. */
  entity: Json;
  /** The @context the example is created with (undefined: none, application/json). */
  context: unknown;
  /** The context URL retrievals and queries name in their Link header. */
  linkUrl: string | undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Smart Data Models context URLs the hub has preloaded (src/context/ld/contexts/index.json), by domain. */
function preloadedContexts(): Map<string, string[]> {
  const byDomain = new Map<string, string[]>();
  if (!existsSync(CONTEXT_INDEX)) return byDomain;
  const urls: string[] = [];
  const collect = (node: unknown): void => {
    if (typeof node === 'string' && /^https?:\/\//.test(node)) urls.push(node);
    else if (Array.isArray(node)) node.forEach(collect);
    else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        collect(key);
        collect(value);
      }
    }
  };
  collect(JSON.parse(readFileSync(CONTEXT_INDEX, 'utf8')));
  for (const url of urls) {
    const domain = /dataModel\.([A-Za-z]+)/.exec(url)?.[1];
    if (domain) byDomain.set(domain, [...new Set([...(byDomain.get(domain) ?? []), url])]);
  }
  return byDomain;
}

function loadExamples(): Example[] {
  const preloaded = preloadedContexts();
  const examples: Example[] = [];
  for (const domain of readdirSync(FIXTURES).filter((d) => existsSync(path.join(FIXTURES, d, 'context.jsonld'))).sort()) {
    for (const file of readdirSync(path.join(FIXTURES, domain)).filter((f) => f.endsWith('.normalized.jsonld')).sort()) {
      const model = file.replace('.normalized.jsonld', '');
      const { '@context': published, ...entity } = JSON.parse(readFileSync(path.join(FIXTURES, domain, file), 'utf8')) as Json;
      const repaired = structuredClone(entity);
      REPAIRS[model]?.repair(repaired);
      const known = preloaded.get(domain) ?? [];
      const own = (Array.isArray(published) ? published : [published]).filter((u): u is string => typeof u === 'string');
      // The example's own @context when the hub knows all of it, else the domain's preloaded URL.
      const linkUrl = own.find((u) => known.includes(u)) ?? known.find((u) => u.includes('raw.githubusercontent.com')) ?? known[0];
      const context = linkUrl === undefined ? undefined : own.every((u) => known.includes(u)) ? published : [linkUrl];
      examples.push({ domain, model, published: entity, entity: repaired, context, linkUrl });
    }
  }
  return examples;
}

const examples = loadExamples();

// ---- expectations derived from an attribute as sent (normalized) ----

/** Times compare as instants: the hub normalises them to UTC with milliseconds. */
function comparable(value: unknown, key?: string): unknown {
  if (key !== undefined && TIME_MEMBERS.has(key) && typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  if (Array.isArray(value)) return value.map((v) => comparable(v));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v, k)]));
  return value;
}

function isAttribute(value: unknown): value is Json {
  return isObject(value) && typeof value.type === 'string' && ATTRIBUTE_KINDS.has(value.type);
}

/** keyValues (clause 4.5.4): each attribute is its content alone. */
function keyValueOf(attr: Json): unknown {
  return attr[CONTENT_MEMBER[attr.type as string] as string];
}

/**
 * Why `actual` is not the concise form (clause 4.5.1.x, V1.8) of the normalized `attr`, or undefined.
 * A Property or GeoProperty with nothing but its value is the value alone; otherwise "type" is dropped
 * and the other members and sub-attributes (themselves concise) stay.
 */
function conciseMismatch(actual: unknown, attr: Json, where: string): string | undefined {
  const type = attr.type as string;
  const members = Object.keys(attr).filter((k) => k !== 'type');
  const content = CONTENT_MEMBER[type] as string;
  if ((type === 'Property' || type === 'GeoProperty') && members.length === 1) {
    if (isDeepStrictEqual(actual, attr.value)) return undefined;
    // A value that is itself a JSON object (or holds objects) keeps its "value" key: a bare object
    // with a "type" member of its own (e.g. a PostalAddress) could not be read back as a Property.
    const holdsObjects = isObject(attr.value) || (Array.isArray(attr.value) && attr.value.some((v) => typeof v === 'object' && v !== null));
    if (holdsObjects && isDeepStrictEqual(actual, { value: attr.value })) return undefined;
    return `${where}: expected the bare value ${JSON.stringify(attr.value).slice(0, 200)}, got ${JSON.stringify(actual).slice(0, 200)}`;
  }
  if (!isObject(actual)) return `${where}: expected an object with ${members.join(', ')}, got ${JSON.stringify(actual).slice(0, 200)}`;
  if ('type' in actual) return `${where}: the concise form drops "type", got ${JSON.stringify(actual).slice(0, 200)}`;
  const extra = Object.keys(actual).filter((k) => !members.includes(k));
  const missing = members.filter((k) => !(k in actual));
  if (extra.length > 0 || missing.length > 0) return `${where}: members differ (missing ${missing.join(', ') || '-'}; extra ${extra.join(', ') || '-'})`;
  for (const key of members) {
    const expected = attr[key];
    if (!META_MEMBERS.has(key) && isAttribute(expected)) {
      const problem = conciseMismatch(actual[key], expected, `${where}.${key}`);
      if (problem) return problem;
    } else if (!isDeepStrictEqual(comparable(actual[key], key), comparable(expected, key))) {
      return `${where}.${key}${key === content ? '' : ' (metadata)'}: expected ${JSON.stringify(expected).slice(0, 200)}, got ${JSON.stringify(actual[key]).slice(0, 200)}`;
    }
  }
  return undefined;
}

/** A `q` the example must match: its first whole-number, then any number, then simple string Property. */
function qProbe(entity: Json): { attribute: string; matching: string; notMatching: string } | undefined {
  const properties = Object.entries(entity).filter((e): e is [string, Json] => isObject(e[1]) && e[1].type === 'Property' && /^[A-Za-z][A-Za-z0-9_]*$/.test(e[0]));
  const integer = properties.find(([, a]) => Number.isSafeInteger(a.value));
  const number = integer ?? properties.find(([, a]) => typeof a.value === 'number' && Number.isFinite(a.value));
  if (number) {
    const [name, attr] = number;
    return { attribute: name, matching: `${name}==${attr.value}`, notMatching: `${name}==${(attr.value as number) + 1}` };
  }
  const text = properties.find(([, a]) => typeof a.value === 'string' && /^[A-Za-z0-9 _.-]{1,60}$/.test(a.value));
  if (!text) return undefined;
  const [name, attr] = text;
  return { attribute: name, matching: `${name}=="${attr.value}"`, notMatching: `${name}=="${attr.value}-not"` };
}

/** The first position of a GeoJSON geometry. */
function firstPosition(geometry: unknown): [number, number] {
  let node = (geometry as { coordinates: unknown }).coordinates;
  while (Array.isArray(node) && Array.isArray(node[0])) node = node[0];
  const [lon, lat] = node as [number, number];
  return [lon, lat];
}

// ---- the hub ----

let tp: TestPlatform;
before(async () => {
  tp = await startTestPlatform();
});
after(async () => {
  await tp?.close();
});

function describeResponse(response: LightMyRequestResponse): string {
  return `${response.statusCode} ${response.headers['content-type'] ?? ''} ${response.body.slice(0, 600)}`;
}

async function create(example: Example, entity: Json): Promise<LightMyRequestResponse> {
  const ld = example.context !== undefined;
  return tp.platform.server.inject({
    method: 'POST',
    url: `${API}/entities`,
    headers: { ...bearer(tp.adminToken), 'content-type': ld ? 'application/ld+json' : 'application/json' },
    payload: JSON.stringify(ld ? { ...entity, '@context': example.context } : entity),
  });
}

async function get(example: Example, url: string): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...bearer(tp.adminToken), accept: 'application/json' };
  if (example.linkUrl) headers.link = `<${example.linkUrl}>; rel="${JSONLD_CONTEXT_REL}"; type="application/ld+json"`;
  return tp.platform.server.inject({ method: 'GET', url, headers });
}

async function retrieve(example: Example, options?: string): Promise<Json> {
  const response = await get(example, `${API}/entities/${encodeURIComponent(example.entity.id as string)}${options ? `?options=${options}` : ''}`);
  assert.equal(response.statusCode, 200, describeResponse(response));
  return response.json<Json>();
}

async function queryIds(example: Example, query: string): Promise<string[]> {
  const response = await get(example, `${API}/entities?${query}&limit=1000`);
  assert.equal(response.statusCode, 200, `GET /entities?${query}: ${describeResponse(response)}`);
  const body = response.json<unknown>();
  assert.ok(Array.isArray(body), `an array of entities: ${response.body.slice(0, 200)}`);
  return (body as Json[]).map((e) => e.id as string);
}

const an = (word: string) => (/^[AEIOU]/i.test(word) ? `an ${word}` : `a ${word}`);
const attributeNames = (entity: Json) => Object.keys(entity).filter((k) => k !== 'id' && k !== 'type');

test('the fixtures hold at least one example of each of the three domains', () => {
  assert.deepEqual([...new Set(examples.map((e) => e.domain))], ['Environment', 'Parking', 'Transportation']);
  assert.ok(examples.length >= 10, `${examples.length} examples`);
});

for (const example of examples) {
  const { model, entity } = example;
  const id = entity.id as string;
  const via = example.context === undefined ? 'without a @context (application/json)' : 'with its Smart Data Models @context (application/ld+json)';

  describe(`${example.domain} ${model} example`, () => {
    const repair = REPAIRS[model];
    if (repair) {
      test(`the ${model} example as published is refused with 400 BadRequestData: ${repair.problem}`, async () => {
        const response = await create(example, { ...example.published, id: `${id}-as-published` });
        assert.equal(response.statusCode, 400, describeResponse(response));
        assert.equal(response.json<Json>().type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
      });
    }

    test(`${an(model)} is created ${via}`, async () => {
      const response = await create(example, entity);
      assert.equal(response.statusCode, 201, describeResponse(response));
      assert.equal(response.headers.location, `${API}/entities/${encodeURIComponent(id)}`);
    });

    test(`the ${model} comes back in the normalized form with every attribute as sent`, async () => {
      const got = await retrieve(example);
      assert.equal(got.id, id);
      assert.deepEqual(got.type, entity.type);
      assert.deepEqual(attributeNames(got).sort(), attributeNames(entity).sort(), 'the same attribute names');
      for (const name of attributeNames(entity)) {
        assert.deepEqual(comparable(got[name]), comparable(entity[name]), `attribute ${name}`);
      }
    });

    test(`the ${model} comes back in keyValues as each attribute's value`, async () => {
      const got = await retrieve(example, 'keyValues');
      assert.equal(got.id, id);
      assert.deepEqual(got.type, entity.type);
      assert.deepEqual(attributeNames(got).sort(), attributeNames(entity).sort(), 'the same attribute names');
      for (const name of attributeNames(entity)) {
        assert.deepEqual(got[name], keyValueOf(entity[name] as Json), `attribute ${name}`);
      }
    });

    test(`the ${model} comes back in the concise form of clause 4.5`, async () => {
      const got = await retrieve(example, 'concise');
      assert.equal(got.id, id);
      assert.deepEqual(got.type, entity.type);
      assert.deepEqual(attributeNames(got).sort(), attributeNames(entity).sort(), 'the same attribute names');
      const problems = attributeNames(entity)
        .map((name) => conciseMismatch(got[name], entity[name] as Json, name))
        .filter((p): p is string => p !== undefined);
      assert.deepEqual(problems, []);
    });

    test(`a query by type ${String(entity.type)} finds the ${model}`, async () => {
      const ids = await queryIds(example, `type=${encodeURIComponent(String(entity.type))}`);
      assert.ok(ids.includes(id), `${id} among ${ids.join(', ')}`);
    });

    const probe = qProbe(entity);
    test(`a q on its own ${probe?.attribute ?? '(none)'} attribute (${probe?.matching ?? 'none'}) finds the ${model}, and a different value does not`, async () => {
      assert.ok(probe, `the ${model} example has a number or simple string Property to query on`);
      const matching = await queryIds(example, `q=${encodeURIComponent(probe.matching)}`);
      assert.ok(matching.includes(id), `q=${probe.matching}: ${id} among [${matching.join(', ')}]`);
      const other = await queryIds(example, `q=${encodeURIComponent(probe.notMatching)}`);
      assert.ok(!other.includes(id), `q=${probe.notMatching} must not find ${id}`);
    });

    const location = (entity.location as Json | undefined)?.value;
    const [lon, lat] = location ? firstPosition(location) : [Number.NaN, Number.NaN];
    const near = (la: number) => `georel=${encodeURIComponent('near;maxDistance==100')}&geometry=Point&coordinates=${encodeURIComponent(`[${lon},${la}]`)}`;

    test(`a geoQ near;maxDistance==100 around its location [${lon}, ${lat}] finds the ${model}`, async () => {
      assert.ok(location, `the ${model} example has a location`);
      const ids = await queryIds(example, near(lat));
      assert.ok(ids.includes(id), `${id} among [${ids.join(', ')}]`);
    });

    test(`a geoQ near;maxDistance==100 around a point ${FAR_DEGREES}° of latitude away does not return the ${model}`, async () => {
      assert.ok(location, `the ${model} example has a location`);
      const ids = await queryIds(example, near(lat > 0 ? lat - FAR_DEGREES : lat + FAR_DEGREES));
      assert.ok(!ids.includes(id), `${id} must not be within 100 m of a point ~111 km away`);
    });
  });
}
