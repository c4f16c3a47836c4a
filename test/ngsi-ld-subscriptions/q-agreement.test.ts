/**
 * q and scopeQ evaluated in memory (subscriptions) agree with their SQL translation (the query endpoint): the same
 * expressions over the same stored entities — including shapes the hub never writes — select the same entities.
 * The expressions are those of the SQL tests in src/context/query/q.test.ts (read from that file, so a new SQL case
 * is compared too) plus more below; the entities are copied from there.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StoredEntity } from '../../src/context/model.ts';
import { parseQ } from '../../src/context/query/q.ts';
import { compileQ, matchesScopeQ } from '../../src/context/query/q-eval.ts';
import { qToSql } from '../../src/context/query/q-sql.ts';
import { parseScopeQ, scopeQToSql } from '../../src/context/query/scope.ts';
import { instance, openQueryStore, type QueryStore, type TestEntity, testTerms, VOCAB } from '../../src/context/query/test-support.ts';

const car1: TestEntity = {
  id: 'urn:car:1',
  types: ['Car'],
  attrs: {
    speed: instance('Property', 80, { observedAt: '2024-01-10T08:00:00.000Z', unitCode: 'KMH' }),
    brandName: instance('Property', 'Mercedes'),
    isParked: instance('Relationship', 'urn:ngsi-ld:OffStreetParking:Downtown1', {
      sub: { [`${VOCAB}providedBy`]: instance('Relationship', 'urn:ngsi-ld:Person:Bob') },
    }),
    temperature: [instance('Property', 20), instance('Property', 35, { datasetId: 'urn:ngsi-ld:dataset:raw' })],
    address: instance('Property', { city: 'Berlin', street: 'Ulrich Strasse' }),
    label: instance('LanguageProperty', { en: 'red car', zh: '红色汽车' }),
    category: instance('VocabProperty', `${VOCAB}Sedan`),
    tags: instance('ListProperty', ['fast', 'blue']),
    rpm: instance('Property', 2000),
  },
};
const car2: TestEntity = {
  id: 'urn:car:2',
  types: ['Car'],
  attrs: {
    speed: instance('Property', 40),
    brandName: instance('Property', 'BMW'),
    isParked: instance('Relationship', ['urn:ngsi-ld:OffStreetParking:A', 'urn:ngsi-ld:OffStreetParking:B']),
    temperature: instance('Property', 25),
    address: instance('Property', { city: 'Munich' }),
    label: instance('LanguageProperty', { en: ['blue car', 'cobalt'], fr: 'voiture bleue' }),
    category: instance('VocabProperty', [`${VOCAB}Hatchback`, `${VOCAB}Electric`]),
    tags: instance('ListProperty', ['slow']),
    rpm: instance('Property', 3500),
    isNew: instance('Property', true),
  },
};
/** Values of other JSON types than the queries below use. */
const car3: TestEntity = {
  id: 'urn:car:3',
  types: ['Car'],
  attrs: {
    speed: instance('Property', '90'),
    brandName: instance('Property', 5),
    temperature: instance('Property', null),
    address: instance('Property', 'Berlin'),
    label: instance('Property', 'red car'),
    rpm: instance('Property', [1, 'a', null, {}]),
  },
};
const sensor1: TestEntity = {
  id: 'urn:sensor:1',
  types: ['Sensor'],
  attrs: {
    sensor: instance('Property', 40, {
      sub: { [`${VOCAB}rawdata`]: instance('Property', { airquality: { particulate: 40, PM20: 85 } }) },
    }),
    dateObserved: instance('Property', '2024-03-01T12:00:00Z'),
    dateTyped: instance('Property', { '@type': 'DateTime', '@value': '2024-03-01T12:00:00.500Z' }),
    opening: instance('Property', '08:30:00'),
    birthday: instance('Property', '2020-02-29'),
    temperature: instance('Property', 22, { observedAt: '2024-03-01T12:00:00.000Z' }),
  },
};
const sensor2: TestEntity = {
  id: 'urn:sensor:2',
  types: ['Sensor'],
  attrs: {
    parkingTickets: instance('JsonProperty', { id: '85a6cc52', value: 'Overstay 60 minutes' }),
    rpm: instance('Property', 3500),
    speed: instance('Property', 30),
    dateObserved: instance('Property', '2024-03-01T12:00:00.250Z'),
    temperature: instance('Property', 18, { observedAt: '2023-12-31T23:59:59.999Z' }),
  },
};
const person1: TestEntity = {
  id: 'urn:person:1',
  types: ['Person'],
  attrs: {
    gender: instance('VocabProperty', `${VOCAB}Male`),
    friends: instance('ListRelationship', ['urn:ngsi-ld:Person:2', 'urn:ngsi-ld:Person:3']),
    capacity: instance('Property', 5),
  },
};
const person2: TestEntity = {
  id: 'urn:person:2',
  types: ['Person'],
  attrs: {
    gender: instance('VocabProperty', `${VOCAB}Female`),
    friends: instance('ListRelationship', ['urn:ngsi-ld:Person:4']),
    capacity: instance('Property', 12),
  },
};
/** Shapes the hub never writes: every query must still run without a database error. */
const weird: TestEntity = {
  id: 'urn:weird:1',
  rawAttrs: {
    [`${VOCAB}speed`]: [{ type: 'Property', value: { nested: true } }],
    [`${VOCAB}brandName`]: [{ type: 'Property' }],
    [`${VOCAB}temperature`]: [{ type: 'Property', value: 'garbage-date', observedAt: 'yesterday' }],
    [`${VOCAB}isParked`]: [{ type: 'Relationship', object: 42 }],
    [`${VOCAB}label`]: [{ type: 'LanguageProperty', languageMap: 'not a map' }],
    [`${VOCAB}tags`]: [{ type: 'ListProperty', valueList: 'not a list' }],
    [`${VOCAB}capacity`]: 'not an array',
    [`${VOCAB}rpm`]: [null, 5, 'x'],
    [`${VOCAB}dateObserved`]: [{ type: 'Property', value: '2024-3-1T12:00:00Z' }],
    [`${VOCAB}opening`]: [{ type: 'Property', value: ['08:00:00', { at: 1 }] }],
    [`${VOCAB}gender`]: [{ type: 'VocabProperty', vocab: { '@id': 'x' } }],
  },
};
const empty: TestEntity = { id: 'urn:empty:1' };
const building: TestEntity = {
  id: 'urn:building:1',
  types: ['Building'],
  attrs: { capacity: instance('Property', 100), name: instance('Property', 'Tower') },
};

const scoped: TestEntity[] = [
  { id: 'urn:scope:1', scopes: ['/Hangzhou/Xihu/Parks'] },
  { id: 'urn:scope:2', scopes: ['/Hangzhou/Binjiang', '/CompanyA'] },
  { id: 'urn:scope:3', scopes: ['/Hangzhou'] },
  { id: 'urn:scope:4', scopes: ['/Shanghai/Pudong/Parks/North'] },
  { id: 'urn:scope:5', scopes: [] },
  { id: 'urn:scope:6', scopes: ['/Hangzhou/Xihu/Parks/'] },
];
const numbers: TestEntity[] = [
  { id: 'urn:num:1', attrs: { v: instance('Property', 0.1) } },
  { id: 'urn:num:2', attrs: { v: instance('Property', 1e21) } },
  { id: 'urn:num:3', attrs: { v: instance('Property', -0.5) } },
  { id: 'urn:num:4', attrs: { v: instance('Property', [3, [4, 5], 'x']) } },
  { id: 'urn:num:5', attrs: { v: instance('Property', '𝒳b') } },
  { id: 'urn:num:6', attrs: { v: instance('Property', '\uffffb') } },
];

const ENTITIES = [car1, car2, car3, sensor1, sensor2, person1, person2, weird, empty, building, ...scoped, ...numbers];

/** Every q of the SQL tests of q.test.ts. */
function qsOfSqlTests(): string[] {
  const text = readFileSync(path.resolve(import.meta.dirname, '../../src/context/query/q.test.ts'), 'utf8');
  const found = new Set<string>();
  for (const m of text.matchAll(/matches\((['`])((?:\\.|(?!\1).)*)\1\)/g)) {
    const raw = m[2] as string;
    found.add(m[1] === '`' ? raw.replaceAll(`$${'{VOCAB}'}`, VOCAB) : raw.replace(/\\(.)/g, '$1'));
  }
  return [...found];
}

const MORE_Q = [
  'v==0.1',
  'v==0.10000000000000000001',
  'v>0.09999999999999999999',
  'v==1e21',
  'v>=1000000000000000000000',
  'v<0',
  'v==4',
  'v==3',
  'v=="x"',
  'v>"𝒳"',
  'v<"𝒳"',
  'v~=^x',
  'v!~=^x',
  'v!=3',
  'rpm==1',
  'rpm=="a"',
  'rpm!=1',
  'rpm~=a',
  'opening>=08:00:00',
  'opening==08:30:00.000Z',
  'birthday<2021-01-01',
  'birthday==2020-02-29..2020-03-01',
  'dateObserved>2024-03-01T11:59:59.500Z',
  'dateObserved<2024-03-01T12:00:00.400Z',
  'dateTyped==2024-03-01T12:00:00.500Z',
  'temperature.observedAt>2024-01-01',
  'temperature.modifiedAt<2030-01-01T00:00:00Z',
  '(speed>10|rpm<3000);!isNew',
  'label[fr]~=bleue',
  'label~=(?:red|blue)',
  'address[city]!="Berlin"',
  'isParked.providedBy!="urn:ngsi-ld:Person:Alice"',
  'friends~=Person',
  'category!=Sedan',
  'gender!=Male,Female',
  'tags!="fast"',
  'speed.unitCode!="KMH"',
  'temperature.datasetId!=urn:ngsi-ld:dataset:raw',
  'name',
  '!name|capacity>50',
];

const SCOPE_Q = [
  '/Hangzhou',
  '/Hangzhou/#',
  '/Hangzhou/+',
  '/Hangzhou/+/Parks',
  '/Hangzhou/+/Parks/#',
  '/+/+/Parks/#',
  '/#',
  '/Hangzhou/Binjiang;/CompanyA',
  '/Hangzhou/Binjiang,/Shanghai/#',
  '(/Hangzhou/#;/CompanyA)|/Shanghai/+/Parks/North',
  'Hangzhou/Xihu/#',
];

describe('q and scopeQ in memory agree with their SQL', () => {
  let db: QueryStore;
  let stored: StoredEntity[];
  before(async () => {
    db = await openQueryStore(ENTITIES);
    const rows = await db.store.query<{ id: string; attrs: StoredEntity['attrs']; scopes: string[] }>(
      "SELECT id, attrs, scopes FROM ngsi_entities WHERE tenant = 'test' ORDER BY id",
    );
    stored = rows.map((r) => ({ id: r.id, attrs: r.attrs, scopes: r.scopes }) as StoredEntity);
  });
  after(() => db?.dispose());

  test('every q of the SQL tests, and more, selects the same entities both ways', async () => {
    const qs = [...qsOfSqlTests(), ...MORE_Q];
    assert.ok(qs.length > 80, `found ${qs.length} expressions`);
    const disagreements: string[] = [];
    for (const q of qs) {
      const expr = parseQ(q);
      const sql = await db.ids((params) => qToSql(expr, testTerms, params));
      const test = compileQ(expr, testTerms);
      const memory = stored.filter((e) => test(e.attrs as Record<string, unknown>)).map((e) => e.id);
      if (JSON.stringify(sql) !== JSON.stringify(memory)) disagreements.push(`${q}\n  SQL:    ${sql.join(' ')}\n  memory: ${memory.join(' ')}`);
    }
    assert.deepEqual(disagreements, []);
  });

  test('every scopeQ selects the same entities both ways', async () => {
    const disagreements: string[] = [];
    for (const text of SCOPE_Q) {
      const query = parseScopeQ(text);
      const sql = await db.ids((params) => scopeQToSql(query, params));
      const memory = stored.filter((e) => matchesScopeQ(query, e.scopes)).map((e) => e.id);
      if (JSON.stringify(sql) !== JSON.stringify(memory)) disagreements.push(`${text}\n  SQL:    ${sql.join(' ')}\n  memory: ${memory.join(' ')}`);
    }
    assert.deepEqual(disagreements, []);
  });
});
