/** Unit tests of the stream: events show in the observations the way real devices and people would show them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCity, type City, type DeviceObservation, type EntityObservation, type ReportObservation, simulate, type Tick } from './index.ts';

const FROM = '2026-11-01T16:00:00Z'; // Monday 2026-11-02 00:00 in Hangzhou
const cache = new Map<string, { city: City; ticks: Tick[] }>();
function run(days: number, size: City['size'] = 'tiny', from = FROM) {
  const key = `${days}:${size}:${from}`;
  let hit = cache.get(key);
  if (!hit) {
    const city = buildCity({ seed: 11, size, start: from });
    hit = { city, ticks: [...simulate(city, from, new Date(Date.parse(from) + days * 86_400_000).toISOString())] };
    cache.set(key, hit);
  }
  return hit;
}
const deviceObs = (ticks: Tick[]) => ticks.flatMap((t) => t.observations.filter((o): o is DeviceObservation => o.channel === 'device'));
const entityObs = (ticks: Tick[]) => ticks.flatMap((t) => t.observations.filter((o): o is EntityObservation => o.channel === 'entity'));
const truth = (ticks: Tick[]) => ticks.flatMap((t) => t.truth);

describe('the simulated stream', () => {
  it('emits one tick per minute, stamped in UTC, with every periodic sensor reporting', () => {
    const { city, ticks } = run(1);
    assert.equal(ticks.length, 1440);
    assert.equal(ticks[0]!.at, '2026-11-01T16:00:00.000Z');
    const periodic = city.sensors.filter((s) => s.kind !== 'security').length;
    const first = ticks[0]!.observations.filter((o) => o.channel === 'device' && !o.deviceId.startsWith('hz-security-'));
    assert.ok(first.length >= periodic - 2 && first.length <= periodic);
  });

  it('yields every entity type of the contract within a week of the small city', () => {
    const { ticks } = run(7, 'small', FROM);
    const types = new Set(entityObs(ticks).map((o) => o.entity.type));
    for (const t of ['Hospital', 'Building', 'EmergencyVehicle', 'PublicOpinionPost', 'RoadAccident']) assert.ok(types.has(t), t);
    const kinds = new Set(truth(ticks).map((r) => r.kind));
    for (const k of ['accident', 'breakIn', 'noiseTrigger', 'sensorFault', 'citizenReport']) assert.ok(kinds.has(k), k);
  });

  it('shows a missing-data fault as silence, a stuck fault as a repeated value and a spike as an outlier', () => {
    const { city, ticks } = run(7, 'small', FROM);
    const faults = truth(ticks).filter((r) => r.kind === 'sensorFault');
    const obs = deviceObs(ticks);
    const seen = new Set<string>();
    for (const f of faults) {
      const start = Date.parse(f['start'] as string);
      const end = Date.parse(f['end'] as string);
      const during = obs.filter((o) => o.deviceId === f['deviceId'] && Date.parse(o.observedAt) >= start && Date.parse(o.observedAt) < end);
      if (Date.parse(f['end'] as string) > Date.parse(ticks.at(-1)!.at)) continue;
      if (f['mode'] === 'missing') assert.equal(during.length, 0, `${f.id} missing but reported`);
      if (f['mode'] === 'stuck') {
        assert.ok(during.length > 10);
        for (const o of during) assert.deepEqual(o.values, during[0]!.values, `${f.id} stuck but changing`);
      }
      if (f['mode'] === 'spike') {
        const sensor = city.sensors.find((s) => s.deviceId === f['deviceId'])!;
        const before = obs.find((o) => o.deviceId === sensor.deviceId && Date.parse(o.observedAt) === start - 60_000);
        const key = Object.keys(during[0]!.values)[0]!;
        if (before) assert.ok((during[0]!.values[key] as number) > (before.values[key] as number) * 2 || key === 'LAeq', `${f.id} no spike`);
      }
      seen.add(f['mode'] as string);
    }
    assert.ok(seen.size >= 2, `fault modes seen: ${[...seen].join(', ')}`);
  });

  it('triggers a door or window and then motion within minutes in a break-in, mostly while residents are out or asleep', () => {
    const { ticks } = run(7, 'small', FROM);
    const breakIns = truth(ticks).filter((r) => r.kind === 'breakIn');
    assert.ok(breakIns.length > 0);
    for (const b of breakIns) {
      const triggers = b['triggers'] as { deviceId: string; at: string }[];
      assert.equal(triggers.length, 2);
      const gap = Date.parse(triggers[1]!.at) - Date.parse(triggers[0]!.at);
      assert.ok(gap > 0 && gap <= 5 * 60_000);
      const raw = deviceObs(ticks).filter((o) => o.values['state'] === 'triggered' && triggers.some((t) => t.deviceId === o.deviceId && t.at === o.observedAt));
      assert.equal(raw.length, 2);
    }
    const outOrAsleep = breakIns.filter((b) => b['occupancyState'] !== 'home').length;
    assert.ok(outOrAsleep / breakIns.length >= 0.5);
  });

  it('blames curtains moved by the wind only when the wind is strong', () => {
    const { ticks } = run(7, 'small', FROM);
    const wind = truth(ticks).filter((r) => r.kind === 'noiseTrigger' && r['cause'] === 'wind');
    assert.ok(wind.length > 0);
    for (const r of wind) assert.ok((r['windSpeed'] as number) >= 4.5, `wind trigger at ${r['windSpeed']} m/s`);
  });

  it('sends police to every accident and shows the car en route, on scene and back', () => {
    const { city, ticks } = run(7, 'small', FROM);
    const accidents = truth(ticks).filter((r) => r.kind === 'accident');
    const vehicleUpdates = entityObs(ticks).filter((o) => o.entity.type === 'EmergencyVehicle');
    for (const a of accidents) assert.ok((a['units'] as string[]).some((u) => city.units.find((x) => x.id === u)?.kind === 'policeCar'), `${a.id} without police`);
    const statuses = new Set(vehicleUpdates.map((o) => (o.entity['status'] as { value: string }).value));
    for (const s of ['dispatched', 'enRoute', 'onScene', 'returning', 'available']) assert.ok(statuses.has(s), s);
  });

  it('files Open311 reports with the attributes their service needs and Chinese descriptions', () => {
    const { ticks } = run(7, 'small', FROM);
    const reports = ticks.flatMap((t) => t.observations.filter((o): o is ReportObservation => o.channel === 'report'));
    assert.ok(reports.length > 10);
    for (const r of reports) {
      assert.ok(['pothole', 'streetlight', 'garbage', 'noise'].includes(r.serviceCode));
      assert.match(r.description, /[\u4e00-\u9fa5]/u);
      if (r.serviceCode === 'pothole') {
        assert.ok(Number(r.attributes?.['depth_cm']) > 0);
        assert.ok(['motorway', 'bike', 'sidewalk'].includes(r.attributes?.['lane'] ?? ''));
      }
      if (r.serviceCode === 'noise') assert.ok(['construction', 'entertainment', 'traffic', 'other'].includes(r.attributes?.['source'] ?? ''));
    }
  });

  it('posts more, and more negatively, in the hours after an incident', () => {
    const { ticks } = run(7, 'small', FROM);
    const posts = entityObs(ticks).filter((o) => o.entity.type === 'PublicOpinionPost');
    const linked = new Set(truth(ticks).filter((r) => r.kind === 'post').map((r) => r.id));
    const sentiment = (o: EntityObservation) => (o.entity['sentiment'] as { value: number }).value;
    const about = posts.filter((p) => linked.has(p.entity.id));
    const other = posts.filter((p) => !linked.has(p.entity.id));
    assert.ok(about.length > 10 && other.length > 100);
    const avg = (xs: EntityObservation[]) => xs.reduce((s, p) => s + sentiment(p), 0) / xs.length;
    assert.ok(avg(about) < avg(other) - 0.3);
    for (const p of posts) {
      assert.match((p.entity['text'] as { value: string }).value, /[\u4e00-\u9fa5]/u);
      assert.ok(Math.abs(sentiment(p)) <= 1);
    }
  });

  it('fills business car parks by day and residential ones by night on a workday', () => {
    const { city, ticks } = run(1, 'small', FROM);
    const occ = (character: string, localHour: number) => {
      const at = new Date(Date.parse(FROM) + localHour * 3_600_000).toISOString();
      const ids = new Set(city.carParks.filter((p) => p.character === character).map((p) => city.sensors.find((s) => s.kind === 'parking' && s.ref === p.index)!.deviceId));
      const values = deviceObs(ticks.filter((t) => t.at === at)).filter((o) => ids.has(o.deviceId)).map((o) => o.values['occupancyRate'] as number);
      return values.reduce((s, v) => s + v, 0) / values.length;
    };
    assert.ok(occ('business', 11) > occ('business', 3) + 0.4);
    assert.ok(occ('residential', 3) > occ('residential', 11) + 0.2);
  });
});
