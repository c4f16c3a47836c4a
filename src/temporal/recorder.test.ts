import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { StoredEntity } from '../context/model.ts';
import type { EntityChange } from '../context/write-batch.ts';
import { HistoryRecorder } from './recorder.ts';

const principal = { kind: 'system', id: null, name: null, tenant: 'hangzhou', roles: ['admin'], department: null } as const;
const at = '2026-11-22T08:00:00.000Z';
function change(value: number): EntityChange[] {
  const after: StoredEntity = {
    id: 'urn:ngsi-ld:Sensor:1',
    types: ['https://example.org/Sensor'],
    scopes: [],
    ownerDepartment: null,
    sharing: 'open',
    createdBy: null,
    createdAt: at,
    modifiedAt: at,
    attrs: { 'https://example.org/t': [{ type: 'Property', value, createdAt: at, modifiedAt: at }] },
    version: 0,
  };
  return [{ id: after.id, before: undefined, after, action: 'entity.create', principal }];
}

test('entity and series rows are written once, then again after a minute (another node may have deleted them)', () => {
  mock.timers.enable({ apis: ['Date'], now: Date.parse(at) });
  try {
    const recorder = new HistoryRecorder();
    const first = recorder.rowsFor('hangzhou', change(1));
    assert.equal(first.entities.length, 1);
    assert.equal(first.series.length, 1);
    assert.equal(first.instances.length, 1);
    recorder.remember(first);

    const hot = recorder.rowsFor('hangzhou', change(2));
    assert.deepEqual([hot.entities.length, hot.series.length, hot.instances.length], [0, 0, 1], 'a hot write adds only its instance');

    mock.timers.tick(61_000);
    const later = recorder.rowsFor('hangzhou', change(3));
    assert.deepEqual([later.entities.length, later.series.length, later.instances.length], [1, 1, 1], 'known rows are written again after the TTL');
  } finally {
    mock.timers.reset();
  }
});

test('a changed scope writes the entity row again; forgetting one entity leaves the others known', () => {
  const recorder = new HistoryRecorder();
  const other = (value: number): EntityChange[] =>
    change(value).map((c) => ({ ...c, id: 'urn:ngsi-ld:Sensor:2', after: c.after && { ...c.after, id: 'urn:ngsi-ld:Sensor:2' } }));
  recorder.remember(recorder.rowsFor('hangzhou', [...change(1), ...other(1)]));
  const scoped = change(2).map((c) => ({ ...c, after: c.after && { ...c.after, scopes: ['/hangzhou/xihu'] } }));
  const moved = recorder.rowsFor('hangzhou', scoped);
  assert.deepEqual(
    moved.entities.map((e) => e.scopes),
    [['/hangzhou/xihu']],
  );
  assert.equal(moved.series.length, 0, 'its series is still known');
  recorder.remember(moved);
  assert.equal(recorder.rowsFor('hangzhou', scoped.map((c) => ({ ...c }))).entities.length, 0, 'the new scope is now known');

  recorder.forget('hangzhou', 'urn:ngsi-ld:Sensor:1');
  const again = recorder.rowsFor('hangzhou', [...change(3), ...other(3)]);
  assert.deepEqual(
    again.entities.map((e) => e.id),
    ['urn:ngsi-ld:Sensor:1'],
  );
  assert.deepEqual(
    again.series.map((s) => s.entity_id),
    ['urn:ngsi-ld:Sensor:1'],
  );
  assert.equal(again.instances.length, 2);
});
