/** forecast(): validate a series, fill its gaps, fit the model and report it against the seasonal naive. */
import type { ForecastInput, ForecastPoint, ForecastResult } from '../model.ts';
import { DEFAULT_DIRECT_AR, fitDirectAr, type DirectArOptions } from './direct-ar.ts';
import { mape, mase, seasonalNaive, seasonalNaiveScale } from './metrics.ts';
import { checkSeries, fillGaps } from './series.ts';

/**
 * Forecasts a regular numeric series `horizon` steps ahead with calibrated prediction intervals.
 * @example forecast({ timestamps, values, horizon: 24 }).points[0] // { at, value, lower: { '80': …, '95': … }, upper: … }
 * @throws AppError INVALID_REQUEST when the series cannot be forecast (see checkSeries).
 */
export function forecast(input: ForecastInput, options: DirectArOptions = DEFAULT_DIRECT_AR): ForecastResult {
  const checked = checkSeries(input);
  const { step, period, periods, levels } = checked;
  const filled = fillGaps(input.values, period);
  const fitted = fitDirectAr(filled, periods, input.horizon, levels, options);
  const end = input.timestamps.at(-1)!;
  const points: ForecastPoint[] = fitted.values.map((value, i) => {
    const lower: Record<string, number> = {};
    const upper: Record<string, number> = {};
    for (const band of fitted.bands) {
      const key = levelKey(band.level);
      lower[key] = band.lower[i]!;
      upper[key] = band.upper[i]!;
    }
    return { at: end + (i + 1) * step, value, lower, upper };
  });

  // In-sample one-step accuracy over the fitting window, scored on observed values only.
  const { index, predicted } = fitted.insample;
  const actual = index.map((i) => input.values[i] ?? null);
  const from = index[0] ?? input.values.length;
  const scale = seasonalNaiveScale(input.values, period, Math.max(0, from - period) + period);
  const insampleMase = mase(actual, predicted, scale);
  return {
    method: fitted.method,
    step,
    points,
    baseline: { method: 'seasonalNaive', period, values: seasonalNaive(filled, period, input.horizon) },
    insample: { mase: Number.isFinite(insampleMase) ? insampleMase : 0, mape: mape(actual, predicted) },
  };
}

/** '80' for 0.8, '97.5' for 0.975: the key of a level in ForecastPoint.lower/upper. */
export function levelKey(level: number): string {
  return String(Math.round(level * 1000) / 10);
}
