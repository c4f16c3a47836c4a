/** China's Air Quality Index (HJ 633-2012) from particle concentrations, and its six categories with their official colours. */

/** Concentration breakpoints (µg/m³, 24-hour means) for IAQI 0, 50, 100, 150, 200, 300, 400, 500 (HJ 633-2012, table 1). */
const BREAKPOINTS = {
  pm25: [0, 35, 75, 115, 150, 250, 350, 500],
  pm10: [0, 50, 150, 250, 350, 420, 500, 600],
} as const;
const IAQI_STEPS = [0, 50, 100, 150, 200, 300, 400, 500] as const;

export type Pollutant = keyof typeof BREAKPOINTS;

/** The six AQI categories (HJ 633-2012, table 2): 优, 良, 轻度污染, 中度污染, 重度污染, 严重污染. */
export type AqiLevel = 'excellent' | 'good' | 'light' | 'moderate' | 'heavy' | 'severe';

export interface AqiCategory {
  level: AqiLevel;
  /** The highest AQI of the category (Infinity for the last one). */
  upTo: number;
  /** The colour HJ 633 prescribes (RGB 0,228,0 · 255,255,0 · 255,126,0 · 255,0,0 · 153,0,76 · 126,0,35). */
  colour: string;
}

export const AQI_CATEGORIES: readonly AqiCategory[] = [
  { level: 'excellent', upTo: 50, colour: '#00e400' },
  { level: 'good', upTo: 100, colour: '#ffff00' },
  { level: 'light', upTo: 150, colour: '#ff7e00' },
  { level: 'moderate', upTo: 200, colour: '#ff0000' },
  { level: 'heavy', upTo: 300, colour: '#99004c' },
  { level: 'severe', upTo: Number.POSITIVE_INFINITY, colour: '#7e0023' },
];

/**
 * The individual AQI of one pollutant: linear between the breakpoints around the concentration, rounded up to a
 * whole number as HJ 633 requires; 500 beyond the last breakpoint; null for a missing or negative value.
 * @example iaqi('pm25', 35) // 50
 */
export function iaqi(pollutant: Pollutant, concentration: unknown): number | null {
  if (typeof concentration !== 'number' || !Number.isFinite(concentration) || concentration < 0) return null;
  const points = BREAKPOINTS[pollutant];
  for (let i = 1; i < points.length; i++) {
    const high = points[i] as number;
    if (concentration <= high) {
      const low = points[i - 1] as number;
      const from = IAQI_STEPS[i - 1] as number;
      const to = IAQI_STEPS[i] as number;
      // Rounded before ceil so that floating-point noise (50.0000000001) does not push a breakpoint up a step.
      return Math.ceil(Number((((to - from) / (high - low)) * (concentration - low) + from).toFixed(6)));
    }
  }
  return 500;
}

/**
 * The AQI of a station: the highest individual AQI among the particles it measures; null when it measures none.
 * @example aqi({ pm25: 80, pm10: 60 }) // 107
 */
export function aqi(values: { pm25?: unknown; pm10?: unknown }): number | null {
  const parts = [iaqi('pm25', values.pm25), iaqi('pm10', values.pm10)].filter((v): v is number => v !== null);
  return parts.length === 0 ? null : Math.max(...parts);
}

/** The category of an AQI value. */
export function aqiCategory(value: number): AqiCategory {
  return AQI_CATEGORIES.find((category) => value <= category.upTo) ?? (AQI_CATEGORIES[AQI_CATEGORIES.length - 1] as AqiCategory);
}
