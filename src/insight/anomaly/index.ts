/** Anomaly detection (pure): outside-forecast values and complaint/negative-post surges. */
export { type DetectOptions, detectAnomalies, detectSurges, type IndicatorSeries, type SurgeOptions } from './detect.ts';
