/**
 * The pure parts the service calls for forecasts and anomalies, and the indicator catalogue, behind one interface so
 * a test or a benchmark can hand the service other implementations (e.g. a slower or a failing forecaster).
 */
import { detectAnomalies, detectSurges } from './anomaly/index.ts';
import { forecast } from './forecast/index.ts';
import { INDICATORS } from './indicators/catalog.ts';
import type { IndicatorDefinition } from './model.ts';

export interface InsightFunctions {
  forecast: typeof forecast;
  detectAnomalies: typeof detectAnomalies;
  detectSurges: typeof detectSurges;
  catalog: readonly IndicatorDefinition[];
}

export const INSIGHT_FUNCTIONS: InsightFunctions = { forecast, detectAnomalies, detectSurges, catalog: INDICATORS };
