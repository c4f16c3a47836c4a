/** Tests of the entity type selection language: parsing, errors, and its SQL on a real store (and that it uses the GIN index). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../platform/errors/app-error.ts';
import { SqlParams } from './model.ts';
import { openQueryStore, type QueryStore, testTerms, VOCAB } from './test-support.ts';
import { parseTypeSelection, selectionTypes, type TypeSelection, typeSelectionToSql } from './type-selection.ts';

function shape(s: TypeSelection): string {
  if (s.kind === 'all') return '*';
  if (s.kind === 'type') return s.name;
  return `${s.kind}(${s.operands.map(shape).join(', ')})`;
}

function rejects(text: string, pattern: RegExp, position?: number): void {
  assert.throws(
    () => parseTypeSelection(text),
    (error: unknown) => {
      assert.ok(error instanceof AppError && error.code === 'BAD_REQUEST_DATA');
      assert.match(error.message, pattern);
      if (position !== undefined) assert.match(error.message, new RegExp(`at character ${position}:`));
      return true;
    },
  );
}

describe('parseTypeSelection', () => {
  test('a comma and a bar both mean or (example 1)', () => {
    assert.equal(shape(parseTypeSelection('Building|House')), 'or(Building, House)');
    assert.equal(shape(parseTypeSelection('Building,House')), 'or(Building, House)');
  });

  test('a semicolon in parentheses means and (example 2)', () => {
    assert.equal(shape(parseTypeSelection('(Home;Vehicle)')), 'and(Home, Vehicle)');
  });

  test('an and-group combines with or (example 3, both representations)', () => {
    assert.equal(shape(parseTypeSelection('(Home;Vehicle)|Motorhome')), 'or(and(Home, Vehicle), Motorhome)');
    assert.equal(shape(parseTypeSelection('(Home;Vehicle),Motorhome')), 'or(and(Home, Vehicle), Motorhome)');
  });

  test('and binds tighter than or without parentheses too', () => {
    assert.equal(shape(parseTypeSelection('A|B;C')), 'or(A, and(B, C))');
  });

  test('URIs and compact IRIs are types', () => {
    assert.equal(shape(parseTypeSelection('https://smartdatamodels.org/dataModel.Parking/OffStreetParking,schema:Place')), 'or(https://smartdatamodels.org/dataModel.Parking/OffStreetParking, schema:Place)');
  });

  test('a lone star selects every type', () => {
    assert.equal(shape(parseTypeSelection('*')), '*');
  });

  test('selectionTypes lists each type once', () => {
    assert.deepEqual(selectionTypes(parseTypeSelection('(A;B)|A')), ['A', 'B']);
  });

  test('an empty alternative is refused where it is', () => {
    rejects('A,,B', /expected an entity type/, 3);
  });

  test('a name that is neither a name nor a URI is refused', () => {
    rejects('1Building', /a name \(a letter, then letters, digits or "_"; prefix:name allowed\) or a URI/, 1);
  });

  test('an unclosed parenthesis names where it was opened', () => {
    rejects('(A;B', /to close the "\(" at character 1/, 5);
  });

  test('a stray closing parenthesis is refused', () => {
    rejects('A)', /closes nothing/, 2);
  });

  test('more than 200 types are refused', () => {
    rejects(Array.from({ length: 201 }, (_, i) => `T${i}`).join(','), /at most 200 entity types/);
  });
});

describe('typeSelectionToSql on a real store', () => {
  let db: QueryStore;
  before(async () => {
    db = await openQueryStore([
      { id: 'urn:home', types: ['Home'] },
      { id: 'urn:vehicle', types: ['Vehicle'] },
      { id: 'urn:camper', types: ['Home', 'Vehicle'] },
      { id: 'urn:motorhome', types: ['Motorhome'] },
      { id: 'urn:building', types: ['Building', 'Home'] },
    ]);
  });
  after(() => db.dispose());

  const matches = (text: string) => db.ids((params) => typeSelectionToSql(parseTypeSelection(text), testTerms, params));

  test('one type matches the entities that have it among others', async () => {
    assert.deepEqual(await matches('Home'), ['urn:building', 'urn:camper', 'urn:home']);
  });

  test('an or matches either type', async () => {
    assert.deepEqual(await matches('Vehicle,Motorhome'), ['urn:camper', 'urn:motorhome', 'urn:vehicle']);
  });

  test('an and matches only entities with both types', async () => {
    assert.deepEqual(await matches('(Home;Vehicle)'), ['urn:camper']);
  });

  test('an and-group or a type matches either', async () => {
    assert.deepEqual(await matches('(Home;Vehicle)|Motorhome'), ['urn:camper', 'urn:motorhome']);
  });

  test('an or inside an and narrows each side', async () => {
    assert.deepEqual(await matches('Home;(Vehicle|Building)'), ['urn:building', 'urn:camper']);
  });

  test('a full IRI matches the same as its term', async () => {
    assert.deepEqual(await matches(`${VOCAB}Motorhome`), ['urn:motorhome']);
  });

  test('the star matches every entity', async () => {
    assert.equal((await matches('*')).length, 5);
  });

  test('the types travel as one array parameter per group, never in the SQL text', () => {
    const params = new SqlParams(['t']);
    const sql = typeSelectionToSql(parseTypeSelection('A,B,(C;D)'), testTerms, params);
    assert.equal(sql, '(e.types && $2::text[] OR e.types @> $3::text[])');
    assert.deepEqual(params.values.slice(1), [
      [`${VOCAB}A`, `${VOCAB}B`],
      [`${VOCAB}C`, `${VOCAB}D`],
    ]);
  });

  test('the GIN index on types serves a selection', async () => {
    const params = new SqlParams();
    const where = typeSelectionToSql(parseTypeSelection('(Home;Vehicle)|Motorhome'), testTerms, params);
    const plan = await db.store.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      return tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT e.id FROM ngsi_entities e WHERE ${where}`, params.values);
    });
    assert.match(plan.map((r) => r['QUERY PLAN']).join('\n'), /ngsi_entities_types/);
  });
});
