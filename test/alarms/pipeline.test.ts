/** From a reading written through the NGSI-LD API to an alarm in /api/v1/alarms and an Alert entity in the hub: raise, repeat, acknowledge, clear, silence. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AlarmsWorld, airQuality, type DurableStore, durableStore, pm25Rule, startAlarmsWorld } from './support.ts';

describe('the alarm pipeline', () => {
  let durable: DurableStore;
  let w: AlarmsWorld;
  before(async () => {
    durable = durableStore();
    w = await startAlarmsWorld(durable);
    const created = await w.call(w.operator, 'POST', '/api/v1/alarms/rules', pm25Rule());
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(async () => {
    await w.close();
    await durable.dispose();
  });

  const activeOf = async (originator: string) => {
    await w.platform.alarms.flush();
    const list = await w.call(w.officer, 'GET', '/api/v1/alarms?status=all&type=pm25Spike&limit=100');
    assert.equal(list.status, 200);
    return list.body.alarms.filter((a: { originator: string }) => a.originator === originator);
  };
  const alert = async (entityId: string) => {
    const response = await w.call(w.admin, 'GET', `/ngsi-ld/v1/entities/${encodeURIComponent(entityId)}?options=keyValues`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  };

  test('a reading above the threshold raises an alarm, listed and mirrored as an Alert entity; repeats count; a low reading clears it', async () => {
    const station = 'urn:ngsi-ld:AirQualityObserved:xihu-1';
    const t0 = Date.now();
    await w.upsert([airQuality('xihu-1', 120, t0)]);
    assert.equal((await activeOf(station)).length, 0, 'below the threshold: no alarm');

    await w.upsert([airQuality('xihu-1', 250, t0 + 60_000)]);
    const [raised] = await activeOf(station);
    assert.ok(raised, 'raised');
    assert.equal(raised.status, 'active');
    assert.equal(raised.count, 1);
    assert.equal(raised.severity, 'major');
    assert.equal(raised.category, 'environment');
    assert.equal(raised.ruleId, 'pm25-spike');
    assert.equal(raised.district, 'xihu');
    assert.deepEqual(raised.location, { type: 'Point', coordinates: [120.1, 30.25] });
    assert.equal(raised.firstSeen, new Date(t0 + 60_000).toISOString(), 'event time: the observedAt of the reading');
    assert.equal(raised.entityId, `urn:ngsi-ld:Alert:${raised.id}`);

    const entity = await alert(raised.entityId);
    assert.equal(entity.type, 'Alert');
    assert.equal(entity.alarmStatus, 'active');
    assert.equal(entity.severity, 'high', 'major is FIWARE high');
    assert.equal(entity.alarmSeverity, 'major');
    assert.equal(entity.subCategory, 'pm25Spike');
    assert.equal(entity.alertSource, station);
    assert.equal(entity.count, 1);
    assert.equal(entity.acknowledged, false);
    assert.equal(entity.description, 'PM2.5 超过 200 µg/m³');

    await w.upsert([airQuality('xihu-1', 260, t0 + 120_000)], 'update');
    await w.upsert([airQuality('xihu-1', 270, t0 + 180_000)], 'update');
    const repeated = await activeOf(station);
    assert.equal(repeated.length, 1, 'one active alarm per originator and type');
    assert.equal(repeated[0].id, raised.id);
    assert.equal(repeated[0].count, 3);
    assert.equal(repeated[0].lastSeen, new Date(t0 + 180_000).toISOString());
    assert.equal((await alert(raised.entityId)).count, 3);

    await w.upsert([airQuality('xihu-1', 150, t0 + 240_000)], 'update');
    assert.equal((await activeOf(station))[0].status, 'active', 'hysteresis: 150 is not below the clear threshold 100');
    await w.upsert([airQuality('xihu-1', 60, t0 + 300_000)], 'update');
    const [cleared] = await activeOf(station);
    assert.equal(cleared.status, 'cleared');
    assert.equal(cleared.clearedAt, new Date(t0 + 300_000).toISOString());
    const clearedEntity = await alert(raised.entityId);
    assert.equal(clearedEntity.alarmStatus, 'cleared');
    assert.equal(clearedEntity.dateCleared, new Date(t0 + 300_000).toISOString());

    const detail = await w.call(w.officer, 'GET', `/api/v1/alarms/${encodeURIComponent(raised.id)}`);
    assert.deepEqual(
      detail.body.timeline.map((e: { kind: string }) => e.kind),
      ['raised', 'repeated', 'repeated', 'cleared'],
    );
    const active = await w.call(w.officer, 'GET', '/api/v1/alarms?type=pm25Spike');
    assert.ok(!active.body.alarms.some((a: { id: string }) => a.id === raised.id), 'the default list shows active alarms only');
  });

  test('an operator acknowledges an alarm: who and when are recorded, once', async () => {
    const t0 = Date.now();
    await w.upsert([airQuality('xihu-2', 300, t0)]);
    const [alarm] = await activeOf('urn:ngsi-ld:AirQualityObserved:xihu-2');
    assert.ok(alarm);
    assert.equal((await w.call(w.officer, 'POST', `/api/v1/alarms/${encodeURIComponent(alarm.id)}/acknowledge`, {})).status, 403, 'officers only read');

    const before = Date.now();
    const acked = await w.call(w.operator, 'POST', `/api/v1/alarms/${encodeURIComponent(alarm.id)}/acknowledge`, { note: '已通知环保局 Environment bureau told' });
    assert.equal(acked.status, 200, JSON.stringify(acked.body));
    assert.equal(acked.body.acknowledged, true);
    assert.equal(acked.body.acknowledgedBy, 'duty-operator');
    assert.ok(Date.parse(acked.body.acknowledgedAt) >= before - 1000);
    const entry = acked.body.timeline.find((e: { kind: string }) => e.kind === 'acknowledged');
    assert.equal(entry.actor, 'duty-operator');
    assert.equal(entry.note, '已通知环保局 Environment bureau told');

    const twice = await w.call(w.operator, 'POST', `/api/v1/alarms/${encodeURIComponent(alarm.id)}/acknowledge`, {});
    assert.equal(twice.status, 409);
    assert.match(twice.body.detail, /acknowledged already by duty-operator/);

    await w.platform.alarms.flush();
    const entity = await alert(alarm.entityId);
    assert.equal(entity.acknowledged, true);
    assert.equal(entity.acknowledgedBy, 'duty-operator');

    const unacked = await w.call(w.officer, 'GET', '/api/v1/alarms?ack=false&type=pm25Spike');
    assert.ok(!unacked.body.alarms.some((a: { id: string }) => a.id === alarm.id));
    const audit = await w.platform.store.query<{ action: string }>("SELECT action FROM audit_log WHERE target_id = $1 AND action = 'alarm.acknowledge'", [alarm.id]);
    assert.equal(audit.length, 1);
  });

  test('an operator clears an alarm by hand; a new reading above the threshold raises a new one', async () => {
    const t0 = Date.now();
    const station = 'urn:ngsi-ld:AirQualityObserved:xihu-3';
    await w.upsert([airQuality('xihu-3', 300, t0)]);
    const [alarm] = await activeOf(station);
    const cleared = await w.call(w.operator, 'POST', `/api/v1/alarms/${encodeURIComponent(alarm.id)}/clear`, { note: '传感器被遮挡 Sensor covered' });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.equal(cleared.body.status, 'cleared');
    const entry = cleared.body.timeline.at(-1);
    assert.equal(entry.kind, 'cleared');
    assert.equal(entry.actor, 'duty-operator');
    assert.equal(entry.note, '传感器被遮挡 Sensor covered');
    assert.equal((await alert(alarm.entityId)).alarmStatus, 'cleared');
    assert.equal((await w.call(w.operator, 'POST', `/api/v1/alarms/${encodeURIComponent(alarm.id)}/clear`, {})).status, 409);
    assert.equal((await w.call(w.operator, 'POST', '/api/v1/alarms/no-such-alarm/clear', {})).status, 404);

    await w.upsert([airQuality('xihu-3', 310, t0 + 60_000)], 'update');
    const after = await activeOf(station);
    assert.equal(after.length, 2);
    assert.equal(after.filter((a: { status: string }) => a.status === 'active').length, 1);
    assert.notEqual(after.find((a: { status: string }) => a.status === 'active').id, alarm.id);
  });

  test('a silence suppresses matching signals, listed with their reason in /alarms/suppressed and counted in the stats', async () => {
    const now = Date.now();
    const silence = await w.call(w.operator, 'POST', '/api/v1/alarms/silences', {
      kind: 'silence',
      matchers: { alarmType: 'pm25Spike', originator: 'urn:ngsi-ld:AirQualityObserved:binjiang-9' },
      from: new Date(now - 60_000).toISOString(),
      to: new Date(now + 3_600_000).toISOString(),
      reason: '站点校准 Station calibration',
    });
    assert.equal(silence.status, 201, JSON.stringify(silence.body));
    await w.upsert([airQuality('binjiang-9', 400, now)]);
    assert.equal((await activeOf('urn:ngsi-ld:AirQualityObserved:binjiang-9')).length, 0, 'silenced: no alarm');

    const suppressed = await w.call(w.officer, 'GET', '/api/v1/alarms/suppressed?reason=silenced');
    assert.equal(suppressed.status, 200);
    const mine = suppressed.body.suppressed.filter((s: { signal: { originator: string } }) => s.signal.originator === 'urn:ngsi-ld:AirQualityObserved:binjiang-9');
    assert.equal(mine.length, 1, JSON.stringify(suppressed.body));
    assert.equal(mine[0].reason.code, 'silenced');
    assert.ok(mine[0].reason.zh && mine[0].reason.en, 'the reason is bilingual');
    assert.equal(mine[0].signal.alarmType, 'pm25Spike');
    assert.ok(suppressed.body.byReason.silenced >= 1);
    assert.ok(suppressed.body.total >= 1);

    const other = await w.call(w.officer, 'GET', '/api/v1/alarms/suppressed?reason=uncorroborated');
    assert.ok(!other.body.suppressed.some((s: { reason: { code: string } }) => s.reason.code === 'silenced'), 'filtered by reason');

    const stats = await w.call(w.officer, 'GET', `/api/v1/alarms/stats?from=${encodeURIComponent(new Date(now - 3_600_000).toISOString())}`);
    assert.equal(stats.status, 200);
    assert.ok(stats.body.suppressed >= 1);
    assert.ok(stats.body.alarms >= 1);
    assert.ok(stats.body.signals >= stats.body.suppressed + stats.body.alarms);
    assert.ok(stats.body.byType.pm25Spike >= 1);
    assert.ok(stats.body.byReason.silenced >= 1);
  });
});
