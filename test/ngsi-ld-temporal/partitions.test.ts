/** History partitioned by UTC day: partitions made ahead, late rows rescued from DEFAULT, whole days dropped past retention. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Hub, type Json, openHub } from '../ngsi-ld/support.ts';
import { DAY, dayStart, listPartitions, partitionName } from '../../src/temporal/partitions.ts';
import { reading, TEMPORAL, temporalGet, temporalPath } from './support.ts';

const ALL = 'timerel=after&timeAt=2000-01-01T00:00:00Z&options=temporalValues';
const json = { contentType: 'application/json' };

async function countIn(hub: Hub, table: string): Promise<number> {
  const rows = await hub.tp.platform.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? 0;
}

describe('day partitions', () => {
  let hub: Hub;
  before(async () => {
    hub = await openHub();
  });
  after(() => hub?.close());

  test('at start the partitions of yesterday, today and three days ahead exist', async () => {
    const days = await listPartitions(hub.tp.platform.store);
    const today = dayStart(Date.now());
    for (let d = -1; d <= 3; d++) assert.ok(days.has(today + d * DAY), `missing ${partitionName(today + d * DAY)}`);
  });

  test('a back-filled instance lands in DEFAULT, and maintenance moves it into a partition of its day', async () => {
    const old = dayStart(Date.now()) - 40 * DAY + 3_600_000;
    const id = 'urn:ngsi-ld:Sensor:part-1';
    assert.equal((await hub.post(TEMPORAL, { id, type: 'Sensor', level: [reading(4, new Date(old).toISOString())] }, json)).statusCode, 201);
    assert.equal(await countIn(hub, 'temporal_instances_default'), 1);
    const report = await hub.tp.platform.temporal.maintain();
    assert.equal(report.moved, 1);
    assert.ok(report.created.includes(partitionName(dayStart(old))));
    assert.equal(await countIn(hub, 'temporal_instances_default'), 0);
    assert.equal(await countIn(hub, partitionName(dayStart(old))), 1);
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL}`);
    assert.deepEqual((body.level as Json).values, [[4, new Date(old).toISOString()]]);
  });
});

describe('retention (TEMPORAL_RETENTION_DAYS=7)', () => {
  let hub: Hub;
  const id = 'urn:ngsi-ld:Sensor:retained';
  const today = dayStart(Date.now());
  const at = (days: number) => new Date(today - days * DAY + 1_800_000).toISOString();
  before(async () => {
    hub = await openHub({ TEMPORAL_RETENTION_DAYS: '7' });
    const instances = [20, 9, 8, 6, 1].map((d) => reading(d, at(d)));
    assert.equal((await hub.post(TEMPORAL, { id, type: 'Sensor', age: instances }, json)).statusCode, 201);
    // As if the job had run ten days ago: the days of then got their partitions (days 8 and 9 among them).
    await hub.tp.platform.temporal.maintain(Date.now() - 10 * DAY);
  });
  after(() => hub?.close());

  test('maintenance drops whole day partitions older than seven days and the rows and rollup hours before then', async () => {
    const store = hub.tp.platform.store;
    assert.equal(await countIn(hub, partitionName(today - 8 * DAY)), 1, 'day 8 has a partition of its own');
    const report = await hub.tp.platform.temporal.maintain(Date.now());
    assert.ok(report.dropped.includes(partitionName(today - 8 * DAY)), JSON.stringify(report));
    assert.ok(report.dropped.includes(partitionName(today - 9 * DAY)));
    assert.ok(report.deletedRows >= 1, 'the row of day 20, never given a partition, is deleted from DEFAULT');
    assert.equal(await countIn(hub, 'temporal_instances_default'), 0);
    assert.ok(!report.dropped.includes(partitionName(today - 6 * DAY)));
    const days = await listPartitions(store);
    assert.ok(![...days.keys()].some((d) => d < today - 7 * DAY));
    const body = await temporalGet<Json>(hub, `${temporalPath(id)}?${ALL}`);
    assert.deepEqual(
      ((body.age as Json).values as [number, string][]).map(([v]) => v),
      [6, 1],
    );
    const rollupHours = await store.query<{ hour: Date }>('SELECT hour FROM temporal_rollup_hourly ORDER BY hour');
    assert.equal(rollupHours.length, 2);
    assert.ok(rollupHours.every((r) => new Date(r.hour).getTime() >= today - 7 * DAY));
  });

  test('maintenance is idempotent: a second run drops and creates nothing', async () => {
    const report = await hub.tp.platform.temporal.maintain();
    assert.deepEqual([report.dropped, report.created, report.moved], [[], [], 0]);
  });
});
