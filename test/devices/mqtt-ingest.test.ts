/** Device ingest over the embedded MQTT broker: JSON and UltraLight measurements become entity updates, acknowledged after the commit. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, type DeviceRig, type Json, openRig, uniqueId, attributeValue } from './support.ts';

let rig: DeviceRig;

before(async () => {
  rig = await openRig();
});
after(async () => {
  await rig.close();
});

async function thermometer() {
  const id = uniqueId('thermo');
  const { key } = await rig.register({
    id,
    entityType: 'WeatherObserved',
    attributes: [
      { key: 't', name: 'temperature', unitCode: 'CEL' },
      { key: 'h', name: 'relativeHumidity', unitCode: 'P1' },
    ],
  });
  return { id, key, entityId: `urn:ngsi-ld:WeatherObserved:${id}` };
}

describe('MQTT ingest into entities', () => {
  test('registering a device creates its entity in the hub', async () => {
    const { entityId } = await thermometer();
    const entity = await rig.entity(entityId);
    assert.equal(entity.type, 'WeatherObserved');
  });

  test('a JSON measurement on /{key}/{device}/attrs updates the mapped attributes with unit and observedAt', async () => {
    const { id, key, entityId } = await thermometer();
    const client = await connect(rig.mqttUrl, { username: id, password: key });
    try {
      await client.publishAsync(`/${key}/${id}/attrs`, JSON.stringify({ t: 21.5, h: 40, TimeInstant: '2025-05-01T08:00:00+08:00' }), { qos: 1 });
    } finally {
      await client.endAsync();
    }
    // PUBACK came after the commit: the entity is already updated.
    const entity = await rig.entity(entityId);
    assert.deepEqual(entity.temperature, { type: 'Property', value: 21.5, unitCode: 'CEL', observedAt: '2025-05-01T00:00:00.000Z' });
    assert.equal(attributeValue(entity, 'relativeHumidity'), 40);
  });

  test('UltraLight without the leading slash, with a timestamp and several measurements, becomes one update per measurement in order', async () => {
    const { id, key, entityId } = await thermometer();
    const before = rig.changes.length;
    const client = await connect(rig.mqttUrl, { username: id, password: key });
    try {
      await client.publishAsync(`${key}/${id}/attrs`, '2025-05-01T08:00:00Z|t|20.5|h|50#2025-05-01T08:01:00Z|t|20.75#t|21', { qos: 1 });
    } finally {
      await client.endAsync();
    }
    const mine = rig.changes.slice(before).filter((c) => c.id === entityId);
    const temperatures = mine.map((c) => {
      const attrs = c.after?.attrs ?? {};
      const iri = Object.keys(attrs).find((k) => k.endsWith('/temperature')) as string;
      return attrs[iri]?.[0]?.value;
    });
    assert.deepEqual(temperatures, [20.5, 20.75, 21]);
    const entity = await rig.entity(entityId);
    assert.equal(attributeValue(entity, 'temperature'), 21);
    assert.equal(attributeValue(entity, 'relativeHumidity'), 50);
  });

  test('two messages of one device in the same batch stay two updates', async () => {
    const { id, key, entityId } = await thermometer();
    const before = rig.changes.length;
    const client = await connect(rig.mqttUrl, { username: id, password: key });
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => client.publishAsync(`/${key}/${id}/attrs`, JSON.stringify({ t: i }), { qos: 1 })));
    } finally {
      await client.endAsync();
    }
    const values = rig.changes
      .slice(before)
      .filter((c) => c.id === entityId)
      .map((c) => {
        const attrs = c.after?.attrs ?? {};
        return attrs[Object.keys(attrs).find((k) => k.endsWith('/temperature')) as string]?.[0]?.value;
      });
    assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => i));
    assert.equal((await rig.device(id)).messageCount, 20);
  });

  test('a QoS 1 message is acknowledged only after its update was committed', async () => {
    const { id, key, entityId } = await thermometer();
    const client = await connect(rig.mqttUrl, { username: id, password: key });
    const from = rig.changes.length;
    let ackedAt = 0;
    try {
      await client.publishAsync(`/${key}/${id}/attrs`, JSON.stringify({ t: 30 }), { qos: 1 });
      ackedAt = performance.now();
    } finally {
      await client.endAsync();
    }
    const index = rig.changes.findIndex((c, i) => i >= from && c.id === entityId);
    assert.ok(index >= 0, 'the update was committed');
    assert.ok((rig.commitTimes[index] as number) <= ackedAt, 'the PUBACK arrived after the commit');
  });

  test('unmapped names pass through as attribute names, and the device counts messages and last seen', async () => {
    const { id, key, entityId } = await thermometer();
    const client = await connect(rig.mqttUrl, { username: id, password: key });
    try {
      await client.publishAsync(`/${key}/${id}/attrs`, JSON.stringify({ battery: 0.93 }), { qos: 1 });
    } finally {
      await client.endAsync();
    }
    assert.equal(attributeValue(await rig.entity(entityId), 'battery'), 0.93);
    const device = await rig.device(id);
    assert.equal(device.messageCount, 1);
    assert.equal(device.errorCount, 0);
    assert.ok(device.lastSeenAt && Date.now() - Date.parse(device.lastSeenAt) < 60_000, `last seen ${device.lastSeenAt}`);
  });

  test('a gateway with a platform API key publishes for a device of its city', async () => {
    const { id, key, entityId } = await thermometer();
    const created = await rig.tp.platform.server.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { authorization: `Bearer ${rig.tp.adminToken}` },
      payload: { name: 'gateway', role: 'operator' },
    });
    const apiKey = (created.json() as Json).key as string;
    const client = await connect(rig.mqttUrl, { username: 'gateway-1', password: apiKey });
    try {
      await client.publishAsync(`ul/${key}/${id}/attrs`, 't|19', { qos: 1 });
    } finally {
      await client.endAsync();
    }
    assert.equal(attributeValue(await rig.entity(entityId), 'temperature'), 19);
  });
});
