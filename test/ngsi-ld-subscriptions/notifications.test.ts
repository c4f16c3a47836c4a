/**
 * Conformance: notification behaviour (ETSI GS CIM 009 clause 5.8 and 5.11 — what triggers a notification — and
 * 5.3.1 Notification, 5.2.14 NotificationParams), against an HTTP receiver in this process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, CORE_CONTEXT, entityPath, expectStatus, type Hub, type Json, openHub } from '../ngsi-ld/support.ts';
import { type LocalReceiver, type ReceivedNotification, startLocalReceiver, until } from '../notifications/support.ts';

let hub: Hub;
let receiver: LocalReceiver;
before(async () => {
  hub = await openHub({ NOTIFY_RETRY_BASE_MS: '50', NOTIFY_RETRY_MAX_SECONDS: '1' });
  receiver = await startLocalReceiver();
});
after(async () => {
  await hub?.close();
  await receiver?.close();
});

const SUBS = `${API}/subscriptions`;
let n = 0;

/** Creates a subscription notifying /<name> of the receiver; returns its id and path. */
async function subscribe(extra: Json, notification: Json = {}): Promise<{ id: string; path: string }> {
  const path = `/n${++n}`;
  const id = `urn:ngsi-ld:Subscription:notif-${n}`;
  const body = {
    id,
    type: 'Subscription',
    ...extra,
    notification: { ...notification, endpoint: { uri: `${receiver.url}${path}`, ...((notification.endpoint as Json) ?? {}) } },
  };
  expectStatus(await hub.post(SUBS, body), 201);
  return { id, path };
}

const entity = (id: string, type: string, attrs: Json) => ({ id, type, ...attrs });
const prop = (value: unknown) => ({ type: 'Property', value });
const got = (path: string) => receiver.received.filter((r) => r.path === path);
const items = (path: string) => got(path).flatMap((r) => r.body.data);

/** Waits a little and asserts nothing (more) arrived at `path`. */
async function nothingMore(path: string, count: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(got(path).length, count, `unexpected notifications: ${JSON.stringify(got(path).slice(count)).slice(0, 500)}`);
}

describe('a notification (5.3.1) and its HTTP binding', () => {
  test('carries id, type, subscriptionId, notifiedAt and the entity, with the Link and tenant headers', async () => {
    const sub = await subscribe({ entities: [{ type: 'Bin' }] });
    await hub.create(entity('urn:ngsi-ld:Bin:1', 'Bin', { fill: prop(40) }));
    const [first] = (await receiver.waitFor(1, sub.path)) as [ReceivedNotification];
    assert.match(first.body.id, /^urn:ngsi-ld:Notification:/);
    assert.equal(first.body.type, 'Notification');
    assert.equal(first.body.subscriptionId, sub.id);
    assert.ok(Math.abs(Date.parse(first.body.notifiedAt) - Date.now()) < 10_000);
    assert.deepEqual(first.body.data, [{ id: 'urn:ngsi-ld:Bin:1', type: 'Bin', fill: { type: 'Property', value: 40 } }]);
    assert.equal(first.headers['content-type'], 'application/json');
    assert.match(first.headers.link ?? '', new RegExp(`^<${CORE_CONTEXT.replaceAll('.', '\\.')}>; rel="http://www.w3.org/ns/json-ld#context"`));
    assert.equal(first.headers['ngsild-tenant'], hub.tp.platform.config.defaultTenant);
  });

  test('accept application/ld+json puts the @context in the body; receiverInfo becomes headers', async () => {
    const sub = await subscribe({ entities: [{ type: 'Kiosk' }] }, { endpoint: { accept: 'application/ld+json', receiverInfo: [{ key: 'X-Token', value: 's3cret' }] } });
    await hub.create(entity('urn:ngsi-ld:Kiosk:1', 'Kiosk', { open: prop(true) }));
    const [first] = (await receiver.waitFor(1, sub.path)) as [ReceivedNotification];
    assert.equal(first.headers['content-type'], 'application/ld+json');
    assert.equal(first.headers['x-token'], 's3cret');
    assert.equal(first.headers.link, undefined);
    assert.ok(first.body['@context'], 'the body carries @context');
  });

  test('format keyValues and notification.attributes shape the entity', async () => {
    const sub = await subscribe({ entities: [{ type: 'Lamp' }] }, { format: 'keyValues', attributes: ['power'] });
    await hub.create(entity('urn:ngsi-ld:Lamp:1', 'Lamp', { power: prop(60), colour: prop('warm') }));
    await receiver.waitFor(1, sub.path);
    assert.deepEqual(items(sub.path), [{ id: 'urn:ngsi-ld:Lamp:1', type: 'Lamp', power: 60 }]);
  });

  test('accept application/geo+json sends a FeatureCollection', async () => {
    const sub = await subscribe({ entities: [{ type: 'Stop' }] }, { endpoint: { accept: 'application/geo+json' } });
    await hub.create(entity('urn:ngsi-ld:Stop:1', 'Stop', { location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.1, 30.2] } } }));
    const [first] = (await receiver.waitFor(1, sub.path)) as [ReceivedNotification];
    const data = first.body.data as unknown as Json;
    assert.equal(data.type, 'FeatureCollection');
    assert.deepEqual(((data.features as Json[])[0] as Json).geometry, { type: 'Point', coordinates: [120.1, 30.2] });
  });
});

describe('what triggers a notification (notificationTrigger, watchedAttributes)', () => {
  test('by default, creating an entity and changing an attribute notify; deleting it does not', async () => {
    const sub = await subscribe({ entities: [{ type: 'Meter' }] });
    await hub.create(entity('urn:ngsi-ld:Meter:1', 'Meter', { reading: prop(1) }));
    await receiver.waitFor(1, sub.path);
    expectStatus(await hub.patch(`${entityPath('urn:ngsi-ld:Meter:1')}/attrs`, { reading: prop(2) }), 204);
    await receiver.waitFor(2, sub.path);
    expectStatus(await hub.delete(entityPath('urn:ngsi-ld:Meter:1')), 204);
    await nothingMore(sub.path, 2);
    assert.deepEqual(
      items(sub.path).map((e) => (e.reading as Json).value),
      [1, 2],
    );
  });

  test('a change of an attribute that is not watched does not notify', async () => {
    const sub = await subscribe({ entities: [{ type: 'Gauge' }], watchedAttributes: ['level'] });
    await hub.create(entity('urn:ngsi-ld:Gauge:1', 'Gauge', { level: prop(1), battery: prop(90) }));
    await receiver.waitFor(1, sub.path);
    expectStatus(await hub.patch(`${entityPath('urn:ngsi-ld:Gauge:1')}/attrs`, { battery: prop(80) }), 204);
    await nothingMore(sub.path, 1);
    expectStatus(await hub.patch(`${entityPath('urn:ngsi-ld:Gauge:1')}/attrs`, { level: prop(2) }), 204);
    await receiver.waitFor(2, sub.path);
  });

  test('watchedAttributes alone (no entities) watches every entity that has them', async () => {
    const sub = await subscribe({ watchedAttributes: ['noiseLevel'] });
    await hub.create(entity('urn:ngsi-ld:NoiseSensor:1', 'NoiseSensor', { noiseLevel: prop(70) }));
    await hub.create(entity('urn:ngsi-ld:Thermometer:1', 'Thermometer', { temperature: prop(20) }));
    await receiver.waitFor(1, sub.path);
    await nothingMore(sub.path, 1);
    assert.equal(items(sub.path)[0]?.id, 'urn:ngsi-ld:NoiseSensor:1');
  });

  test('entityDeleted notifies a deletion with deletedAt', async () => {
    const sub = await subscribe({ entities: [{ type: 'Kiosk2' }], notificationTrigger: ['entityDeleted'] });
    await hub.create(entity('urn:ngsi-ld:Kiosk2:1', 'Kiosk2', { open: prop(true) }));
    expectStatus(await hub.delete(entityPath('urn:ngsi-ld:Kiosk2:1')), 204);
    await receiver.waitFor(1, sub.path);
    const [deleted] = items(sub.path);
    assert.equal(deleted?.id, 'urn:ngsi-ld:Kiosk2:1');
    assert.equal(deleted?.type, 'Kiosk2');
    assert.match(String(deleted?.deletedAt), /^\d{4}-/);
    await nothingMore(sub.path, 1);
  });

  test('entityCreated alone does not notify updates', async () => {
    const sub = await subscribe({ entities: [{ type: 'Hydrant' }], notificationTrigger: ['entityCreated'] });
    await hub.create(entity('urn:ngsi-ld:Hydrant:1', 'Hydrant', { pressure: prop(3) }));
    await receiver.waitFor(1, sub.path);
    expectStatus(await hub.patch(`${entityPath('urn:ngsi-ld:Hydrant:1')}/attrs`, { pressure: prop(4) }), 204);
    await nothingMore(sub.path, 1);
  });

  test('attributeDeleted shows the attribute as urn:ngsi-ld:null with deletedAt', async () => {
    const sub = await subscribe({ entities: [{ type: 'Bench' }], notificationTrigger: ['attributeDeleted'] });
    await hub.create(entity('urn:ngsi-ld:Bench:1', 'Bench', { paint: prop('green'), wood: prop('oak') }));
    expectStatus(await hub.delete(`${entityPath('urn:ngsi-ld:Bench:1')}/attrs/paint`), 204);
    await receiver.waitFor(1, sub.path);
    const paint = items(sub.path)[0]?.paint as Json;
    assert.equal(paint.value, 'urn:ngsi-ld:null');
    assert.match(String(paint.deletedAt), /^\d{4}-/);
  });

  test('showChanges adds previousValue', async () => {
    const sub = await subscribe({ entities: [{ type: 'Valve' }], notificationTrigger: ['attributeUpdated'] }, { showChanges: true });
    await hub.create(entity('urn:ngsi-ld:Valve:1', 'Valve', { flow: prop(10) }));
    expectStatus(await hub.patch(`${entityPath('urn:ngsi-ld:Valve:1')}/attrs`, { flow: prop(12) }), 204);
    await receiver.waitFor(1, sub.path);
    assert.deepEqual(items(sub.path)[0]?.flow, { type: 'Property', value: 12, previousValue: 10 });
  });
});

describe('which entities (entities, q, scopeQ, geoQ, read policy)', () => {
  test('id and idPattern select entities; q must hold after the change', async () => {
    const sub = await subscribe({ entities: [{ type: 'Air', idPattern: '^urn:ngsi-ld:Air:xihu-' }], q: 'pm25>75' });
    await hub.create(entity('urn:ngsi-ld:Air:xihu-1', 'Air', { pm25: prop(80) }));
    await hub.create(entity('urn:ngsi-ld:Air:xihu-2', 'Air', { pm25: prop(20) }));
    await hub.create(entity('urn:ngsi-ld:Air:binjiang-1', 'Air', { pm25: prop(90) }));
    await receiver.waitFor(1, sub.path);
    expectStatus(await hub.patch(`${entityPath('urn:ngsi-ld:Air:xihu-2')}/attrs`, { pm25: prop(76) }), 204);
    await receiver.waitFor(2, sub.path);
    await nothingMore(sub.path, 2);
    assert.deepEqual(
      items(sub.path).map((e) => e.id),
      ['urn:ngsi-ld:Air:xihu-1', 'urn:ngsi-ld:Air:xihu-2'],
    );
  });

  test('scopeQ selects by scope', async () => {
    const sub = await subscribe({ entities: [{ type: 'Park' }], scopeQ: '/Hangzhou/Xihu/#' });
    await hub.create({ ...entity('urn:ngsi-ld:Park:1', 'Park', { visitors: prop(1) }), scope: '/Hangzhou/Xihu/Lakeside' });
    await hub.create({ ...entity('urn:ngsi-ld:Park:2', 'Park', { visitors: prop(1) }), scope: '/Hangzhou/Binjiang' });
    await receiver.waitFor(1, sub.path);
    await nothingMore(sub.path, 1);
    assert.equal(items(sub.path)[0]?.id, 'urn:ngsi-ld:Park:1');
  });

  test('a geo subscription notifies exactly the entities the same geoQ query returns', async () => {
    const geoQ = { geometry: 'Polygon', coordinates: [[[120.1, 30.2], [120.2, 30.2], [120.2, 30.3], [120.1, 30.3], [120.1, 30.2]]], georel: 'within' };
    const sub = await subscribe({ entities: [{ type: 'Camera' }], geoQ });
    const points: Array<[number, number]> = [];
    for (let i = 0; i < 40; i++) points.push([120.05 + (i % 8) * 0.025, 30.15 + Math.floor(i / 8) * 0.04]);
    // Exactly on the boundary, and just outside it.
    points.push([120.1, 30.25], [120.2, 30.2], [120.2000001, 30.25]);
    for (const [i, c] of points.entries()) {
      await hub.create(entity(`urn:ngsi-ld:Camera:${i}`, 'Camera', { location: { type: 'GeoProperty', value: { type: 'Point', coordinates: c } } }));
    }
    const queried = expectStatus(
      await hub.post(`${API}/entityOperations/query?limit=1000`, { type: 'Query', entities: [{ type: 'Camera' }], geoQ }, { accept: 'application/json' }),
      200,
    ) as Json[];
    const expected = queried.map((e) => e.id).sort();
    assert.ok(expected.length > 5 && expected.length < points.length, `the query selects some: ${expected.length}`);
    await until(() => (items(sub.path).length >= expected.length ? true : undefined), 10_000, 'the geo notifications');
    await nothingMore(sub.path, got(sub.path).length);
    assert.deepEqual(items(sub.path).map((e) => e.id).sort(), expected);
  });

  test("a notification carries only what the subscription's owner may read", async () => {
    const created = await hub.tp.platform.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${hub.token}` },
      payload: { username: 'health1', password: 'health-password-1', roles: ['officer'], department: 'health' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const token = await hub.tp.login('health1', 'health-password-1');
    const path = '/owner-policy';
    expectStatus(
      await hub.post(SUBS, { type: 'Subscription', entities: [{ type: 'Clinic' }], notification: { endpoint: { uri: `${receiver.url}${path}` } } }, { token }),
      201,
    );
    // The admin files one clinic under transport, not shared, and one open clinic.
    await hub.create(entity('urn:ngsi-ld:Clinic:secret', 'Clinic', { beds: prop(3) }), {
      headers: { 'citycloud-owner-department': 'transport', 'citycloud-sharing': 'not_shared' },
    });
    await hub.create(entity('urn:ngsi-ld:Clinic:open', 'Clinic', { beds: prop(5) }));
    await receiver.waitFor(1, path);
    await nothingMore(path, 1);
    assert.equal(items(path)[0]?.id, 'urn:ngsi-ld:Clinic:open');
  });
});

describe('subscription state and delivery status', () => {
  test('a paused subscription sends nothing; resumed, it sends the changes that follow', async () => {
    const sub = await subscribe({ entities: [{ type: 'Sign' }] });
    expectStatus(await hub.patch(`${SUBS}/${encodeURIComponent(sub.id)}`, { isActive: false }), 204);
    await hub.create(entity('urn:ngsi-ld:Sign:1', 'Sign', { text: prop('A') }));
    await nothingMore(sub.path, 0);
    expectStatus(await hub.patch(`${SUBS}/${encodeURIComponent(sub.id)}`, { isActive: true }), 204);
    expectStatus(await hub.patch(`${entityPath('urn:ngsi-ld:Sign:1')}/attrs`, { text: prop('B') }), 204);
    await receiver.waitFor(1, sub.path);
    assert.deepEqual(
      items(sub.path).map((e) => (e.text as Json).value),
      ['B'],
    );
  });

  test('timesSent, lastNotification and lastSuccess count what was delivered', async () => {
    const sub = await subscribe({ entities: [{ type: 'Pump' }] });
    await hub.create(entity('urn:ngsi-ld:Pump:1', 'Pump', { rate: prop(1) }));
    await receiver.waitFor(1, sub.path);
    const status = await until(
      async () => {
        const s = expectStatus(await hub.get(`${SUBS}/${encodeURIComponent(sub.id)}`), 200) as Json;
        const notification = s.notification as Json;
        return notification.timesSent === 1 && notification.lastSuccess ? notification : undefined;
      },
      5000,
      'the status counters',
    );
    assert.equal(status.status, 'ok');
    assert.equal(status.timesFailed, 0);
  });

  test('a receiver that fails is retried until it accepts; timesFailed and status failed tell', async () => {
    const sub = await subscribe({ entities: [{ type: 'Gate' }] });
    receiver.status = 500;
    try {
      await hub.create(entity('urn:ngsi-ld:Gate:1', 'Gate', { open: prop(false) }));
      const failed = await until(
        async () => {
          const notification = (expectStatus(await hub.get(`${SUBS}/${encodeURIComponent(sub.id)}`), 200) as Json).notification as Json;
          return (notification.timesFailed as number) >= 2 ? notification : undefined;
        },
        10_000,
        'failed attempts',
      );
      assert.equal(failed.status, 'failed');
      assert.ok(failed.lastFailure);
    } finally {
      receiver.status = 204;
    }
    await receiver.waitFor(1, sub.path, 10_000);
    assert.equal(items(sub.path)[0]?.id, 'urn:ngsi-ld:Gate:1');
  });

  test('throttling sends at most one notification per period, with the latest state of each entity', async () => {
    const sub = await subscribe({ entities: [{ type: 'Counter' }], throttling: 1 });
    await hub.create(entity('urn:ngsi-ld:Counter:1', 'Counter', { count: prop(0) }));
    await receiver.waitFor(1, sub.path);
    for (let i = 1; i <= 5; i++) expectStatus(await hub.patch(`${entityPath('urn:ngsi-ld:Counter:1')}/attrs`, { count: prop(i) }), 204);
    const all = await receiver.waitFor(2, sub.path, 5000);
    assert.ok(all[1] && all[0] && all[1].at - all[0].at >= 900, `1 s apart: ${all[1]?.at} - ${all[0]?.at}`);
    await nothingMore(sub.path, 2);
    assert.deepEqual(
      items(sub.path).map((e) => (e.count as Json).value),
      [0, 5],
    );
  });

  test('a periodic subscription (timeInterval) sends the current state every interval', async () => {
    await hub.create(entity('urn:ngsi-ld:Tank:1', 'Tank', { level: prop(7) }));
    const sub = await subscribe({ entities: [{ type: 'Tank' }], timeInterval: 1 });
    const two = await receiver.waitFor(2, sub.path, 6000);
    assert.deepEqual(two[0]?.body.data, [{ id: 'urn:ngsi-ld:Tank:1', type: 'Tank', level: { type: 'Property', value: 7 } }]);
    assert.ok((two[1] as ReceivedNotification).at - (two[0] as ReceivedNotification).at >= 500);
  });

  test('deleting a subscription stops its notifications', async () => {
    const sub = await subscribe({ entities: [{ type: 'Crane' }] });
    expectStatus(await hub.delete(`${SUBS}/${encodeURIComponent(sub.id)}`), 204);
    await hub.create(entity('urn:ngsi-ld:Crane:1', 'Crane', { load: prop(1) }));
    await nothingMore(sub.path, 0);
  });
});

describe('in order, per entity', () => {
  test('many quick changes of a few entities arrive in the order they were written', async () => {
    const sub = await subscribe({ entities: [{ type: 'Ticker' }] });
    const ids = ['a', 'b', 'c'].map((s) => `urn:ngsi-ld:Ticker:${s}`);
    for (const id of ids) await hub.create(entity(id, 'Ticker', { seq: prop(0) }));
    await Promise.all(
      ids.map(async (id) => {
        for (let i = 1; i <= 30; i++) expectStatus(await hub.patch(`${entityPath(id)}/attrs`, { seq: prop(i) }), 204);
      }),
    );
    await until(() => (items(sub.path).length >= 93 ? true : undefined), 10_000, '93 items');
    for (const id of ids) {
      const seen = items(sub.path)
        .filter((e) => e.id === id)
        .map((e) => (e.seq as Json).value);
      assert.deepEqual(
        seen,
        Array.from({ length: 31 }, (_, i) => i),
        id,
      );
    }
  });
});
