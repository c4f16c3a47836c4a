/**
 * Conformance: batch entity operations — create (5.6.7), upsert (5.6.8), update (5.6.9), delete (5.6.10),
 * merge (5.6.20), query (5.7.2 via POST, 6.23) and their BatchOperationResult (5.2.16) / BatchEntityError (5.2.17).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, assertProblem, ERROR_BASE, expectStatus, type Hub, idsOf, type Json, openHub } from './support.ts';

let hub: Hub;
before(async () => {
  hub = await openHub();
});
after(async () => {
  await hub.close();
});

const id = (n: number) => `urn:ngsi-ld:Test:batch-${n}`;
const OPS = `${API}/entityOperations`;

function bin(n: number, type = 'WasteBin', fill = 0.5): Json {
  return { id: id(n), type, fillLevel: { type: 'Property', value: fill }, colour: { type: 'Property', value: 'green' } };
}

interface BatchResult {
  success: string[];
  errors: { entityId: string; error: Json }[];
}

/** Asserts a 207 BatchOperationResult (5.2.16) and returns it. */
function batchResult(response: { statusCode: number; body: string; json<T>(): T }): BatchResult {
  assert.equal(response.statusCode, 207, response.body);
  const result = response.json<BatchResult>();
  assert.ok(Array.isArray(result.success), 'BatchOperationResult.success is an array');
  assert.ok(Array.isArray(result.errors), 'BatchOperationResult.errors is an array');
  return result;
}

/** Asserts that a BatchEntityError (5.2.17) names the entity and carries a ProblemDetails of that type. */
function assertEntityError(result: BatchResult, entityId: string, name: string): void {
  const entry = result.errors.find((e) => e.entityId === entityId);
  assert.ok(entry, `errors has an entry for ${entityId}: ${JSON.stringify(result.errors)}`);
  assert.equal(entry.error.type, `${ERROR_BASE}${name}`, JSON.stringify(entry.error));
  if (entry.error.status !== undefined) assert.equal(typeof entry.error.status, 'number');
}

describe('POST /entityOperations/create (5.6.7 Batch Entity Creation)', () => {
  // 5.6.7 / 6.14.3.1: all created → 201 with the array of the created entity ids (any order).
  test('creating a batch of new entities answers 201 with their ids and creates them all', async () => {
    const response = await hub.post(`${OPS}/create`, [bin(1), bin(2)]);
    const body = expectStatus(response, 201) as string[];
    assert.deepEqual([...body].sort(), [id(1), id(2)]);
    assert.equal(await hub.statusOf(id(1)), 200);
    assert.equal(await hub.statusOf(id(2)), 200);
  });

  // 5.6.7: an entity that already exists fails with AlreadyExists; the others are created; 207 BatchOperationResult.
  test('a batch with an existing entity answers 207 with AlreadyExists for it and creates the rest', async () => {
    await hub.create(bin(3));
    const result = batchResult(await hub.post(`${OPS}/create`, [bin(3, 'WasteBin', 0.99), bin(4)]));
    assert.deepEqual(result.success, [id(4)]);
    assert.equal(result.errors.length, 1);
    assertEntityError(result, id(3), 'AlreadyExists');
    assert.equal(((await hub.retrieve(id(3))).fillLevel as Json).value, 0.5);
    assert.equal(await hub.statusOf(id(4)), 200);
  });

  // 5.6.7: an invalid entity fails with BadRequestData and does not stop the valid ones.
  test('a batch with an invalid entity answers 207 with BadRequestData for it and creates the valid ones', async () => {
    const invalid = { id: id(5), fillLevel: { type: 'Property', value: 1 } };
    const result = batchResult(await hub.post(`${OPS}/create`, [invalid, bin(6)]));
    assert.deepEqual(result.success, [id(6)]);
    assertEntityError(result, id(5), 'BadRequestData');
    assert.equal(await hub.statusOf(id(5)), 404);
  });

  // 5.6.7 / 5.2.1: an NGSI-LD Null in a created entity is BadRequestData for that entity only.
  test('a batch entity with an NGSI-LD Null value gets BadRequestData while the others are created', async () => {
    const withNull = { id: id(8), type: 'WasteBin', fillLevel: { type: 'Property', value: 'urn:ngsi-ld:null' } };
    const result = batchResult(await hub.post(`${OPS}/create`, [withNull, bin(9)]));
    assert.deepEqual(result.success, [id(9)]);
    assertEntityError(result, id(8), 'BadRequestData');
    assert.equal(await hub.statusOf(id(8)), 404);
  });

  // 5.6.7 / 6.14.3.1: the payload is an array of entities; anything else is BadRequestData.
  test('a batch body that is not an array answers 400 BadRequestData', async () => {
    assertProblem(await hub.post(`${OPS}/create`, bin(7)), 'BadRequestData');
    assert.equal(await hub.statusOf(id(7)), 404);
  });
});

describe('POST /entityOperations/upsert (5.6.8 Batch Entity Upsert)', () => {
  // 5.6.8: none existed → 201 with the ids of the created entities.
  test('upserting only new entities answers 201 with their ids', async () => {
    const body = expectStatus(await hub.post(`${OPS}/upsert`, [bin(10), bin(11)]), 201) as string[];
    assert.deepEqual([...body].sort(), [id(10), id(11)]);
    assert.equal(await hub.statusOf(id(11)), 200);
  });

  // 5.6.8: all existed → 204; with the default options=replace the whole entity is replaced.
  test('upserting existing entities answers 204 and by default replaces them whole', async () => {
    await hub.create(bin(12));
    const replacement = { id: id(12), type: 'WasteBin', fillLevel: { type: 'Property', value: 0.9 } };
    expectStatus(await hub.post(`${OPS}/upsert`, [replacement]), 204);
    const entity = await hub.retrieve(id(12));
    assert.equal((entity.fillLevel as Json).value, 0.9);
    assert.equal(entity.colour, undefined, 'options=replace removes attributes not sent');
  });

  // 5.6.8: options=update updates the given attributes and keeps the others.
  test('upserting with options=update keeps attributes that were not sent', async () => {
    await hub.create(bin(13));
    const update = { id: id(13), type: 'WasteBin', fillLevel: { type: 'Property', value: 0.1 } };
    expectStatus(await hub.post(`${OPS}/upsert?options=update`, [update]), 204);
    const entity = await hub.retrieve(id(13));
    assert.equal((entity.fillLevel as Json).value, 0.1);
    assert.equal((entity.colour as Json).value, 'green');
  });

  // 5.6.8: some created, some updated → 201 with only the ids of the created ones.
  test('upserting a mix answers 201 listing only the created entities', async () => {
    await hub.create(bin(14));
    const body = expectStatus(await hub.post(`${OPS}/upsert`, [bin(14, 'WasteBin', 0.2), bin(15)]), 201) as string[];
    assert.deepEqual(body, [id(15)]);
    assert.equal(((await hub.retrieve(id(14))).fillLevel as Json).value, 0.2);
  });

  // 5.6.8: an invalid entity gives a BatchEntityError while the others are upserted (207).
  test('upserting with an invalid entity answers 207 with BadRequestData for it and upserts the rest', async () => {
    const invalid = { id: id(16), type: 'WasteBin', fillLevel: { type: 'Relationship', object: 'not a uri' } };
    const result = batchResult(await hub.post(`${OPS}/upsert`, [invalid, bin(17)]));
    assert.deepEqual(result.success, [id(17)]);
    assertEntityError(result, id(16), 'BadRequestData');
    assert.equal(await hub.statusOf(id(16)), 404);
  });

  // 5.6.8: with options=update an entity that does not exist yet is created all the same.
  test('upserting a new entity with options=update creates it and answers 201', async () => {
    const body = expectStatus(await hub.post(`${OPS}/upsert?options=update`, [bin(19)]), 201) as string[];
    assert.deepEqual(body, [id(19)]);
    assert.equal(((await hub.retrieve(id(19))).fillLevel as Json).value, 0.5);
  });

  // 5.6.8 / 6.3.7: options for upsert are replace or update; anything else is BadRequestData.
  test('upserting with an unknown option answers 400 BadRequestData', async () => {
    assertProblem(await hub.post(`${OPS}/upsert?options=sideways`, [bin(18)]), 'BadRequestData');
    assert.equal(await hub.statusOf(id(18)), 404);
  });
});

describe('POST /entityOperations/update (5.6.9 Batch Entity Update)', () => {
  // 5.6.9: each entity is updated as by Append Entity Attributes (5.6.3): new attributes added, existing overwritten.
  test('updating a batch answers 204, overwrites given attributes and adds new ones', async () => {
    await hub.create(bin(20));
    await hub.create(bin(21));
    const response = await hub.post(`${OPS}/update`, [
      { id: id(20), type: 'WasteBin', fillLevel: { type: 'Property', value: 0.7 } },
      { id: id(21), type: 'WasteBin', lidOpen: { type: 'Property', value: true } },
    ]);
    expectStatus(response, 204);
    const a = await hub.retrieve(id(20));
    assert.equal((a.fillLevel as Json).value, 0.7);
    assert.equal((a.colour as Json).value, 'green');
    const b = await hub.retrieve(id(21));
    assert.equal((b.lidOpen as Json).value, true);
  });

  // 5.6.9: options=noOverwrite leaves existing attributes as they are and still adds new ones.
  test('updating with options=noOverwrite keeps existing attribute values and adds new attributes', async () => {
    await hub.create(bin(22));
    const response = await hub.post(`${OPS}/update?options=noOverwrite`, [
      { id: id(22), type: 'WasteBin', fillLevel: { type: 'Property', value: 0.95 }, lidOpen: { type: 'Property', value: false } },
    ]);
    assert.ok([204, 207].includes(response.statusCode), response.body);
    const entity = await hub.retrieve(id(22));
    assert.equal((entity.fillLevel as Json).value, 0.5);
    assert.equal((entity.lidOpen as Json).value, false);
  });

  // 5.6.9: an entity that does not exist fails with ResourceNotFound (it is not created); 207.
  test('updating a batch with an unknown entity answers 207 with ResourceNotFound and does not create it', async () => {
    await hub.create(bin(23));
    const result = batchResult(
      await hub.post(`${OPS}/update`, [
        { id: id(23), type: 'WasteBin', fillLevel: { type: 'Property', value: 0.3 } },
        { id: id(24), type: 'WasteBin', fillLevel: { type: 'Property', value: 0.3 } },
      ]),
    );
    assert.deepEqual(result.success, [id(23)]);
    assertEntityError(result, id(24), 'ResourceNotFound');
    assert.equal(await hub.statusOf(id(24)), 404);
    assert.equal(((await hub.retrieve(id(23))).fillLevel as Json).value, 0.3);
  });
});

describe('POST /entityOperations/delete (5.6.10 Batch Entity Delete)', () => {
  // 5.6.10: the body is an array of entity ids; all deleted → 204.
  test('deleting a batch of existing entities answers 204 and deletes them', async () => {
    await hub.create(bin(30));
    await hub.create(bin(31));
    expectStatus(await hub.post(`${OPS}/delete`, [id(30), id(31)], { contentType: 'application/json' }), 204);
    assert.equal(await hub.statusOf(id(30)), 404);
    assert.equal(await hub.statusOf(id(31)), 404);
  });

  // 5.6.10: an id with no entity gives ResourceNotFound in errors; the others are deleted (207).
  test('deleting a batch with an unknown id answers 207 with ResourceNotFound for it and deletes the rest', async () => {
    await hub.create(bin(32));
    const result = batchResult(await hub.post(`${OPS}/delete`, [id(32), id(33)], { contentType: 'application/json' }));
    assert.deepEqual(result.success, [id(32)]);
    assertEntityError(result, id(33), 'ResourceNotFound');
    assert.equal(await hub.statusOf(id(32)), 404);
  });

  // 5.6.10: an item that is not a URI is not an entity id: BadRequestData for it (in errors or as a whole).
  test('deleting a batch with an item that is not a URI reports BadRequestData and deletes nothing wrongly', async () => {
    await hub.create(bin(34));
    const response = await hub.post(`${OPS}/delete`, ['not a uri', id(34)], { contentType: 'application/json' });
    if (response.statusCode === 207) {
      const result = batchResult(response);
      assertEntityError(result, 'not a uri', 'BadRequestData');
      assert.equal(await hub.statusOf(id(34)), 404);
    } else {
      assertProblem(response, 'BadRequestData');
      assert.equal(await hub.statusOf(id(34)), 200);
    }
  });
});

describe('POST /entityOperations/merge (5.6.20 Batch Entity Merge)', () => {
  // 5.6.20: each entity is merged as by Merge Entity (5.6.17): kept, updated, and NGSI-LD Null deletes.
  test('merging a batch answers 204 and merges every entity', async () => {
    await hub.create(bin(40));
    await hub.create(bin(41));
    const response = await hub.post(`${OPS}/merge`, [
      { id: id(40), type: 'WasteBin', fillLevel: { type: 'Property', value: 0.8 } },
      { id: id(41), type: 'WasteBin', colour: { type: 'Property', value: 'urn:ngsi-ld:null' } },
    ]);
    expectStatus(response, 204);
    const a = await hub.retrieve(id(40));
    assert.equal((a.fillLevel as Json).value, 0.8);
    assert.equal((a.colour as Json).value, 'green');
    const b = await hub.retrieve(id(41));
    assert.equal(b.colour, undefined);
    assert.equal((b.fillLevel as Json).value, 0.5);
  });

  // 5.6.20: an entity that does not exist fails with ResourceNotFound and is not created (207).
  test('merging a batch with an unknown entity answers 207 with ResourceNotFound and does not create it', async () => {
    await hub.create(bin(42));
    const result = batchResult(
      await hub.post(`${OPS}/merge`, [
        { id: id(42), type: 'WasteBin', fillLevel: { type: 'Property', value: 0.4 } },
        { id: id(43), type: 'WasteBin', fillLevel: { type: 'Property', value: 0.4 } },
      ]),
    );
    assert.deepEqual(result.success, [id(42)]);
    assertEntityError(result, id(43), 'ResourceNotFound');
    assert.equal(await hub.statusOf(id(43)), 404);
  });
});

describe('POST /entityOperations/query (5.7.2 Query Entities, 6.23.3.1)', () => {
  // 5.2.23 Query: {"type": "Query", "entities": [{"type": ...}]} selects by type, like GET /entities?type=.
  test('a Query with an entity type selector returns the entities of that type', async () => {
    await hub.post(`${OPS}/create`, [bin(50, 'BatchQueryBin'), bin(51, 'BatchQueryBin'), bin(52, 'OtherBin')]);
    const response = await hub.post(`${OPS}/query`, { type: 'Query', entities: [{ type: 'BatchQueryBin' }] }, { accept: 'application/json' });
    const body = expectStatus(response, 200) as Json[];
    assert.deepEqual(idsOf(body), [id(50), id(51)]);
  });

  // 5.2.23: q and attrs of the Query filter and project like the URL parameters.
  test('a Query with q and attrs filters and projects the entities', async () => {
    await hub.post(`${OPS}/create`, [bin(53, 'BatchQueryQ', 0.2), bin(54, 'BatchQueryQ', 0.9)]);
    const response = await hub.post(
      `${OPS}/query`,
      { type: 'Query', entities: [{ type: 'BatchQueryQ' }], q: 'fillLevel>0.5', attrs: ['fillLevel'] },
      { accept: 'application/json' },
    );
    const body = expectStatus(response, 200) as Json[];
    assert.deepEqual(idsOf(body), [id(54)]);
    assert.equal(body[0]!.colour, undefined);
    assert.ok(body[0]!.fillLevel);
  });

  // 5.2.13 GeoQuery in a Query body: coordinates are a JSON array there (not a string).
  test('a Query with a geoQ selects entities near a point', async () => {
    await hub.post(`${OPS}/create`, [
      { id: id(55), type: 'BatchQueryGeo', location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.15, 30.25] } } },
      { id: id(56), type: 'BatchQueryGeo', location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [121.47, 31.23] } } },
    ]);
    const response = await hub.post(
      `${OPS}/query`,
      {
        type: 'Query',
        entities: [{ type: 'BatchQueryGeo' }],
        geoQ: { geometry: 'Point', coordinates: [120.16, 30.25], georel: 'near;maxDistance==5000' },
      },
      { accept: 'application/json' },
    );
    assert.deepEqual(idsOf(expectStatus(response, 200) as Json[]), [id(55)]);
  });

  // 5.2.23 / 5.2.8 EntitySelector: an entity selector may name an id, and scopeQ filters by scope.
  test('a Query with an id selector and a scopeQ selects that entity only when its scope matches', async () => {
    await hub.post(`${OPS}/create`, [
      { ...bin(60, 'BatchQueryScope'), scope: '/Hangzhou/Binjiang' },
      { ...bin(61, 'BatchQueryScope'), scope: '/Ningbo' },
    ]);
    const query = (scopeQ: string) =>
      hub.post(`${OPS}/query`, { type: 'Query', entities: [{ id: id(60), type: 'BatchQueryScope' }], scopeQ }, { accept: 'application/json' });
    assert.deepEqual(idsOf(expectStatus(await query('/Hangzhou/#'), 200) as Json[]), [id(60)]);
    assert.deepEqual(expectStatus(await query('/Ningbo'), 200), []);
  });

  // 5.2.8 EntitySelector: idPattern in an entity selector.
  test('a Query with an idPattern selector selects the matching ids', async () => {
    await hub.post(`${OPS}/create`, [bin(62, 'BatchQueryPattern'), bin(63, 'BatchQueryPattern')]);
    const response = await hub.post(
      `${OPS}/query`,
      { type: 'Query', entities: [{ idPattern: 'batch-62$', type: 'BatchQueryPattern' }] },
      { accept: 'application/json' },
    );
    assert.deepEqual(idsOf(expectStatus(response, 200) as Json[]), [id(62)]);
  });

  // 5.2.23: "type" of a Query shall be "Query"; any other is BadRequestData.
  test('a query body whose type is not "Query" answers 400 BadRequestData', async () => {
    assertProblem(await hub.post(`${OPS}/query`, { type: 'Subscription', entities: [{ type: 'WasteBin' }] }), 'BadRequestData');
  });

  // 6.3.13: count=true on the query batch URL gives NGSILD-Results-Count.
  test('count=true on a POST query gives the total in NGSILD-Results-Count', async () => {
    await hub.post(`${OPS}/create`, [bin(57, 'BatchQueryCount'), bin(58, 'BatchQueryCount'), bin(59, 'BatchQueryCount')]);
    const response = await hub.post(`${OPS}/query?count=true&limit=1`, { type: 'Query', entities: [{ type: 'BatchQueryCount' }] }, { accept: 'application/json' });
    const body = expectStatus(response, 200) as Json[];
    assert.equal(body.length, 1);
    assert.equal(response.headers['ngsild-results-count'], '3');
  });
});
