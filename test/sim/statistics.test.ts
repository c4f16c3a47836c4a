/** Statistical tests on generated weeks of the simulated city: rhythms, holidays, seasons, accidents, alarm noise, determinism. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildCity, type City, type DeviceObservation, simulate, type Tick, type TruthRecord } from '../../src/sim/index.ts';
import { writeSimulation } from '../../src/sim/out.ts';

const SEED = 42;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Local (Asia/Shanghai) midnight of a date, as a UTC instant. */
const localMidnight = (date: string) => new Date(Date.parse(`${date}T00:00:00+08:00`)).toISOString();
const plusDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY).toISOString();

interface Generated {
  city: City;
  ticks: Tick[];
}

const generated = new Map<string, Generated>();
function generate(firstLocalDate: string, days: number, size: City['size'] = 'tiny', stepSeconds = 60): Generated {
  const key = `${firstLocalDate}:${days}:${size}:${stepSeconds}`;
  let hit = generated.get(key);
  if (!hit) {
    const from = localMidnight(firstLocalDate);
    const city = buildCity({ seed: SEED, size, start: from, stepSeconds });
    hit = { city, ticks: [...simulate(city, from, plusDays(from, days))] };
    generated.set(key, hit);
  }
  return hit;
}

const devicesOf = (g: Generated) => g.ticks.flatMap((t) => t.observations.filter((o): o is DeviceObservation => o.channel === 'device'));
const truthOf = (g: Generated) => g.ticks.flatMap((t) => t.truth);

/** City-wide traffic volume (vehicles) per local date and local hour, from every detector's 1-minute flow. */
function hourlyVolume(g: Generated): Map<string, number[]> {
  const byDate = new Map<string, number[]>();
  for (const tick of g.ticks) {
    const local = new Date(Date.parse(tick.at) + 8 * HOUR).toISOString();
    const date = local.slice(0, 10);
    const hour = Number(local.slice(11, 13));
    let hours = byDate.get(date);
    if (!hours) {
      hours = new Array<number>(24).fill(0);
      byDate.set(date, hours);
    }
    for (const o of tick.observations) {
      if (o.channel === 'device' && o.deviceId.startsWith('hz-traffic-')) hours[hour]! += (o.values['intensity'] as number) / 60;
    }
  }
  return byDate;
}

const total = (hours: number[]) => hours.reduce((s, v) => s + v, 0);
const peakToMean = (hours: number[]) => Math.max(...hours) / (total(hours) / 24);
const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

describe('a generated week of the simulated city', () => {
  // 2026-11-02 is a Monday; the week has no holiday
  const week = () => generate('2026-11-02', 7);
  const weekdays = ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06'];
  const weekend = ['2026-11-07', '2026-11-08'];

  it('has a weekday peak hour between 1.8 and 2.8 times the mean hour of city-wide traffic', (t) => {
    const volume = hourlyVolume(week());
    const ratios = weekdays.map((d) => peakToMean(volume.get(d)!));
    t.diagnostic(`weekday peak/mean ratios: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
    for (const r of ratios) assert.ok(r >= 1.8 && r <= 2.8, `peak/mean ${r.toFixed(2)} is outside 1.8–2.8`);
  });

  it('peaks in the morning and the evening on weekdays and later, flatter on weekends', (t) => {
    const volume = hourlyVolume(week());
    for (const d of weekdays) {
      const hours = volume.get(d)!;
      const morning = hours.slice(6, 11);
      const evening = hours.slice(16, 21);
      assert.ok(Math.max(...morning) > 1.6 * hours[13]!, `${d} has no morning peak`);
      assert.ok(Math.max(...evening) > 1.6 * hours[13]!, `${d} has no evening peak`);
    }
    const weekendRatios = weekend.map((d) => peakToMean(volume.get(d)!));
    const weekendPeakHours = weekend.map((d) => volume.get(d)!.indexOf(Math.max(...volume.get(d)!)));
    t.diagnostic(`weekend peak/mean ratios: ${weekendRatios.map((r) => r.toFixed(2)).join(', ')}; peak hours ${weekendPeakHours.join(', ')}`);
    for (const r of weekendRatios) assert.ok(r < 1.9, `a weekend peak/mean of ${r.toFixed(2)} is not flatter than weekdays`);
    for (const h of weekendPeakHours) assert.ok(h >= 10, `a weekend peak at ${h}:00 is not later than the weekday one`);
  });

  it('carries less traffic on a weekend day than on a weekday', (t) => {
    const volume = hourlyVolume(week());
    const weekdayVolume = mean(weekdays.map((d) => total(volume.get(d)!)));
    const weekendVolume = mean(weekend.map((d) => total(volume.get(d)!)));
    t.diagnostic(`daily volume: weekday ${Math.round(weekdayVolume)}, weekend ${Math.round(weekendVolume)} (${((weekendVolume / weekdayVolume) * 100).toFixed(0)} %)`);
    assert.ok(weekendVolume < 0.95 * weekdayVolume);
  });

  it('gives every raw security trigger a ground-truth record, and at least 95 % of them are noise', (t) => {
    // the small city (120 buildings); 5-minute ticks are enough, triggers keep their own times
    const g = generate('2026-11-02', 7, 'small', 300);
    const truth = truthOf(g);
    const noise = new Set(truth.filter((r) => r.kind === 'noiseTrigger').map((r) => `${r['deviceId']}@${r.at}`));
    const real = new Set(
      truth.filter((r) => r.real && Array.isArray(r['triggers'])).flatMap((r) => (r['triggers'] as { deviceId: string; at: string }[]).map((x) => `${x.deviceId}@${x.at}`)),
    );
    const raw = devicesOf(g).filter((o) => o.values['state'] === 'triggered');
    let noiseCount = 0;
    for (const o of raw) {
      const key = `${o.deviceId}@${o.observedAt}`;
      assert.ok(noise.has(key) || real.has(key), `the trigger ${key} has no ground truth`);
      if (noise.has(key)) noiseCount++;
    }
    const causes = new Map<string, number>();
    for (const r of truth) if (r.kind === 'noiseTrigger') causes.set(r['cause'] as string, (causes.get(r['cause'] as string) ?? 0) + 1);
    t.diagnostic(`raw triggers ${raw.length}, noise ${noiseCount} (${((noiseCount / raw.length) * 100).toFixed(1)} %), real ${raw.length - noiseCount}; causes ${[...causes].map(([c, n]) => `${c} ${n}`).join(', ')}`);
    assert.ok(raw.length > 100);
    assert.ok(raw.length - noiseCount > 0, 'a week of the small city has some real alarms');
    assert.ok(noiseCount / raw.length >= 0.95);
  });

  it('slows accident segments below their neighbours while the accident lasts', (t) => {
    const g = week();
    const { city } = g;
    const accidents = truthOf(g).filter((r) => r.kind === 'accident');
    assert.ok(accidents.length >= 5, `only ${accidents.length} accidents in a week`);
    const faulty = new Set(truthOf(g).filter((r) => r.kind === 'sensorFault').map((r) => r['deviceId']));
    const roadIndex = new Map(city.roads.map((r) => [r.id, r.index]));
    const key = (p: [number, number]) => `${p[0]},${p[1]}`;
    // speeds per detector per tick
    const speed = new Map<string, number>();
    for (const tick of g.ticks) {
      for (const o of tick.observations) if (o.channel === 'device' && o.deviceId.startsWith('hz-traffic-')) speed.set(`${o.deviceId}@${tick.at}`, o.values['averageVehicleSpeed'] as number);
    }
    const detector = (road: number) => city.sensors[city.detectorOfRoad[road]!]!.deviceId;
    let compared = 0;
    const ratios: number[] = [];
    for (const a of accidents) {
      const road = city.roads[roadIndex.get(a['roadSegment'] as string)!]!;
      const queue = new Set((a['queueSegments'] as string[]).map((id) => roadIndex.get(id)));
      const ends = new Set(road.coordinates.map(key));
      const neighbours = city.roads.filter((r) => r.index !== road.index && !queue.has(r.index) && r.speedLimit === road.speedLimit && r.coordinates.some((c) => ends.has(key(c))));
      if (neighbours.length === 0 || faulty.has(detector(road.index))) continue;
      const during: number[] = [];
      const beside: number[] = [];
      for (let ms = Date.parse(a['start'] as string) + 5 * 60_000; ms < Date.parse(a['end'] as string); ms += 60_000) {
        const at = new Date(ms - (ms % 60_000)).toISOString();
        const own = speed.get(`${detector(road.index)}@${at}`);
        if (own === undefined) continue;
        during.push(own);
        for (const n of neighbours) {
          const s = speed.get(`${detector(n.index)}@${at}`);
          if (s !== undefined) beside.push(s);
        }
      }
      if (during.length === 0 || beside.length === 0) continue;
      compared++;
      ratios.push(mean(during) / mean(beside));
      assert.ok(mean(during) < mean(beside), `accident ${a.id} on ${road.name}: ${mean(during).toFixed(1)} km/h is not below its neighbours' ${mean(beside).toFixed(1)} km/h`);
    }
    t.diagnostic(`${compared} accidents compared; speed on the accident segment / neighbours: mean ${mean(ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}`);
    assert.ok(compared >= 5);
  });

  it('spreads an accident queue to the segment upstream, slower than the same stretch in the other direction', (t) => {
    const g = week();
    const { city } = g;
    const roadIndex = new Map(city.roads.map((r) => [r.id, r.index]));
    const speedAt = new Map<string, number>();
    for (const tick of g.ticks) {
      for (const o of tick.observations) if (o.channel === 'device' && o.deviceId.startsWith('hz-traffic-')) speedAt.set(`${o.deviceId}@${tick.at}`, o.values['averageVehicleSpeed'] as number);
    }
    const detector = (road: number) => city.sensors[city.detectorOfRoad[road]!]!.deviceId;
    const slowdowns: number[] = [];
    for (const a of truthOf(g).filter((r) => r.kind === 'accident' && (r['queueSegments'] as string[]).length > 0)) {
      const upstream = city.roads[roadIndex.get((a['queueSegments'] as string[])[0]!)!]!;
      const queued: number[] = [];
      const otherWay: number[] = [];
      // from 20 minutes in (the queue has reached its length) until the accident is cleared
      const first = Date.parse(a['start'] as string) + 20 * 60_000;
      for (let ms = first - (first % 60_000); ms < Date.parse(a['end'] as string); ms += 60_000) {
        const at = new Date(ms).toISOString();
        const s = speedAt.get(`${detector(upstream.index)}@${at}`);
        const o = speedAt.get(`${detector(upstream.twin)}@${at}`);
        if (s !== undefined && o !== undefined) {
          queued.push(s);
          otherWay.push(o);
        }
      }
      if (queued.length > 0) slowdowns.push(mean(queued) / mean(otherWay));
    }
    t.diagnostic(`upstream speed in the queue / the other direction: mean ${mean(slowdowns).toFixed(2)} over ${slowdowns.length} accidents`);
    assert.ok(slowdowns.length >= 2);
    assert.ok(mean(slowdowns) < 0.7);
  });
});

describe('holidays and make-up working days (National Day 2026)', () => {
  // 2026-10-01..07 are days off; Saturday 2026-10-10 is a make-up working day (国务院办公厅关于2026年部分节假日安排的通知)
  const day = (date: string) => total(hourlyVolume(generate(date, 1)).get(date)!);
  const ratio = (date: string) => peakToMean(hourlyVolume(generate(date, 1)).get(date)!);

  it('makes a public holiday weekday behave like a weekend', (t) => {
    const holiday = day('2026-10-06'); // a Tuesday off
    const weekday = day('2026-10-13'); // a normal Tuesday
    const sunday = day('2026-10-18');
    t.diagnostic(`volume: holiday Tuesday ${Math.round(holiday)}, normal Tuesday ${Math.round(weekday)}, Sunday ${Math.round(sunday)}; peak/mean holiday ${ratio('2026-10-06').toFixed(2)} vs Tuesday ${ratio('2026-10-13').toFixed(2)}`);
    assert.ok(holiday < 0.9 * weekday);
    assert.ok(holiday <= sunday * 1.05);
    assert.ok(ratio('2026-10-06') < 1.9);
  });

  it('makes a make-up Saturday behave like a weekday', (t) => {
    const makeUp = day('2026-10-10');
    const saturday = day('2026-10-17');
    const weekday = day('2026-10-13');
    t.diagnostic(`volume: make-up Saturday ${Math.round(makeUp)}, normal Saturday ${Math.round(saturday)}, Tuesday ${Math.round(weekday)}; peak/mean make-up Saturday ${ratio('2026-10-10').toFixed(2)}`);
    assert.ok(makeUp > 1.05 * saturday);
    assert.ok(Math.abs(makeUp - weekday) / weekday < 0.05);
    assert.ok(ratio('2026-10-10') >= 1.8);
  });
});

describe('seasons', () => {
  it('has higher PM2.5 in a heating-season week than in a summer week', (t) => {
    const pm = (g: Generated) => mean(devicesOf(g).filter((o) => o.deviceId.startsWith('hz-air-')).map((o) => o.values['pm25'] as number));
    const winter = pm(generate('2026-01-12', 7));
    const summer = pm(generate('2026-07-13', 7));
    t.diagnostic(`mean PM2.5: heating-season week ${winter.toFixed(1)} µg/m³, summer week ${summer.toFixed(1)} µg/m³`);
    assert.ok(winter > 1.5 * summer);
  });

  it('flushes PM2.5 out when the wind is strong', (t) => {
    const g = generate('2026-01-12', 7);
    const byTick = new Map<string, { wind: number[]; pm: number[] }>();
    for (const o of devicesOf(g)) {
      const entry = byTick.get(o.observedAt) ?? { wind: [], pm: [] };
      if (o.deviceId.startsWith('hz-weather-')) entry.wind.push(o.values['windSpeed'] as number);
      if (o.deviceId.startsWith('hz-air-')) entry.pm.push(o.values['pm25'] as number);
      byTick.set(o.observedAt, entry);
    }
    const windy: number[] = [];
    const calm: number[] = [];
    for (const { wind, pm } of byTick.values()) {
      if (wind.length === 0 || pm.length === 0) continue;
      (mean(wind) >= 6 ? windy : mean(wind) < 3 ? calm : []).push(mean(pm));
    }
    t.diagnostic(`PM2.5 with wind ≥ 6 m/s: ${mean(windy).toFixed(1)} (${windy.length} min), below 3 m/s: ${mean(calm).toFixed(1)} (${calm.length} min)`);
    assert.ok(windy.length > 30, 'the winter week has some windy hours');
    assert.ok(mean(windy) < mean(calm));
  });
});

describe('determinism', () => {
  const write = (seed: number, days: number, from = localMidnight('2026-11-02')) => {
    const dir = mkdtempSync(join(tmpdir(), 'citycloud-sim-'));
    try {
      const city = buildCity({ seed, size: 'tiny', start: from });
      writeSimulation(city, from, plusDays(from, days), dir);
      return { truth: readFileSync(join(dir, 'truth.jsonl')), stream: readFileSync(join(dir, 'stream.jsonl')) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('writes a byte-identical ground-truth log and stream for the same seed, and different ones for another seed', () => {
    const first = write(7, 2);
    const second = write(7, 2);
    const other = write(8, 2);
    assert.ok(first.truth.length > 1000);
    assert.ok(first.truth.equals(second.truth));
    assert.ok(first.stream.equals(second.stream));
    assert.ok(!first.truth.equals(other.truth));
    assert.ok(!first.stream.equals(other.stream));
  });

  it('generates a day on its own exactly as it comes out of a longer run', () => {
    const from = localMidnight('2026-11-02');
    const both = write(7, 2, from);
    const dayOne = write(7, 1, from);
    const dayTwo = write(7, 1, plusDays(from, 1));
    assert.ok(Buffer.concat([dayOne.truth, dayTwo.truth]).equals(both.truth));
    assert.ok(Buffer.concat([dayOne.stream, dayTwo.stream]).equals(both.stream));
  });

  it('splits at any tick, not only at midnight, without changing a byte', () => {
    const from = localMidnight('2026-11-02');
    const cut = new Date(Date.parse(from) + 7 * HOUR + 13 * 60_000).toISOString();
    const ticks = (a: string, b: string) => [...simulate(buildCity({ seed: 7, size: 'tiny', start: a }), a, b)].map((t) => JSON.stringify(t)).join('\n');
    const whole = ticks(from, plusDays(from, 1));
    assert.equal(`${ticks(from, cut)}\n${ticks(cut, plusDays(from, 1))}`, whole);
  });

  it('keeps ground truth in time order', () => {
    const lines = write(7, 1).truth.toString('utf8').trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as TruthRecord);
    for (let i = 1; i < records.length; i++) assert.ok(records[i - 1]!.at <= records[i]!.at, `line ${i + 1} is out of order`);
    for (const r of records) assert.deepEqual(Object.keys(r).slice(0, 4), ['at', 'kind', 'id', 'real']);
  });
});
