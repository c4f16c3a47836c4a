/** Tests of the scope query language: parsing the clause's examples, errors, and its SQL on a real store. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../platform/errors/app-error.ts';
import { SqlParams } from './model.ts';
import { parseScopeQ, type ScopeQuery, scopeQToSql } from './scope.ts';
import { openQueryStore, type QueryStore } from './test-support.ts';

function shape(q: ScopeQuery): string {
  if (q.kind === 'scope') return `/${q.levels.join('/')}${q.descendants ? (q.levels.length ? '/#' : '#') : ''}`;
  return `${q.kind}(${q.operands.map(shape).join(', ')})`;
}

function rejects(text: string, pattern: RegExp, position?: number): void {
  assert.throws(
    () => parseScopeQ(text),
    (error: unknown) => {
      assert.ok(error instanceof AppError && error.code === 'BAD_REQUEST_DATA');
      assert.match(error.message, pattern);
      if (position !== undefined) assert.match(error.message, new RegExp(`at character ${position}:`));
      return true;
    },
  );
}

describe('parseScopeQ', () => {
  test('a scope is its levels (example 1)', () => {
    assert.deepEqual(parseScopeQ('/Madrid'), { kind: 'scope', levels: ['Madrid'], descendants: false });
  });

  test('a trailing /# takes the scope and everything below (example 2)', () => {
    assert.deepEqual(parseScopeQ('/Madrid/Gardens/#'), { kind: 'scope', levels: ['Madrid', 'Gardens'], descendants: true });
  });

  test('a + stands for any one level (example 3)', () => {
    assert.deepEqual(parseScopeQ('/Madrid/+/ParqueNorte'), { kind: 'scope', levels: ['Madrid', '+', 'ParqueNorte'], descendants: false });
  });

  test('a semicolon in parentheses is and (example 4)', () => {
    assert.equal(shape(parseScopeQ('(/Madrid/Districts;/CompanyA)')), 'and(/Madrid/Districts, /CompanyA)');
  });

  test('a bar or a comma is or, and a scope may leave out its leading slash (example 5)', () => {
    assert.equal(shape(parseScopeQ('(/Madrid/Districts;/CompanyA)|CompanyB')), 'or(and(/Madrid/Districts, /CompanyA), /CompanyB)');
    assert.equal(shape(parseScopeQ('(/Madrid/Districts;/CompanyA),CompanyB')), 'or(and(/Madrid/Districts, /CompanyA), /CompanyB)');
  });

  test('/# alone asks for any scope', () => {
    assert.deepEqual(parseScopeQ('/#'), { kind: 'scope', levels: [], descendants: true });
  });

  test('levels in any script are accepted', () => {
    assert.equal(shape(parseScopeQ('/杭州/西湖区')), '/杭州/西湖区');
  });

  test('an empty level is refused where it is', () => {
    rejects('/Madrid//Gardens', /a scope level, "\+" or "#" after "\/"/, 9);
  });

  test('a # that is not at the end is refused', () => {
    rejects('/Madrid/#/Gardens', /"," or "\|" \(or\), ";" \(and\) or the end/, 10);
  });

  test('an empty query part is refused', () => {
    rejects('/a,', /a scope, e\.g\. \/Hangzhou\/Xihu/, 4);
  });

  test('an unclosed parenthesis names where it was opened', () => {
    rejects('(/a;/b', /to close the "\(" at character 1/, 7);
  });
});

describe('scopeQToSql on a real store', () => {
  let db: QueryStore;
  before(async () => {
    db = await openQueryStore([
      { id: 'urn:gardens', scopes: ['/Madrid/Gardens'] },
      { id: 'urn:norte', scopes: ['/Madrid/Gardens/ParqueNorte'] },
      { id: 'urn:parterre', scopes: ['/Madrid/Gardens/ParqueNorte/Parterre1'] },
      { id: 'urn:sights', scopes: ['/Madrid/Sights/ParqueNorte'] },
      { id: 'urn:districts', scopes: ['/Madrid/Districts', '/CompanyA'] },
      { id: 'urn:companyb', scopes: ['/CompanyB'] },
      { id: 'urn:lookalike', scopes: ['/Madrid/GardensX'] },
      { id: 'urn:xihu', scopes: ['/杭州/西湖区', '/Hz/Xi-hu.1'] },
      { id: 'urn:none' },
    ]);
  });
  after(() => db.dispose());

  const matches = (text: string) => db.ids((params) => scopeQToSql(parseScopeQ(text), params));

  test('a scope matches exactly that scope', async () => {
    assert.deepEqual(await matches('/Madrid/Gardens'), ['urn:gardens']);
  });

  test('a trailing /# matches the scope and its descendants, not look-alike siblings', async () => {
    assert.deepEqual(await matches('/Madrid/Gardens/#'), ['urn:gardens', 'urn:norte', 'urn:parterre']);
  });

  test('a + matches exactly one level', async () => {
    assert.deepEqual(await matches('/Madrid/+/ParqueNorte'), ['urn:norte', 'urn:sights']);
  });

  test('a + with a trailing /# matches below it too', async () => {
    assert.deepEqual(await matches('/Madrid/+/ParqueNorte/#'), ['urn:norte', 'urn:parterre', 'urn:sights']);
  });

  test('an and needs both scopes on one entity', async () => {
    assert.deepEqual(await matches('(/Madrid/Districts;/CompanyA)'), ['urn:districts']);
  });

  test('an or takes either side', async () => {
    assert.deepEqual(await matches('(/Madrid/Districts;/CompanyA)|CompanyB'), ['urn:companyb', 'urn:districts']);
  });

  test('/# matches every entity that has a scope', async () => {
    assert.deepEqual(await matches('/#'), ['urn:companyb', 'urn:districts', 'urn:gardens', 'urn:lookalike', 'urn:norte', 'urn:parterre', 'urn:sights', 'urn:xihu']);
  });

  test('levels with other scripts and punctuation match literally under a wildcard', async () => {
    assert.deepEqual(await matches('/+/西湖区'), ['urn:xihu']);
    assert.deepEqual(await matches('/Hz/+'), ['urn:xihu']);
    assert.deepEqual(await matches('/+/Xi-hu.1'), ['urn:xihu']);
    assert.deepEqual(await matches('/+/Xi-hux1'), []);
  });

  test('exact scopes of one group travel as one array parameter', () => {
    const params = new SqlParams();
    assert.equal(scopeQToSql(parseScopeQ('/a,/b,/c/#'), params), "(e.scopes && $1::text[] OR EXISTS (SELECT 1 FROM unnest(e.scopes) AS s WHERE s = $2 OR starts_with(s, $3)))");
    assert.deepEqual(params.values, [['/a', '/b'], '/c', '/c/']);
  });
});
