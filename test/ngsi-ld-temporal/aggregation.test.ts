/**
 * The aggregated temporal representation (clause 4.5.19, options=aggregatedValues, aggrMethods, aggrPeriodDuration):
 * values checked against a computation in the test, from the hourly rollup and from raw instances alike.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, assertProblem, type Hub, type Json, openHub } from '../ngsi-ld/support.ts';
import { minutesAfter, patchAttrs, reading, TEMPORAL, temporalGet, temporalPath } from './support.ts';

const DAY0 = '2026-05-01T00:00:00.000Z';
const SENSORS = ['urn:ngsi-ld:AirQualityObserved:a-1', 'urn:ngsi-ld:AirQualityObserved:a-2'];
const MINUTES = 2 * 24 * 60;
const value = (sensor: number, minute: number) => ((minute * 7 + sensor * 13) % 50) + sensor + (minute % 3) / 4;
type Triple = [number, string, string];

/** The expected aggregates of a sensor's minutes [from, to) in periods of `periodMinutes`, as the spec's triples. */
function expected(sensor: number, from: number, to: number, periodMinutes: number) {
  const out: Record<string, Triple[]> = { totalCount: [], distinctCount: [], sum: [], avg: [], min: [], max: [], stddev: [], sumsq: [] };
  for (let start = from; start < to; start += periodMinutes) {
    const xs: number[] = [];
    for (let m = start; m < Math.min(start + periodMinutes, to); m++) xs.push(value(sensor, m));
    const period = (v: number): Triple => [v, minutesAfter(DAY0, start), minutesAfter(DAY0, Math.min(start + periodMinutes, to))];
    const sum = xs.reduce((a, b) => a + b, 0);
    const mean = sum / xs.length;
    out.totalCount?.push(period(xs.length));
    out.distinctCount?.push(period(new Set(xs).size));
    out.sum?.push(period(sum));
    out.avg?.push(period(mean));
    out.min?.push(period(Math.min(...xs)));
    out.max?.push(period(Math.max(...xs)));
    out.stddev?.push(period(Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length)));
    out.sumsq?.push(period(xs.reduce((a, x) => a + x * x, 0)));
  }
  return out;
}

function assertTriples(actual: unknown, wanted: Triple[] | undefined, what: string) {
  assert.ok(Array.isArray(actual), `${what}: ${JSON.stringify(actual)?.slice(0, 200)}`);
  const got = actual as Triple[];
  assert.equal(got.length, wanted?.length, `${what}: number of periods`);
  got.forEach((t, i) => {
    const w = wanted?.[i] as Triple;
    assert.deepEqual([t[1], t[2]], [w[1], w[2]], `${what}[${i}] period`);
    assert.ok(Math.abs(t[0] - w[0]) <= 1e-9 * Math.max(1, Math.abs(w[0])), `${what}[${i}]: ${t[0]} ≠ ${w[0]}`);
  });
}

describe('aggregated temporal representation', () => {
  let hub: Hub;
  before(async () => {
    hub = await openHub();
    for (const [s, id] of SENSORS.entries()) {
      const instances = Array.from({ length: MINUTES }, (_, m) => reading(value(s, m), minutesAfter(DAY0, m)));
      const response = await hub.post(TEMPORAL, { id, type: 'AirQualityObserved', pm25: instances }, { contentType: 'application/json' });
      assert.equal(response.statusCode, 201, response.body);
    }
  });
  after(() => hub?.close());

  const aggregated = async (query: string, id = SENSORS[0] as string) =>
    (await temporalGet<Json>(hub, `${temporalPath(id)}?options=aggregatedValues&${query}`)).pm25 as Record<string, unknown>;

  test('hourly avg, max, min, sum, sumsq, stddev and totalCount for one day match the values (hourly rollup)', async () => {
    const got = await aggregated(`timerel=between&timeAt=${DAY0}&endTimeAt=${minutesAfter(DAY0, 1440)}&aggrMethods=avg,max,min,sum,sumsq,stddev,totalCount&aggrPeriodDuration=PT1H`);
    const want = expected(0, 0, 1440, 60);
    assert.equal(got.type, 'Property');
    for (const m of ['avg', 'max', 'min', 'sum', 'sumsq', 'stddev', 'totalCount']) assertTriples(got[m], want[m], m);
    assert.equal(got.distinctCount, undefined, 'only the methods asked are given');
  });

  test('the answer PostgreSQL writes (closed range, fixed periods) is the one the general path computes', async () => {
    const query = `timerel=between&timeAt=${minutesAfter(DAY0, 60)}&endTimeAt=${minutesAfter(DAY0, 1500)}&aggrMethods=stddev,totalCount,avg,max,min,sum,sumsq&aggrPeriodDuration=PT2H`;
    // lastN as large as the number of periods keeps them all, and takes the general path (periods as objects).
    const [written, computed] = await Promise.all([aggregated(query, SENSORS[1]), aggregated(`${query}&lastN=100`, SENSORS[1])]);
    assert.deepEqual(Object.keys(written).sort(), Object.keys(computed).sort());
    for (const m of ['stddev', 'totalCount', 'avg', 'max', 'min', 'sum', 'sumsq']) assert.deepEqual(written[m], computed[m], m);
    // The last period ends with the range (24 h from 01:00: twelve periods, the last one 23:00–01:00).
    assertTriples(written.avg, expected(1, 60, 1500, 120).avg, 'avg');
  });

  test('the same aggregation from raw instances (distinctCount needs them) gives the same values', async () => {
    const got = await aggregated(`timerel=between&timeAt=${DAY0}&endTimeAt=${minutesAfter(DAY0, 1440)}&aggrMethods=avg,max,distinctCount&aggrPeriodDuration=PT1H`);
    const want = expected(0, 0, 1440, 60);
    for (const m of ['avg', 'max', 'distinctCount']) assertTriples(got[m], want[m], m);
  });

  test('the hourly rollup answers when it can, and agrees with the raw rows over the whole store', async () => {
    const service = hub.tp.platform.temporal.service;
    const call = { tenant: 'hangzhou', principal: { kind: 'system', id: null, name: 'test', tenant: 'hangzhou', roles: [], department: null } as never, terms: hub.tp.platform.context.resolver.core };
    const selection = { ids: SENSORS, limit: 10, offset: 0, count: false };
    const range = { timerel: 'after' as const, timeAt: Date.parse(DAY0), timeproperty: 'observedAt' as const };
    const period = { text: 'PT2H', months: 0, millis: 7_200_000 };
    const rollup = await service.query(call, selection, { range, aggregation: { methods: ['avg', 'max', 'min', 'totalCount', 'sum', 'stddev'], period } });
    const raw = await service.query(call, selection, { range, aggregation: { methods: ['avg', 'max', 'min', 'totalCount', 'sum', 'stddev', 'distinctCount'], period } });
    assert.equal(rollup.usedRollup, true);
    assert.equal(raw.usedRollup, false);
    for (const [i, entity] of rollup.entities.entries()) {
      const periods = entity.series[0]?.periods ?? [];
      const rawPeriods = raw.entities[i]?.series[0]?.periods ?? [];
      assert.equal(periods.length, 24);
      assert.equal(rawPeriods.length, 24);
      periods.forEach((p, k) => {
        for (const m of ['avg', 'max', 'min', 'totalCount', 'sum', 'stddev']) {
          const a = p.values[m] as number;
          const b = rawPeriods[k]?.values[m] as number;
          assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${entity.entity.id} period ${k} ${m}: rollup ${a} raw ${b}`);
        }
      });
    }
  });

  test('PT0S (the default) is one period spanning the whole range', async () => {
    const got = await aggregated(`timerel=between&timeAt=${minutesAfter(DAY0, 90)}&endTimeAt=${minutesAfter(DAY0, 200)}&aggrMethods=totalCount,avg`);
    const want = expected(0, 90, 200, 110);
    assertTriples(got.totalCount, want.totalCount, 'totalCount');
    assertTriples(got.avg, want.avg, 'avg');
  });

  test('P1D periods over two days, and periods not on the hour (from raw instances)', async () => {
    assertTriples((await aggregated(`timerel=after&timeAt=${DAY0}&aggrMethods=max&aggrPeriodDuration=P1D`)).max, expected(0, 0, MINUTES, 1440).max, 'P1D max');
    const got = await aggregated(`timerel=between&timeAt=${minutesAfter(DAY0, 30)}&endTimeAt=${minutesAfter(DAY0, 150)}&aggrMethods=sum&aggrPeriodDuration=PT45M`, SENSORS[1]);
    assertTriples(got.sum, expected(1, 30, 150, 45).sum, 'PT45M sum');
  });

  test('timerel=before aggregates from the earliest instance', async () => {
    const got = await aggregated(`timerel=before&timeAt=${minutesAfter(DAY0, 120)}&aggrMethods=totalCount&aggrPeriodDuration=PT1H`);
    assertTriples(got.totalCount, expected(0, 0, 120, 60).totalCount, 'totalCount');
  });

  test('lastN keeps the last N periods', async () => {
    const got = await aggregated(`timerel=between&timeAt=${DAY0}&endTimeAt=${minutesAfter(DAY0, 1440)}&aggrMethods=max&aggrPeriodDuration=PT1H&lastN=2`);
    assertTriples(got.max, expected(0, 0, 1440, 60).max?.slice(-2), 'max');
  });

  test('query of entities: each entity with its own aggregates', async () => {
    const list = await temporalGet<Json[]>(
      hub,
      `${TEMPORAL}?type=AirQualityObserved&options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=PT6H&timerel=between&timeAt=${DAY0}&endTimeAt=${minutesAfter(DAY0, 1440)}`,
    );
    assert.deepEqual(
      list.map((e) => e.id),
      SENSORS,
    );
    for (const [s, e] of list.entries()) assertTriples((e.pm25 as Json).avg, expected(s, 0, 1440, 360).avg, `${e.id} avg`);
  });

  test('calendar months (P1M) end each period on the same day of the next month', async () => {
    const id = 'urn:ngsi-ld:Meter:monthly';
    const instances = [reading(1, '2026-01-15T00:00:00Z'), reading(2, '2026-01-31T00:00:00Z'), reading(5, '2026-02-10T00:00:00Z'), reading(9, '2026-03-20T00:00:00Z')];
    assert.equal((await hub.post(TEMPORAL, { id, type: 'Meter', energy: instances }, { contentType: 'application/json' })).statusCode, 201);
    const body = await temporalGet<Json>(
      hub,
      `${temporalPath(id)}?options=aggregatedValues&aggrMethods=sum&aggrPeriodDuration=P1M&timerel=between&timeAt=2026-01-01T00:00:00Z&endTimeAt=2026-04-01T00:00:00Z`,
    );
    assert.deepEqual((body.energy as Json).sum, [
      [3, '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
      [5, '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
      [9, '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
    ]);
  });

  test('relationships aggregate by count only: totalCount and distinctCount, no numeric methods', async () => {
    const id = 'urn:ngsi-ld:Vehicle:agg-rel';
    const at = (m: number) => minutesAfter(DAY0, m);
    const rel = (object: string, m: number) => ({ type: 'Relationship', object, observedAt: at(m) });
    await hub.create({ id, type: 'Vehicle', parkedAt: rel('urn:ngsi-ld:Parking:A', 0) });
    await patchAttrs(hub, id, { parkedAt: rel('urn:ngsi-ld:Parking:B', 10) });
    await patchAttrs(hub, id, { parkedAt: rel('urn:ngsi-ld:Parking:A', 20) });
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?options=aggregatedValues&aggrMethods=totalCount,distinctCount,avg&timerel=between&timeAt=${DAY0}&endTimeAt=${at(60)}`);
    assert.deepEqual(body.parkedAt, {
      type: 'Relationship',
      totalCount: [[3, DAY0, at(60)]],
      distinctCount: [[2, DAY0, at(60)]],
    });
  });

  test('history written by hub updates feeds the hourly rollup the same way', async () => {
    const id = 'urn:ngsi-ld:Sensor:agg-hub';
    await hub.create({ id, type: 'Sensor', noise: reading(40, minutesAfter(DAY0, 5)) });
    const batch = [50, 60, 70].map((v, i) => ({ id, type: 'Sensor', noise: reading(v, minutesAfter(DAY0, 65 + i)) }));
    assert.equal((await hub.post(`${API}/entityOperations/upsert?options=update`, batch)).statusCode, 204);
    const query = `timerel=between&timeAt=${DAY0}&endTimeAt=${minutesAfter(DAY0, 120)}&aggrPeriodDuration=PT1H&options=aggregatedValues`;
    const viaRollup = (await temporalGet<Json>(hub, `${temporalPath(id)}?${query}&aggrMethods=avg,totalCount`)).noise as Json;
    assert.deepEqual(viaRollup.avg, [
      [40, DAY0, minutesAfter(DAY0, 60)],
      [60, minutesAfter(DAY0, 60), minutesAfter(DAY0, 120)],
    ]);
    assert.deepEqual(
      (viaRollup.totalCount as Triple[]).map((t) => t[0]),
      [1, 3],
    );
  });
});

describe('aggregation errors', () => {
  let hub: Hub;
  const id = 'urn:ngsi-ld:Sensor:agg-err';
  before(async () => {
    hub = await openHub();
    await hub.create({ id, type: 'Sensor', pm25: reading(1, DAY0) });
  });
  after(() => hub?.close());

  const problem = async (query: string, pattern: RegExp) => {
    const body = assertProblem(await hub.get(`${temporalPath(id)}?timerel=after&timeAt=${DAY0}&options=aggregatedValues&${query}`), 'BadRequestData');
    assert.match(String(body.detail), pattern);
  };

  test('aggregatedValues without aggrMethods is 400 listing the methods', () => problem('aggrPeriodDuration=PT1H', /needs aggrMethods.*totalCount, distinctCount, sum, avg, min, max, stddev, sumsq/));
  test('an unknown aggregation method is 400 naming it', () => problem('aggrMethods=avg,median', /Unknown aggregation method "median"/));
  test('a duration that is not ISO 8601 is 400 with examples', () => problem('aggrMethods=avg&aggrPeriodDuration=1h', /not an ISO 8601 duration; write e.g. PT1H/));
  test('a combined date-time form is not a duration either', () => problem('aggrMethods=avg&aggrPeriodDuration=P0000-00-01T00:00:00', /not an ISO 8601 duration/));
  test('too many periods is 400 saying how to fix it', async () => {
    const body = assertProblem(
      await hub.get(`${temporalPath(id)}?timerel=between&timeAt=2020-01-01T00:00:00Z&endTimeAt=2026-01-01T00:00:00Z&options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=PT1M`),
      'BadRequestData',
    );
    assert.match(String(body.detail), /makes \d+ periods; at most 10000 are allowed: choose a longer period or a shorter time range/);
  });
});
