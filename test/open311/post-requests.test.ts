/** Open311 GeoReport v2 contract: POST requests (api_key, location, every attribute datatype, media, batch tokens) and its refusals. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HANGZHOU_DEPARTMENTS, unmappedCity } from '../../src/platform/tenancy/hangzhou.ts';
import { ADMIN_PASSWORD, bearer, startTestPlatform, type TestPlatform } from '../support/platform.ts';
import {
  API,
  assertError,
  call,
  createApiKey,
  FORMATS,
  type Format,
  formBody,
  multipart,
  potholeFields,
  type RequestDoc,
  readAs,
  TINY_PNG,
  WEST_LAKE,
} from './support.ts';

let platform: TestPlatform;
let apiKey: string;

before(async () => {
  platform = await startTestPlatform();
  apiKey = await createApiKey(platform);
});
after(async () => {
  await platform?.close();
});

async function count(sql: string): Promise<number> {
  const [row] = await platform.platform.store.query<{ n: number | string }>(sql);
  return Number(row?.n ?? 0);
}

/** How many requests and photos the city holds: what a refused POST must leave unchanged. */
async function stored(): Promise<{ requests: number; media: number }> {
  return {
    requests: await count('SELECT count(*) AS n FROM service_requests'),
    media: await count('SELECT count(*) AS n FROM service_request_media'),
  };
}

/** POSTs the form and asserts it was refused with `status`, naming `words`, and that nothing was saved. */
async function assertRefused(format: Format, form: [string, string][] | string, status: number, ...words: (string | RegExp)[]): Promise<string> {
  const before = await stored();
  const response = await call(platform, 'POST', 'requests', format, { form });
  const description = assertError(response, format, status, ...words);
  assert.deepEqual(await stored(), before, 'a refused request leaves nothing behind');
  return description;
}

async function submit(format: Format, fields: [string, string][]): Promise<string> {
  const response = await call(platform, 'POST', 'requests', format, { form: fields });
  assert.equal(response.statusCode, 201, response.body);
  const [created] = readAs(response, format, 'post-service-request').doc as { service_request_id: string }[];
  assert.ok(created?.service_request_id);
  return created.service_request_id;
}

async function fetchRequest(format: Format, id: string): Promise<RequestDoc> {
  const answer = readAs(await call(platform, 'GET', `requests/${encodeURIComponent(id)}`, format), format, 'service-requests');
  assert.equal(answer.status, 200, answer.text);
  return (answer.doc as RequestDoc[])[0] as RequestDoc;
}

/** The workflow's full view of a request (as the city's admin sees it). */
async function fullView(id: string): Promise<{ attributes: Record<string, unknown>; media: { id: string; review: string }[]; reporter?: Record<string, string> }> {
  const response = await platform.platform.server.inject({ method: 'GET', url: `/api/v1/requests/${id}`, headers: bearer(platform.adminToken) });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

for (const format of FORMATS) {
  describe(`Open311 POST requests (${format})`, () => {
    test("the specification's example request, adapted to the seeded pothole, files a request with a string id", async () => {
      const form =
        `api_key=${encodeURIComponent(apiKey)}&jurisdiction_id=hangzhou&service_code=pothole&lat=30.2590&long=120.1300` +
        '&address_string=%E6%96%87%E4%B8%89%E8%B7%AF+478%E5%8F%B7&email=smit333%40example.org&device_id=tt222111&account_id=123456' +
        '&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street' +
        '&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg&attribute[depth_cm]=30&attribute[lane]=bike';
      const response = await call(platform, 'POST', 'requests', format, { form });
      assert.equal(response.statusCode, 201, response.body);
      const [created] = readAs(response, format, 'post-service-request').doc as { service_request_id: string; service_notice: string; account_id: string }[];
      assert.equal(typeof created?.service_request_id, 'string');
      assert.equal(created?.account_id, '123456');
      assert.ok(created?.service_notice, 'a service notice says what happens next');

      const request = await fetchRequest(format, created.service_request_id);
      assert.equal(request.status, 'open');
      assert.equal(request.service_code, 'pothole');
      assert.equal(request.service_name, '道路坑洼');
      assert.equal(request.description, 'A large sinkhole is destroying the street');
      assert.equal(request.address, '文三路 478号');
      assert.equal(request.lat, 30.259);
      assert.equal(request.long, 120.13);
      assert.equal(request.media_url, 'http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg');
      assert.ok(request.agency_responsible, 'the routed department is the agency responsible');
      const view = await fullView(created.service_request_id);
      assert.deepEqual(view.attributes, { depth_cm: 30, lane: 'bike' });
    });

    test('without api_key the request is refused with 403 and nothing is saved', async () => {
      const fields = potholeFields(apiKey).filter(([name]) => name !== 'api_key');
      await assertRefused(format, fields, 403, 'api_key');
    });

    test('a wrong api_key is refused with 403 and nothing is saved', async () => {
      await assertRefused(format, potholeFields('cck_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 403, 'api_key');
      await assertRefused(format, potholeFields('not-a-key'), 403, 'api_key');
    });

    test('a revoked api_key is refused with 403', async () => {
      const key = await createApiKey(platform, `revoked client ${format}`);
      const keys = await platform.platform.server.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer(platform.adminToken) });
      const id = keys.json<{ keys: { id: string; name: string }[] }>().keys.find((k) => k.name === `revoked client ${format}`)?.id;
      const revoked = await platform.platform.server.inject({ method: 'DELETE', url: `/api/v1/keys/${id}`, headers: bearer(platform.adminToken) });
      assert.ok(revoked.statusCode < 300, revoked.body);
      await assertRefused(format, potholeFields(key), 403, 'revoked');
    });

    test('an api_key may also be sent in the query string', async () => {
      const fields = potholeFields(apiKey).filter(([name]) => name !== 'api_key');
      const response = await call(platform, 'POST', 'requests', format, { form: fields, query: { api_key: apiKey } });
      assert.equal(response.statusCode, 201, response.body);
    });

    test('a missing service_code is a 400 that names service_code', async () => {
      const fields = potholeFields(apiKey).filter(([name]) => name !== 'service_code');
      await assertRefused(format, fields, 400, 'service_code');
    });

    test('an unknown service_code is a 404 that names the code', async () => {
      const fields = potholeFields(apiKey).map(([name, value]): [string, string] => [name, name === 'service_code' ? 'sinkhole' : value]);
      await assertRefused(format, fields, 404, 'sinkhole');
    });

    test('an unknown jurisdiction_id is a 404 naming it, and nothing is saved', async () => {
      await assertRefused(format, potholeFields(apiKey, [['jurisdiction_id', 'atlantis']]), 404, 'atlantis');
    });

    test('a request without any location is a 400 that says which location arguments to send', async () => {
      const fields = potholeFields(apiKey).filter(([name]) => name !== 'lat' && name !== 'long');
      await assertRefused(format, fields, 400, 'lat', 'long', 'address_string', 'address_id');
    });

    test('lat without long is a 400 naming long', async () => {
      const fields = potholeFields(apiKey).filter(([name]) => name !== 'long');
      await assertRefused(format, fields, 400, 'long');
    });

    test('a latitude out of range is a 400 naming lat', async () => {
      const fields = potholeFields(apiKey).map(([name, value]): [string, string] => [name, name === 'lat' ? '130.5' : value]);
      await assertRefused(format, fields, 400, 'lat');
    });

    test('an address_string alone is a full location', async () => {
      const fields: [string, string][] = [
        ['api_key', apiKey],
        ['service_code', 'garbage'],
        ['address_string', '西湖区文三路 90 号东门'],
        ['description', '垃圾桶满了两天没人清运'],
      ];
      const id = await submit(format, fields);
      const request = await fetchRequest(format, id);
      assert.equal(request.address, '西湖区文三路 90 号东门');
      assert.equal(request.lat, null);
      assert.equal(request.long, null);
    });

    test('an address_id alone is a full location and is returned as address_id', async () => {
      const id = await submit(format, [
        ['api_key', apiKey],
        ['service_code', 'garbage'],
        ['address_id', 'HZ-ADDR-545483'],
      ]);
      assert.equal((await fetchRequest(format, id)).address_id, 'HZ-ADDR-545483');
    });

    test('a number attribute that is not a number is a 400 naming the attribute', async () => {
      const fields = potholeFields(apiKey).map(([name, value]): [string, string] => [name, name === 'attribute[depth_cm]' ? 'deep' : value]);
      await assertRefused(format, fields, 400, 'attribute[depth_cm]', 'number');
    });

    test('a number attribute is stored as a number', async () => {
      const id = await submit(format, potholeFields(apiKey).map(([name, value]): [string, string] => [name, name === 'attribute[depth_cm]' ? '7.5' : value]));
      assert.equal((await fullView(id)).attributes.depth_cm, 7.5);
    });

    test('a required attribute left out is a 400 naming the attribute', async () => {
      const fields = potholeFields(apiKey).filter(([name]) => name !== 'attribute[lane]');
      await assertRefused(format, fields, 400, 'attribute[lane]', 'required');
    });

    test('a singlevaluelist value that is not one of its keys is a 400 listing the keys', async () => {
      const fields = potholeFields(apiKey).map(([name, value]): [string, string] => [name, name === 'attribute[lane]' ? 'tram' : value]);
      await assertRefused(format, fields, 400, 'attribute[lane]', 'motorway', 'bike', 'sidewalk');
    });

    test('a multivaluelist takes several values as attribute[CODE][]', async () => {
      const id = await submit(format, potholeFields(apiKey, [
        ['attribute[hazards][]', 'water'],
        ['attribute[hazards][]', 'dark'],
      ]));
      assert.deepEqual((await fullView(id)).attributes.hazards, ['water', 'dark']);
    });

    test('a multivaluelist value that is not one of its keys is a 400 naming the attribute', async () => {
      const fields = potholeFields(apiKey, [
        ['attribute[hazards][]', 'water'],
        ['attribute[hazards][]', 'lava'],
      ]);
      await assertRefused(format, fields, 400, 'attribute[hazards]', 'lava');
    });

    test('a datetime attribute must be an ISO 8601 date and time', async () => {
      await assertRefused(format, potholeFields(apiKey, [['attribute[first_seen]', 'last tuesday']]), 400, 'attribute[first_seen]', 'ISO 8601');
      const id = await submit(format, potholeFields(apiKey, [['attribute[first_seen]', '2025-05-01T08:30:00+08:00']]));
      assert.equal((await fullView(id)).attributes.first_seen, '2025-05-01T00:30:00.000Z');
    });

    test('a string attribute is one line while a text attribute may hold line breaks', async () => {
      await assertRefused(format, potholeFields(apiKey, [['attribute[landmark]', '武林广场\n地铁站']]), 400, 'attribute[landmark]', 'line');
      const id = await submit(format, potholeFields(apiKey, [
        ['attribute[landmark]', '武林广场地铁站 B 口'],
        ['attribute[details]', '第一行\n第二行'],
      ]));
      const { attributes } = await fullView(id);
      assert.equal(attributes.landmark, '武林广场地铁站 B 口');
      assert.equal(attributes.details, '第一行\n第二行');
    });

    test('an attribute the service does not define is a 400 naming it', async () => {
      await assertRefused(format, potholeFields(apiKey, [['attribute[colour]', 'red']]), 400, 'attribute[colour]');
    });

    test('an attribute field that is not written attribute[CODE] is a 400 that shows the form', async () => {
      await assertRefused(format, potholeFields(apiKey, [['attribute[depth_cm', '3']]), 400, 'attribute[CODE]');
    });

    test('a description of more than 4,000 characters is a 400 that gives the limit', async () => {
      const fields = potholeFields(apiKey).map(([name, value]): [string, string] => [name, name === 'description' ? '坑'.repeat(4001) : value]);
      await assertRefused(format, fields, 400, 'description', '4000');
    });

    test('a description of exactly 4,000 characters is accepted', async () => {
      const fields = potholeFields(apiKey).map(([name, value]): [string, string] => [name, name === 'description' ? '坑'.repeat(4000) : value]);
      const id = await submit(format, fields);
      assert.equal((await fetchRequest(format, id)).description, '坑'.repeat(4000));
    });

    test('an XSS payload in the description is refused with a message saying to send plain text', async () => {
      const fields = potholeFields(apiKey).map(([name, value]): [string, string] => [name, name === 'description' ? '<script>alert("x")</script>坑' : value]);
      await assertRefused(format, fields, 400, 'description', 'plain text');
      const img = potholeFields(apiKey).map(([name, value]): [string, string] => [name, name === 'description' ? '"><img src=x onerror=alert(1)>' : value]);
      await assertRefused(format, img, 400, 'description');
    });

    test('characters that mean something in XML and JSON come back as the same inert text', async () => {
      const text = `1 < 2 && 3 > 2 "quoted" 'single' ]]> \\u003c {"x":1} &amp;`;
      const id = await submit(format, potholeFields(apiKey).map(([name, value]): [string, string] => [name, name === 'description' ? text : value]));
      const response = await call(platform, 'GET', `requests/${id}`, format);
      if (format === 'xml') {
        assert.ok(!response.body.includes('1 < 2'), 'the < is escaped in XML');
        assert.ok(response.body.includes('1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;quoted&quot; &apos;single&apos; ]]&gt;'));
      }
      assert.equal((readAs(response, format, 'service-requests').doc as RequestDoc[])[0]?.description, text);
    });

    test('the illegal-parking batch service answers a token, and the token gives the service_request_id', async () => {
      const response = await call(platform, 'POST', 'requests', format, {
        form: [
          ['api_key', apiKey],
          ['service_code', 'illegal-parking'],
          ['lat', WEST_LAKE.lat],
          ['long', WEST_LAKE.long],
          ['attribute[plate]', '浙A12345'],
          ['description', '车辆占用消防通道'],
        ],
      });
      assert.equal(response.statusCode, 201, response.body);
      const [created] = readAs(response, format, 'post-service-request').doc as { token?: string; service_request_id?: string }[];
      assert.ok(created?.token, 'a batch service returns a token');
      assert.equal(created.service_request_id, undefined, 'and no service_request_id');

      const lookup = readAs(await call(platform, 'GET', `tokens/${encodeURIComponent(created.token)}`, format), format, 'token');
      assert.equal(lookup.status, 200);
      const [found] = lookup.doc as { token: string; service_request_id: string }[];
      assert.equal(found?.token, created.token);
      const request = await fetchRequest(format, found?.service_request_id as string);
      assert.equal(request.service_code, 'illegal-parking');
    });

    test('an unknown token is a 404 naming the token', async () => {
      assertError(await call(platform, 'GET', 'tokens/no-such-token', format), format, 404, 'no-such-token');
    });

    test('a JSON body is refused with a 400 that names the form content types', async () => {
      const response = await platform.platform.server.inject({
        method: 'POST',
        url: `${API}/requests.${format}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ api_key: apiKey, service_code: 'pothole' }),
      });
      assertError(response, format, 400, 'application/x-www-form-urlencoded');
    });

    test('a form that is not UTF-8 is a 400 that says so', async () => {
      const before = await stored();
      const response = await call(platform, 'POST', 'requests', format, {
        body: Buffer.concat([Buffer.from(`${formBody(potholeFields(apiKey))}&landmark=`), Buffer.from([0xc3, 0x28])]),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assertError(response, format, 400, 'UTF-8');
      assert.deepEqual(await stored(), before);
    });

    test('a form larger than the limit is a 400, not a server error', async () => {
      const response = await call(platform, 'POST', 'requests', format, { form: potholeFields(apiKey, [['padding', 'x'.repeat(100_000)]]) });
      assertError(response, format, 400, 'larger');
    });

    test('an argument sent twice with different values is a 400 naming it', async () => {
      await assertRefused(format, potholeFields(apiKey, [['service_code', 'noise']]), 400, 'service_code');
    });

    test('a POST without a body is a 400 that says a form is needed', async () => {
      const response = await platform.platform.server.inject({ method: 'POST', url: `${API}/requests.${format}` });
      assertError(response, format, 400, 'form');
    });

    test('the reporter’s e-mail and phone are kept for the city but never shown publicly', async () => {
      const id = await submit(format, potholeFields(apiKey, [
        ['email', 'citizen@example.org'],
        ['phone', '13812345678'],
        ['first_name', '小明'],
      ]).map(([name, value]): [string, string] => [name, name === 'description' ? '坑很深，请打 13912345678 联系我' : value]));
      const response = await call(platform, 'GET', `requests/${id}`, format);
      assert.ok(!response.body.includes('citizen@example.org'));
      assert.ok(!response.body.includes('13812345678'));
      assert.ok(!response.body.includes('13912345678'), 'a phone number in the description is masked');
      assert.match(String((readAs(response, format, 'service-requests').doc as RequestDoc[])[0]?.description), /\[电话已隐藏\]/);
      const view = await fullView(id);
      assert.equal(view.reporter?.email, 'citizen@example.org');
    });
  });

  describe(`Open311 media upload extension (${format})`, () => {
    test('a multipart request with a PNG photo files the request; the photo is public once approved', async () => {
      const { body, contentType } = multipart(potholeFields(apiKey), [{ name: 'media', filename: 'hole.png', type: 'image/png', bytes: TINY_PNG }]);
      const response = await call(platform, 'POST', 'requests', format, { body, headers: { 'content-type': contentType } });
      assert.equal(response.statusCode, 201, response.body);
      const [created] = readAs(response, format, 'post-service-request').doc as { service_request_id: string }[];
      const id = created?.service_request_id as string;

      assert.equal((await fetchRequest(format, id)).media_url, null, 'a photo under review is not public');
      const view = await fullView(id);
      assert.equal(view.media.length, 1);
      const mediaId = view.media[0]?.id;
      const review = await platform.platform.server.inject({
        method: 'POST',
        url: `/api/v1/requests/${id}/media/${mediaId}/review`,
        headers: bearer(platform.adminToken),
        payload: { approved: true },
      });
      assert.equal(review.statusCode, 200, review.body);

      const mediaUrl = (await fetchRequest(format, id)).media_url as string;
      assert.match(mediaUrl, /^http:\/\/localhost:80\//);
      const photo = await platform.platform.server.inject({ method: 'GET', url: new URL(mediaUrl).pathname });
      assert.equal(photo.statusCode, 200);
      assert.deepEqual(photo.rawPayload, TINY_PNG);
    });

    test('a 9 MB photo is accepted: the 10 MB photo limit, not the size of a form, applies', async () => {
      const photo = Buffer.alloc(9 * 1024 * 1024, 0);
      TINY_PNG.copy(photo);
      const { body, contentType } = multipart(potholeFields(apiKey), [{ name: 'media', filename: 'big.png', type: 'image/png', bytes: photo }]);
      const response = await call(platform, 'POST', 'requests', format, { body, headers: { 'content-type': contentType } });
      assert.equal(response.statusCode, 201, response.body);
    });

    test('a 50 MB photo is refused with a 400 that gives the 10 MB limit, and nothing is saved', async () => {
      const before = await stored();
      const big = Buffer.alloc(50 * 1024 * 1024, 0);
      TINY_PNG.copy(big);
      const { body, contentType } = multipart(potholeFields(apiKey), [{ name: 'media', filename: 'huge.png', type: 'image/png', bytes: big }]);
      const response = await call(platform, 'POST', 'requests', format, { body, headers: { 'content-type': contentType } });
      assertError(response, format, 400, '10 MB');
      assert.deepEqual(await stored(), before);
    });

    test('a file named .jpg that is not an image is refused with a 400 naming the image types, and nothing is saved', async () => {
      const before = await stored();
      const fake = Buffer.from('MZ\u0090\u0000 this is an executable, not a photo');
      const { body, contentType } = multipart(potholeFields(apiKey), [{ name: 'media', filename: 'photo.jpg', type: 'image/jpeg', bytes: fake }]);
      const response = await call(platform, 'POST', 'requests', format, { body, headers: { 'content-type': contentType } });
      assertError(response, format, 400, 'JPEG');
      assert.deepEqual(await stored(), before);
    });

    test('a valid photo with a request the workflow refuses leaves no photo behind', async () => {
      const before = await stored();
      const fields = potholeFields(apiKey).filter(([name]) => name !== 'attribute[lane]');
      const { body, contentType } = multipart(fields, [{ name: 'media', filename: 'hole.png', type: 'image/png', bytes: TINY_PNG }]);
      const response = await call(platform, 'POST', 'requests', format, { body, headers: { 'content-type': contentType } });
      assertError(response, format, 400, 'attribute[lane]');
      assert.deepEqual(await stored(), before);
    });

    test('a file in a part other than media is a 400 naming media', async () => {
      const { body, contentType } = multipart(potholeFields(apiKey), [{ name: 'photo', filename: 'hole.png', type: 'image/png', bytes: TINY_PNG }]);
      const response = await call(platform, 'POST', 'requests', format, { body, headers: { 'content-type': contentType } });
      assertError(response, format, 400, '"media"');
    });

    test('a multipart body cut off in the middle is a 400, not a server error', async () => {
      const { body, contentType } = multipart(potholeFields(apiKey), [{ name: 'media', filename: 'hole.png', type: 'image/png', bytes: TINY_PNG }]);
      const response = await call(platform, 'POST', 'requests', format, { body: body.subarray(0, body.length - 40), headers: { 'content-type': contentType } });
      assertError(response, format, 400, 'multipart');
    });
  });
}

/** A second city on the same platform, with an API key of its own (created once, as its admin would). */
let ningboKey: Promise<string> | undefined;
function ningbo(): Promise<string> {
  ningboKey ??= (async () => {
    const { tenancy, auth, store } = platform.platform;
    await store.transaction((tx) => tenancy.ensureTenant(tx, 'ningbo', { zh: '宁波', en: 'Ningbo' }, unmappedCity('ningbo'), HANGZHOU_DEPARTMENTS));
    await auth.ensureFirstAdmin('ningbo', ADMIN_PASSWORD);
    const token = await platform.login('admin', ADMIN_PASSWORD, 'ningbo');
    const response = await platform.platform.server.inject({ method: 'POST', url: '/api/v1/keys', headers: bearer(token), payload: { name: 'ningbo app', role: 'developer' } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<{ key: string }>().key;
  })();
  return ningboKey;
}

for (const format of FORMATS) {
  describe(`Open311 jurisdictions on a platform of several cities (${format})`, () => {
    test("a key of one city cannot file a request in another city's jurisdiction", async () => {
      await assertRefused(format, potholeFields(await ningbo(), [['jurisdiction_id', 'hangzhou']]), 403, 'ningbo', 'hangzhou');
    });

    test("without jurisdiction_id a request is filed in the key's city and listed only there", async () => {
      const id = await submit(format, [
        ['api_key', await ningbo()],
        ['service_code', 'garbage'],
        ['address_string', '宁波市海曙区中山西路 1 号'],
      ]);
      const inNingbo = readAs(await call(platform, 'GET', 'requests', format, { query: { jurisdiction_id: 'ningbo' } }), format, 'service-requests');
      const listed = inNingbo.doc as RequestDoc[];
      assert.ok(listed.some((r) => r.service_request_id === id));
      assert.ok(listed.every((r) => String(r.address).startsWith('宁波')), 'only requests of Ningbo are listed there');
      const inHangzhou = readAs(await call(platform, 'GET', 'requests', format, { query: { jurisdiction_id: 'hangzhou' } }), format, 'service-requests');
      assert.ok(!(inHangzhou.doc as RequestDoc[]).some((r) => r.service_request_id === id));
      assertError(await call(platform, 'GET', `requests/${id}`, format, { query: { jurisdiction_id: 'hangzhou' } }), format, 404, id);
    });
  });
}
