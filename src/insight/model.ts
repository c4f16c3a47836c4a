/** Insight's shared types (see CONTRACT.md): forecasts, indicators, anomalies. Pure data; no I/O. */

export interface Bilingual {
  zh: string;
  en: string;
}

// ---- forecasting ----------------------------------------------------------------------------------------------

export interface ForecastInput {
  /** Epoch ms, ascending, on a regular step. */
  timestamps: number[];
  /** null: missing. */
  values: (number | null)[];
  /** Steps ahead. */
  horizon: number;
  /** Steps of the main season (24 for hourly data by default). */
  period?: number;
  /** All seasons to model, e.g. [24, 168]. */
  periods?: number[];
  /** Interval levels, default [0.8, 0.95]. */
  levels?: number[];
}

export interface ForecastPoint {
  at: number;
  value: number;
  /** Keyed by level as a percentage string: '80', '95'. */
  lower: Record<string, number>;
  upper: Record<string, number>;
}

export interface ForecastResult {
  /** What was fitted, for a person: e.g. "log-AR(3) on residuals of a daily × weekly profile". */
  method: string;
  step: number;
  points: ForecastPoint[];
  baseline: { method: 'seasonalNaive'; period: number; values: number[] };
  /** In-sample one-step-ahead accuracy (MASE against the seasonal naive; MAPE alongside, null when undefined). */
  insample: { mase: number; mape: number | null };
}

// ---- indicators -----------------------------------------------------------------------------------------------

export type IndicatorScope = 'city' | 'district' | 'road' | 'station' | 'topic';

export interface IndicatorDefinition {
  id: string;
  name: Bilingual;
  definition: Bilingual;
  /** UN/CEFACT unit code or a plain unit ('' for an index). */
  unit: string;
  scopes: IndicatorScope[];
  /** Which dashboards show it. */
  audiences: ('government' | 'industry' | 'livelihood')[];
}

/** One computed value of an indicator for one scope and hour. */
export interface IndicatorValue {
  indicator: string;
  scope: IndicatorScope;
  scopeId: string;
  district?: string;
  /** End of the hour it covers (epoch ms). */
  at: number;
  value: number;
  level?: number;
  primaryPollutant?: string[];
  location?: { type: 'Point'; coordinates: [number, number] };
  /** Extra figures behind the value (e.g. per-pollutant IAQI), shown in tooltips. */
  details?: Record<string, unknown>;
}

export interface AqiResult {
  aqi: number;
  /** Individual AQI per pollutant given. */
  iaqi: Record<string, number>;
  /** Empty when AQI ≤ 50. */
  primary: string[];
  level: 1 | 2 | 3 | 4 | 5 | 6;
  category: Bilingual;
}

export interface SentimentResult {
  /** −1 … 1 */
  score: number;
  label: 'negative' | 'neutral' | 'positive';
  /** The lexicon words that decided it. */
  matched: string[];
}

// ---- anomalies ------------------------------------------------------------------------------------------------

export interface Anomaly {
  indicator: string;
  scope: IndicatorScope;
  scopeId: string;
  district?: string;
  at: number;
  value: number;
  expected: number;
  low: number;
  high: number;
  /** How far outside the band, in band widths. */
  score: number;
  kind: 'outsideForecast' | 'surge';
  reason: Bilingual;
}
