/** The rollup's journal (temporal_rollup_pending): settling, concurrent settles, and corrections racing pending rows — on every driver. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrations } from '../migrations.ts';
import { migrate } from '../platform/store/migrate.ts';
import type { Store } from '../platform/store/store.ts';
import { contractDrivers, openTestStore, type TestStore } from '../platform/store/testing.ts';
import { type InstanceRow, instanceRow, rollupRows, seriesId } from './rows.ts';
import { deleteRollupBefore, deleteSeries, recomputeRollup, settleRollup, writeHistory } from './store.ts';

const HOUR = '2026-11-20T08:00:00.000Z';
const at = (minute: number, hour = HOUR) => new Date(Date.parse(hour) + minute * 60_000).toISOString();

function readings(series: string, values: ReadonlyArray<[number, number]>, hour = HOUR): InstanceRow[] {
  return values.map(([minute, value]) => instanceRow(series, { type: 'Property', value, observedAt: at(minute, hour), createdAt: at(minute, hour), modifiedAt: at(minute, hour) }, at(minute, hour)));
}

/** One write statement, as the hub's recorder makes it: instances and their rollup sums, pending. */
async function write(store: Store, rows: InstanceRow[]): Promise<void> {
  await writeHistory(store, { entities: [], series: [], instances: rows, rollup: rollupRows(rows) });
}

async function rollupOf(store: Store, series: string, hour = HOUR) {
  const [row] = await store.query<{ total: string; n: string; sum: number; min: number | null; max: number | null; sumsq: number }>(
    'SELECT total, n, sum, min, max, sumsq FROM temporal_rollup_hourly WHERE series = $1 AND hour = $2',
    [series, hour],
  );
  return row ? { total: Number(row.total), n: Number(row.n), sum: row.sum, min: row.min, max: row.max, sumsq: row.sumsq } : undefined;
}

const pendingRows = async (store: Store) => Number((await store.query<{ n: string }>('SELECT count(*) AS n FROM temporal_rollup_pending'))[0]?.n);

for (const driver of contractDrivers()) {
  describe(`temporal rollup journal on ${driver}`, () => {
    let handle: TestStore;
    let store: Store;
    let serial = 0;
    /** A series no other test writes. */
    const freshSeries = () => seriesId('hangzhou', `urn:ngsi-ld:Sensor:${++serial}`, 'https://example.org/pm25', '');

    before(async () => {
      handle = await openTestStore(driver);
      store = handle.store;
      await migrate(store, migrations);
    });
    after(() => handle.dispose());

    test('a write statement leaves its sums pending; a settle folds every pending statement into the hour once', async () => {
      const a = freshSeries();
      await write(store, readings(a, [[0, 1], [1, 2]]));
      await write(store, readings(a, [[2, 3]]));
      assert.equal(await pendingRows(store), 2, 'one pending row per statement');
      assert.equal(await rollupOf(store, a), undefined, 'nothing merged before the settle');
      assert.deepEqual(await settleRollup(store), { taken: 2, written: 1 });
      assert.deepEqual(await rollupOf(store, a), { total: 3, n: 3, sum: 6, min: 1, max: 3, sumsq: 14 });
      assert.equal(await pendingRows(store), 0);
      assert.deepEqual(await settleRollup(store), { taken: 0, written: 0 }, 'a second settle finds nothing');
      assert.deepEqual(await rollupOf(store, a), { total: 3, n: 3, sum: 6, min: 1, max: 3, sumsq: 14 });
    });

    test('a text reading counts in total but not in the numeric sums', async () => {
      const a = freshSeries();
      const text = instanceRow(a, { type: 'Property', value: 'offline', observedAt: at(5), createdAt: at(5), modifiedAt: at(5) }, at(5));
      await write(store, [...readings(a, [[4, 7]]), text]);
      await settleRollup(store);
      assert.deepEqual(await rollupOf(store, a), { total: 2, n: 1, sum: 7, min: 7, max: 7, sumsq: 49 });
    });

    test('a statement of single readings (the hub\'s) is journalled as the readings, and settles with statements of sums', async () => {
      const a = freshSeries();
      const b = freshSeries();
      await write(store, readings(a, [[0, 1], [1, 2]]));
      const text = instanceRow(b, { type: 'Property', value: 'offline', observedAt: at(3), createdAt: at(3), modifiedAt: at(3) }, at(3));
      await write(store, [...readings(a, [[2, -4]]), text]);
      const shapes = await store.query<{ sums: boolean; num: Array<number | null> | null }>(
        'SELECT total IS NOT NULL AS sums, num FROM temporal_rollup_pending ORDER BY num IS NULL',
      );
      assert.deepEqual(
        shapes.map((r) => ({ sums: r.sums, num: r.num })),
        [
          { sums: false, num: [-4, null] },
          { sums: true, num: null },
        ],
      );
      await settleRollup(store);
      assert.deepEqual(await rollupOf(store, a), { total: 3, n: 3, sum: -1, min: -4, max: 2, sumsq: 21 });
      assert.deepEqual(await rollupOf(store, b), { total: 1, n: 0, sum: 0, min: null, max: null, sumsq: 0 });
    });

    test('settles running at once count every pending statement exactly once', async () => {
      const a = freshSeries();
      const b = freshSeries();
      const statements = Array.from({ length: 40 }, (_, k) => write(store, [...readings(a, [[k % 60, k]]), ...readings(b, [[k % 60, 1]])]));
      await Promise.all(statements);
      await Promise.all([settleRollup(store), settleRollup(store), settleRollup(store), settleRollup(store)]);
      const sum = (40 * 39) / 2;
      assert.deepEqual(await rollupOf(store, a), { total: 40, n: 40, sum, min: 0, max: 39, sumsq: Array.from({ length: 40 }, (_, k) => k * k).reduce((x, y) => x + y) });
      assert.equal((await rollupOf(store, b))?.total, 40);
      assert.equal(await pendingRows(store), 0);
    });

    test('a recomputation counts the raw rows and drops their pending sums, so the next settle adds nothing twice', async () => {
      const a = freshSeries();
      const other = freshSeries();
      await write(store, readings(a, [[0, 1], [1, 2], [2, 3]]));
      await settleRollup(store);
      // Pending, not yet settled: one more reading of the same hour, and one of another series.
      await write(store, [...readings(a, [[3, 10]]), ...readings(other, [[0, 5]])]);
      assert.equal(await pendingRows(store), 1);
      await store.transaction(async (tx) => {
        await tx.query('DELETE FROM temporal_instances WHERE series = $1 AND num = 1', [a]);
        await recomputeRollup(tx, [{ series: a, hour: HOUR }]);
      });
      assert.deepEqual(await rollupOf(store, a), { total: 3, n: 3, sum: 15, min: 2, max: 10, sumsq: 113 }, 'the raw rows: 2, 3 and the pending 10');
      assert.equal((await rollupOf(store, other))?.sum, 5, 'the other series was settled on the way');
      assert.equal(await pendingRows(store), 0);
      await settleRollup(store);
      assert.deepEqual(await rollupOf(store, a), { total: 3, n: 3, sum: 15, min: 2, max: 10, sumsq: 113 }, 'nothing counted twice');
    });

    test('recomputing an hour left without instances deletes its rollup row', async () => {
      const a = freshSeries();
      await write(store, readings(a, [[0, 4]]));
      await settleRollup(store);
      await store.transaction(async (tx) => {
        await tx.query('DELETE FROM temporal_instances WHERE series = $1', [a]);
        await recomputeRollup(tx, [{ series: a, hour: HOUR }]);
      });
      assert.equal(await rollupOf(store, a), undefined);
    });

    test('deleting a series also removes its pending sums: a later settle does not bring its rollup back', async () => {
      const a = freshSeries();
      await write(store, readings(a, [[0, 4]]));
      await store.transaction((tx) => deleteSeries(tx, [a]));
      await settleRollup(store);
      assert.equal(await rollupOf(store, a), undefined);
    });

    test('retention deletes the rollup hours before the cutoff, pending ones included', async () => {
      const old = freshSeries();
      const kept = freshSeries();
      const oldHour = '2026-10-01T08:00:00.000Z';
      await write(store, [...readings(old, [[0, 1]], oldHour), ...readings(kept, [[0, 2]])]);
      await store.transaction((tx) => deleteRollupBefore(tx, '2026-11-01T00:00:00.000Z'));
      await settleRollup(store);
      assert.equal(await rollupOf(store, old, oldHour), undefined);
      assert.equal((await rollupOf(store, kept))?.sum, 2);
    });
  });
}
