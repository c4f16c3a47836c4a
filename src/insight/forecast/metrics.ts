/** Accuracy measures and the seasonal-naive baseline every forecast is judged against. */

/**
 * The seasonal-naive forecast: each step ahead repeats the value one season before it (`period` 1: the last
 * value carried forward).
 * @example seasonalNaive([1, 2, 3, 4], 2, 3) // [3, 4, 3]
 */
export function seasonalNaive(history: readonly number[], period: number, horizon: number): number[] {
  const n = history.length;
  if (n < period) throw new RangeError(`seasonalNaive needs at least one period (${period}) of history, got ${n}`);
  const out: number[] = [];
  for (let h = 1; h <= horizon; h++) out.push(history[n - period + ((h - 1) % period)]!);
  return out;
}

/**
 * The in-sample mean absolute error of the seasonal naive: the scale of MASE. Pairs with a missing side (null or
 * NaN) are skipped, so gaps filled by interpolation do not flatter the baseline.
 */
export function seasonalNaiveScale(history: readonly (number | null)[], period: number, from = 0): number {
  let sum = 0;
  let count = 0;
  for (let t = Math.max(from, period); t < history.length; t++) {
    const a = history[t];
    const b = history[t - period];
    if (a == null || b == null || Number.isNaN(a) || Number.isNaN(b)) continue;
    sum += Math.abs(a - b);
    count++;
  }
  return count === 0 ? Number.NaN : sum / count;
}

/**
 * Mean absolute scaled error (Hyndman & Koehler 2006): the mean absolute error divided by `insampleScale`, the
 * in-sample seasonal-naive error. Below 1: better than repeating the last season. Null actuals are skipped.
 */
export function mase(actual: readonly (number | null)[], predicted: readonly number[], insampleScale: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    if (a == null || Number.isNaN(a)) continue;
    sum += Math.abs(a - predicted[i]!);
    count++;
  }
  return count === 0 || !(insampleScale > 0) ? Number.NaN : sum / count / insampleScale;
}

/**
 * Mean absolute percentage error, in percent, over the actuals that are not zero (undefined there): null when
 * none is. Reported only beside MASE because it explodes on small actuals.
 */
export function mape(actual: readonly (number | null)[], predicted: readonly number[]): number | null {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    if (a == null || Number.isNaN(a) || a === 0) continue;
    sum += Math.abs((a - predicted[i]!) / a);
    count++;
  }
  return count === 0 ? null : (100 * sum) / count;
}
