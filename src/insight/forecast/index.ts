/** Forecasting, pure: the public surface the insight service, its routes and the evaluation use. */
export { type BacktestInput, type BacktestResult, type BacktestScore, backtest } from './backtest.ts';
export { forecast, levelKey } from './forecast.ts';
export { DEFAULT_DIRECT_AR, type DirectArOptions } from './direct-ar.ts';
export { mape, mase, seasonalNaive, seasonalNaiveScale } from './metrics.ts';
export { checkSeries, defaultPeriods, fillGaps, inferStep, MAX_HORIZON, MAX_POINTS } from './series.ts';
