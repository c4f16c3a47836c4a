import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ForecastResult } from '../model.ts';
import { detectAnomalies, detectSurges } from './detect.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 2);

/** A simple seasonal baseline standing in for `forecast`: the value 24 h before, band ±2 (95 %) and ±1.5 (80 %). */
function seasonalBand(history: number[], at: number[], horizon: number): Pick<ForecastResult, 'points'> {
  return {
    points: Array.from({ length: horizon }, (_, h) => {
      const v = history[history.length - 24 + (h % 24)] as number;
      return { at: at[h] as number, value: v, lower: { '80': v - 1.5, '95': v - 2 }, upper: { '80': v + 1.5, '95': v + 2 } };
    }),
  };
}

const daily = (i: number) => 10 + 5 * Math.sin((2 * Math.PI * i) / 24);

test('two consecutive values outside the 95 % band are anomalies; one just outside is not', () => {
  const history = Array.from({ length: 48 }, (_, i) => daily(i));
  const at = Array.from({ length: 24 }, (_, h) => T0 + (48 + h + 1) * HOUR);
  const f = seasonalBand(history, at, 24);
  const values = Array.from({ length: 24 }, (_, h) => daily(48 + h));
  values[3] = daily(51) + 2.5; // alone, just outside (2.5 < 1.5 × 2): no
  values[10] = daily(58) + 2.5; // two in a row: both
  values[11] = daily(59) + 2.6;
  values[18] = daily(66) - 4; // alone but far below (4 > 1.5 × 2): yes, score (4 − 2)/4 = 0.5
  const found = detectAnomalies({ indicator: 'aqi', scope: 'city', scopeId: 'city', points: at.map((a, i) => ({ at: a, value: values[i] as number })) }, f);
  assert.deepEqual(
    found.map((a) => a.at),
    [at[10], at[11], at[18]],
  );
  assert.equal(found[2]!.score, 0.5);
  assert.equal(found[0]!.kind, 'outsideForecast');
  assert.match(found[0]!.reason.en, /2 consecutive hours/);
  assert.match(found[2]!.reason.zh, /低于/);
  // only the rising side, and a minimum excess
  const up = detectAnomalies({ indicator: 'aqi', scope: 'city', scopeId: 'city', points: at.map((a, i) => ({ at: a, value: values[i] as number })) }, f, { direction: 'up' });
  assert.deepEqual(up.map((a) => a.at), [at[10], at[11]]);
  const big = detectAnomalies({ indicator: 'aqi', scope: 'city', scopeId: 'city', points: at.map((a, i) => ({ at: a, value: values[i] as number })) }, f, { minExcess: 3 });
  assert.deepEqual(big.map((a) => a.at), [at[18]]);
});

test('missing values break a run and the band level must exist', () => {
  const at = [T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR];
  const f = { points: at.map((a) => ({ at: a, value: 10, lower: { '95': 8 }, upper: { '95': 12 } })) };
  const found = detectAnomalies({ indicator: 'x', scope: 'city', scopeId: 'city', points: [{ at: at[0]!, value: 13 }, { at: at[1]!, value: null }, { at: at[2]!, value: 13 }] }, f);
  assert.equal(found.length, 0);
  assert.throws(() => detectAnomalies({ indicator: 'x', scope: 'city', scopeId: 'city', points: [{ at: at[0]!, value: 13 }] }, f, { level: '99' }), /99 % band/);
});

test('surges: ≥ 3× the median of the same hours over four weeks and ≥ 5', () => {
  const now = T0 + 28 * 24 * HOUR + 12 * HOUR;
  const counts = (recent: number[]) => {
    const m = new Map<number, number>();
    for (let d = 1; d <= 28; d++) for (let h = 1; h <= 3; h++) m.set(now - d * 24 * HOUR - h * HOUR, 1); // 3 per window
    recent.forEach((c, i) => {
      m.set(now - (i + 1) * HOUR, c);
    });
    return m;
  };
  const hourly = new Map([
    ['xihu', counts([4, 3, 3])], // 10 ≥ 9 and ≥ 5: surge
    ['binjiang', counts([3, 3, 2])], // 8 < 9
    ['fuyang', new Map([[now - HOUR, 4]])], // 4 < 5, however quiet the past
  ]);
  const found = detectSurges('requests', hourly, now);
  assert.deepEqual(found.map((a) => a.scopeId), ['xihu']);
  assert.equal(found[0]!.value, 10);
  assert.equal(found[0]!.expected, 3);
  assert.equal(found[0]!.kind, 'surge');
});
