/** Rolling-origin evaluation: forecast from many origins using only the past, score against what happened. */
import { forecast, levelKey } from './forecast.ts';
import { DEFAULT_DIRECT_AR, type DirectArOptions } from './direct-ar.ts';
import { seasonalNaive, seasonalNaiveScale } from './metrics.ts';
import { fillGaps } from './series.ts';

export interface BacktestInput {
  timestamps: readonly number[];
  values: readonly (number | null)[];
  /** Indexes of the first forecast step of each origin: training is everything before it. */
  origins: readonly number[];
  horizon: number;
  /** The season of the baseline and of MASE's scale (24 for hourly). */
  period: number;
  periods?: number[];
  levels?: number[];
  /**
   * Steps of training history the MASE scale is computed on (the most recent ones); undefined: all of it.
   * Either way it is in-sample: only data before the origin.
   */
  scaleWindow?: number;
  options?: DirectArOptions;
  onProgress?: (done: number, total: number) => void;
}

/** Accumulated scores of one horizon step (or of all of them). */
export interface BacktestScore {
  /** Forecasts scored (actual present). */
  count: number;
  /** MASE of the model, the seasonal naive and the last value carried forward, each error scaled by its origin's scale. */
  mase: number;
  maseSeasonalNaive: number;
  maseNaive: number;
  /** Mean absolute error of the model, in the series' unit. */
  mae: number;
  /** MAPE (%) over non-zero actuals. */
  mape: number | null;
  /** Share of actuals inside the interval, keyed '80', '95'. */
  coverage: Record<string, number>;
}

export interface BacktestResult {
  method: string;
  origins: number;
  horizon: number;
  /** Index h−1: step h. */
  byStep: BacktestScore[];
  total: BacktestScore;
}

class ScoreSum {
  count = 0;
  model = 0;
  snaive = 0;
  naive = 0;
  absolute = 0;
  pct = 0;
  pctCount = 0;
  inside: Record<string, number> = {};

  add(actual: number, scale: number, model: number, snaive: number, naive: number, inside: Record<string, boolean>) {
    this.count++;
    this.model += Math.abs(actual - model) / scale;
    this.snaive += Math.abs(actual - snaive) / scale;
    this.naive += Math.abs(actual - naive) / scale;
    this.absolute += Math.abs(actual - model);
    if (actual !== 0) {
      this.pct += Math.abs((actual - model) / actual);
      this.pctCount++;
    }
    for (const [key, hit] of Object.entries(inside)) this.inside[key] = (this.inside[key] ?? 0) + (hit ? 1 : 0);
  }

  score(): BacktestScore {
    const c = this.count || Number.NaN;
    const coverage: Record<string, number> = {};
    for (const [key, hits] of Object.entries(this.inside)) coverage[key] = hits / c;
    return {
      count: this.count,
      mase: this.model / c,
      maseSeasonalNaive: this.snaive / c,
      maseNaive: this.naive / c,
      mae: this.absolute / c,
      mape: this.pctCount ? (100 * this.pct) / this.pctCount : null,
      coverage,
    };
  }
}

/**
 * Runs the rolling-origin evaluation. Each origin sees only the values before it (its gaps filled from that past
 * alone); steps whose actual value is missing are not scored. MASE divides each error by its origin's in-sample
 * seasonal-naive MAE, so the baselines scored the same way land near their reference figures.
 */
export function backtest(input: BacktestInput): BacktestResult {
  const { timestamps, values, origins, horizon, period } = input;
  const levels = input.levels ?? [0.8, 0.95];
  const byStep = Array.from({ length: horizon }, () => new ScoreSum());
  const total = new ScoreSum();
  let method = '';
  let done = 0;
  for (const origin of origins) {
    if (origin < 2 * period || origin >= values.length) continue;
    const past = values.slice(0, origin);
    const result = forecast(
      {
        timestamps: timestamps.slice(0, origin),
        values: past,
        horizon,
        period,
        ...(input.periods ? { periods: input.periods } : {}),
        levels,
      },
      input.options ?? DEFAULT_DIRECT_AR,
    );
    method = result.method;
    // The scale is taken on the training data as the model sees it (gaps interpolated): that is what reproduces
    // the reference figures (seasonal naive 1.00, last value 0.73 on Beijing 2014).
    const filled = fillGaps(past, period);
    const scale = seasonalNaiveScale(filled, period, input.scaleWindow ? Math.max(0, origin - input.scaleWindow) : 0);
    const snaive = seasonalNaive(filled, period, horizon);
    const naive = filled.at(-1)!;
    for (let h = 1; h <= horizon && origin + h - 1 < values.length; h++) {
      const actual = values[origin + h - 1];
      if (actual == null || !(scale > 0)) continue;
      const point = result.points[h - 1]!;
      const inside: Record<string, boolean> = {};
      for (const level of levels) {
        const key = levelKey(level);
        inside[key] = actual >= point.lower[key]! && actual <= point.upper[key]!;
      }
      byStep[h - 1]!.add(actual, scale, point.value, snaive[h - 1]!, naive, inside);
      total.add(actual, scale, point.value, snaive[h - 1]!, naive, inside);
    }
    done++;
    input.onProgress?.(done, origins.length);
  }
  return { method, origins: done, horizon, byStep: byStep.map((s) => s.score()), total: total.score() };
}
