/** Open311 GeoReport v2 contract: Service Discovery, GET services, GET service definitions, jurisdictions, formats and unknown paths. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { API, assertError, call, FORMATS, readAs } from './support.ts';

type Service = { service_code: string; service_name: string; description: string | null; metadata: boolean; type: string; keywords: string; group: string };
type Attribute = {
  variable: boolean;
  code: string;
  datatype: string;
  required: boolean;
  datatype_description: string | null;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
};

let platform: TestPlatform;
before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform?.close();
});

for (const format of FORMATS) {
  describe(`Open311 discovery and services (${format})`, () => {
    test('Service Discovery lists the GeoReport v2 endpoint with its absolute URL and both formats', async () => {
      const answer = readAs(await call(platform, 'GET', 'discovery', format), format, 'discovery');
      assert.equal(answer.status, 200);
      const doc = answer.doc as { endpoints: { specification: string; url: string; formats: string[]; type: string }[]; key_service: string };
      assert.equal(doc.endpoints.length, 1);
      const [endpoint] = doc.endpoints;
      assert.equal(endpoint?.specification, 'http://wiki.open311.org/GeoReport_v2');
      assert.equal(endpoint?.url, `http://localhost:80${API}`);
      assert.deepEqual(endpoint?.formats, ['text/xml', 'application/json']);
      assert.match(doc.key_service, /api_key/);
    });

    test('the service list has the five seeded request types with their codes, types and groups', async () => {
      const answer = readAs(await call(platform, 'GET', 'services', format), format, 'services');
      assert.equal(answer.status, 200);
      const services = answer.doc as Service[];
      assert.deepEqual(
        services.map((s) => [s.service_code, s.type, s.group, s.metadata]),
        [
          ['pothole', 'realtime', 'roads', true],
          ['streetlight', 'realtime', 'lighting', true],
          ['garbage', 'realtime', 'sanitation', false],
          ['noise', 'realtime', 'environment', true],
          ['illegal-parking', 'batch', 'traffic', true],
        ],
      );
      const pothole = services[0] as Service;
      assert.equal(pothole.service_name, '道路坑洼');
      assert.equal(pothole.keywords, '坑, 路面, 破损, pothole, road');
    });

    test('names and descriptions are in English when Accept-Language prefers English', async () => {
      const answer = readAs(await call(platform, 'GET', 'services', format, { headers: { 'accept-language': 'en-GB,en;q=0.9,zh;q=0.5' } }), format, 'services');
      const services = answer.doc as Service[];
      assert.equal(services.find((s) => s.service_code === 'illegal-parking')?.service_name, 'Illegal parking');
    });

    test('the pothole definition lists its attributes in order with every datatype and the list values', async () => {
      const answer = readAs(await call(platform, 'GET', 'services/pothole', format), format, 'service-definition');
      assert.equal(answer.status, 200);
      const doc = answer.doc as { service_code: string; attributes: Attribute[] };
      assert.equal(doc.service_code, 'pothole');
      assert.deepEqual(
        doc.attributes.map((a) => [a.code, a.datatype, a.required, a.variable]),
        [
          ['safety_note', 'string', false, false],
          ['depth_cm', 'number', true, true],
          ['lane', 'singlevaluelist', true, true],
          ['hazards', 'multivaluelist', false, true],
          ['first_seen', 'datetime', false, true],
          ['landmark', 'string', false, true],
          ['details', 'text', false, true],
        ],
      );
      assert.deepEqual(
        doc.attributes.map((a) => a.order),
        [1, 2, 3, 4, 5, 6, 7],
        'order is a positive integer, unique in the service, 1 shown first',
      );
      const lane = doc.attributes.find((a) => a.code === 'lane');
      assert.deepEqual(lane?.values, [
        { key: 'motorway', name: '机动车道' },
        { key: 'bike', name: '非机动车道' },
        { key: 'sidewalk', name: '人行道' },
      ]);
      assert.deepEqual(
        doc.attributes.find((a) => a.code === 'hazards')?.values?.map((v) => v.key),
        ['water', 'dark', 'busy'],
      );
      assert.equal(doc.attributes.find((a) => a.code === 'depth_cm')?.datatype_description, '数字，例如 8');
      assert.equal(doc.attributes.find((a) => a.code === 'landmark')?.datatype_description, null);
      assert.equal(doc.attributes.find((a) => a.code === 'safety_note')?.description, '请勿在车道上停留拍照');
    });

    test('a service without metadata has a definition with no attributes', async () => {
      const answer = readAs(await call(platform, 'GET', 'services/garbage', format), format, 'service-definition');
      assert.deepEqual(answer.doc, { service_code: 'garbage', attributes: [] });
    });

    test('an unknown service code is a 404 that names the code', async () => {
      const response = await call(platform, 'GET', 'services/sinkhole', format);
      assertError(response, format, 404, 'sinkhole');
    });

    test('jurisdiction_id of the default city gives the same list as leaving it out', async () => {
      const given = await call(platform, 'GET', 'services', format, { query: { jurisdiction_id: 'hangzhou' } });
      const omitted = await call(platform, 'GET', 'services', format);
      assert.equal(given.statusCode, 200);
      assert.equal(given.body, omitted.body);
    });

    test('an unknown jurisdiction_id is a 404 that names it', async () => {
      for (const path of ['services', 'services/pothole', 'requests', 'requests/HZ00000001', 'tokens/abc']) {
        const response = await call(platform, 'GET', path, format, { query: { jurisdiction_id: 'atlantis' } });
        assertError(response, format, 404, 'jurisdiction_id', 'atlantis');
      }
    });

    test('an unknown path under the endpoint is a 404 in the Open311 error format', async () => {
      const response = await call(platform, 'GET', 'servicez', format);
      assertError(response, format, 404, 'servicez', 'services');
    });

    test('a path whose percent-encoding is not UTF-8 is a 400 in the Open311 error format', async () => {
      const response = await platform.platform.server.inject({ method: 'GET', url: `${API}/services/%C3%28.${format}` });
      assertError(response, format, 400);
    });

    test('a method the path does not take is a 400 naming the methods it does', async () => {
      const response = await platform.platform.server.inject({ method: 'DELETE', url: `${API}/services.${format}` });
      assertError(response, format, 400, 'DELETE', 'GET');
      assert.equal(response.headers.allow, 'GET');
    });

    test('a wrong Authorization header on a public method is a 403 in the Open311 format', async () => {
      const response = await call(platform, 'GET', 'services', format, { headers: { authorization: 'Basic abc' } });
      assertError(response, format, 403, 'Bearer');
    });
  });
}

describe('Open311 formats without a suffix', () => {
  test('a path without a format suffix answers XML by default', async () => {
    const response = await platform.platform.server.inject({ method: 'GET', url: `${API}/services` });
    assert.equal(response.statusCode, 200);
    assert.equal((readAs(response, 'xml', 'services').doc as unknown[]).length, 5);
  });

  test('a path without a suffix answers JSON when the Accept header prefers it', async () => {
    const response = await platform.platform.server.inject({ method: 'GET', url: `${API}/services`, headers: { accept: 'application/json' } });
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(response.json<unknown[]>().length, 5);
  });

  test('the suffix wins over the Accept header', async () => {
    const response = await platform.platform.server.inject({ method: 'GET', url: `${API}/services.xml`, headers: { accept: 'application/json' } });
    assert.equal(response.headers['content-type'], 'text/xml; charset=utf-8');
  });

  test('a service definition without a suffix also negotiates its format', async () => {
    const response = await platform.platform.server.inject({ method: 'GET', url: `${API}/services/noise`, headers: { accept: 'application/json' } });
    assert.equal(response.statusCode, 200);
    readAs(response, 'json', 'service-definition');
  });
});
