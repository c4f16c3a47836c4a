import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../platform/errors/app-error.ts';
import { backtest, forecast, mase, seasonalNaive, seasonalNaiveScale } from './index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 0, 1);

/** A deterministic pseudo-random generator so the synthetic series are the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A daily sine plus noise; `persistence` > 0 makes the noise AR(1), as weather-driven series are. */
function dailySine(hours: number, noise: number, seed = 1, persistence = 0) {
  const rnd = random(seed);
  const timestamps = Array.from({ length: hours }, (_, i) => T0 + i * HOUR);
  let e = 0;
  const values = timestamps.map((_, i) => {
    e = persistence * e + noise * (rnd() - 0.5);
    return 50 + 20 * Math.sin((2 * Math.PI * i) / 24) + e;
  });
  return { timestamps, values };
}

function rejects(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AppError, 'an AppError');
    assert.equal(error.code, 'INVALID_REQUEST');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('forecast', () => {
  it('forecasts a daily sine with persistent noise far better than the seasonal naive', () => {
    const { timestamps, values } = dailySine(24 * 60 + 24, 6, 1, 0.9);
    const train = 24 * 60;
    const result = forecast({ timestamps: timestamps.slice(0, train), values: values.slice(0, train), horizon: 24 });
    const score = mase(
      values.slice(train),
      result.points.map((p) => p.value),
      seasonalNaiveScale(values.slice(0, train), 24),
    );
    assert.ok(score < 0.6, `MASE ${score} should be well below 1`);
    assert.equal(result.step, HOUR);
    assert.equal(result.points.length, 24);
    assert.equal(result.points[0]!.at, timestamps[train - 1]! + HOUR);
    assert.equal(result.baseline.period, 24);
    assert.deepEqual(result.baseline.values, values.slice(train - 24, train));
    assert.ok(result.insample.mase > 0 && result.insample.mase < 1, `in-sample MASE ${result.insample.mase}`);
    for (const p of result.points) {
      assert.ok(p.lower['95']! <= p.lower['80']! && p.lower['80']! <= p.value, 'lower bounds nest below the value');
      assert.ok(p.value <= p.upper['80']! && p.upper['80']! <= p.upper['95']!, 'upper bounds nest above the value');
    }
  });

  it('comes close to the best possible MASE on a sine with independent noise', () => {
    // With independent noise the seasonal naive errs by the difference of two noises and the perfect forecast by
    // one: for uniform noise the best MASE is 0.75, so a score near it means the sine was learnt exactly.
    const origins = Array.from({ length: 10 }, (_, i) => 24 * 50 + i * 24);
    const { timestamps, values } = dailySine(24 * 60, 6, 2);
    const result = backtest({ timestamps, values, origins, horizon: 24, period: 24 });
    assert.ok(result.total.mase < 0.85, `MASE ${result.total.mase}`);
  });

  it('gives 80 % intervals that cover about 80 % of a noisy series out of sample', () => {
    const { timestamps, values } = dailySine(24 * 120, 20, 7);
    const origins = Array.from({ length: 20 }, (_, i) => 24 * 100 + i * 24);
    const result = backtest({ timestamps, values, origins, horizon: 24, period: 24 });
    const coverage = result.total.coverage['80']!;
    assert.ok(coverage > 0.7 && coverage < 0.9, `coverage80 ${coverage}`);
    assert.ok(result.total.mase < result.total.maseSeasonalNaive, 'beats the seasonal naive');
  });

  it('fills missing values (short and day-long gaps) and still follows the season', () => {
    const { timestamps, values } = dailySine(24 * 30, 2, 3);
    const holed: (number | null)[] = [...values];
    for (let i = 100; i < 103; i++) holed[i] = null;
    for (let i = 24 * 27; i < 24 * 28 + 5; i++) holed[i] = null;
    const result = forecast({ timestamps, values: holed, horizon: 12 });
    for (const [h, p] of result.points.entries()) {
      const truth = 50 + 20 * Math.sin((2 * Math.PI * (values.length + h)) / 24);
      assert.ok(Math.abs(p.value - truth) < 6, `step ${h + 1}: ${p.value} vs ${truth}`);
    }
  });

  it('forecasts a daily-step series with its weekly season', () => {
    const days = 7 * 20;
    const timestamps = Array.from({ length: days }, (_, i) => T0 + i * DAY);
    const weekly = [10, 12, 12, 12, 12, 30, 28];
    const values = timestamps.map((_, i) => weekly[i % 7]!);
    const result = forecast({ timestamps, values, horizon: 7 });
    assert.equal(result.step, DAY);
    assert.equal(result.baseline.period, 7);
    result.points.forEach((p, h) => {
      assert.ok(Math.abs(p.value - weekly[(days + h) % 7]!) < 1, `day ${h + 1}: ${p.value}`);
    });
  });

  it('keeps forecasts of a non-negative series non-negative, also at long horizons', () => {
    const { timestamps, values } = dailySine(24 * 30, 60, 5);
    const clipped = values.map((v) => Math.max(0, v - 40));
    const result = forecast({ timestamps, values: clipped, horizon: 720 });
    assert.equal(result.points.length, 720);
    assert.ok(result.points.every((p) => p.lower['95']! >= 0 && Number.isFinite(p.upper['95']!)));
  });

  it('refuses fewer than two periods of data', () => {
    const { timestamps, values } = dailySine(30, 1);
    rejects(() => forecast({ timestamps, values, horizon: 6 }), /two periods/);
  });

  it('refuses an irregular step and says how to mark a missing value', () => {
    const { timestamps, values } = dailySine(24 * 4, 1);
    timestamps.splice(10, 1);
    values.splice(10, 1);
    rejects(() => forecast({ timestamps, values, horizon: 6 }), /regular step.*null/);
  });

  it('refuses mismatched lengths, a bad horizon and non-numeric values', () => {
    const { timestamps, values } = dailySine(24 * 4, 1);
    rejects(() => forecast({ timestamps, values: values.slice(1), horizon: 6 }), /same length/);
    rejects(() => forecast({ timestamps, values, horizon: 0 }), /horizon/);
    rejects(() => forecast({ timestamps, values, horizon: 721 }), /horizon/);
    const bad: (number | null)[] = [...values];
    bad[5] = Number.NaN;
    rejects(() => forecast({ timestamps, values: bad, horizon: 6 }), /values\[5\]/);
  });
});

describe('seasonal naive and MASE', () => {
  it('repeats the last season', () => {
    assert.deepEqual(seasonalNaive([1, 2, 3, 4, 5, 6], 3, 5), [4, 5, 6, 4, 5]);
  });

  it('scales errors by the in-sample seasonal-naive error, skipping missing actuals', () => {
    assert.equal(seasonalNaiveScale([1, 2, 3, 5, null, 9], 2), (2 + 3 + 4) / 3);
    assert.equal(mase([4, null, 6], [5, 100, 4], 1.5), (1 + 2) / 2 / 1.5);
  });
});
