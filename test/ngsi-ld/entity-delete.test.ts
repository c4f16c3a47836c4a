/** Conformance: Delete Entity (5.6.6, 6.5.3.2) and Delete Entity Attribute (5.6.5, 6.7.3.2) — ETSI GS CIM 009 V1.8.1. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, assertProblem, attrPath, entityPath, expectStatus, type Hub, type Json, openHub } from './support.ts';

let hub: Hub;
before(async () => {
  hub = await openHub();
});
after(async () => {
  await hub.close();
});

const id = (n: number) => `urn:ngsi-ld:Test:delete-${n}`;
const RADAR = 'urn:ngsi-ld:Dataset:radar';
const SONAR = 'urn:ngsi-ld:Dataset:sonar';

async function seed(n: number): Promise<string> {
  await hub.create({
    id: id(n),
    type: 'StreetLight',
    power: { type: 'Property', value: 60 },
    flow: [
      { type: 'Property', value: 1 },
      { type: 'Property', value: 2, datasetId: RADAR },
      { type: 'Property', value: 3, datasetId: SONAR },
    ],
  });
  return id(n);
}

function instances(value: unknown): Json[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as Json[];
}

describe('DELETE /entities/{entityId} (5.6.6 Delete Entity)', () => {
  // 5.6.6 / 6.5.3.2: success is 204 No Content and the entity is gone afterwards.
  test('deleting an entity answers 204 and the entity can no longer be retrieved', async () => {
    const e = await seed(1);
    const response = await hub.delete(entityPath(e));
    expectStatus(response, 204);
    assert.equal(response.body, '');
    assertProblem(await hub.get(entityPath(e)), 'ResourceNotFound');
  });

  // 5.6.6: "If the target Entity does not exist, an error of type ResourceNotFound shall be raised".
  test('deleting an entity that does not exist answers 404 ResourceNotFound', async () => {
    assertProblem(await hub.delete(entityPath(id(2))), 'ResourceNotFound');
  });

  // 5.6.6: the entity id shall be a URI, otherwise BadRequestData.
  test('deleting with an entity id that is not a URI answers 400 BadRequestData', async () => {
    assertProblem(await hub.delete(`${API}/entities/${encodeURIComponent('not a uri')}`), 'BadRequestData');
  });

  // 5.6.6 / 5.7.2: a deleted entity no longer matches any query.
  test('a deleted entity no longer appears in query results', async () => {
    const e = await seed(3);
    expectStatus(await hub.delete(entityPath(e)), 204);
    const found = await hub.query(`id=${encodeURIComponent(e)}&type=StreetLight`);
    assert.deepEqual(found, []);
  });

  // 5.6.6 / 5.6.1: once deleted, the id is free again; a new entity with it starts from scratch.
  test('an entity id can be created again after its entity was deleted, without the old attributes', async () => {
    const e = await seed(4);
    expectStatus(await hub.delete(entityPath(e)), 204);
    await hub.create({ id: e, type: 'StreetLight', colour: { type: 'Property', value: 'amber' } });
    const entity = await hub.retrieve(e);
    assert.equal(entity.power, undefined);
    assert.equal((entity.colour as Json).value, 'amber');
  });

  // 5.6.6: deleting one entity does not touch another.
  test('deleting one entity leaves other entities alone', async () => {
    const a = await seed(5);
    const b = await seed(6);
    expectStatus(await hub.delete(entityPath(a)), 204);
    assert.equal(await hub.statusOf(b), 200);
  });
});

describe('DELETE /entities/{entityId}/attrs/{attrId} (5.6.5 Delete Entity Attribute)', () => {
  // 5.6.5: without datasetId or deleteAll only the default instance (no datasetId) is deleted.
  test('deleting an attribute without datasetId removes only its default instance', async () => {
    const e = await seed(10);
    expectStatus(await hub.delete(attrPath(e, 'flow')), 204);
    const flow = instances((await hub.retrieve(e)).flow);
    assert.deepEqual(flow.map((i) => i.datasetId).sort(), [RADAR, SONAR]);
  });

  // 5.6.5: a single-instance attribute is removed from the entity; the others stay.
  test('deleting a single attribute removes it and keeps the other attributes', async () => {
    const e = await seed(11);
    expectStatus(await hub.delete(attrPath(e, 'power')), 204);
    const entity = await hub.retrieve(e);
    assert.equal(entity.power, undefined);
    assert.equal(instances(entity.flow).length, 3);
  });

  // 5.6.5: with datasetId only the instance with that datasetId is deleted.
  test('deleting with datasetId removes only the instance with that datasetId', async () => {
    const e = await seed(12);
    expectStatus(await hub.delete(`${attrPath(e, 'flow')}?datasetId=${encodeURIComponent(RADAR)}`), 204);
    const flow = instances((await hub.retrieve(e)).flow);
    assert.equal(flow.length, 2);
    assert.equal(flow.find((i) => i.datasetId === RADAR), undefined);
    assert.equal(flow.find((i) => i.datasetId === SONAR)?.value, 3);
    assert.equal(flow.find((i) => i.datasetId === undefined)?.value, 1);
  });

  // 5.6.5: deleteAll=true deletes every instance of the attribute.
  test('deleteAll=true removes every instance of the attribute', async () => {
    const e = await seed(13);
    expectStatus(await hub.delete(`${attrPath(e, 'flow')}?deleteAll=true`), 204);
    const entity = await hub.retrieve(e);
    assert.equal(entity.flow, undefined);
    assert.equal((entity.power as Json).value, 60);
  });

  // 5.6.5: "If the Attribute ... does not exist, an error of type ResourceNotFound shall be raised".
  test('deleting an attribute the entity lacks answers 404 ResourceNotFound', async () => {
    const e = await seed(14);
    assertProblem(await hub.delete(attrPath(e, 'missing')), 'ResourceNotFound');
  });

  // 5.6.5: a datasetId that the attribute has no instance for is ResourceNotFound, and nothing is deleted.
  test('deleting with a datasetId the attribute does not have answers 404 ResourceNotFound and deletes nothing', async () => {
    const e = await seed(15);
    assertProblem(await hub.delete(`${attrPath(e, 'flow')}?datasetId=${encodeURIComponent('urn:ngsi-ld:Dataset:none')}`), 'ResourceNotFound');
    assert.equal(instances((await hub.retrieve(e)).flow).length, 3);
  });

  // 5.6.5: deleting an attribute of an entity that does not exist answers ResourceNotFound.
  test('deleting an attribute of an entity that does not exist answers 404 ResourceNotFound', async () => {
    assertProblem(await hub.delete(attrPath(id(16), 'power')), 'ResourceNotFound');
  });

  // 5.6.5: when the attribute has only instances with a datasetId, there is no default instance to delete.
  test('deleting without datasetId when the attribute has no default instance answers 404 ResourceNotFound', async () => {
    await hub.create({ id: id(17), type: 'StreetLight', flow: { type: 'Property', value: 2, datasetId: RADAR } });
    assertProblem(await hub.delete(attrPath(id(17), 'flow')), 'ResourceNotFound');
    assert.equal(instances((await hub.retrieve(id(17))).flow).length, 1);
  });

  // 5.6.5 / 4.8: deleting an attribute modifies the entity (modifiedAt moves).
  test('deleting an attribute moves the entity modifiedAt forward', async () => {
    const e = await seed(18);
    const before = await hub.retrieve(e, 'options=sysAttrs');
    await new Promise((resolve) => setTimeout(resolve, 15));
    expectStatus(await hub.delete(attrPath(e, 'power')), 204);
    const afterwards = await hub.retrieve(e, 'options=sysAttrs');
    assert.ok(Date.parse(String(afterwards.modifiedAt)) > Date.parse(String(before.modifiedAt)));
  });
});
