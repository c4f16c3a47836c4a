/**
 * Conformance: subscription management (ETSI GS CIM 009 clause 5.8 Create/Update/Retrieve/Query/Delete Subscription,
 * data types 5.2.12 Subscription, 5.2.14 NotificationParams, 5.2.15 Endpoint; HTTP binding 6.10, 6.11), and the
 * errors the clauses name. Notifications themselves are tested in notifications.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, assertProblem, CORE_CONTEXT, contextLinkOf, expectStatus, type Hub, type Json, openHub, TEST_CONTEXT, TEST_NS } from '../ngsi-ld/support.ts';

let hub: Hub;
before(async () => {
  hub = await openHub();
});
after(() => hub?.close());

const SUBS = `${API}/subscriptions`;
const subPath = (id: string) => `${SUBS}/${encodeURIComponent(id)}`;
let counter = 0;
const newId = () => `urn:ngsi-ld:Subscription:conf-${++counter}`;

function subscription(extra: Json = {}): Json {
  return {
    type: 'Subscription',
    entities: [{ type: 'AirQualityObserved' }],
    notification: { endpoint: { uri: 'http://127.0.0.1:9/notify' } },
    ...extra,
  };
}

async function create(body: Json): Promise<string> {
  const response = await hub.post(SUBS, body);
  expectStatus(response, 201);
  const location = String(response.headers.location);
  return decodeURIComponent(location.slice(`${SUBS}/`.length));
}

async function retrieve(id: string, query = ''): Promise<Json> {
  return expectStatus(await hub.get(`${subPath(id)}${query}`, { accept: 'application/json' }), 200) as Json;
}

describe('Create Subscription (5.8.1, 6.10.3.1)', () => {
  test('answers 201 with the Location of the new subscription, which can be retrieved', async () => {
    const response = await hub.post(SUBS, subscription());
    assert.equal(response.statusCode, 201, response.body);
    const location = String(response.headers.location);
    assert.match(location, /^\/ngsi-ld\/v1\/subscriptions\/urn%3Angsi-ld%3ASubscription%3A/);
    const got = expectStatus(await hub.get(location), 200) as Json;
    assert.equal(got.type, 'Subscription');
    assert.equal(got.id, decodeURIComponent(location.split('/').pop() as string));
  });

  test('keeps the id the client gives', async () => {
    const id = newId();
    assert.equal(await create(subscription({ id })), id);
    assert.equal((await retrieve(id)).id, id);
  });

  test('fills in the defaults: active, attributeCreated+attributeUpdated, normalized, application/json', async () => {
    const got = await retrieve(await create(subscription()));
    assert.equal(got.isActive, true);
    assert.equal(got.status, 'active');
    assert.deepEqual(got.notificationTrigger, ['attributeCreated', 'attributeUpdated']);
    const notification = got.notification as Json;
    assert.equal(notification.format, 'normalized');
    assert.deepEqual(notification.endpoint, { uri: 'http://127.0.0.1:9/notify', accept: 'application/json' });
    assert.equal(notification.timesSent, 0);
  });

  test('keeps every member it was given', async () => {
    const body = subscription({
      subscriptionName: 'Bad air in Xihu',
      description: 'PM2.5 above 75',
      entities: [{ type: 'AirQualityObserved', idPattern: '^urn:ngsi-ld:AirQualityObserved:hz-' }, { type: 'Building', id: 'urn:ngsi-ld:Building:1' }],
      watchedAttributes: ['pm25', 'no2'],
      notificationTrigger: ['entityCreated', 'attributeUpdated', 'entityDeleted'],
      q: 'pm25>75',
      geoQ: { geometry: 'Point', coordinates: [120.15, 30.25], georel: 'near;maxDistance==2000' },
      scopeQ: '/Hangzhou/#',
      lang: 'zh',
      throttling: 5,
      expiresAt: '2099-01-01T00:00:00Z',
      notification: {
        attributes: ['pm25'],
        format: 'keyValues',
        sysAttrs: true,
        endpoint: {
          uri: 'https://receiver.example/notify',
          accept: 'application/ld+json',
          receiverInfo: [{ key: 'X-City', value: 'hangzhou' }],
        },
      },
    });
    const got = await retrieve(await create(body));
    for (const member of ['subscriptionName', 'description', 'entities', 'watchedAttributes', 'notificationTrigger', 'q', 'geoQ', 'scopeQ', 'lang', 'throttling']) {
      assert.deepEqual(got[member], body[member], member);
    }
    assert.equal(got.expiresAt, '2099-01-01T00:00:00.000Z');
    const notification = got.notification as Json;
    assert.deepEqual(notification.attributes, ['pm25']);
    assert.equal(notification.format, 'keyValues');
    assert.equal(notification.sysAttrs, true);
    assert.deepEqual(notification.endpoint, (body.notification as Json).endpoint);
  });

  test('a periodic subscription keeps its timeInterval', async () => {
    const got = await retrieve(await create(subscription({ timeInterval: 60 })));
    assert.equal(got.timeInterval, 60);
  });

  test('an existing id is 409 AlreadyExists', async () => {
    const id = newId();
    await create(subscription({ id }));
    assertProblem(await hub.post(SUBS, subscription({ id })), 'AlreadyExists');
  });

  const invalid: Array<[string, Json]> = [
    ['no type', { entities: [{ type: 'A' }], notification: { endpoint: { uri: 'http://r/n' } } }],
    ['a type other than Subscription', subscription({ type: 'Entity' })],
    ['an id that is not a URI', subscription({ id: 'not a uri' })],
    ['no notification', { type: 'Subscription', entities: [{ type: 'A' }] }],
    ['no endpoint', subscription({ notification: { format: 'keyValues' } })],
    ['an endpoint without uri', subscription({ notification: { endpoint: { accept: 'application/json' } } })],
    ['an endpoint uri that is not a URL', subscription({ notification: { endpoint: { uri: 'receiver' } } })],
    ['an endpoint of another scheme', subscription({ notification: { endpoint: { uri: 'ftp://r/n' } } })],
    ['an MQTT endpoint without topic', subscription({ notification: { endpoint: { uri: 'mqtt://127.0.0.1:1883' } } })],
    ['an unknown accept', subscription({ notification: { endpoint: { uri: 'http://r/n', accept: 'text/plain' } } })],
    ['receiverInfo that is not key/value pairs', subscription({ notification: { endpoint: { uri: 'http://r/n', receiverInfo: [{ key: 'a' }] } } })],
    ['an MQTT-QoS outside 0-2', subscription({ notification: { endpoint: { uri: 'mqtt://h/t', notifierInfo: [{ key: 'MQTT-QoS', value: '3' }] } } })],
    ['an unknown format', subscription({ notification: { format: 'compact', endpoint: { uri: 'http://r/n' } } })],
    ['showChanges with keyValues', subscription({ notification: { format: 'keyValues', showChanges: true, endpoint: { uri: 'http://r/n' } } })],
    ['neither entities nor watchedAttributes', { type: 'Subscription', notification: { endpoint: { uri: 'http://r/n' } } }],
    ['an empty entities array', subscription({ entities: [] })],
    ['an entity selector without type', subscription({ entities: [{ id: 'urn:a:1' }] })],
    ['an entity selector with a bad id', subscription({ entities: [{ type: 'A', id: 'no uri' }] })],
    ['an idPattern outside the supported subset', subscription({ entities: [{ type: 'A', idPattern: 'a(?=b)' }] })],
    ['a bad type selection', subscription({ entities: [{ type: 'A;;B' }] })],
    ['an empty watchedAttributes', subscription({ watchedAttributes: [] })],
    ['a watched attribute with a forbidden character', subscription({ watchedAttributes: ['a b'] })],
    ['an unknown notificationTrigger', subscription({ notificationTrigger: ['entityChanged'] })],
    ['a q that does not parse', subscription({ q: 'pm25>>75' })],
    ['a scopeQ that does not parse', subscription({ scopeQ: '/a//b' })],
    ['a geoQ without georel', subscription({ geoQ: { geometry: 'Point', coordinates: [120, 30] } })],
    ['a geoQ with a bad geometry', subscription({ geoQ: { geometry: 'Circle', coordinates: [120, 30], georel: 'within' } })],
    ['a geoQ with bad coordinates', subscription({ geoQ: { geometry: 'Point', coordinates: [999, 30], georel: 'near;maxDistance==10' } })],
    ['timeInterval with watchedAttributes', subscription({ timeInterval: 10, watchedAttributes: ['a'] })],
    ['timeInterval with throttling', subscription({ timeInterval: 10, throttling: 30 })],
    ['timeInterval without entities', { type: 'Subscription', timeInterval: 10, watchedAttributes: ['a'], notification: { endpoint: { uri: 'http://r/n' } } }],
    ['a zero timeInterval', subscription({ timeInterval: 0 })],
    ['a negative throttling', subscription({ throttling: -1 })],
    ['expiresAt in the past', subscription({ expiresAt: '2001-01-01T00:00:00Z' })],
    ['expiresAt that is not a date-time', subscription({ expiresAt: 'tomorrow' })],
    ['isActive that is not a boolean', subscription({ isActive: 'yes' })],
    ['a member Subscription does not have', subscription({ notifyMe: true })],
  ];
  for (const [what, body] of invalid) {
    test(`${what} is 400 BadRequestData with a message`, async () => {
      const problem = assertProblem(await hub.post(SUBS, body), 'BadRequestData');
      assert.ok(typeof problem.detail === 'string' && problem.detail.length > 10, String(problem.detail));
    });
  }

  test('a body that is not JSON is 400, and another media type 415', async () => {
    const broken = await hub.post(SUBS, '{"type": "Subscription",', { contentType: 'application/json' });
    assert.equal(broken.statusCode, 400);
    const text = await hub.post(SUBS, 'type=Subscription', { contentType: 'text/plain' });
    assert.equal(text.statusCode, 415);
  });

  test('without a credential it is 401', async () => {
    const response = await hub.post(SUBS, subscription(), { token: null });
    assert.equal(response.statusCode, 401);
  });
});

describe('JSON-LD: names read and shown with the request @context', () => {
  test('attribute names are expanded with the @context of the body and compacted with that of the reader', async () => {
    const id = await create({
      ...subscription({ entities: [{ type: 'Sensor' }], watchedAttributes: ['reading'], notification: { attributes: ['reading'], endpoint: { uri: 'http://r/n' } } }),
      '@context': [TEST_CONTEXT, CORE_CONTEXT],
    });
    const plain = await retrieve(id);
    assert.deepEqual(plain.watchedAttributes, [`${TEST_NS}reading`]);
    assert.deepEqual((plain.notification as Json).attributes, [`${TEST_NS}reading`]);
    const ld = expectStatus(await hub.get(subPath(id), { accept: 'application/ld+json' }), 200) as Json;
    assert.ok(ld['@context'], 'JSON-LD responses carry their @context');
  });

  test('with application/json the @context is in a Link header and the body has none', async () => {
    const id = await create(subscription());
    const response = await hub.get(subPath(id), { accept: 'application/json' });
    assert.equal(contextLinkOf(response), CORE_CONTEXT);
    assert.equal(response.json<Json>()['@context'], undefined);
  });
});

describe('Retrieve Subscription (5.8.3, 6.11.3.1)', () => {
  test('an unknown subscription is 404 ResourceNotFound', async () => {
    assertProblem(await hub.get(subPath('urn:ngsi-ld:Subscription:none')), 'ResourceNotFound');
  });

  test('an id that is not a URI is 400 BadRequestData', async () => {
    assertProblem(await hub.get(`${SUBS}/not-a-uri`), 'BadRequestData');
  });

  test('sysAttrs adds createdAt and modifiedAt', async () => {
    const got = await retrieve(await create(subscription()), '?options=sysAttrs');
    assert.match(String(got.createdAt), /^\d{4}-\d{2}-\d{2}T/);
    assert.match(String(got.modifiedAt), /^\d{4}-\d{2}-\d{2}T/);
  });
});

describe('Query Subscriptions (5.8.4, 6.10.3.2)', () => {
  let local: Hub;
  before(async () => {
    local = await openHub();
    for (let n = 0; n < 5; n++) {
      expectStatus(await local.post(SUBS, subscription({ id: `urn:ngsi-ld:Subscription:list-${n}` })), 201);
    }
  });
  after(() => local?.close());

  test('lists the subscriptions in pages, with the total when count=true', async () => {
    const first = await local.get(`${SUBS}?limit=2&count=true`, { accept: 'application/json' });
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['ngsild-results-count'], '5');
    assert.deepEqual(
      first.json<Json[]>().map((s) => s.id),
      ['urn:ngsi-ld:Subscription:list-0', 'urn:ngsi-ld:Subscription:list-1'],
    );
    const last = expectStatus(await local.get(`${SUBS}?limit=2&offset=4`), 200) as Json[];
    assert.deepEqual(
      last.map((s) => s.id),
      ['urn:ngsi-ld:Subscription:list-4'],
    );
  });

  test('the default page holds up to 20', async () => {
    assert.equal((expectStatus(await local.get(SUBS), 200) as Json[]).length, 5);
  });

  test('limit over the maximum is 403 TooManyResults; a bad limit 400', async () => {
    assertProblem(await local.get(`${SUBS}?limit=5000`), 'TooManyResults');
    assertProblem(await local.get(`${SUBS}?limit=-1`), 'BadRequestData');
  });

  test('another city sees none of them', async () => {
    const { platform } = local.tp;
    await platform.store.transaction((tx) =>
      platform.tenancy.ensureTenant(tx, 'suzhou', { zh: '苏州', en: 'Suzhou' }, { name: { zh: '苏州', en: 'Suzhou' }, center: [120.58, 31.3], districts: { type: 'FeatureCollection', features: [] } }, []),
    );
    await platform.auth.ensureFirstAdmin('suzhou', 'suzhou-admin-password-1');
    const token = await local.tp.login('admin', 'suzhou-admin-password-1', 'suzhou');
    const list = expectStatus(await local.get(SUBS, { token, tenant: 'suzhou' }), 200) as Json[];
    assert.deepEqual(list, []);
    assertProblem(await local.get(subPath('urn:ngsi-ld:Subscription:list-0'), { token, tenant: 'suzhou' }), 'ResourceNotFound');
  });

  test("a user sees only their own subscriptions; the admin's stay hidden from them", async () => {
    const created = await local.tp.platform.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${local.token}` },
      payload: { username: 'officer1', password: 'officer-password-1', roles: ['officer'], department: 'transport' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const token = await local.tp.login('officer1', 'officer-password-1');
    expectStatus(await local.post(SUBS, subscription({ id: 'urn:ngsi-ld:Subscription:officer-1' }), { token }), 201);
    const mine = expectStatus(await local.get(SUBS, { token }), 200) as Json[];
    assert.deepEqual(
      mine.map((s) => s.id),
      ['urn:ngsi-ld:Subscription:officer-1'],
    );
    assertProblem(await local.get(subPath('urn:ngsi-ld:Subscription:list-0'), { token }), 'ResourceNotFound');
    assertProblem(await local.delete(subPath('urn:ngsi-ld:Subscription:list-0'), { token }), 'ResourceNotFound');
    // The operations centre sees every subscription of the city.
    const all = expectStatus(await local.get(`${SUBS}?limit=100`), 200) as Json[];
    assert.equal(all.length, 6);
  });
});

describe('Update Subscription (5.8.2, 6.11.3.2)', () => {
  test('a fragment changes only its members, and 204 is the answer', async () => {
    const id = await create(subscription({ q: 'pm25>75' }));
    expectStatus(await hub.patch(subPath(id), { q: 'pm25>100', throttling: 10 }), 204);
    const got = await retrieve(id);
    assert.equal(got.q, 'pm25>100');
    assert.equal(got.throttling, 10);
    assert.deepEqual(got.entities, [{ type: 'AirQualityObserved' }]);
  });

  test('isActive false pauses it, true resumes it', async () => {
    const id = await create(subscription());
    expectStatus(await hub.patch(subPath(id), { isActive: false }), 204);
    assert.equal((await retrieve(id)).status, 'paused');
    expectStatus(await hub.patch(subPath(id), { isActive: true }), 204);
    assert.equal((await retrieve(id)).status, 'active');
  });

  test('a notification fragment changes only the members it names', async () => {
    const id = await create(subscription());
    expectStatus(await hub.patch(subPath(id), { notification: { format: 'keyValues' } }), 204);
    const notification = (await retrieve(id)).notification as Json;
    assert.equal(notification.format, 'keyValues');
    assert.deepEqual(notification.endpoint, { uri: 'http://127.0.0.1:9/notify', accept: 'application/json' });
  });

  test('a subscription past its expiresAt shows status expired', async () => {
    const id = await create(subscription({ expiresAt: new Date(Date.now() + 300).toISOString() }));
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal((await retrieve(id)).status, 'expired');
  });

  test('an unknown subscription is 404; a bad fragment, an empty one or another id 400', async () => {
    assertProblem(await hub.patch(subPath('urn:ngsi-ld:Subscription:none'), { isActive: false }), 'ResourceNotFound');
    const id = await create(subscription());
    assertProblem(await hub.patch(subPath(id), { throttling: 'often' }), 'BadRequestData');
    assertProblem(await hub.patch(subPath(id), {}), 'BadRequestData');
    assertProblem(await hub.patch(subPath(id), { id: 'urn:ngsi-ld:Subscription:other' }), 'BadRequestData');
    assertProblem(await hub.patch(subPath(id), { timeInterval: 10, watchedAttributes: ['a'] }), 'BadRequestData');
    // Nothing of a refused fragment was kept.
    assert.equal((await retrieve(id)).throttling, undefined);
  });
});

describe('Delete Subscription (5.8.5, 6.11.3.3)', () => {
  test('answers 204; then the subscription is gone and a second delete is 404', async () => {
    const id = await create(subscription());
    expectStatus(await hub.delete(subPath(id)), 204);
    assertProblem(await hub.get(subPath(id)), 'ResourceNotFound');
    assertProblem(await hub.delete(subPath(id)), 'ResourceNotFound');
  });
});
