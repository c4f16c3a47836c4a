/** Power outages in the simulated city: silenced mains-powered sensors, the grid's PowerOutage reports, the ground truth. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dayEvents } from './events/schedule.ts';
import { buildCity, type DeviceObservation, distanceMetres, type EntityObservation, simulate, type Tick, type TruthRecord } from './index.ts';

const FROM = '2026-11-01T16:00:00.000Z'; // Monday 2026-11-02 00:00 in Hangzhou
const DAY = 86_400_000;
const MIN = 60_000;
const city = buildCity({ seed: 42, size: 'tiny', start: FROM });
const ticks: Tick[] = [...simulate(city, FROM, new Date(Date.parse(FROM) + 7 * DAY).toISOString())];
const outages = ticks.flatMap((t) => t.truth).filter((r) => r.kind === 'powerOutage');

describe('power outages', () => {
  it('happen about 0.02 times per district per day, 20–120 min over 1–3 km of a district', () => {
    let n = 0;
    const days = 200;
    const first = Math.floor((Date.parse(FROM) + 8 * 3_600_000) / DAY);
    for (let day = first; day < first + days; day++) {
      for (const o of dayEvents(city, day).outages) {
        n++;
        assert.ok(o.end - o.start >= 20 * MIN && o.end - o.start <= 120 * MIN, `${o.id} lasts ${(o.end - o.start) / MIN} min`);
        assert.ok(o.radius >= 1000 && o.radius <= 3000, `${o.id} radius ${o.radius}`);
        assert.ok(o.reportedAt - o.start >= 2 * MIN && o.reportedAt - o.start <= 5 * MIN, `${o.id} reported after ${(o.reportedAt - o.start) / MIN} min`);
        const district = city.districts.find((d) => d.id === o.district);
        assert.ok(district && distanceMetres(district.centre, o.centre) < 3500, `${o.id} centre far from ${o.district}`);
        assert.match(o.id, new RegExp(`^urn:ngsi-ld:PowerOutage:hz-outage-${day}-\\d+$`));
      }
    }
    const rate = n / days / city.districts.length;
    assert.ok(rate > 0.01 && rate < 0.03, `rate ${rate.toFixed(4)} per district per day (${n} outages)`);
    assert.ok(outages.length >= 1, 'the test week has an outage');
  });

  it('silences every periodic sensor inside the area while it lasts; security sensors on batteries go on', () => {
    for (const o of outages) {
      const start = Date.parse(o['start'] as string);
      const end = Date.parse(o['end'] as string);
      const centre = o['location'] as [number, number];
      const inside = new Set(city.sensors.filter((s) => s.kind !== 'security' && distanceMetres(s.location, centre) <= (o['radius'] as number)).map((s) => s.deviceId));
      assert.deepEqual(new Set(o['deviceIds'] as string[]), inside, 'deviceIds are the periodic sensors inside the radius');
      assert.ok(inside.size > 0, `${o.id} silences devices`);
      const during = ticks.filter((t) => Date.parse(t.at) >= start && Date.parse(t.at) < end);
      const sent = (t: Tick) => t.observations.filter((x): x is DeviceObservation => x.channel === 'device').map((x) => x.deviceId);
      for (const t of during) for (const id of sent(t)) assert.ok(!inside.has(id), `${id} reported at ${t.at} during ${o.id}`);
      const back = ticks.find((t) => Date.parse(t.at) === end);
      if (back) for (const id of inside) assert.ok(sent(back).includes(id) || faulty(id, end), `${id} back when the power is`);
      const before = ticks.find((t) => Date.parse(t.at) === start - MIN);
      if (before) assert.ok([...inside].some((id) => sent(before).includes(id)), 'they reported just before');
      // battery-powered security sensors in the area keep their heartbeats
      const security = city.sensors.filter((s) => s.kind === 'security' && distanceMetres(s.location, centre) <= (o['radius'] as number)).map((s) => s.deviceId);
      if (security.length > 0 && end - start >= 60 * MIN) assert.ok(during.some((t) => sent(t).some((id) => security.includes(id))), 'security heartbeats go on');
    }
  });

  it('is reported by the grid as a PowerOutage entity a few minutes after it starts, and again when restored', () => {
    for (const o of outages) {
      const reports = ticks.flatMap((t) => t.observations).filter((x): x is EntityObservation => x.channel === 'entity' && x.entity.id === o.id);
      assert.equal(reports.length, 2);
      const [active, restored] = reports.map((r) => r.entity) as [EntityObservation['entity'], EntityObservation['entity']];
      const status = (e: typeof active) => e['status'] as { value: string; observedAt: string };
      assert.equal(active.type, 'PowerOutage');
      assert.equal(status(active).value, 'active');
      assert.equal(status(active).observedAt, o['reportedAt']);
      const lag = Date.parse(o['reportedAt'] as string) - Date.parse(o['start'] as string);
      assert.ok(lag >= 2 * MIN && lag <= 5 * MIN);
      assert.deepEqual(active['location'], { type: 'GeoProperty', value: { type: 'Point', coordinates: o['location'] } });
      assert.deepEqual(active['radius'], { type: 'Property', value: o['radius'], unitCode: 'MTR' });
      assert.deepEqual(active['district'], { type: 'Property', value: o['district'] });
      assert.deepEqual(active['startedAt'], { type: 'Property', value: o['start'] });
      assert.deepEqual(active['affectedDevices'], { type: 'Property', value: (o['deviceIds'] as string[]).length });
      assert.equal(active['restoredAt'], undefined);
      assert.equal(status(restored).value, 'restored');
      assert.equal(status(restored).observedAt, o['end']);
      assert.deepEqual(restored['restoredAt'], { type: 'Property', value: o['end'] });
    }
  });

  it('is deterministic, and a range split at any tick gives the same outages and silences', () => {
    const o = outages[0] as TruthRecord;
    const start = Date.parse(o['start'] as string);
    const from = new Date(start - 30 * MIN).toISOString();
    const mid = new Date(start + 3 * MIN).toISOString(); // between the start and the grid's report
    const to = new Date(start + 150 * MIN).toISOString();
    const again = buildCity({ seed: 42, size: 'tiny', start: FROM });
    const whole = JSON.stringify([...simulate(again, from, to)]);
    const split = JSON.stringify([...simulate(again, from, mid), ...simulate(again, mid, to)]);
    assert.equal(split, whole);
    assert.equal(whole, JSON.stringify(ticks.filter((t) => t.at >= from && t.at < to)));
    const other = buildCity({ seed: 7, size: 'tiny', start: FROM });
    const otherOutages = [...simulate(other, FROM, new Date(Date.parse(FROM) + 7 * DAY).toISOString())].flatMap((t) => t.truth).filter((r) => r.kind === 'powerOutage');
    assert.notDeepEqual(otherOutages, outages, 'another seed, other outages');
  });
});

function faulty(deviceId: string, at: number): boolean {
  return ticks
    .flatMap((t) => t.truth)
    .some((r) => r.kind === 'sensorFault' && r['deviceId'] === deviceId && Date.parse(r['start'] as string) <= at && at < Date.parse(r['end'] as string));
}
