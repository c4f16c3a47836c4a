/**
 * Notifications to an MQTT endpoint (the machine's mosquitto), in-process subscriptions (`live.subscribe`) and the
 * server-sent-events stream the portal uses — all fed by the same matcher as HTTP subscriptions.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import mqtt from 'mqtt';
import { systemPrincipal } from '../../src/platform/auth/model.ts';
import type { LiveEvent } from '../../src/subscriptions/index.ts';
import { API, entityPath, expectStatus, type Hub, type Json, openHub } from '../ngsi-ld/support.ts';
import { brokerMissing, externalBrokerUrl } from '../support/mqtt.ts';
import { until } from './support.ts';

let hub: Hub;
before(async () => {
  hub = await openHub();
});
after(() => hub?.close());

const prop = (value: unknown) => ({ type: 'Property', value });

describe('MQTT endpoints', { skip: brokerMissing }, () => {
  test('a notification is published to the topic of the endpoint, with metadata and body, at the QoS asked', async () => {
    const topic = `citycloud/test/${randomBytes(4).toString('hex')}`;
    const client = await mqtt.connectAsync(externalBrokerUrl);
    const messages: Array<{ topic: string; payload: Json; qos: number }> = [];
    client.on('message', (t, payload, packet) => messages.push({ topic: t, payload: JSON.parse(payload.toString()), qos: packet.qos }));
    await client.subscribeAsync(topic, { qos: 1 });
    try {
      const broker = new URL(externalBrokerUrl);
      expectStatus(
        await hub.post(`${API}/subscriptions`, {
          type: 'Subscription',
          entities: [{ type: 'Barrier' }],
          notification: {
            format: 'keyValues',
            endpoint: {
              uri: `mqtt://${broker.host}/${topic}`,
              notifierInfo: [{ key: 'MQTT-QoS', value: '1' }],
              receiverInfo: [{ key: 'X-City', value: 'hangzhou' }],
            },
          },
        }),
        201,
      );
      await hub.create({ id: 'urn:ngsi-ld:Barrier:1', type: 'Barrier', raised: prop(false) });
      expectStatus(await hub.patch(`${entityPath('urn:ngsi-ld:Barrier:1')}/attrs`, { raised: prop(true) }), 204);
      await until(() => (messages.length >= 2 ? true : undefined), 10_000, 'two MQTT notifications');
      const [first, second] = messages as [(typeof messages)[0], (typeof messages)[0]];
      assert.equal(first.topic, topic);
      assert.equal(first.qos, 1);
      const metadata = first.payload.metadata as Json;
      assert.equal(metadata['Content-Type'], 'application/json');
      assert.equal(metadata['X-City'], 'hangzhou');
      assert.match(String(metadata.Link), /rel="http:\/\/www\.w3\.org\/ns\/json-ld#context"/);
      const body = first.payload.body as Json;
      assert.equal(body.type, 'Notification');
      assert.deepEqual(body.data, [{ id: 'urn:ngsi-ld:Barrier:1', type: 'Barrier', raised: false }]);
      assert.deepEqual((second.payload.body as Json).data, [{ id: 'urn:ngsi-ld:Barrier:1', type: 'Barrier', raised: true }]);
    } finally {
      await client.endAsync();
    }
  });

  test('an unreachable broker counts as a failed attempt', async () => {
    const response = await hub.post(`${API}/subscriptions`, {
      id: 'urn:ngsi-ld:Subscription:mqtt-down',
      type: 'Subscription',
      entities: [{ type: 'Pylon' }],
      notification: { endpoint: { uri: 'mqtt://127.0.0.1:9/nowhere', timeout: 500 } },
    });
    expectStatus(response, 201);
    await hub.create({ id: 'urn:ngsi-ld:Pylon:1', type: 'Pylon', load: prop(1) });
    await until(
      async () => {
        const s = expectStatus(await hub.get(`${API}/subscriptions/urn%3Angsi-ld%3ASubscription%3Amqtt-down`), 200) as Json;
        return ((s.notification as Json).timesFailed as number) >= 1 ? true : undefined;
      },
      10_000,
      'a failed attempt',
    );
  });
});

describe('in-process subscriptions (live.subscribe)', () => {
  test('a capability hears of matching changes, in order, until it unsubscribes', async () => {
    const { live } = hub.tp.platform.subscriptions;
    const events: LiveEvent[] = [];
    const tenant = hub.tp.platform.config.defaultTenant;
    const stop = live.subscribe(
      tenant,
      { entities: [{ type: 'Alert' }], q: 'severity=="critical"', principal: systemPrincipal(tenant), terms: hub.tp.platform.context.resolver.core },
      (event) => events.push(event),
    );
    await hub.create({ id: 'urn:ngsi-ld:Alert:1', type: 'Alert', severity: prop('critical') });
    await hub.create({ id: 'urn:ngsi-ld:Alert:2', type: 'Alert', severity: prop('low') });
    expectStatus(await hub.delete(entityPath('urn:ngsi-ld:Alert:1')), 204);
    stop();
    await hub.create({ id: 'urn:ngsi-ld:Alert:3', type: 'Alert', severity: prop('critical') });
    assert.deepEqual(
      events.map((e) => [e.id, e.triggers.includes('entityDeleted') ? 'deleted' : 'created', e.entity === null]),
      [
        ['urn:ngsi-ld:Alert:1', 'created', false],
        ['urn:ngsi-ld:Alert:1', 'deleted', true],
      ],
    );
  });

  test('a bad filter is refused with the query language error', () => {
    const tenant = hub.tp.platform.config.defaultTenant;
    assert.throws(
      () => hub.tp.platform.subscriptions.live.subscribe(tenant, { q: 'a>>1', principal: systemPrincipal(tenant), terms: hub.tp.platform.context.resolver.core }, () => {}),
      /Invalid q/,
    );
  });
});

describe('the live stream (GET /api/v1/live/entities, server-sent events)', () => {
  let base: string;
  before(async () => {
    await hub.tp.platform.server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(hub.tp.platform.server.server.address() as AddressInfo).port}`;
  });

  /** Opens the stream and collects its `change` events. */
  async function openStream(query: string, token = hub.token) {
    const controller = new AbortController();
    const response = await fetch(`${base}/api/v1/live/entities?${query}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const events: Json[] = [];
    if (response.status === 200 && response.body) {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      void (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            buffer += decoder.decode(value, { stream: true });
            let end = buffer.indexOf('\n\n');
            while (end >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = block.split('\n').find((l) => l.startsWith('data: '));
              if (block.includes('event: change') && data) events.push(JSON.parse(data.slice(6)));
              end = buffer.indexOf('\n\n');
            }
          }
        } catch {
          // aborted
        }
      })();
    }
    return { response, events, close: () => controller.abort() };
  }

  test('streams the changes of the selected entities as they are written', async () => {
    const stream = await openStream('type=Bus&format=keyValues');
    assert.equal(stream.response.status, 200);
    assert.match(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    try {
      await hub.create({ id: 'urn:ngsi-ld:Bus:1', type: 'Bus', speed: prop(30) });
      await hub.create({ id: 'urn:ngsi-ld:Tram:1', type: 'Tram', speed: prop(30) });
      expectStatus(await hub.patch(`${entityPath('urn:ngsi-ld:Bus:1')}/attrs`, { speed: prop(35) }), 204);
      await until(() => (stream.events.length >= 2 ? true : undefined), 5000, 'two events');
      assert.deepEqual(
        stream.events.map((e) => [e.id, (e.entity as Json).speed]),
        [
          ['urn:ngsi-ld:Bus:1', 30],
          ['urn:ngsi-ld:Bus:1', 35],
        ],
      );
    } finally {
      stream.close();
    }
  });

  test('applies the read policy of the caller', async () => {
    const created = await hub.tp.platform.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${hub.token}` },
      payload: { username: 'live-officer', password: 'live-officer-pass', roles: ['officer'], department: 'health' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const token = await hub.tp.login('live-officer', 'live-officer-pass');
    const stream = await openStream('type=Ambulance', token);
    try {
      await hub.create({ id: 'urn:ngsi-ld:Ambulance:hidden', type: 'Ambulance', busy: prop(true) }, { headers: { 'citycloud-owner-department': 'transport', 'citycloud-sharing': 'not_shared' } });
      await hub.create({ id: 'urn:ngsi-ld:Ambulance:open', type: 'Ambulance', busy: prop(false) });
      await until(() => (stream.events.length >= 1 ? true : undefined), 5000, 'an event');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(
        stream.events.map((e) => e.id),
        ['urn:ngsi-ld:Ambulance:open'],
      );
    } finally {
      stream.close();
    }
  });

  test('a bad q is a 400 problem, and no credential a 401', async () => {
    const bad = await fetch(`${base}/api/v1/live/entities?q=${encodeURIComponent('a>>1')}`, { headers: { authorization: `Bearer ${hub.token}` } });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as Json).detail as string, /Invalid q/);
    const anonymous = await fetch(`${base}/api/v1/live/entities`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
  });
});
