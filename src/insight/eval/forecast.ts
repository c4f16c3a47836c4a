/** The forecasting evaluation of issue 8: rolling origin at each Beijing midnight of 2014 on the PM2.5 dataset. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type BacktestResult, backtest, DEFAULT_DIRECT_AR, type DirectArOptions } from '../forecast/index.ts';

export const PM25_DATASET = path.resolve(
  import.meta.dirname,
  '../../../test/fixtures/datasets/beijing-pm25-2010-2014.csv',
);

/** Beijing local time is UTC+8 all year (no daylight saving since 1991). */
const BEIJING_OFFSET_MS = 8 * 3_600_000;

export interface HourlySeries {
  timestamps: number[];
  values: (number | null)[];
}

/** Reads the dataset's `pm2.5` column: an empty field is missing; times are Beijing local. */
export function readPm25(file = PM25_DATASET): HourlySeries {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const header = lines[0]!.split(',');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column "${name}"`);
    return i;
  };
  const [year, month, day, hour, pm] = [col('year'), col('month'), col('day'), col('hour'), col('pm2.5')];
  const timestamps: number[] = [];
  const values: (number | null)[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const f = line.split(',');
    timestamps.push(localToEpoch(Number(f[year]), Number(f[month]), Number(f[day]), Number(f[hour])));
    const v = f[pm]!.trim();
    values.push(v === '' || v === 'NA' ? null : Number(v));
  }
  return { timestamps, values };
}

function localToEpoch(year: number, month: number, day: number, hour: number): number {
  return Date.UTC(year, month - 1, day, hour) - BEIJING_OFFSET_MS;
}

/** Indexes of every Beijing midnight of `year` (each an origin: its first forecast hour is 00:00–01:00). */
export function midnightOrigins(series: HourlySeries, year: number): number[] {
  const from = localToEpoch(year, 1, 1, 0);
  const to = localToEpoch(year + 1, 1, 1, 0);
  const origins: number[] = [];
  series.timestamps.forEach((t, i) => {
    if (t >= from && t < to && (t + BEIJING_OFFSET_MS) % 86_400_000 === 0) origins.push(i);
  });
  return origins;
}

export interface ForecastEvaluation extends BacktestResult {
  /** How MASE's scale was computed, for the report. */
  scale: string;
}

export interface EvaluationOptions {
  /** Evaluate only the first N origins of 2014 (a quick check). */
  limit?: number;
  /** Scale window in steps; undefined: the whole training history. */
  scaleWindow?: number;
  model?: DirectArOptions;
  /** Seasons to model (default: the forecaster's, the day). */
  periods?: number[];
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs the contract's evaluation: origins at each midnight of 2014, hours 1–24 ahead, training on all data
 * before the origin, MASE scaled per origin by the in-sample seasonal-naive (period 24) MAE of that training data.
 */
export function evaluateForecast(series: HourlySeries, options: EvaluationOptions = {}): ForecastEvaluation {
  const all = midnightOrigins(series, 2014);
  const origins = options.limit ? all.slice(0, options.limit) : all;
  const result = backtest({
    timestamps: series.timestamps,
    values: series.values,
    origins,
    horizon: 24,
    period: 24,
    ...(options.periods ? { periods: options.periods } : {}),
    ...(options.scaleWindow ? { scaleWindow: options.scaleWindow } : {}),
    options: options.model ?? DEFAULT_DIRECT_AR,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const scale = options.scaleWindow
    ? `seasonal-naive (period 24) MAE over the last ${options.scaleWindow} interpolated hours before each origin`
    : 'seasonal-naive (period 24) MAE over the whole interpolated history before each origin (2010-01-01 onwards)';
  return { ...result, scale };
}

const fmt = (v: number | null | undefined, digits = 3) =>
  v == null || Number.isNaN(v) ? '—' : v.toFixed(digits);

/** The report a person reads: one row per horizon hour, then the totals. */
export function formatEvaluation(e: ForecastEvaluation): string {
  const rows = [
    `method: ${e.method}`,
    `origins: ${e.origins} (each Beijing midnight of 2014), horizon ${e.horizon} h; MASE scale: ${e.scale}`,
    '',
    'hour   n    MASE   sNaive  naive   MAE    MAPE%   cov80  cov95',
  ];
  const line = (label: string, s: ForecastEvaluation['total']) =>
    [
      label.padEnd(5),
      String(s.count).padStart(5),
      fmt(s.mase).padStart(7),
      fmt(s.maseSeasonalNaive).padStart(7),
      fmt(s.maseNaive).padStart(6),
      fmt(s.mae, 1).padStart(6),
      fmt(s.mape, 1).padStart(7),
      fmt(s.coverage['80']).padStart(6),
      fmt(s.coverage['95']).padStart(6),
    ].join(' ');
  e.byStep.forEach((s, i) => {
    rows.push(line(`+${i + 1}`, s));
  });
  rows.push(line('all', e.total));
  return rows.join('\n');
}

/** The last line of the CLI: the figures a script reads. */
export function summary(e: ForecastEvaluation) {
  const round = (v: number | null) => (v == null || Number.isNaN(v) ? null : Math.round(v * 10_000) / 10_000);
  return {
    mase: round(e.total.mase),
    mape: round(e.total.mape),
    coverage80: round(e.total.coverage['80'] ?? Number.NaN),
    coverage95: round(e.total.coverage['95'] ?? Number.NaN),
    maseSeasonalNaive: round(e.total.maseSeasonalNaive),
    maseNaive: round(e.total.maseNaive),
    origins: e.origins,
    method: e.method,
  };
}
