import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INDICATORS } from './catalog.ts';
import { energyMean, noiseExceedance, noiseLimit, noiseZoneOf } from './noise.ts';
import { opinionBy } from './opinion.ts';
import { hospitalLoad, parkingOccupancy, requestRates } from './services.ts';
import { trafficByScope, trafficFigure } from './traffic.ts';

test('the catalogue: every contract indicator, bilingual, with a definition', () => {
  const ids = INDICATORS.map((i) => i.id);
  for (const id of ['congestion', 'speed', 'aqi', 'noiseExceedance', 'parkingOccupancy', 'hospitalLoad', 'opinionVolume', 'opinionSentiment', 'requestResponse', 'requestResolution', 'requestSatisfaction']) {
    assert.ok(ids.includes(id), id);
  }
  assert.equal(new Set(ids).size, ids.length);
  for (const i of INDICATORS) {
    assert.ok(i.name.zh && i.name.en && i.definition.zh.length > 20 && i.definition.en.length > 20, i.id);
    assert.ok(i.scopes.length > 0 && i.audiences.length > 0, i.id);
  }
});

test('congestion and speed are flow × length weighted', () => {
  // busy long road: ratio 2, 1000 veh/h, 2 km; quiet short road: ratio 1, 100 veh/h, 1 km
  // (2·2000000 + 1·100000) / 2100000 = 1.952; speed (20·2e6 + 50·1e5) / 2.1e6 = 21.4
  const f = trafficFigure([
    { roadId: 'a', district: 'xihu', congestionIndex: 2, speed: 20, intensity: 1000, length: 2000 },
    { roadId: 'b', district: 'xihu', congestionIndex: 1, speed: 50, intensity: 100, length: 1000 },
  ]);
  assert.deepEqual(f, { congestion: 1.952, speed: 21.4, flow: 1100, roads: 2 });
  // no traffic at all: plain mean
  assert.equal(trafficFigure([{ roadId: 'a', congestionIndex: 1, speed: 60, intensity: 0 }, { roadId: 'b', congestionIndex: 1.2, speed: 40, intensity: 0 }])?.congestion, 1.1);
  assert.equal(trafficFigure([]), null);
  const by = trafficByScope([
    { roadId: 'a', district: 'xihu', congestionIndex: 2, speed: 20, intensity: 100 },
    { roadId: 'b', district: 'binjiang', congestionIndex: 1, speed: 50, intensity: 300 },
  ]);
  assert.equal(by.district.get('xihu')?.congestion, 2);
  assert.equal(by.city?.congestion, 1.25);
});

test('noise: GB 3096 limits by zone, day and night, energy mean, exceedance share', () => {
  const h = (localHour: number) => Date.UTC(2026, 10, 2, localHour - 8);
  assert.equal(noiseLimit('2', h(10)), 60);
  assert.equal(noiseLimit('2', h(23)), 50);
  assert.equal(noiseLimit('4a', h(5)), 55);
  assert.equal(noiseLimit('4a', h(6)), 70);
  // energy mean of 60 and 70 dB: 10·log10((1e6 + 1e7)/2) = 67.4
  assert.equal(energyMean([60, 70]), 67.4);
  const r = noiseExceedance([{ at: h(10), laeq: 61 }, { at: h(11), laeq: 59 }, { at: h(23), laeq: 51 }, { at: h(2), laeq: 49 }], '2');
  assert.deepEqual(r, { share: 0.5, hours: 4, over: 2 });
  const roads = [{ roadClass: 'arterial', coordinates: [[120.1, 30.2], [120.11, 30.2]] as [number, number][] }];
  assert.equal(noiseZoneOf({ location: [120.105, 30.2003] }, roads, 'core'), '4a'); // ~33 m off the arterial
  assert.equal(noiseZoneOf({ location: [120.105, 30.21] }, roads, 'core'), '2');
  assert.equal(noiseZoneOf({ location: [120.105, 30.21] }, roads, 'rural'), '1');
});

test('parking, hospitals, requests, opinion', () => {
  assert.equal(parkingOccupancy([{ totalSpotNumber: 100, availableSpotNumber: 20 }, { totalSpotNumber: 300, availableSpotNumber: 300 }]), 0.2);
  assert.equal(parkingOccupancy([]), null);
  assert.deepEqual(hospitalLoad([{ totalBeds: 100, availableBeds: 10, emergencyLoad: 0.5, emergencyWaiting: 5 }, { totalBeds: 300, availableBeds: 90, emergencyLoad: 0.9, emergencyWaiting: 20 }]), {
    bedOccupancy: 0.75,
    emergencyLoad: 0.8,
    emergencyWaiting: 25,
  });
  const now = Date.parse('2026-11-10T00:00:00Z');
  const rates = requestRates(
    [
      // acknowledged after 2 h, fixed before due, rated 5
      { status: 'fixed', requestedAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-01T02:00:00Z', dueAt: '2026-11-05T00:00:00Z', rating: 5 },
      // still open after 3 days and past due
      { status: 'open', requestedAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z', dueAt: '2026-11-04T00:00:00Z' },
      // acknowledged after 30 h (late), closed after due, rated 2
      { status: 'closed', requestedAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-06T00:00:00Z', acknowledgedAt: '2026-11-02T06:00:00Z', dueAt: '2026-11-05T00:00:00Z', rating: 2 },
      // new: not yet due to respond, not counted
      { status: 'open', requestedAt: '2026-11-09T23:00:00Z', updatedAt: '2026-11-09T23:00:00Z', dueAt: '2026-11-12T00:00:00Z' },
    ],
    now,
  );
  assert.deepEqual(rates, { response: 0.333, resolution: 0.333, satisfaction: 3.5, counts: { requests: 4, respondable: 3, resolvable: 3, rated: 2 } });
  const o = opinionBy(
    [
      { text: '今天地铁很方便，点赞', topic: 'traffic' },
      { text: '高架又堵死了，太烦了', topic: 'traffic' },
      { text: '空气很好', topic: 'environment' },
    ],
    'topic',
  );
  assert.equal(o.get('traffic')?.volume, 2);
  assert.equal(o.get('traffic')?.negative, 1);
  assert.equal(o.get('environment')?.positive, 1);
});
