/**
 * Retrieve (clause 5.7.3 / 6.19) and Query (5.7.4 / 6.18) the temporal evolution of entities: the temporal query
 * (4.11: timerel, timeAt, endTimeAt, timeproperty), lastN, entity selection, representations and errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, assertProblem, type Hub, type Json, openHub, TEST_CONTEXT, TEST_NS } from '../ngsi-ld/support.ts';
import { minutesAfter, patchAttrs, reading, TEMPORAL, temporalGet, temporalPath } from './support.ts';

const T0 = '2026-04-01T00:00:00.000Z';
const SENSOR = 'urn:ngsi-ld:Sensor:q-1';
type Values = { type: string; values: [unknown, string][] };

describe('temporal consumption', () => {
  let hub: Hub;
  before(async () => {
    hub = await openHub();
    // Sensor q-1: temperature 10, 11, 12, 13, 14 at T0 + 0..4 minutes; q-2 and q-3 with other types, scopes and places.
    await hub.create({
      id: SENSOR,
      type: 'Sensor',
      scope: '/Hangzhou/Xihu',
      temperature: reading(10, T0),
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.15, 30.25] } },
    });
    for (let m = 1; m <= 4; m++) await patchAttrs(hub, SENSOR, { temperature: reading(10 + m, minutesAfter(T0, m)) });
    await hub.create({
      id: 'urn:ngsi-ld:Sensor:q-2',
      type: 'Sensor',
      scope: '/Hangzhou/Binjiang',
      temperature: reading(30, minutesAfter(T0, 2)),
      humidity: reading(60, minutesAfter(T0, 2)),
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.21, 30.2] } },
    });
    await hub.create({ id: 'urn:ngsi-ld:Station:q-3', type: 'Station', humidity: reading(70, minutesAfter(T0, 3)) });
  });
  after(() => hub?.close());

  const values = async (query: string, id = SENSOR, attr = 'temperature') => {
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${query}&options=temporalValues`);
    return ((body[attr] as Values | undefined)?.values ?? []).map(([v]) => v);
  };

  test('timerel=before selects instances strictly before timeAt', async () => {
    assert.deepEqual(await values(`timerel=before&timeAt=${minutesAfter(T0, 2)}`), [10, 11]);
  });

  test('timerel=after selects instances at or after timeAt', async () => {
    assert.deepEqual(await values(`timerel=after&timeAt=${minutesAfter(T0, 2)}`), [12, 13, 14]);
  });

  test('timerel=between selects timeAt ≤ t < endTimeAt', async () => {
    assert.deepEqual(await values(`timerel=between&timeAt=${minutesAfter(T0, 1)}&endTimeAt=${minutesAfter(T0, 3)}`), [11, 12]);
  });

  test('lastN keeps the latest N instances of each attribute, oldest first', async () => {
    assert.deepEqual(await values(`timerel=after&timeAt=${T0}&lastN=2`), [13, 14]);
  });

  test('timeproperty=modifiedAt selects on when instances were written, not observed', async () => {
    assert.deepEqual(await values('timerel=after&timeAt=2000-01-01T00:00:00Z&timeproperty=observedAt'), [10, 11, 12, 13, 14]);
    // Every instance was written now, long after it was observed in 2026-04-01… and before 2100.
    assert.deepEqual(await values(`timerel=before&timeAt=${minutesAfter(T0, 10)}&timeproperty=modifiedAt`), Date.now() < Date.parse(T0) ? [10, 11, 12, 13, 14] : []);
    assert.deepEqual(await values('timerel=before&timeAt=2100-01-01T00:00:00Z&timeproperty=modifiedAt'), [10, 11, 12, 13, 14]);
  });

  test('the normalized representation lists instances with type, value, observedAt and instanceId; sysAttrs adds createdAt and modifiedAt', async () => {
    const body = await temporalGet<Json>(hub, `${temporalPath(SENSOR)}?timerel=before&timeAt=${minutesAfter(T0, 1)}&attrs=temperature&options=sysAttrs`);
    assert.deepEqual(Object.keys(body).sort(), ['createdAt', 'id', 'modifiedAt', 'scope', 'temperature', 'type']);
    const [instance] = body.temperature as Json[];
    assert.equal(instance?.type, 'Property');
    assert.equal(instance?.value, 10);
    assert.equal(instance?.observedAt, T0);
    assert.match(String(instance?.instanceId), /^urn:ngsi-ld:Instance:/);
    assert.equal(typeof instance?.createdAt, 'string');
    assert.equal(typeof instance?.modifiedAt, 'string');
  });

  test('attrs keeps only the named attributes; retrieving only attributes the entity never had is 404', async () => {
    const body = await temporalGet<Json>(hub, `${temporalPath('urn:ngsi-ld:Sensor:q-2')}?timerel=after&timeAt=${T0}&attrs=humidity`);
    assert.deepEqual(Object.keys(body).sort(), ['humidity', 'id', 'scope', 'type']);
    assertProblem(await hub.get(`${temporalPath('urn:ngsi-ld:Sensor:q-2')}?timerel=after&timeAt=${T0}&attrs=pressure`), 'ResourceNotFound');
  });

  test('retrieving an entity without history is 404 ResourceNotFound', async () => {
    assertProblem(await hub.get(`${temporalPath('urn:ngsi-ld:Sensor:none')}?timerel=after&timeAt=${T0}`), 'ResourceNotFound');
  });

  test('query by type, in id order, each entity with its history in the range', async () => {
    const list = await temporalGet<Json[]>(hub, `${TEMPORAL}?type=Sensor&timerel=between&timeAt=${minutesAfter(T0, 2)}&endTimeAt=${minutesAfter(T0, 3)}&options=temporalValues`);
    assert.deepEqual(
      list.map((e) => [e.id, (e.temperature as Values).values]),
      [
        [SENSOR, [[12, minutesAfter(T0, 2)]]],
        ['urn:ngsi-ld:Sensor:q-2', [[30, minutesAfter(T0, 2)]]],
      ],
    );
  });

  test('query by attrs selects entities that have one of them, of any type', async () => {
    const list = await temporalGet<Json[]>(hub, `${TEMPORAL}?attrs=humidity&timerel=after&timeAt=${T0}`);
    assert.deepEqual(
      list.map((e) => e.id),
      ['urn:ngsi-ld:Sensor:q-2', 'urn:ngsi-ld:Station:q-3'],
    );
    assert.ok(list.every((e) => e.temperature === undefined));
  });

  test('q, scopeQ, idPattern and geoQ select entities with the hub query languages', async () => {
    const ids = async (query: string) => (await temporalGet<Json[]>(hub, `${TEMPORAL}?${query}&timerel=after&timeAt=${T0}`)).map((e) => e.id);
    assert.deepEqual(await ids('type=Sensor&q=temperature>20'), ['urn:ngsi-ld:Sensor:q-2']);
    assert.deepEqual(await ids('scopeQ=/Hangzhou/Xihu'), [SENSOR]);
    assert.deepEqual(await ids('idPattern=^urn:ngsi-ld:Station:.*'), ['urn:ngsi-ld:Station:q-3']);
    assert.deepEqual(await ids('georel=near;maxDistance==2000&geometry=Point&coordinates=[120.15,30.25]'), [SENSOR]);
  });

  test('limit, offset and count page through the entities', async () => {
    const response = await hub.get(`${TEMPORAL}?type=Sensor,Station&timerel=after&timeAt=${T0}&limit=1&offset=1&count=true`, { accept: 'application/json' });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['ngsild-results-count'], '3');
    assert.deepEqual(
      response.json<Json[]>().map((e) => e.id),
      ['urn:ngsi-ld:Sensor:q-2'],
    );
  });

  test('names are compacted with the request @context (Link header) and JSON-LD answers carry it', async () => {
    const id = 'urn:ngsi-ld:Sensor:ctx';
    const created = await hub.post(`${API}/entities`, { '@context': [TEST_CONTEXT, 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld'], id, type: 'Sensor', reading: reading(5, T0) }, { raw: true });
    assert.equal(created.statusCode, 201, created.body);
    const plain = await temporalGet<Json>(hub, `${temporalPath(id)}?timerel=after&timeAt=${T0}`);
    assert.equal(plain.type, `${TEST_NS}Sensor`, 'without the user context, the type stays a full IRI');
    assert.ok(`${TEST_NS}reading` in plain);
    const ld = await hub.get(`${temporalPath(id)}?timerel=after&timeAt=${T0}`, { accept: 'application/ld+json', headers: {} });
    assert.equal(ld.statusCode, 200);
    assert.ok('@context' in ld.json<Json>());
  });

  test('more instances than one answer holds: 206 with the range it covers completely', async () => {
    const id = 'urn:ngsi-ld:Meter:many';
    const instances = Array.from({ length: 1100 }, (_, i) => reading(i, minutesAfter(T0, i)));
    const created = await hub.post(TEMPORAL, { id, type: 'Meter', power: instances }, { contentType: 'application/json' });
    assert.equal(created.statusCode, 201, created.body);
    const response = await hub.get(`${temporalPath(id)}?timerel=after&timeAt=${T0}&options=temporalValues`, { accept: 'application/json' });
    assert.equal(response.statusCode, 206, response.body.slice(0, 200));
    assert.equal(response.headers['content-range'], `date-time ${T0}-${minutesAfter(T0, 1000)}/*`);
    const got = (response.json<Json>().power as Values).values;
    assert.equal(got.length, 1000);
    assert.deepEqual(got[999], [999, minutesAfter(T0, 999)]);
    // Asking again from where the answer stopped gives the rest.
    const rest = await temporalGet<Json>(hub, `${temporalPath(id)}?timerel=after&timeAt=${minutesAfter(T0, 1000)}&options=temporalValues`);
    assert.equal((rest.power as Values).values.length, 100);
  });
});

describe('temporal query errors', () => {
  let hub: Hub;
  before(async () => {
    hub = await openHub();
    await hub.create({ id: SENSOR, type: 'Sensor', temperature: reading(10, T0) });
  });
  after(() => hub?.close());

  const problem = async (query: string, pattern: RegExp, path = temporalPath(SENSOR)) => {
    const body = assertProblem(await hub.get(`${path}?${query}`), 'BadRequestData');
    assert.match(String(body.detail), pattern);
  };

  test('a temporal query without timerel is 400 and says what to give', () => problem('attrs=temperature', /needs timerel and timeAt/));
  test('timerel without timeAt is 400', () => problem('timerel=after', /timerel=after needs timeAt/));
  test('an unknown timerel is 400 naming the allowed ones', () => problem(`timerel=during&timeAt=${T0}`, /timerel must be one of before, after, between/));
  test('between without endTimeAt is 400', () => problem(`timerel=between&timeAt=${T0}`, /needs endTimeAt/));
  test('endTimeAt before timeAt is 400', () => problem(`timerel=between&timeAt=${T0}&endTimeAt=2020-01-01T00:00:00Z`, /endTimeAt must be later than timeAt/));
  test('a timeAt that is not a date-time is 400', () => problem('timerel=after&timeAt=yesterday', /timeAt must be an ISO 8601 date-time/));
  test('an unknown timeproperty is 400', () => problem(`timerel=after&timeAt=${T0}&timeproperty=seenAt`, /timeproperty must be one of observedAt, createdAt, modifiedAt/));
  test('timeproperty=deletedAt is refused with the reason', () => problem(`timerel=after&timeAt=${T0}&timeproperty=deletedAt`, /deletedAt is not supported/));
  test('lastN=0 is 400', () => problem(`timerel=after&timeAt=${T0}&lastN=0`, /lastN/));
  test('an unknown option is 400', () => problem(`timerel=after&timeAt=${T0}&options=keyValues`, /Unknown option "keyValues"/));
  test('aggrMethods without aggregatedValues is 400', () => problem(`timerel=after&timeAt=${T0}&aggrMethods=avg`, /go with options=aggregatedValues/));
  test('a query of entities that selects nothing is 400', () => problem(`timerel=after&timeAt=${T0}`, /Say which entities/, TEMPORAL));
  test('a bad q is 400 with the position', () => problem(`type=Sensor&q=temperature>>1&timerel=after&timeAt=${T0}`, /Invalid q at character/, TEMPORAL));
  test('a limit above 1000 is 403 TooManyResults', async () => {
    assertProblem(await hub.get(`${TEMPORAL}?type=Sensor&timerel=after&timeAt=${T0}&limit=5000`), 'TooManyResults');
  });
});
