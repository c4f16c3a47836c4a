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
import { instance, openQueryStore, Q_ENTITIES, type QueryStore, type TestEntity, testTerms, VOCAB } from '../../src/context/query/test-support.ts';

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

const ENTITIES = [...Q_ENTITIES, ...scoped, ...numbers];

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
