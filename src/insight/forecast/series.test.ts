import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mape } from './metrics.ts';
import { checkSeries, defaultPeriods, fillGaps, inferStep } from './series.ts';

describe('series', () => {
  it('infers the step of a regular series', () => {
    assert.equal(inferStep([0, 300_000, 600_000]), 300_000);
  });

  it('picks the day as the season from the step', () => {
    assert.deepEqual(defaultPeriods(3_600_000), [24]);
    assert.deepEqual(defaultPeriods(300_000), [288]);
    assert.deepEqual(defaultPeriods(86_400_000), [7]);
    assert.deepEqual(defaultPeriods(30 * 86_400_000), [1]);
  });

  it('keeps the seasons a caller asks for, the main one first', () => {
    const timestamps = Array.from({ length: 400 }, (_, i) => i * 3_600_000);
    const checked = checkSeries({ timestamps, values: timestamps.map(() => 1), horizon: 3, periods: [168, 24], period: 24 });
    assert.deepEqual(checked.periods, [24, 168]);
  });

  it('bridges a short gap with a straight line', () => {
    assert.deepEqual(fillGaps([1, null, null, 4], 24), [1, 2, 3, 4]);
  });

  it('fills a long gap with the season before it, meeting both edges', () => {
    const season = [0, 10, 20, 10];
    const values: (number | null)[] = [...season, ...season, ...season, ...season];
    for (let i = 5; i < 12; i++) values[i] = null;
    values[12] = 3; // the right edge sits 3 above its season: the fill leans towards it
    const filled = fillGaps(values, 4);
    // Shifted linearly from 0 at the left edge to 3 at the right, and kept within the range ever observed (≤ 20).
    const expected = [0, 10, 20, 10].map((v, k) => Math.min(20, k === 0 ? v : v + (3 * k) / 8));
    assert.deepEqual(filled.slice(4, 8), expected);
    assert.equal(filled[11], 10 + (3 * 7) / 8);
  });

  it('carries the edges into leading and trailing gaps', () => {
    assert.deepEqual(fillGaps([null, 3, 5, null], 2), [3, 3, 5, 5]);
  });

  it('gives MAPE only where the actual is not zero', () => {
    assert.equal(mape([0, 10], [5, 12]), 20);
    assert.equal(mape([0, null], [1, 1]), null);
  });
});
