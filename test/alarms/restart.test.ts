/** Restart survival: a `for` duration half-way and an active alarm both continue after the platform is closed and opened again on the same database. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AlarmsWorld, airQuality, type DurableStore, durableStore, pm25Rule, startAlarmsWorld } from './support.ts';

describe('alarms across a restart', () => {
  let durable: DurableStore;
  let w: AlarmsWorld;
  before(async () => {
    durable = durableStore();
    w = await startAlarmsWorld(durable);
  });
  after(async () => {
    await w.close();
    await durable.dispose();
  });

  const alarmsOf = async (world: AlarmsWorld, originator: string, type: string) => {
    await world.platform.alarms.flush();
    const list = await world.call(world.officer, 'GET', `/api/v1/alarms?status=all&type=${type}`);
    assert.equal(list.status, 200);
    return list.body.alarms.filter((a: { originator: string }) => a.originator === originator);
  };

  test('a rule with for: PT2M that saw a high reading before the restart raises on a reading 2.5 minutes later (event time) after it', async () => {
    const created = await w.call(w.operator, 'POST', '/api/v1/alarms/rules', pm25Rule({ id: 'pm25-sustained', alarmType: 'pm25Sustained', for: 'PT2M' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const station = 'urn:ngsi-ld:AirQualityObserved:gongshu-1';
    // Event time starts now, so the wall-clock advance of the service cannot complete the two minutes on its own.
    const t0 = Date.now();
    await w.upsert([airQuality('gongshu-1', 260, t0)]);
    assert.equal((await alarmsOf(w, station, 'pm25Sustained')).length, 0, 'the condition has not held two minutes yet');

    await w.close();
    w = await startAlarmsWorld(durable);

    await w.upsert([airQuality('gongshu-1', 270, t0 + 150_000)], 'update');
    const [alarm] = await alarmsOf(w, station, 'pm25Sustained');
    assert.ok(alarm, 'the hold that began before the restart completed after it');
    assert.equal(alarm.status, 'active');
    assert.ok(Date.parse(alarm.firstSeen) >= t0 + 120_000, alarm.firstSeen);
    const entity = await w.call(w.admin, 'GET', `/ngsi-ld/v1/entities/${encodeURIComponent(alarm.entityId)}?options=keyValues`);
    assert.equal(entity.status, 200);
    assert.equal(entity.body.alarmStatus, 'active');
  });

  test('an active alarm stays active with its count after a restart, and repeats continue it', async () => {
    const created = await w.call(w.operator, 'POST', '/api/v1/alarms/rules', pm25Rule({ id: 'pm25-spike-restart', alarmType: 'pm25Restart' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const station = 'urn:ngsi-ld:AirQualityObserved:shangcheng-1';
    const t0 = Date.now();
    await w.upsert([airQuality('shangcheng-1', 300, t0)]);
    await w.upsert([airQuality('shangcheng-1', 310, t0 + 60_000)], 'update');
    const [before] = await alarmsOf(w, station, 'pm25Restart');
    assert.equal(before.count, 2);
    // No body at all: the note is optional.
    const ack = await w.call(w.operator, 'POST', `/api/v1/alarms/${encodeURIComponent(before.id)}/acknowledge`);
    assert.equal(ack.status, 200);

    await w.close();
    w = await startAlarmsWorld(durable);

    const [restored] = await alarmsOf(w, station, 'pm25Restart');
    assert.equal(restored.id, before.id);
    assert.equal(restored.status, 'active');
    assert.equal(restored.count, 2);
    assert.equal(restored.acknowledgedBy, 'duty-operator');

    await w.upsert([airQuality('shangcheng-1', 320, t0 + 120_000)], 'update');
    const all = await alarmsOf(w, station, 'pm25Restart');
    assert.equal(all.length, 1, 'the same alarm continues, no second one is raised');
    assert.equal(all[0].id, before.id);
    assert.equal(all[0].count, 3);
    assert.equal(all[0].acknowledged, true, 'a repeat keeps the acknowledgement');

    await w.upsert([airQuality('shangcheng-1', 40, t0 + 180_000)], 'update');
    const [cleared] = await alarmsOf(w, station, 'pm25Restart');
    assert.equal(cleared.status, 'cleared', 'the restored alarm clears by its rule');
  });
});
