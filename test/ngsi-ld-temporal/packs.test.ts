/**
 * Packed history: readings provided in bulk through the temporal API are stored as one row of arrays per series,
 * write and UTC day (src/temporal/schema.ts temporalPacksMigration). Nothing of this shows in the API: every read,
 * correction, deletion and retention behaves as with one row per instance — these tests hold it to that.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Hub, type Json, openHub } from '../ngsi-ld/support.ts';
import { DAY, dayStart } from '../../src/temporal/partitions.ts';
import { minutesAfter, reading, TEMPORAL, temporalGet, temporalPath } from './support.ts';

const json = { contentType: 'application/json' };
const ALL = 'timerel=after&timeAt=2000-01-01T00:00:00Z';
type Instance = Json & { instanceId: string; value: unknown; observedAt: string };

/** 23:00 UTC: two hours of minute readings cross into the next UTC day. */
const T0 = '2026-05-10T23:00:00.000Z';
const MINUTES = 120;
const valueAt = (k: number) => Math.round(Math.sin(k / 7) * 1000) / 100;

async function stored(hub: Hub, entityId: string): Promise<{ packs: number; packed: number; rows: number }> {
  const [row] = await hub.tp.platform.store.query<{ packs: number; packed: number; rows: number }>(
    `SELECT (SELECT count(*) FROM temporal_packs p JOIN temporal_series s ON s.id = p.series WHERE s.entity_id = $1)::int AS packs,
            (SELECT coalesce(sum(cardinality(p.observed_at)), 0) FROM temporal_packs p JOIN temporal_series s ON s.id = p.series WHERE s.entity_id = $1)::int AS packed,
            (SELECT count(*) FROM temporal_instances i JOIN temporal_series s ON s.id = i.series WHERE s.entity_id = $1)::int AS rows`,
    [entityId],
  );
  return row as { packs: number; packed: number; rows: number };
}

describe('packed history', () => {
  let hub: Hub;
  const id = 'urn:ngsi-ld:AirQualityObserved:packed-1';
  const minutes = Array.from({ length: MINUTES }, (_, k) => k);
  before(async () => {
    hub = await openHub();
    const body = {
      id,
      type: 'AirQualityObserved',
      pm25: minutes.map((k) => reading(valueAt(k), minutesAfter(T0, k), { unitCode: 'GQ' })),
      // Not packable: a text value, a reading with a sub-attribute, one without observedAt.
      category: [{ type: 'Property', value: 'good', observedAt: T0 }],
      no2: [reading(12, T0, { accuracy: { type: 'Property', value: 0.5 } }), reading(13, minutesAfter(T0, 1))],
    };
    const response = await hub.post(TEMPORAL, body, json);
    assert.equal(response.statusCode, 201, response.body);
  });
  after(() => hub?.close());

  test('a bulk write of readings is packed per UTC day; other instances keep rows', async () => {
    // pm25: one pack for the hour of May 10, one for May 11; no2: its two readings differ in shape (sub-attribute), so rows.
    assert.deepEqual(await stored(hub, id), { packs: 2, packed: MINUTES, rows: 3 });
  });

  test('the instances come back exactly as given: values, observedAt, unitCode, each its own instanceId, in time order', async () => {
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL}`);
    const pm25 = body.pm25 as Instance[];
    assert.deepEqual(
      pm25.map((i) => [i.type, i.value, i.observedAt, i.unitCode]),
      minutes.map((k) => ['Property', valueAt(k), minutesAfter(T0, k), 'GQ']),
    );
    assert.equal(new Set(pm25.map((i) => i.instanceId)).size, MINUTES);
    assert.deepEqual(
      (body.no2 as Instance[]).map((i) => [i.value, i.observedAt, (i.accuracy as Json | undefined)?.value]),
      [
        [12, T0, 0.5],
        [13, minutesAfter(T0, 1), undefined],
      ],
    );
  });

  test('time ranges cut inside a pack and across two; lastN takes the newest; before takes the oldest', async () => {
    const values = async (query: string) => ((await temporalGet<Json>(hub, `${temporalPath(id)}?attrs=pm25&options=temporalValues&${query}`)).pm25 as Json).values as [number, string][];
    const between = await values(`timerel=between&timeAt=${minutesAfter(T0, 50)}&endTimeAt=${minutesAfter(T0, 70)}`);
    assert.deepEqual(
      between.map(([, at]) => at),
      minutes.slice(50, 70).map((k) => minutesAfter(T0, k)),
    );
    const last = await values(`timerel=after&timeAt=${T0}&lastN=3`);
    assert.deepEqual(
      last.map(([v]) => v),
      [117, 118, 119].map(valueAt),
    );
    const before = await values(`timerel=before&timeAt=${minutesAfter(T0, 2)}`);
    assert.deepEqual(
      before.map(([v]) => v),
      [0, 1].map(valueAt),
    );
    const after = await values(`timerel=after&timeAt=${minutesAfter(T0, 118)}`);
    assert.deepEqual(
      after.map(([v]) => v),
      [118, 119].map(valueAt),
    );
  });

  test('aggregation over packed readings: raw periods (PT20M, distinctCount) and the hourly rollup agree with the readings', async () => {
    const expected = (from: number, to: number) => {
      const vs = minutes.slice(from, to).map(valueAt);
      return { sum: vs.reduce((a, b) => a + b, 0), max: Math.max(...vs), n: vs.length, distinct: new Set(vs).size };
    };
    const raw = await temporalGet<Json>(
      hub,
      `${temporalPath(id)}?attrs=pm25&options=aggregatedValues&aggrMethods=totalCount,distinctCount,max,sum&aggrPeriodDuration=PT20M&timerel=between&timeAt=${T0}&endTimeAt=${minutesAfter(T0, MINUTES)}`,
    );
    const pm25 = raw.pm25 as Record<string, [number, string, string][]>;
    assert.equal(pm25.totalCount?.length, 6);
    for (let p = 0; p < 6; p++) {
      const e = expected(p * 20, p * 20 + 20);
      assert.equal(pm25.totalCount?.[p]?.[0], e.n);
      assert.equal(pm25.distinctCount?.[p]?.[0], e.distinct);
      assert.equal(pm25.max?.[p]?.[0], e.max);
      assert.ok(Math.abs((pm25.sum?.[p]?.[0] as number) - e.sum) < 1e-9);
    }
    const hourly = await temporalGet<Json>(
      hub,
      `${temporalPath(id)}?attrs=pm25&options=aggregatedValues&aggrMethods=max,totalCount&aggrPeriodDuration=PT1H&timerel=between&timeAt=${T0}&endTimeAt=${minutesAfter(T0, MINUTES)}`,
    );
    assert.deepEqual(
      ((hourly.pm25 as Json).max as [number, string, string][]).map(([v]) => v),
      [expected(0, 60).max, expected(60, 120).max],
    );
  });

  test('correcting one packed instance unpacks its pack: it keeps its instanceId, its neighbours are untouched, the hour is recomputed', async () => {
    const before = (await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL}&attrs=pm25`)).pm25 as Instance[];
    const target = before[30] as Instance;
    const patched = await hub.patch(temporalPath(id, `/attrs/pm25/${encodeURIComponent(target.instanceId)}`), { pm25: [{ type: 'Property', value: 999 }] }, json);
    assert.equal(patched.statusCode, 204, patched.body);
    // May 10's pack (60 readings) became rows; May 11's is still a pack.
    assert.deepEqual(await stored(hub, id), { packs: 1, packed: 60, rows: 63 });
    const after = (await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL}&attrs=pm25`)).pm25 as Instance[];
    assert.deepEqual(
      after.map((i) => [i.instanceId, i.value, i.observedAt, i.unitCode]),
      before.map((i, k) => [i.instanceId, k === 30 ? 999 : i.value, i.observedAt, 'GQ']),
    );
    const hourly = await temporalGet<Json>(
      hub,
      `${temporalPath(id)}?attrs=pm25&options=aggregatedValues&aggrMethods=max&aggrPeriodDuration=PT1H&timerel=between&timeAt=${T0}&endTimeAt=${minutesAfter(T0, 60)}`,
    );
    assert.equal(((hourly.pm25 as Json).max as [number][])[0]?.[0], 999);
  });

  test('deleting a packed instance removes it alone; an unknown instanceId is still 404', async () => {
    const before = (await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL}&attrs=pm25`)).pm25 as Instance[];
    const target = before[100] as Instance;
    assert.equal((await hub.delete(temporalPath(id, `/attrs/pm25/${encodeURIComponent(target.instanceId)}`))).statusCode, 204);
    const after = (await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL}&attrs=pm25`)).pm25 as Instance[];
    assert.deepEqual(
      after.map((i) => i.instanceId),
      before.filter((_, k) => k !== 100).map((i) => i.instanceId),
    );
    assert.deepEqual(await stored(hub, id), { packs: 0, packed: 0, rows: MINUTES - 1 + 3 });
    const gone = await hub.delete(temporalPath(id, `/attrs/pm25/${encodeURIComponent(target.instanceId)}`));
    assert.equal(gone.statusCode, 404);
  });

  test('deleting the attribute deletes its packs', async () => {
    const other = 'urn:ngsi-ld:AirQualityObserved:packed-2';
    const body = { id: other, type: 'AirQualityObserved', pm10: minutes.slice(0, 10).map((k) => reading(k, minutesAfter(T0, k))) };
    assert.equal((await hub.post(TEMPORAL, body, json)).statusCode, 201);
    assert.deepEqual(await stored(hub, other), { packs: 1, packed: 10, rows: 0 });
    assert.equal((await hub.delete(temporalPath(other, '/attrs/pm10'))).statusCode, 204);
    assert.deepEqual(await stored(hub, other), { packs: 0, packed: 0, rows: 0 });
  });
});

describe('packed history and retention (TEMPORAL_RETENTION_DAYS=7)', () => {
  let hub: Hub;
  const id = 'urn:ngsi-ld:Sensor:packed-retained';
  const today = dayStart(Date.now());
  before(async () => {
    hub = await openHub({ TEMPORAL_RETENTION_DAYS: '7' });
  });
  after(() => hub?.close());

  test('packs of days before the cutoff go; later ones stay', async () => {
    const day = (d: number) => [0, 1, 2].map((m) => reading(d * 10 + m, new Date(today - d * DAY + 3_600_000 + m * 60_000).toISOString()));
    assert.equal((await hub.post(TEMPORAL, { id, type: 'Sensor', level: [...day(9), ...day(8), ...day(2)] }, json)).statusCode, 201);
    assert.deepEqual(await stored(hub, id), { packs: 3, packed: 9, rows: 0 });
    const report = await hub.tp.platform.temporal.maintain(Date.now());
    assert.ok(report.deletedRows >= 6, JSON.stringify(report));
    assert.deepEqual(await stored(hub, id), { packs: 1, packed: 3, rows: 0 });
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL}&options=temporalValues`);
    assert.deepEqual(
      ((body.level as Json).values as [number, string][]).map(([v]) => v),
      [20, 21, 22],
    );
  });
});

describe('packed values: booleans and text, and plain readings read two ways', () => {
  let hub: Hub;
  const minutesOf = (n: number) => Array.from({ length: n }, (_, k) => k);
  /** The same reading with its time written otherwise: not canonical, so the server reads it in full (readInstance) instead of its fast path. */
  const offsetForm = (at: string) => at.replace('.000Z', '+00:00');
  const bodyOf = (id: string, time: (at: string) => string) => ({
    id,
    type: 'TrafficFlowObserved',
    congested: minutesOf(90).map((k) => reading(k % 7 < 3, time(minutesAfter(T0, k)))),
    state: minutesOf(30).map((k) => reading(k % 2 === 0 ? 'open' : '关闭', time(minutesAfter(T0, k)), { unitCode: 'C62' })),
    // One series of numbers and booleans: a pack of each.
    mixed: minutesOf(10).map((k) => reading(k % 2 === 0 ? k : true, time(minutesAfter(T0, k)))),
    // One reading alone keeps a row.
    lonely: [reading(false, time(T0))],
  });
  const fast = 'urn:ngsi-ld:TrafficFlowObserved:packed-values-fast';
  const slow = 'urn:ngsi-ld:TrafficFlowObserved:packed-values-slow';
  const strip = (body: Json) =>
    Object.fromEntries(
      Object.entries(body)
        .filter(([k]) => !['id', '@context'].includes(k))
        .map(([k, v]) => [k, Array.isArray(v) ? (v as Instance[]).map(({ instanceId: _id, ...rest }) => rest) : v]),
    );
  before(async () => {
    hub = await openHub();
    assert.equal((await hub.post(TEMPORAL, bodyOf(fast, (at) => at), json)).statusCode, 201);
    assert.equal((await hub.post(TEMPORAL, bodyOf(slow, offsetForm), json)).statusCode, 201);
  });
  after(() => hub?.close());

  test('booleans and text are packed per UTC day and shape like numbers, whichever way the server read them', async () => {
    // congested: 60 minutes on May 10, 30 on May 11 (2 packs); state: 30 on May 10 (1); mixed: numbers and booleans (2); lonely: a row.
    const expected = { packs: 5, packed: 130, rows: 1 };
    assert.deepEqual(await stored(hub, fast), expected);
    assert.deepEqual(await stored(hub, slow), expected);
  });

  test('the values come back exactly as given, and both ways give the same history', async () => {
    const body = await temporalGet<Json>(hub, `${temporalPath(fast)}?${ALL}`);
    assert.deepEqual(
      (body.congested as Instance[]).map((i) => [i.type, i.value, i.observedAt]),
      minutesOf(90).map((k) => ['Property', k % 7 < 3, minutesAfter(T0, k)]),
    );
    assert.deepEqual(
      (body.state as Instance[]).map((i) => [i.value, i.unitCode]),
      minutesOf(30).map((k) => [k % 2 === 0 ? 'open' : '关闭', 'C62']),
    );
    assert.deepEqual(
      (body.mixed as Instance[]).map((i) => i.value),
      minutesOf(10).map((k) => (k % 2 === 0 ? k : true)),
    );
    assert.equal(new Set((body.congested as Instance[]).map((i) => i.instanceId)).size, 90);
    const other = await temporalGet<Json>(hub, `${temporalPath(slow)}?${ALL}`);
    assert.deepEqual(strip(other), strip(body));
    const values = await temporalGet<Json>(hub, `${temporalPath(fast)}?${ALL}&attrs=congested&options=temporalValues&lastN=2`);
    assert.deepEqual((values.congested as Json).values, [
      [88 % 7 < 3, minutesAfter(T0, 88)],
      [89 % 7 < 3, minutesAfter(T0, 89)],
    ]);
  });

  test('aggregation counts packed values: raw periods and the hourly rollup', async () => {
    const range = `timerel=between&timeAt=${T0}&endTimeAt=${minutesAfter(T0, 90)}`;
    const raw = await temporalGet<Json>(hub, `${temporalPath(fast)}?attrs=congested&options=aggregatedValues&aggrMethods=totalCount,distinctCount&aggrPeriodDuration=PT30M&${range}`);
    const congested = raw.congested as Record<string, [number, string, string][]>;
    assert.deepEqual(congested.totalCount?.map(([v]) => v), [30, 30, 30]);
    assert.deepEqual(congested.distinctCount?.map(([v]) => v), [2, 2, 2]);
    // Whole hours: read from the hourly rollup.
    const hours = `timerel=between&timeAt=${T0}&endTimeAt=${minutesAfter(T0, 120)}`;
    const hourly = await temporalGet<Json>(hub, `${temporalPath(fast)}?attrs=mixed,congested&options=aggregatedValues&aggrMethods=totalCount,sum&aggrPeriodDuration=PT1H&${hours}`);
    assert.deepEqual(((hourly.congested as Json).totalCount as [number][]).map(([v]) => v), [60, 30]);
    assert.deepEqual(((hourly.mixed as Json).totalCount as [number][]).map(([v]) => v), [10]);
    assert.deepEqual(((hourly.mixed as Json).sum as [number][]).map(([v]) => v), [0 + 2 + 4 + 6 + 8]);
  });

  test('a pack written before derived instance ids (migration 0020) keeps its stored ids: read, and one instance deleted', async () => {
    const legacy = 'urn:ngsi-ld:Sensor:legacy-pack';
    const body = { id: legacy, type: 'Sensor', level: [reading(1, minutesAfter(T0, 0)), reading(2, minutesAfter(T0, 1)), reading(3, minutesAfter(T0, 2))] };
    assert.equal((await hub.post(TEMPORAL, body, json)).statusCode, 201);
    const ids = ['11111111-2222-4333-8444-555555555555', '66666666-7777-4888-8999-aaaaaaaaaaaa', '12345678-9abc-4def-8123-456789abcdef'];
    await hub.tp.platform.store.query(
      'UPDATE temporal_packs p SET instance_id = $2::uuid[], pack_id = NULL FROM temporal_series s WHERE s.id = p.series AND s.entity_id = $1',
      [legacy, ids],
    );
    const read = async () => ((await temporalGet<Json>(hub, `${temporalPath(legacy)}?${ALL}`)).level as Instance[]).map((i) => [i.instanceId, i.value]);
    assert.deepEqual(await read(), ids.map((u, k) => [`urn:ngsi-ld:Instance:${u}`, k + 1]));
    assert.equal((await hub.delete(temporalPath(legacy, `/attrs/level/${encodeURIComponent(`urn:ngsi-ld:Instance:${ids[1]}`)}`))).statusCode, 204);
    assert.deepEqual(await read(), [
      [`urn:ngsi-ld:Instance:${ids[0]}`, 1],
      [`urn:ngsi-ld:Instance:${ids[2]}`, 3],
    ]);
  });

  test('correcting a packed boolean unpacks its pack and keeps every other value and instanceId', async () => {
    const before = (await temporalGet<Json>(hub, `${temporalPath(fast)}?${ALL}&attrs=congested`)).congested as Instance[];
    const target = before[10] as Instance;
    const patched = await hub.patch(temporalPath(fast, `/attrs/congested/${encodeURIComponent(target.instanceId)}`), { congested: [{ type: 'Property', value: 'unknown' }] }, json);
    assert.equal(patched.statusCode, 204, patched.body);
    assert.deepEqual(await stored(hub, fast), { packs: 4, packed: 70, rows: 61 });
    const after = (await temporalGet<Json>(hub, `${temporalPath(fast)}?${ALL}&attrs=congested`)).congested as Instance[];
    assert.deepEqual(
      after.map((i) => [i.instanceId, i.value, i.observedAt]),
      before.map((i, k) => [i.instanceId, k === 10 ? 'unknown' : i.value, i.observedAt]),
    );
  });
});
