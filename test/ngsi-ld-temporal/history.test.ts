/**
 * History recorded from the hub's writes (clause 4.5.7 temporal representation; CityCloud records every
 * attribute instance a change creates or modifies, stamped with observedAt or else the time of the change).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, type Hub, type Json, openHub } from '../ngsi-ld/support.ts';
import { patchAttrs, reading, TEMPORAL, temporalGet, temporalPath } from './support.ts';

const ALL_TIME = 'timerel=after&timeAt=2000-01-01T00:00:00Z';
type Instance = Json & { instanceId: string };

describe('history recorded from hub writes', () => {
  let hub: Hub;
  before(async () => {
    hub = await openHub();
  });
  after(() => hub?.close());

  test('creation and each update of an attribute become instances in time order, each with its own instanceId', async () => {
    const id = 'urn:ngsi-ld:Sensor:hist-1';
    await hub.create({ id, type: 'Sensor', temperature: reading(20, '2026-03-01T08:00:00Z'), label: { type: 'Property', value: 'north gate' } });
    await patchAttrs(hub, id, { temperature: reading(21.5, '2026-03-01T08:01:00Z') });
    await patchAttrs(hub, id, { temperature: reading(19, '2026-03-01T08:02:00Z') });
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL_TIME}`);
    const temperature = body.temperature as Instance[];
    assert.deepEqual(
      temperature.map((i) => [i.type, i.value, i.observedAt]),
      [
        ['Property', 20, '2026-03-01T08:00:00.000Z'],
        ['Property', 21.5, '2026-03-01T08:01:00.000Z'],
        ['Property', 19, '2026-03-01T08:02:00.000Z'],
      ],
    );
    const ids = temperature.map((i) => i.instanceId);
    assert.equal(new Set(ids).size, 3);
    for (const instanceId of ids) assert.match(instanceId, /^urn:ngsi-ld:Instance:[0-9a-f-]{36}$/);
    // The label was written once and left alone by the two updates: one instance.
    assert.equal((body.label as Instance[]).length, 1);
    assert.equal((body.label as Instance[])[0]?.value, 'north gate');
  });

  test('an entity changed twice in one batch gives two instances', async () => {
    const id = 'urn:ngsi-ld:Sensor:hist-batch';
    const response = await hub.post(`${API}/entityOperations/upsert?options=update`, [
      { id, type: 'Sensor', speed: reading(1, '2026-03-02T00:00:00Z') },
      { id, type: 'Sensor', speed: reading(2, '2026-03-02T00:00:30Z') },
    ]);
    assert.equal(response.statusCode, 201, response.body);
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL_TIME}&options=temporalValues`);
    assert.deepEqual(body.speed, {
      type: 'Property',
      values: [
        [1, '2026-03-02T00:00:00.000Z'],
        [2, '2026-03-02T00:00:30.000Z'],
      ],
    });
  });

  test('a change of a sub-attribute only (unitCode) is a new instance carrying it', async () => {
    const id = 'urn:ngsi-ld:Sensor:hist-unit';
    await hub.create({ id, type: 'Sensor', level: { type: 'Property', value: 3, unitCode: 'MTR', observedAt: '2026-03-03T00:00:00Z' } });
    await patchAttrs(hub, id, { level: { type: 'Property', value: 3, unitCode: 'CMT', observedAt: '2026-03-03T00:00:00Z' } });
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL_TIME}`);
    assert.deepEqual(
      (body.level as Instance[]).map((i) => i.unitCode),
      ['MTR', 'CMT'],
    );
  });

  test('without observedAt an instance is filed under the time of the change', async () => {
    const id = 'urn:ngsi-ld:Sensor:hist-now';
    const before = Date.now();
    await hub.create({ id, type: 'Sensor', mode: { type: 'Property', value: 'eco' } });
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?timerel=after&timeAt=${new Date(before - 1000).toISOString()}&options=temporalValues`);
    const [[value, at]] = (body.mode as { values: [unknown, string][] }).values as [[unknown, string]];
    assert.equal(value, 'eco');
    assert.ok(Date.parse(at) >= before - 1000 && Date.parse(at) <= Date.now(), at);
    const normalized = await temporalGet<Json>(hub, `${temporalPath(id)}?timerel=after&timeAt=${new Date(before - 1000).toISOString()}`);
    assert.equal((normalized.mode as Instance[])[0]?.observedAt, undefined, 'no observedAt is invented for an instance that had none');
  });

  test('instances of each datasetId are kept apart', async () => {
    const id = 'urn:ngsi-ld:Sensor:hist-dataset';
    await hub.create({
      id,
      type: 'Sensor',
      speed: [reading(50, '2026-03-04T00:00:00Z', { datasetId: 'urn:ngsi-ld:Dataset:gps' }), reading(52, '2026-03-04T00:00:00Z', { datasetId: 'urn:ngsi-ld:Dataset:radar' })],
    });
    await patchAttrs(hub, id, { speed: reading(55, '2026-03-04T00:01:00Z', { datasetId: 'urn:ngsi-ld:Dataset:gps' }) });
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL_TIME}&options=temporalValues`);
    const speed = body.speed as Array<{ datasetId: string; values: unknown[] }>;
    assert.ok(Array.isArray(speed));
    const byDataset = Object.fromEntries(speed.map((s) => [s.datasetId, s.values]));
    assert.deepEqual(byDataset, {
      'urn:ngsi-ld:Dataset:gps': [
        [50, '2026-03-04T00:00:00.000Z'],
        [55, '2026-03-04T00:01:00.000Z'],
      ],
      'urn:ngsi-ld:Dataset:radar': [[52, '2026-03-04T00:00:00.000Z']],
    });
  });

  test('history outlives the entity: after deletion it is still selected by type and shows deletedAt', async () => {
    const id = 'urn:ngsi-ld:Kiosk:hist-deleted';
    await hub.create({ id, type: 'Kiosk', visitors: reading(7, '2026-03-05T00:00:00Z') });
    assert.equal((await hub.delete(`${API}/entities/${encodeURIComponent(id)}`)).statusCode, 204);
    const list = await temporalGet<Json[]>(hub, `${TEMPORAL}?type=Kiosk&${ALL_TIME}&options=sysAttrs`);
    assert.equal(list.length, 1);
    assert.equal(list[0]?.id, id);
    assert.equal(typeof list[0]?.deletedAt, 'string');
    assert.deepEqual(
      (list[0]?.visitors as Instance[]).map((i) => i.value),
      [7],
    );
  });

  test('a write that fails leaves no history', async () => {
    const id = 'urn:ngsi-ld:Sensor:hist-1';
    const response = await hub.post(`${API}/entities`, { id, type: 'Sensor', temperature: reading(99, '2026-03-01T09:00:00Z') });
    assert.equal(response.statusCode, 409);
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL_TIME}&attrs=temperature`);
    assert.ok(!(body.temperature as Instance[]).some((i) => i.value === 99));
  });

  test('a numeric value is kept in the number column alone, and every instance reads back exactly as written', async () => {
    const id = 'urn:ngsi-ld:Sensor:compact-1';
    const at = '2026-04-01T08:00:00.000Z';
    const written: Record<string, Json> = {
      plain: { type: 'Property', value: 21.5 },
      withUnit: { type: 'Property', value: 0.1, unitCode: 'CEL', observedAt: at },
      zero: { type: 'Property', value: 0 },
      negativeZero: { type: 'Property', value: -0 },
      big: { type: 'Property', value: 1e21 },
      text: { type: 'Property', value: '21.5' },
      flag: { type: 'Property', value: true },
      withSub: { type: 'Property', value: 3, accuracy: { type: 'Property', value: 0.5 } },
    };
    await hub.create({ id, type: 'Sensor', ...written });
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL_TIME}`);
    for (const [name, attr] of Object.entries(written)) {
      const [instance] = body[name] as Instance[];
      assert.ok(instance, `${name} has an instance`);
      assert.equal(JSON.stringify(instance.value), JSON.stringify(attr.value), `${name}: value`);
      assert.equal(instance.unitCode, attr.unitCode, `${name}: unitCode`);
      assert.equal(instance.observedAt, attr.observedAt, `${name}: observedAt`);
    }
    assert.deepEqual((body.withSub as Instance[])[0]?.accuracy, { type: 'Property', value: 0.5 });
    // What the rows hold: no jsonb at all for a bare number; the unit and time without the value beside it.
    const rows = await hub.tp.platform.store.query<{ attr: string; num: number | null; content: Json | null }>(
      `SELECT s.attr, i.num, i.content FROM temporal_series s JOIN temporal_instances i ON i.series = s.id WHERE s.entity_id = $1`,
      [id],
    );
    const row = (name: string) => rows.find((r) => r.attr.endsWith(`/${name}`));
    assert.deepEqual([row('plain')?.num, row('plain')?.content], [21.5, null]);
    assert.deepEqual(row('withUnit')?.content, { unitCode: 'CEL', observedAt: at });
    assert.deepEqual(row('text')?.content, { value: '21.5' });
    assert.deepEqual(row('flag')?.content, { value: true });
  });
});

describe('the read policy applies to history as to entities', () => {
  let hub: Hub;
  before(async () => {
    hub = await openHub();
  });
  after(() => hub?.close());

  test('an entity not shared outside its department is hidden from another department, also after its deletion', async () => {
    const id = 'urn:ngsi-ld:Camera:policy-1';
    const created = await hub.post(`${API}/entities`, { id, type: 'Camera', faces: reading(3, '2026-03-06T00:00:00Z') }, {
      headers: { 'citycloud-owner-department': 'public-security', 'citycloud-sharing': 'not_shared' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const users = await hub.post('/api/v1/users', { username: 'traffic-officer', password: 'traffic-officer-pass', roles: ['officer'], department: 'transport' }, { contentType: 'application/json' });
    assert.equal(users.statusCode, 201, users.body);
    const officer = await hub.tp.login('traffic-officer', 'traffic-officer-pass');
    const query = `${TEMPORAL}?type=Camera&${ALL_TIME}`;
    assert.deepEqual(await temporalGet<Json[]>(hub, query, 200, { token: officer }), []);
    await temporalGet(hub, `${temporalPath(id)}?${ALL_TIME}`, 404, { token: officer });
    assert.equal((await temporalGet<Json[]>(hub, query)).length, 1, 'the admin sees it');
    assert.equal((await hub.delete(`${API}/entities/${encodeURIComponent(id)}`)).statusCode, 204);
    assert.deepEqual(await temporalGet<Json[]>(hub, query, 200, { token: officer }), []);
  });
});
