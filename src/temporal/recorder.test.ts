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
