/**
 * MQTT_URL mode against the machine's mosquitto (127.0.0.1:1883): CityCloud consumes device topics through
 * a shared subscription, acknowledges after the commit, and keeps its embedded broker off.
 * Each run uses its own shared-subscription group and device keys, so parallel runs do not interfere.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect, type DeviceRig, openRig, uniqueId, attributeValue, waitFor } from './support.ts';

const MOSQUITTO = 'mqtt://127.0.0.1:1883';

async function mosquittoRuns(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(1883, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

const available = await mosquittoRuns();
let rig: DeviceRig;

before(async () => {
  if (!available) return;
  rig = await openRig({ MQTT_URL: MOSQUITTO, MQTT_SHARE_GROUP: `cc-test-${randomBytes(4).toString('hex')}`, MQTT_CONSUMERS: '2' });
});
after(async () => {
  await rig?.close();
});

describe('consuming from an external broker (MQTT_URL)', { skip: available ? false : 'no MQTT broker on 127.0.0.1:1883' }, () => {
  test('the embedded broker stays off', () => {
    assert.equal(rig.mqttUrl, '');
  });

  test('JSON and UltraLight messages published to mosquitto become entity updates, each its own', async () => {
    const id = uniqueId('ext');
    const { key } = await rig.register({ id, entityType: 'WeatherObserved', attributes: [{ key: 't', name: 'temperature', unitCode: 'CEL' }] });
    const entityId = `urn:ngsi-ld:WeatherObserved:${id}`;
    const before = rig.changes.length;
    const device = await connect(MOSQUITTO, { clientId: `${id}-pub` });
    try {
      await device.publishAsync(`/${key}/${id}/attrs`, JSON.stringify({ t: 18.5 }), { qos: 1 });
      await device.publishAsync(`${key}/${id}/attrs`, 't|19.5#t|20.5', { qos: 1 });
    } finally {
      await device.endAsync();
    }
    const updates = await waitFor('three updates', () => {
      const mine = rig.changes.slice(before).filter((c) => c.id === entityId);
      return mine.length >= 3 ? mine : undefined;
    });
    assert.equal(updates.length, 3);
    assert.equal(attributeValue(await rig.entity(entityId), 'temperature'), 20.5);
    assert.equal((await rig.device(id)).messageCount, 2);
  });

  test('a message with a wrong key is refused and counted against the device it names', async () => {
    const id = uniqueId('ext');
    const { key } = await rig.register({ id, entityType: 'WeatherObserved' });
    const device = await connect(MOSQUITTO, { clientId: `${id}-pub` });
    try {
      await device.publishAsync(`/${key.slice(0, -3)}xyz/${id}/attrs`, '{"t": 1}', { qos: 1 });
      await device.publishAsync(`/${key}/${id}/attrs`, 'not json at all {', { qos: 1 });
    } finally {
      await device.endAsync();
    }
    const counted = await waitFor('two errors', async () => {
      const d = await rig.device(id);
      return d.errorCount >= 2 ? d : undefined;
    });
    assert.equal(counted.errorCount, 2);
    assert.equal(counted.messageCount, 0);
  });

  test('a burst of QoS 1 messages from many devices all arrive, none twice', async () => {
    const devices = await Promise.all(Array.from({ length: 5 }, () => uniqueId('burst')).map(async (id) => ({ id, ...(await rig.register({ id, entityType: 'Thing' })) })));
    const before = rig.changes.length;
    const publisher = await connect(MOSQUITTO, { clientId: uniqueId('burst-pub') });
    try {
      await Promise.all(devices.flatMap(({ id, key }) => Array.from({ length: 40 }, (_, i) => publisher.publishAsync(`/${key}/${id}/attrs`, `n|${i}`, { qos: 1 }))));
    } finally {
      await publisher.endAsync();
    }
    const ids = new Set(devices.map((d) => `urn:ngsi-ld:Thing:${d.id}`));
    const mine = await waitFor('200 updates', () => {
      const list = rig.changes.slice(before).filter((c) => ids.has(c.id));
      return list.length >= 200 ? list : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(rig.changes.slice(before).filter((c) => ids.has(c.id)).length, 200, 'no message was written twice');
    assert.equal(mine.length, 200);
  });
});
