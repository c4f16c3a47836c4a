/** Bad device input — non-JSON, wrong key, unknown device, 1 MB payloads, floods — is refused or throttled and counted; broker and server stay up. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer } from '../support/platform.ts';
import { attributeValue, connect, type DeviceRig, openRig, uniqueId, waitFor } from './support.ts';

let rig: DeviceRig;

before(async () => {
  // A realistic limit (100 messages/s, bursts of 200) so that a flood is throttled.
  rig = await openRig({ DEVICE_RATE_LIMIT: '100' });
});
after(async () => {
  await rig.close();
});

async function sensor() {
  const id = uniqueId('aq');
  const { key } = await rig.register({ id, entityType: 'AirQualityObserved', attributes: [{ key: 'p', name: 'pm25', unitCode: 'GQ' }] });
  return { id, key, entityId: `urn:ngsi-ld:AirQualityObserved:${id}` };
}

/** The broker and the server still answer: health, and a good message from a fresh device. */
async function assertStillUp() {
  const health = await rig.tp.platform.server.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
  const { id, key, entityId } = await sensor();
  const client = await connect(rig.mqttUrl, { username: id, password: key });
  try {
    await client.publishAsync(`/${key}/${id}/attrs`, '{"p": 12}', { qos: 1 });
  } finally {
    await client.endAsync();
  }
  assert.equal(attributeValue(await rig.entity(entityId), 'pm25'), 12);
}

describe('bad MQTT input', () => {
  test('a payload that is not JSON is refused and counted, and the same connection keeps working', async () => {
    const { id, key, entityId } = await sensor();
    const client = await connect(rig.mqttUrl, { username: id, password: key });
    try {
      await client.publishAsync(`json/${key}/${id}/attrs`, '{"p": 1', { qos: 1 });
      await client.publishAsync(`/${key}/${id}/attrs`, '{"p": 7}', { qos: 1 });
    } finally {
      await client.endAsync();
    }
    const device = await rig.device(id);
    assert.equal(device.errorCount, 1);
    assert.equal(device.messageCount, 1);
    assert.match(device.lastError ?? '', /not valid JSON/);
    assert.equal(attributeValue(await rig.entity(entityId), 'pm25'), 7);
  });

  test('a connection with a wrong key is refused and counted against the device', async () => {
    const { id, key } = await sensor();
    const wrong = `${key.slice(0, -4)}AAAA`;
    await assert.rejects(connect(rig.mqttUrl, { username: id, password: wrong }), /Bad username or password|Not authorized/i);
    await assert.rejects(connect(rig.mqttUrl, { username: id, password: 'not-a-key' }), /Bad username or password|Not authorized/i);
    const device = await rig.device(id);
    assert.equal(device.errorCount, 2);
    assert.match(device.lastError ?? '', /not valid/);
    await assertStillUp();
  });

  test("a device's key cannot publish for an unknown device; the attempt is counted on the key's device", async () => {
    const { id, key } = await sensor();
    await assert.rejects(connect(rig.mqttUrl, { username: 'no-such-device', password: key }), /Bad username or password/i);
    const client = await connect(rig.mqttUrl, { username: id, password: key });
    try {
      await client.publishAsync(`/${key}/no-such-device/attrs`, '{"p": 1}', { qos: 1 });
    } finally {
      await client.endAsync();
    }
    const device = await rig.device(id);
    assert.equal(device.errorCount, 2);
    assert.equal(device.messageCount, 0);
    assert.match(device.lastError ?? '', /no-such-device/);
  });

  test('a 1 MB payload is refused and counted', async () => {
    const { id, key } = await sensor();
    const client = await connect(rig.mqttUrl, { username: id, password: key });
    try {
      await client.publishAsync(`/${key}/${id}/attrs`, JSON.stringify({ p: 'x'.repeat(1024 * 1024) }), { qos: 1 });
    } finally {
      await client.endAsync();
    }
    const device = await rig.device(id);
    assert.equal(device.errorCount, 1);
    assert.match(device.lastError ?? '', /limit is 65536/);
    await assertStillUp();
  });

  test('10,000 messages in a second from one device are throttled to its rate and counted', async () => {
    const { id, key } = await sensor();
    const client = await connect(rig.mqttUrl, { username: id, password: key });
    const started = performance.now();
    try {
      for (let i = 0; i < 10_000; i++) client.publish(`/${key}/${id}/attrs`, `{"p": ${i % 500}}`, { qos: 0 });
      // A QoS 1 message after the flood: its PUBACK means every message before it was handled.
      await client.publishAsync(`/${key}/${id}/attrs`, '{"p": 1}', { qos: 1 });
    } finally {
      await client.endAsync();
    }
    const seconds = (performance.now() - started) / 1000;
    // The last PUBACK may come before the commit of accepted messages ahead of it (a throttled message is
    // answered at once), so wait until every message is counted one way or the other.
    const device = await waitFor('all 10,001 messages counted', async () => {
      const d = await rig.device(id);
      return d.messageCount + d.throttledCount >= 10_001 ? d : undefined;
    });
    assert.equal(device.messageCount + device.throttledCount, 10_001);
    // Bursts of 200, then 100 per second.
    assert.ok(device.messageCount <= 200 + Math.ceil(100 * seconds) + 1, `accepted ${device.messageCount} in ${seconds.toFixed(1)} s`);
    assert.ok(device.throttledCount >= 10_001 - 200 - Math.ceil(100 * seconds) - 1, `throttled ${device.throttledCount}`);
    await assertStillUp();
  });

  test('a publish to a topic that is not a device topic is counted and the broker lets nobody subscribe', async () => {
    const { id, key } = await sensor();
    const client = await connect(rig.mqttUrl, { username: id, password: key });
    try {
      await client.publishAsync('city/anything', 'hello', { qos: 1 });
      await assert.rejects(client.subscribeAsync('#', { qos: 1 }), /Subscribe error/);
    } finally {
      await client.endAsync();
    }
    assert.equal((await rig.device(id)).errorCount, 1);
  });

  test('a raw garbage stream on the MQTT port does not take the broker down', async () => {
    const { createConnection } = await import('node:net');
    const port = Number(new URL(rig.mqttUrl).port);
    await new Promise<void>((resolve) => {
      const socket = createConnection(port, '127.0.0.1', () => {
        socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x02]));
        socket.write(Buffer.alloc(10_000, 0xab));
      });
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000);
    });
    await assertStillUp();
  });
});

describe('HTTP ingest', () => {
  test('POST /iot/json and /iot/d with the device key write measurements (200 once committed)', async () => {
    const { id, key, entityId } = await sensor();
    const server = rig.tp.platform.server;
    const json = await server.inject({ method: 'POST', url: `/iot/json?k=${key}&i=${id}`, payload: '{"p": 33}', headers: { 'content-type': 'application/json' } });
    assert.equal(json.statusCode, 200);
    assert.equal(attributeValue(await rig.entity(entityId), 'pm25'), 33);
    const ul = await server.inject({ method: 'POST', url: `/iot/d?k=${key}&i=${id}`, payload: 'p|34#p|35', headers: { 'content-type': 'text/plain' } });
    assert.equal(ul.statusCode, 200);
    assert.deepEqual(ul.json(), { measurements: 2 });
    assert.equal(attributeValue(await rig.entity(entityId), 'pm25'), 35);
  });

  test('bad HTTP ingest gets a 4xx with a reason, each counted against the device', async () => {
    const { id, key } = await sensor();
    const server = rig.tp.platform.server;
    const post = (url: string, payload: string | Buffer, type = 'application/json') => server.inject({ method: 'POST', url, payload, headers: { 'content-type': type } });
    assert.equal((await post(`/iot/json?k=${key}&i=${id}`, 'p|1')).statusCode, 400);
    assert.equal((await post(`/iot/json?k=${key.slice(0, -1)}x&i=${id}`, '{"p": 1}')).statusCode, 401);
    const unknown = await post(`/iot/json?k=${key}&i=ghost`, '{"p": 1}');
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json().detail, /ghost/);
    assert.equal((await post(`/iot/json?k=${key}&i=${id}`, Buffer.alloc(100_000, 0x20))).statusCode, 413);
    assert.equal((await post(`/iot/json?k=${key}&i=${id}`, Buffer.alloc(2 * 1024 * 1024, 0x20))).statusCode, 413);
    assert.equal((await post(`/iot/d?k=${key}&i=${id}`, 'p', 'text/plain')).statusCode, 400);
    const device = await rig.device(id);
    // wrong key, 2× too large, 2× bad payload on this device; the unknown device is charged to the key's device
    assert.equal(device.errorCount, 6);
    assert.equal(device.messageCount, 0);
  });

  test('HTTP floods get 429 with Retry-After', async () => {
    const { id, key } = await sensor();
    const server = rig.tp.platform.server;
    const responses = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        server.inject({ method: 'POST', url: `/iot/d?k=${key}&i=${id}`, payload: `p|${i}`, headers: { 'content-type': 'text/plain' } }),
      ),
    );
    const refused = responses.filter((r) => r.statusCode === 429);
    const throttled = refused.length;
    const retryAfter = refused[0]?.headers['retry-after'];
    assert.ok(throttled >= 100, `only ${throttled} of 400 requests were throttled`);
    assert.equal(retryAfter, '1');
    const device = await rig.device(id);
    assert.equal(device.throttledCount, throttled);
    assert.equal(device.messageCount, 400 - throttled);
  });
});

describe('devices on the /metrics page', () => {
  test('refusals that no device can be charged with are still counted', async () => {
    await rig.tp.platform.server.inject({ method: 'POST', url: '/iot/json?k=ccd_0000000000000000_x&i=nobody', payload: '{}', headers: { 'content-type': 'application/json' } });
    const metrics = await rig.tp.platform.server.inject({ method: 'GET', url: '/metrics', headers: bearer(rig.tp.adminToken) });
    assert.match(metrics.body, /citycloud_device_messages_total\{outcome="wrong_key",transport="http"\} \d+/);
  });
});
