/** The device registry API: who may register and see devices, the key shown once, and the device's entity. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer } from '../support/platform.ts';
import { type DeviceRig, type Json, openRig, uniqueId } from './support.ts';

let rig: DeviceRig;
let transportOfficer: string;
let ecologyOfficer: string;
let citizen: string;

async function user(username: string, roles: string[], department?: string): Promise<string> {
  const password = 'a-long-test-password-1';
  const created = await rig.tp.platform.server.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: bearer(rig.tp.adminToken),
    payload: { username, password, roles, ...(department ? { department } : {}) },
  });
  assert.equal(created.statusCode, 201, created.body);
  return rig.tp.login(username, password);
}

before(async () => {
  rig = await openRig({}, { broker: false });
  transportOfficer = await user('officer-transport', ['officer'], 'transport');
  ecologyOfficer = await user('officer-ecology', ['officer'], 'ecology-environment');
  citizen = await user('citizen-1', ['citizen']);
});
after(async () => {
  await rig.close();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token: string, payload?: Json) =>
  rig.tp.platform.server.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

describe('device registry', () => {
  test('registering returns the key once; listing and reading never show it', async () => {
    const id = uniqueId('meter');
    const created = await call('POST', '/api/v1/devices', rig.tp.adminToken, { id, entityType: 'WaterMeter', description: '水表' });
    assert.equal(created.statusCode, 201);
    const { key, device } = created.json();
    assert.match(key, /^ccd_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    assert.equal(device.entityId, `urn:ngsi-ld:WaterMeter:${id}`);
    const listed = await call('GET', '/api/v1/devices', rig.tp.adminToken);
    assert.ok(!listed.body.includes(key.slice(21)), 'the key secret is not listed');
    const one = await call('GET', `/api/v1/devices/${id}`, rig.tp.adminToken);
    assert.equal(one.json().description, '水表');
    assert.equal(one.json().key, undefined);
  });

  test('static attributes are set on the new entity, which is filed under the device department', async () => {
    const id = uniqueId('cam');
    await rig.register({
      id,
      entityType: 'TrafficFlowObserved',
      ownerDepartment: 'transport',
      staticAttributes: { location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.16, 30.27] } } },
    });
    const entity = await rig.entity(`urn:ngsi-ld:TrafficFlowObserved:${id}`);
    assert.deepEqual((entity.location as Json).value, { type: 'Point', coordinates: [120.16, 30.27] });
    const [row] = await rig.tp.platform.store.query<{ owner_department: string }>('SELECT owner_department FROM ngsi_entities WHERE id = $1', [
      `urn:ngsi-ld:TrafficFlowObserved:${id}`,
    ]);
    assert.equal(row?.owner_department, 'transport');
  });

  test('an officer registers devices for their own department only, and sees only those', async () => {
    const mine = uniqueId('bus');
    assert.equal((await call('POST', '/api/v1/devices', transportOfficer, { id: mine, entityType: 'Vehicle' })).statusCode, 201);
    const other = await call('POST', '/api/v1/devices', transportOfficer, { id: uniqueId('bus'), entityType: 'Vehicle', ownerDepartment: 'health' });
    assert.equal(other.statusCode, 403);
    const theirs = uniqueId('aq');
    assert.equal((await call('POST', '/api/v1/devices', ecologyOfficer, { id: theirs, entityType: 'AirQualityObserved' })).statusCode, 201);
    const ids = (await call('GET', '/api/v1/devices', transportOfficer)).json().devices.map((d: Json) => d.id);
    assert.ok(ids.includes(mine) && !ids.includes(theirs), `transport sees ${ids.join(', ')}`);
    assert.equal((await call('GET', `/api/v1/devices/${theirs}`, transportOfficer)).statusCode, 404);
    assert.equal((await call('DELETE', `/api/v1/devices/${theirs}`, transportOfficer)).statusCode, 404);
  });

  test("a device cannot be pointed at another department's entity", async () => {
    const entityId = `urn:ngsi-ld:AirQualityObserved:${uniqueId('station')}`;
    await rig.register({ id: uniqueId('aq'), entityType: 'AirQualityObserved', entityId }, ecologyOfficer);
    const hijack = await call('POST', '/api/v1/devices', transportOfficer, { id: uniqueId('fake'), entityType: 'AirQualityObserved', entityId });
    assert.equal(hijack.statusCode, 403);
  });

  test('citizens may not manage devices', async () => {
    assert.equal((await call('GET', '/api/v1/devices', citizen)).statusCode, 403);
    assert.equal((await call('POST', '/api/v1/devices', citizen, { id: 'x1', entityType: 'Thing' })).statusCode, 403);
  });

  test('a duplicate id is a 409 and bad ids or mappings are 400s that name the field', async () => {
    const id = uniqueId('dup');
    await rig.register({ id, entityType: 'Thing' });
    assert.equal((await call('POST', '/api/v1/devices', rig.tp.adminToken, { id, entityType: 'Thing' })).statusCode, 409);
    const slash = await call('POST', '/api/v1/devices', rig.tp.adminToken, { id: 'a/b', entityType: 'Thing' });
    assert.equal(slash.statusCode, 400);
    assert.match(slash.json().detail, /device id/);
    const twice = await call('POST', '/api/v1/devices', rig.tp.adminToken, {
      id: uniqueId('map'),
      entityType: 'Thing',
      attributes: [
        { key: 't', name: 'temperature' },
        { key: 't', name: 'other' },
      ],
    });
    assert.equal(twice.statusCode, 400);
    assert.match(twice.json().detail, /mapped twice/);
  });

  test('the mapping can be changed, the key rotated (the old one stops working) and the device removed', async () => {
    const id = uniqueId('th');
    const { key } = await rig.register({ id, entityType: 'WeatherObserved' });
    const patched = await call('PATCH', `/api/v1/devices/${id}`, rig.tp.adminToken, { attributes: [{ key: 't', name: 'temperature', unitCode: 'CEL' }] });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().attributes[0].name, 'temperature');
    const ingest = (k: string) =>
      rig.tp.platform.server.inject({ method: 'POST', url: `/iot/d?k=${k}&i=${id}`, payload: 't|20', headers: { 'content-type': 'text/plain' } });
    assert.equal((await ingest(key)).statusCode, 200);
    const rotated = await call('POST', `/api/v1/devices/${id}/key`, rig.tp.adminToken);
    assert.equal(rotated.statusCode, 200);
    assert.equal((await ingest(key)).statusCode, 401);
    assert.equal((await ingest(rotated.json().key)).statusCode, 200);
    assert.equal((await call('DELETE', `/api/v1/devices/${id}`, rig.tp.adminToken)).statusCode, 204);
    assert.equal((await ingest(rotated.json().key)).statusCode, 401);
    // The entity is the city's data: it stays.
    await rig.entity(`urn:ngsi-ld:WeatherObserved:${id}`);
  });

  test('registrations are audited', async () => {
    const id = uniqueId('aud');
    await rig.register({ id, entityType: 'Thing' });
    const rows = await rig.tp.platform.store.query<{ action: string }>(`SELECT action FROM audit_log WHERE target_id = $1`, [id]);
    assert.deepEqual(
      rows.map((r) => r.action),
      ['device.create'],
    );
  });
});
