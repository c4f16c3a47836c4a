/**
 * Providing and correcting history through the temporal API: Upsert Temporal Representation (5.6.11, 6.18.3.1),
 * Append Attribute instances (5.6.12, 6.20), Delete Attribute (5.6.13, 6.21), Modify and Delete Attribute instance
 * (5.6.14–5.6.15, 6.22), Delete Temporal Representation (5.6.16, 6.19.3.2).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem, type Hub, type Json, openHub } from '../ngsi-ld/support.ts';
import { minutesAfter, reading, TEMPORAL, temporalGet, temporalPath } from './support.ts';

const T0 = '2026-06-01T10:00:00.000Z';
const ALL = 'timerel=after&timeAt=2000-01-01T00:00:00Z';
type Instance = Json & { instanceId: string; value: unknown };

describe('temporal provision', () => {
  let hub: Hub;
  before(async () => {
    hub = await openHub();
  });
  after(() => hub?.close());
  const json = { contentType: 'application/json' };
  const instancesOf = async (id: string, attr: string) => ((await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL}`))[attr] ?? []) as Instance[];

  test('POST /temporal/entities creates a temporal entity (201, Location) and a second POST adds instances (204)', async () => {
    const id = 'urn:ngsi-ld:WaterLevel:p-1';
    const first = await hub.post(TEMPORAL, { id, type: 'WaterLevel', level: [reading(1.2, T0), reading(1.3, minutesAfter(T0, 1))] }, json);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.headers.location, `/ngsi-ld/v1/temporal/entities/${encodeURIComponent(id)}`);
    const second = await hub.post(TEMPORAL, { id, type: 'WaterLevel', level: [reading(1.4, minutesAfter(T0, 2))] }, json);
    assert.equal(second.statusCode, 204, second.body);
    assert.deepEqual(
      (await instancesOf(id, 'level')).map((i) => i.value),
      [1.2, 1.3, 1.4],
    );
    // History only: the hub's current state is not created by the temporal API.
    assert.equal(await hub.statusOf(id), 404);
  });

  test('POST …/attrs appends instances to an existing temporal entity; to an unknown one it is 404', async () => {
    const id = 'urn:ngsi-ld:WaterLevel:p-2';
    assert.equal((await hub.post(TEMPORAL, { id, type: 'WaterLevel', level: [reading(2, T0)] }, json)).statusCode, 201);
    const appended = await hub.post(temporalPath(id, '/attrs'), { level: [reading(3, minutesAfter(T0, 5))], flow: { type: 'Property', value: 9, observedAt: T0 } }, json);
    assert.equal(appended.statusCode, 204, appended.body);
    assert.deepEqual(
      (await instancesOf(id, 'level')).map((i) => i.value),
      [2, 3],
    );
    assert.deepEqual(
      (await instancesOf(id, 'flow')).map((i) => i.value),
      [9],
    );
    assertProblem(await hub.post(temporalPath('urn:ngsi-ld:WaterLevel:nobody', '/attrs'), { level: [reading(1, T0)] }, json), 'ResourceNotFound');
  });

  test('PATCH …/attrs/{attr}/{instanceId} corrects one instance, keeping its instanceId, and the hourly aggregates follow', async () => {
    const id = 'urn:ngsi-ld:WaterLevel:p-3';
    assert.equal((await hub.post(TEMPORAL, { id, type: 'WaterLevel', level: [reading(10, T0), reading(20, minutesAfter(T0, 1))] }, json)).statusCode, 201);
    const [wrong] = await instancesOf(id, 'level');
    const patched = await hub.patch(temporalPath(id, `/attrs/level/${encodeURIComponent(wrong?.instanceId as string)}`), { level: [{ type: 'Property', value: 12 }] }, json);
    assert.equal(patched.statusCode, 204, patched.body);
    const after = await instancesOf(id, 'level');
    assert.deepEqual(
      after.map((i) => [i.value, i.observedAt, i.instanceId]),
      [
        [12, T0, wrong?.instanceId],
        [20, minutesAfter(T0, 1), after[1]?.instanceId],
      ],
    );
    const hour = '2026-06-01T10:00:00.000Z';
    const aggregated = await temporalGet<Json>(hub, `${temporalPath(id)}?options=aggregatedValues&aggrMethods=avg,max&aggrPeriodDuration=PT1H&timerel=between&timeAt=${hour}&endTimeAt=2026-06-01T11:00:00Z`);
    assert.deepEqual(aggregated.level, { type: 'Property', avg: [[16, hour, '2026-06-01T11:00:00.000Z']], max: [[20, hour, '2026-06-01T11:00:00.000Z']] });
  });

  test('DELETE …/attrs/{attr}/{instanceId} removes one instance; an unknown instanceId is 404', async () => {
    const id = 'urn:ngsi-ld:WaterLevel:p-4';
    assert.equal((await hub.post(TEMPORAL, { id, type: 'WaterLevel', level: [reading(1, T0), reading(2, minutesAfter(T0, 1))] }, json)).statusCode, 201);
    const [first] = await instancesOf(id, 'level');
    const path = temporalPath(id, `/attrs/level/${encodeURIComponent(first?.instanceId as string)}`);
    assert.equal((await hub.delete(path)).statusCode, 204);
    assert.deepEqual(
      (await instancesOf(id, 'level')).map((i) => i.value),
      [2],
    );
    assertProblem(await hub.delete(path), 'ResourceNotFound');
    assertProblem(await hub.delete(temporalPath(id, '/attrs/level/urn:ngsi-ld:Instance:not-a-uuid')), 'ResourceNotFound');
  });

  test('DELETE …/attrs/{attr} removes the default instance history; datasetId and deleteAll choose others', async () => {
    const id = 'urn:ngsi-ld:WaterLevel:p-5';
    const body = { id, type: 'WaterLevel', level: [reading(1, T0), reading(5, T0, { datasetId: 'urn:ngsi-ld:Dataset:backup' })], flow: [reading(7, T0)] };
    assert.equal((await hub.post(TEMPORAL, body, json)).statusCode, 201);
    assert.equal((await hub.delete(temporalPath(id, '/attrs/level'))).statusCode, 204);
    assert.deepEqual(
      (await instancesOf(id, 'level')).map((i) => [i.value, i.datasetId]),
      [[5, 'urn:ngsi-ld:Dataset:backup']],
    );
    assert.equal((await hub.delete(temporalPath(id, '/attrs/level?deleteAll=true'))).statusCode, 204);
    assert.deepEqual(await instancesOf(id, 'level'), []);
    assertProblem(await hub.delete(temporalPath(id, '/attrs/level')), 'ResourceNotFound');
    assert.deepEqual(
      (await instancesOf(id, 'flow')).map((i) => i.value),
      [7],
    );
  });

  test('DELETE /temporal/entities/{id} removes the whole history; the live entity stays; a new write starts a new history', async () => {
    const id = 'urn:ngsi-ld:Sensor:p-6';
    await hub.create({ id, type: 'Sensor', level: reading(1, T0) });
    assert.equal((await hub.delete(temporalPath(id))).statusCode, 204);
    assertProblem(await hub.get(`${temporalPath(id)}?${ALL}`), 'ResourceNotFound');
    assert.equal(await hub.statusOf(id), 200);
    assertProblem(await hub.delete(temporalPath(id)), 'ResourceNotFound');
    const patched = await hub.patch(`/ngsi-ld/v1/entities/${encodeURIComponent(id)}/attrs`, { level: reading(2, minutesAfter(T0, 1)) }, json);
    assert.equal(patched.statusCode, 204);
    assert.deepEqual(
      (await instancesOf(id, 'level')).map((i) => i.value),
      [2],
    );
  });

  test('bad bodies are 400 with a message: no id, simplified form, empty instance list, not JSON-LD media', async () => {
    const detail = async (body: unknown, pattern: RegExp) => assert.match(String(assertProblem(await hub.post(TEMPORAL, body, json), 'BadRequestData').detail), pattern);
    await detail({ type: 'WaterLevel', level: [reading(1, T0)] }, /id/);
    await detail({ id: 'urn:ngsi-ld:WaterLevel:p-7', type: 'WaterLevel', level: { type: 'Property', values: [[1, T0]] } }, /simplified temporal representation/);
    await detail({ id: 'urn:ngsi-ld:WaterLevel:p-7', type: 'WaterLevel', level: [] }, /has no instances/);
    await detail({ id: 'urn:ngsi-ld:WaterLevel:p-7', type: 'WaterLevel', level: [{ type: 'Property', value: 1, observedAt: 'noon' }] }, /observedAt must be an ISO 8601 date-time/);
    const text = await hub.post(TEMPORAL, 'id=1', { contentType: 'text/plain' });
    assert.equal(text.statusCode, 415);
  });

  test('an officer may not add to the history of another department', async () => {
    const id = 'urn:ngsi-ld:Camera:p-8';
    const created = await hub.post(TEMPORAL, { id, type: 'Camera', count: [reading(1, T0)] }, { ...json, headers: { 'citycloud-owner-department': 'public-security' } });
    assert.equal(created.statusCode, 201, created.body);
    const user = await hub.post('/api/v1/users', { username: 'env-officer', password: 'env-officer-pass', roles: ['officer'], department: 'ecology-environment' }, json);
    assert.equal(user.statusCode, 201, user.body);
    const token = await hub.tp.login('env-officer', 'env-officer-pass');
    const denied = await hub.post(temporalPath(id, '/attrs'), { count: [reading(2, T0)] }, { ...json, token });
    assert.equal(denied.statusCode, 403, denied.body);
    assert.deepEqual(
      (await instancesOf(id, 'count')).map((i) => i.value),
      [1],
    );
  });
});
