/**
 * Conformance: Update Entity Attributes (5.6.2), Append Entity Attributes (5.6.3), Partial Attribute
 * Update (5.6.4), Merge Entity (5.6.17), Replace Entity (5.6.18), Replace Attribute (5.6.19) — V1.8.1.
 */
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

const id = (n: number) => `urn:ngsi-ld:Test:update-${n}`;

async function seed(n: number, extra: Json = {}): Promise<string> {
  await hub.create({
    id: id(n),
    type: 'WaterLevelSensor',
    level: { type: 'Property', value: 1.5, unitCode: 'MTR', accuracy: { type: 'Property', value: 0.1 } },
    status: { type: 'Property', value: 'ok' },
    ...extra,
  });
  return id(n);
}

/** The instances of a (possibly multi-)attribute, as a list. */
function instances(value: unknown): Json[] {
  return (Array.isArray(value) ? value : [value]) as Json[];
}

describe('PATCH /entities/{entityId}/attrs (5.6.2 Update Entity Attributes)', () => {
  // 5.6.2 / 6.6.3.2: all attributes existed and were updated → 204, and the new value is stored.
  test('updating an existing attribute answers 204 and stores the new value', async () => {
    const e = await seed(1);
    expectStatus(await hub.patch(`${entityPath(e)}/attrs`, { status: { type: 'Property', value: 'flooding' } }), 204);
    const entity = await hub.retrieve(e);
    assert.equal((entity.status as Json).value, 'flooding');
    assert.equal((entity.level as Json).value, 1.5);
  });

  // 5.6.2: attributes that do not exist are not added; they are reported in UpdateResult.notUpdated (5.2.18) with 207.
  test('an attribute the entity lacks is not added and is reported in notUpdated with 207', async () => {
    const e = await seed(2);
    const response = await hub.patch(`${entityPath(e)}/attrs`, {
      status: { type: 'Property', value: 'low' },
      brandNew: { type: 'Property', value: 1 },
    });
    const result = expectStatus(response, 207) as { updated: string[]; notUpdated: { attributeName: string; reason: string }[] };
    assert.deepEqual(result.updated, ['status']);
    assert.equal(result.notUpdated.length, 1);
    assert.equal(result.notUpdated[0]!.attributeName, 'brandNew');
    assert.equal(typeof result.notUpdated[0]!.reason, 'string');
    const entity = await hub.retrieve(e);
    assert.equal(entity.brandNew, undefined);
    assert.equal((entity.status as Json).value, 'low');
  });

  // 5.6.2: "If the target Entity does not exist, an error of type ResourceNotFound shall be raised".
  test('updating attributes of an entity that does not exist answers 404 ResourceNotFound', async () => {
    assertProblem(await hub.patch(`${entityPath(id(3))}/attrs`, { status: { type: 'Property', value: 'x' } }), 'ResourceNotFound');
  });

  // 5.6.2: each attribute in the fragment replaces the existing one (sub-attributes not sent are gone).
  test('an updated attribute is replaced as a whole, so sub-attributes not sent are removed', async () => {
    const e = await seed(4);
    expectStatus(await hub.patch(`${entityPath(e)}/attrs`, { level: { type: 'Property', value: 2 } }), 204);
    const level = (await hub.retrieve(e)).level as Json;
    assert.equal(level.value, 2);
    assert.equal(level.unitCode, undefined);
    assert.equal(level.accuracy, undefined);
  });

  // 5.6.2 / 4.5.5: with a datasetId only the instance with that datasetId is updated.
  test('an update naming a datasetId changes only that instance of a multi-attribute', async () => {
    const e = await seed(5, {
      flow: [
        { type: 'Property', value: 10 },
        { type: 'Property', value: 20, datasetId: 'urn:ngsi-ld:Dataset:radar' },
      ],
    });
    expectStatus(await hub.patch(`${entityPath(e)}/attrs`, { flow: { type: 'Property', value: 25, datasetId: 'urn:ngsi-ld:Dataset:radar' } }), 204);
    const flow = instances((await hub.retrieve(e)).flow);
    assert.equal(flow.length, 2);
    assert.equal(flow.find((i) => i.datasetId === undefined)?.value, 10);
    assert.equal(flow.find((i) => i.datasetId === 'urn:ngsi-ld:Dataset:radar')?.value, 25);
  });

  // 5.6.2: an invalid fragment is BadRequestData and no attribute of it is applied.
  test('an update with one invalid attribute answers 400 BadRequestData and changes nothing', async () => {
    const e = await seed(7);
    const response = await hub.patch(`${entityPath(e)}/attrs`, {
      status: { type: 'Property', value: 'must not stick' },
      level: { type: 'GeoProperty', value: { type: 'Point', coordinates: [] } },
    });
    assertProblem(response, 'BadRequestData');
    const entity = await hub.retrieve(e);
    assert.equal((entity.status as Json).value, 'ok');
    assert.equal((entity.level as Json).value, 1.5);
  });

  // 5.6.2 / 4.5.5: a fragment without datasetId updates only the default instance of a multi-attribute.
  test('an update without datasetId changes only the default instance of a multi-attribute', async () => {
    const e = await seed(8, {
      flow: [
        { type: 'Property', value: 10 },
        { type: 'Property', value: 20, datasetId: 'urn:ngsi-ld:Dataset:radar' },
      ],
    });
    expectStatus(await hub.patch(`${entityPath(e)}/attrs`, { flow: { type: 'Property', value: 11 } }), 204);
    const flow = instances((await hub.retrieve(e)).flow);
    assert.equal(flow.length, 2);
    assert.equal(flow.find((i) => i.datasetId === undefined)?.value, 11);
    assert.equal(flow.find((i) => i.datasetId === 'urn:ngsi-ld:Dataset:radar')?.value, 20);
  });

  // 4.8: modifiedAt of the entity and the attribute move on an update; createdAt stays.
  test('an update moves modifiedAt forward and keeps createdAt', async () => {
    const e = await seed(6);
    const before = await hub.retrieve(e, 'options=sysAttrs');
    await new Promise((resolve) => setTimeout(resolve, 15));
    expectStatus(await hub.patch(`${entityPath(e)}/attrs`, { status: { type: 'Property', value: 'later' } }), 204);
    const afterwards = await hub.retrieve(e, 'options=sysAttrs');
    assert.equal(afterwards.createdAt, before.createdAt);
    assert.ok(Date.parse(String(afterwards.modifiedAt)) > Date.parse(String(before.modifiedAt)), 'entity modifiedAt moved');
    const status = afterwards.status as Json;
    assert.ok(Date.parse(String(status.modifiedAt)) > Date.parse(String((before.status as Json).modifiedAt)), 'attribute modifiedAt moved');
    assert.equal(status.createdAt, (before.status as Json).createdAt);
  });
});

describe('POST /entities/{entityId}/attrs (5.6.3 Append Entity Attributes)', () => {
  // 5.6.3: new attributes are added and existing ones overwritten; all done → 204.
  test('appending adds new attributes and overwrites existing ones with 204', async () => {
    const e = await seed(10);
    const response = await hub.post(`${entityPath(e)}/attrs`, {
      status: { type: 'Property', value: 'maintenance' },
      battery: { type: 'Property', value: 0.8 },
    });
    expectStatus(response, 204);
    const entity = await hub.retrieve(e);
    assert.equal((entity.status as Json).value, 'maintenance');
    assert.equal((entity.battery as Json).value, 0.8);
    assert.equal((entity.level as Json).value, 1.5);
  });

  // 5.6.3: with options=noOverwrite existing attributes are left as they are; new ones are still added.
  // (Status 204 or 207 with the kept attribute in notUpdated, V1.6 OpenAPI 6.6.3.1; the state is what is asserted.)
  test('options=noOverwrite keeps existing attributes and adds the new ones', async () => {
    const e = await seed(11);
    const response = await hub.post(`${entityPath(e)}/attrs?options=noOverwrite`, {
      status: { type: 'Property', value: 'overwritten?' },
      battery: { type: 'Property', value: 0.5 },
    });
    assert.ok([204, 207].includes(response.statusCode), `status ${response.statusCode}: ${response.body}`);
    if (response.statusCode === 207) {
      const result = response.json<{ notUpdated: { attributeName: string }[] }>();
      assert.deepEqual(
        result.notUpdated.map((n) => n.attributeName),
        ['status'],
      );
    }
    const entity = await hub.retrieve(e);
    assert.equal((entity.status as Json).value, 'ok');
    assert.equal((entity.battery as Json).value, 0.5);
  });

  // 5.6.3: "If the target Entity does not exist, an error of type ResourceNotFound shall be raised".
  test('appending to an entity that does not exist answers 404 ResourceNotFound', async () => {
    assertProblem(await hub.post(`${entityPath(id(12))}/attrs`, { battery: { type: 'Property', value: 1 } }), 'ResourceNotFound');
  });

  // 5.6.3 / 4.5.5: appending an instance with a new datasetId adds an instance beside the default one.
  test('appending an instance with a new datasetId makes a multi-attribute', async () => {
    const e = await seed(13);
    expectStatus(
      await hub.post(`${entityPath(e)}/attrs`, { level: { type: 'Property', value: 1.7, datasetId: 'urn:ngsi-ld:Dataset:sonar' } }),
      204,
    );
    const level = instances((await hub.retrieve(e)).level);
    assert.equal(level.length, 2);
    assert.equal(level.find((i) => i.datasetId === undefined)?.value, 1.5);
    assert.equal(level.find((i) => i.datasetId === 'urn:ngsi-ld:Dataset:sonar')?.value, 1.7);
  });

  // 5.6.3 / 4.5.5: noOverwrite keeps existing instances, but an instance with a new datasetId is not an overwrite.
  test('options=noOverwrite still adds an instance with a new datasetId', async () => {
    const e = await seed(15);
    const response = await hub.post(`${entityPath(e)}/attrs?options=noOverwrite`, {
      level: { type: 'Property', value: 9, datasetId: 'urn:ngsi-ld:Dataset:sonar' },
    });
    assert.ok([204, 207].includes(response.statusCode), response.body);
    const level = instances((await hub.retrieve(e)).level);
    assert.equal(level.find((i) => i.datasetId === undefined)?.value, 1.5);
    assert.equal(level.find((i) => i.datasetId === 'urn:ngsi-ld:Dataset:sonar')?.value, 9);
  });

  // 5.6.3 / 4.5.5: appending an instance with an existing datasetId replaces that instance only.
  test('appending an instance with an existing datasetId replaces that instance', async () => {
    const e = await seed(16, { flow: [{ type: 'Property', value: 1 }, { type: 'Property', value: 2, datasetId: 'urn:ngsi-ld:Dataset:radar' }] });
    expectStatus(await hub.post(`${entityPath(e)}/attrs`, { flow: { type: 'Property', value: 3, datasetId: 'urn:ngsi-ld:Dataset:radar' } }), 204);
    const flow = instances((await hub.retrieve(e)).flow);
    assert.equal(flow.length, 2);
    assert.equal(flow.find((i) => i.datasetId === 'urn:ngsi-ld:Dataset:radar')?.value, 3);
    assert.equal(flow.find((i) => i.datasetId === undefined)?.value, 1);
  });

  // 5.6.3 / 4.6.2: an invalid fragment is BadRequestData and nothing is appended.
  test('appending an attribute with an invalid name answers 400 BadRequestData and changes nothing', async () => {
    const e = await seed(14);
    assertProblem(await hub.post(`${entityPath(e)}/attrs`, { 'no good': { type: 'Property', value: 1 } }), 'BadRequestData');
    const entity = await hub.retrieve(e);
    assert.deepEqual(Object.keys(entity).sort(), ['id', 'level', 'status', 'type']);
  });
});

describe('concurrent writes to one entity (5.6.3)', () => {
  // 5.6.3: every append that answered 204 added its attribute; concurrent appends shall not lose each other's attributes.
  test('ten concurrent appends of different attributes all end up in the entity', async () => {
    const e = await seed(17);
    const names = Array.from({ length: 10 }, (_, i) => `extra${i}`);
    const responses = await Promise.all(names.map((name, i) => hub.post(`${entityPath(e)}/attrs`, { [name]: { type: 'Property', value: i } })));
    for (const response of responses) expectStatus(response, 204);
    const entity = await hub.retrieve(e);
    for (const [i, name] of names.entries()) assert.equal((entity[name] as Json | undefined)?.value, i, `${name} was appended with 204`);
  });
});

describe('PATCH /entities/{entityId}/attrs/{attrId} (5.6.4 Partial Attribute Update)', () => {
  // 5.6.4: only the members given change; the rest of the attribute (unitCode, sub-attributes) stays.
  test('a partial update changes the value and keeps unitCode and sub-attributes', async () => {
    const e = await seed(20);
    expectStatus(await hub.patch(attrPath(e, 'level'), { value: 3.2 }), 204);
    const level = (await hub.retrieve(e)).level as Json;
    assert.equal(level.value, 3.2);
    assert.equal(level.unitCode, 'MTR');
    assert.deepEqual(level.accuracy, { type: 'Property', value: 0.1 });
  });

  // 5.6.4: a fragment may leave out the value: changing only unitCode keeps the value.
  test('a partial update of only unitCode keeps the value', async () => {
    const e = await seed(25);
    expectStatus(await hub.patch(attrPath(e, 'level'), { unitCode: 'CMT' }), 204);
    const level = (await hub.retrieve(e)).level as Json;
    assert.equal(level.unitCode, 'CMT');
    assert.equal(level.value, 1.5);
  });

  // 5.6.4: "If the target Entity or Attribute does not exist, ResourceNotFound".
  test('a partial update of an attribute the entity lacks answers 404 ResourceNotFound', async () => {
    const e = await seed(21);
    assertProblem(await hub.patch(attrPath(e, 'missing'), { value: 1 }), 'ResourceNotFound');
    assert.equal((await hub.retrieve(e)).missing, undefined);
  });

  // 5.6.4: a partial update of an attribute of an entity that does not exist answers ResourceNotFound.
  test('a partial update on an entity that does not exist answers 404 ResourceNotFound', async () => {
    assertProblem(await hub.patch(attrPath(id(22), 'level'), { value: 1 }), 'ResourceNotFound');
  });

  // 5.6.4 (V1.8) / 5.2.1: a sub-attribute set to the NGSI-LD Null is deleted; the attribute stays.
  test('a partial update with a sub-attribute set to urn:ngsi-ld:null deletes that sub-attribute', async () => {
    const e = await seed(23);
    expectStatus(await hub.patch(attrPath(e, 'level'), { accuracy: { type: 'Property', value: 'urn:ngsi-ld:null' } }), 204);
    const level = (await hub.retrieve(e)).level as Json;
    assert.equal(level.accuracy, undefined);
    assert.equal(level.value, 1.5);
  });

  // 5.6.4: with a datasetId in the fragment the instance with that datasetId is the one updated.
  test('a partial update with a datasetId changes only that instance', async () => {
    const e = await seed(24, {
      flow: [
        { type: 'Property', value: 10 },
        { type: 'Property', value: 20, datasetId: 'urn:ngsi-ld:Dataset:radar' },
      ],
    });
    expectStatus(await hub.patch(attrPath(e, 'flow'), { value: 21, datasetId: 'urn:ngsi-ld:Dataset:radar' }), 204);
    const flow = instances((await hub.retrieve(e)).flow);
    assert.equal(flow.find((i) => i.datasetId === undefined)?.value, 10);
    assert.equal(flow.find((i) => i.datasetId === 'urn:ngsi-ld:Dataset:radar')?.value, 21);
  });
});

describe('PUT /entities/{entityId}/attrs/{attrId} (5.6.19 Replace Attribute)', () => {
  // 5.6.19: the attribute is replaced as a whole by the one sent.
  test('replacing an attribute stores exactly the attribute sent', async () => {
    const e = await seed(30);
    expectStatus(await hub.put(attrPath(e, 'level'), { type: 'Property', value: 4 }), 204);
    assert.deepEqual((await hub.retrieve(e)).level, { type: 'Property', value: 4 });
  });

  // 5.6.19: replacing an attribute the entity does not have answers ResourceNotFound and adds nothing.
  test('replacing an attribute the entity lacks answers 404 ResourceNotFound', async () => {
    const e = await seed(31);
    assertProblem(await hub.put(attrPath(e, 'missing'), { type: 'Property', value: 4 }), 'ResourceNotFound');
    assert.equal((await hub.retrieve(e)).missing, undefined);
  });

  // 5.6.19: with a datasetId in the body, only the instance with that datasetId is replaced.
  test('replacing with a datasetId replaces only that instance of a multi-attribute', async () => {
    const e = await seed(33, {
      flow: [
        { type: 'Property', value: 10 },
        { type: 'Property', value: 20, datasetId: 'urn:ngsi-ld:Dataset:radar' },
      ],
    });
    expectStatus(await hub.put(attrPath(e, 'flow'), { type: 'Property', value: 22, datasetId: 'urn:ngsi-ld:Dataset:radar' }), 204);
    const flow = instances((await hub.retrieve(e)).flow);
    assert.equal(flow.length, 2);
    assert.equal(flow.find((i) => i.datasetId === undefined)?.value, 10);
    assert.equal(flow.find((i) => i.datasetId === 'urn:ngsi-ld:Dataset:radar')?.value, 22);
  });

  // 5.6.19: the kind may change with a replacement (a Property becomes a Relationship).
  test('replacing a Property with a Relationship changes the attribute kind', async () => {
    const e = await seed(32);
    expectStatus(await hub.put(attrPath(e, 'status'), { type: 'Relationship', object: 'urn:ngsi-ld:Status:ok' }), 204);
    assert.deepEqual((await hub.retrieve(e)).status, { type: 'Relationship', object: 'urn:ngsi-ld:Status:ok' });
  });
});

describe('PUT /entities/{entityId} (5.6.18 Replace Entity)', () => {
  // 5.6.18: all attributes are replaced: those not in the new body are gone.
  test('replacing an entity removes the attributes the new body does not have', async () => {
    const e = await seed(40);
    expectStatus(await hub.put(entityPath(e), { id: e, type: 'WaterLevelSensor', battery: { type: 'Property', value: 0.3 } }), 204);
    const entity = await hub.retrieve(e);
    assert.deepEqual(Object.keys(entity).sort(), ['battery', 'id', 'type']);
    assert.equal((entity.battery as Json).value, 0.3);
  });

  // 5.6.18: "If the target Entity does not exist, ResourceNotFound" (a replace never creates).
  test('replacing an entity that does not exist answers 404 ResourceNotFound and creates nothing', async () => {
    assertProblem(await hub.put(entityPath(id(41)), { id: id(41), type: 'WaterLevelSensor' }), 'ResourceNotFound');
    assert.equal(await hub.statusOf(id(41)), 404);
  });

  // 5.6.18: an id in the body that differs from the path is BadRequestData.
  test('replacing with a body whose id differs from the path answers 400 BadRequestData', async () => {
    const e = await seed(42);
    assertProblem(await hub.put(entityPath(e), { id: id(999), type: 'WaterLevelSensor' }), 'BadRequestData');
    assert.equal(((await hub.retrieve(e)).status as Json).value, 'ok');
  });

  // 4.8: a replacement keeps the entity's createdAt.
  test('replacing an entity keeps its createdAt', async () => {
    const e = await seed(43);
    const before = await hub.retrieve(e, 'options=sysAttrs');
    expectStatus(await hub.put(entityPath(e), { id: e, type: 'WaterLevelSensor', status: { type: 'Property', value: 'new' } }), 204);
    const afterwards = await hub.retrieve(e, 'options=sysAttrs');
    assert.equal(afterwards.createdAt, before.createdAt);
  });
});

describe('PATCH /entities/{entityId} (5.6.17 Merge Entity)', () => {
  // 5.6.17: merge adds new attributes, updates those given and keeps the others.
  test('merging adds new attributes, updates given ones and keeps the rest', async () => {
    const e = await seed(50);
    expectStatus(await hub.patch(entityPath(e), { status: { type: 'Property', value: 'merged' }, battery: { type: 'Property', value: 0.9 } }), 204);
    const entity = await hub.retrieve(e);
    assert.equal((entity.status as Json).value, 'merged');
    assert.equal((entity.battery as Json).value, 0.9);
    assert.equal((entity.level as Json).value, 1.5);
  });

  // 5.6.17 / 5.2.1: an attribute set to the NGSI-LD Null is deleted by a merge.
  test('merging an attribute whose value is urn:ngsi-ld:null deletes it', async () => {
    const e = await seed(51);
    expectStatus(await hub.patch(entityPath(e), { status: { type: 'Property', value: 'urn:ngsi-ld:null' } }), 204);
    const entity = await hub.retrieve(e);
    assert.equal(entity.status, undefined);
    assert.ok(entity.level);
  });

  // 5.6.17 (IETF RFC 7396 semantics): members of an attribute not in the fragment are kept.
  test('merging an attribute keeps its unitCode and sub-attributes that the fragment does not mention', async () => {
    const e = await seed(52);
    expectStatus(await hub.patch(entityPath(e), { level: { type: 'Property', value: 2.5 } }), 204);
    const level = (await hub.retrieve(e)).level as Json;
    assert.equal(level.value, 2.5);
    assert.equal(level.unitCode, 'MTR');
    assert.deepEqual(level.accuracy, { type: 'Property', value: 0.1 });
  });

  // 5.6.17 / 5.2.1: inside a merged attribute, a sub-attribute set to the NGSI-LD Null is deleted.
  test('merging an attribute with a sub-attribute set to urn:ngsi-ld:null deletes that sub-attribute', async () => {
    const e = await seed(58);
    expectStatus(await hub.patch(entityPath(e), { level: { type: 'Property', value: 1.6, accuracy: { type: 'Property', value: 'urn:ngsi-ld:null' } } }), 204);
    const level = (await hub.retrieve(e)).level as Json;
    assert.equal(level.value, 1.6);
    assert.equal(level.accuracy, undefined);
    assert.equal(level.unitCode, 'MTR');
  });

  // 4.8 / 5.6.17: an attribute the merge does not touch keeps its modifiedAt.
  test('an attribute a merge does not mention keeps its modifiedAt', async () => {
    const e = await seed(59);
    const before = await hub.retrieve(e, 'options=sysAttrs');
    await new Promise((resolve) => setTimeout(resolve, 15));
    expectStatus(await hub.patch(entityPath(e), { status: { type: 'Property', value: 'merged' } }), 204);
    const afterwards = await hub.retrieve(e, 'options=sysAttrs');
    assert.equal((afterwards.level as Json).modifiedAt, (before.level as Json).modifiedAt);
    assert.ok(Date.parse(String((afterwards.status as Json).modifiedAt)) > Date.parse(String((before.status as Json).modifiedAt)));
  });

  // 5.6.17: merging into an entity that does not exist answers ResourceNotFound.
  test('merging into an entity that does not exist answers 404 ResourceNotFound', async () => {
    assertProblem(await hub.patch(entityPath(id(53)), { status: { type: 'Property', value: 'x' } }), 'ResourceNotFound');
    assert.equal(await hub.statusOf(id(53)), 404);
  });

  // 6.3.4: PATCH accepts application/merge-patch+json (the @context then comes from a Link header or is the core one).
  test('merging with Content-Type application/merge-patch+json is accepted', async () => {
    const e = await seed(54);
    const response = await hub.patch(entityPath(e), { status: { type: 'Property', value: 'patched' } }, { contentType: 'application/merge-patch+json' });
    expectStatus(response, 204);
    assert.equal(((await hub.retrieve(e)).status as Json).value, 'patched');
  });

  // 5.6.17 (V1.8): the observedAt URL parameter is used for attributes that had observedAt when the fragment gives none.
  test('the observedAt parameter of a merge replaces observedAt of attributes that had one', async () => {
    const e = await seed(55, { temperature: { type: 'Property', value: 20, observedAt: '2026-01-01T00:00:00Z' } });
    const response = await hub.patch(`${entityPath(e)}?observedAt=2026-02-02T00:00:00Z`, { temperature: { type: 'Property', value: 21 } });
    expectStatus(response, 204);
    const temperature = (await hub.retrieve(e)).temperature as Json;
    assert.equal(temperature.value, 21);
    assert.equal(Date.parse(String(temperature.observedAt)), Date.parse('2026-02-02T00:00:00Z'));
  });

  // 5.6.17: an invalid fragment is BadRequestData and the entity is left as it was.
  test('merging a fragment with an invalid attribute answers 400 BadRequestData and changes nothing', async () => {
    const e = await seed(56);
    const response = await hub.patch(entityPath(e), {
      status: { type: 'Property', value: 'should not stick' },
      r: { type: 'Relationship', object: 'not a uri' },
    });
    assertProblem(response, 'BadRequestData');
    assert.equal(((await hub.retrieve(e)).status as Json).value, 'ok');
  });

  // 5.6.17 / 6.5.3.4: the request URL is what is merged: merges through /entities/{id} do not create entities.
  test('a merge never creates an entity, even with a full entity body', async () => {
    const response = await hub.patch(`${API}/entities/${encodeURIComponent(id(57))}`, { id: id(57), type: 'WaterLevelSensor' });
    assertProblem(response, 'ResourceNotFound');
  });
});
