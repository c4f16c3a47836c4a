/**
 * Device offline and power outages through the whole service: a sensor entity silent for 10+ minutes raises the
 * default deviceOffline alarm; a PowerOutage entity written active nearby inhibits the offline alarms in its radius,
 * listed with the reason in /api/v1/alarms/suppressed; the sensor's next reading clears its alarm.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AlarmsWorld, type DurableStore, durableStore, startAlarmsWorld } from './support.ts';

const MIN = 60_000;

function noiseMeter(n: number, coordinates: [number, number], at: number) {
  const observedAt = new Date(at).toISOString();
  return {
    id: `urn:ngsi-ld:NoiseLevelObserved:hz-noise-${n}`,
    type: 'NoiseLevelObserved',
    LAeq: { type: 'Property', value: 56.2, observedAt },
    LAmax: { type: 'Property', value: 71.5, observedAt },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates } },
    district: { type: 'Property', value: 'xihu' },
  };
}

function powerOutage(status: 'active' | 'restored', at: number) {
  return {
    id: 'urn:ngsi-ld:PowerOutage:hz-outage-test-0',
    type: 'PowerOutage',
    status: { type: 'Property', value: status, observedAt: new Date(at).toISOString() },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.15, 30.27] } },
    radius: { type: 'Property', value: 2000, unitCode: 'MTR' },
    district: { type: 'Property', value: 'xihu' },
    startedAt: { type: 'Property', value: new Date(at - 3 * MIN).toISOString() },
    affectedDevices: { type: 'Property', value: 1 },
  };
}

describe('device offline and power outages in the alarms service', () => {
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

  const alarmsOf = async (type: string) => {
    await w.platform.alarms.flush();
    const list = await w.call(w.officer, 'GET', `/api/v1/alarms?status=all&type=${type}&limit=100`);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    return list.body.alarms as { originator: string; status: string; category: string; severity: string; firstSeen: string }[];
  };

  test('a silent sensor raises deviceOffline; one inside an active outage is inhibited, with the outage named; a reading clears', async () => {
    const now = Date.now();
    // the grid's report first (event time 10 min ago), then the sensors' last readings, 15 and 12 min ago: once the
    // service's clock reaches now, it finds both silent for 10+ min at once, with the outage already known
    await w.upsert([powerOutage('active', now - 10 * MIN)]);
    await w.upsert([noiseMeter(1, [120.3, 30.4], now - 15 * MIN), noiseMeter(2, [120.16, 30.275], now - 12 * MIN)]);
    // the service's event time follows the latest reading (plus the wall time since): a third meter reporting now moves it on
    await w.upsert([noiseMeter(3, [120.0, 30.1], now)]);
    // hub changes reach the engine through the live subscription just after the write commits
    for (let i = 0; i < 50 && !(await alarmsOf('deviceOffline')).length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await w.platform.alarms.service.advance();
    }

    const outages = await alarmsOf('powerOutage');
    assert.equal(outages.length, 1);
    assert.equal(outages[0]?.status, 'active');
    assert.equal(outages[0]?.severity, 'major');

    const offline = await alarmsOf('deviceOffline');
    assert.deepEqual(
      offline.map((a) => [a.originator, a.status, a.category, a.severity]),
      [['urn:ngsi-ld:NoiseLevelObserved:hz-noise-1', 'active', 'device', 'minor']],
      'the sensor far from the outage is shown; the one inside is not',
    );
    assert.equal(offline[0]?.firstSeen, new Date(now - 5 * MIN).toISOString(), 'raised at the event time its silence came due');

    const suppressed = await w.call(w.officer, 'GET', '/api/v1/alarms/suppressed?reason=inhibited');
    assert.equal(suppressed.status, 200, JSON.stringify(suppressed.body));
    const mine = suppressed.body.suppressed.filter((s: { signal: { originator: string } }) => s.signal.originator === 'urn:ngsi-ld:NoiseLevelObserved:hz-noise-2');
    assert.equal(mine.length, 1, JSON.stringify(suppressed.body));
    const reason = mine[0].reason;
    assert.equal(reason.code, 'inhibited');
    assert.equal(reason.policyId, 'hz-outage-inhibits-offline');
    assert.equal(reason.details.originator, 'urn:ngsi-ld:PowerOutage:hz-outage-test-0');
    assert.equal(reason.details.radiusM, 2000);
    assert.ok(reason.details.distanceM > 900 && reason.details.distanceM < 1200, `distance ${reason.details.distanceM}`);
    assert.match(reason.zh, /hz-outage-test-0/);
    assert.match(reason.en, /hz-outage-test-0: \d+ m from its centre, within its 2000 m radius/);
    assert.equal(mine[0].signal.alarmType, 'deviceOffline');
    assert.equal(suppressed.body.byReason.inhibited >= 1, true);

    // the far sensor reports again: its alarm clears
    await w.upsert([noiseMeter(1, [120.3, 30.4], now)]);
    const cleared = await alarmsOf('deviceOffline');
    assert.equal(cleared.find((a) => a.originator === 'urn:ngsi-ld:NoiseLevelObserved:hz-noise-1')?.status, 'cleared');
  });
});
