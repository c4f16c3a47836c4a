/**
 * The air quality index of HJ 633-2012 (环境空气质量指数（AQI）技术规定（试行）): IAQI per pollutant by linear
 * interpolation in the breakpoint table (its table 1), AQI = the largest IAQI, primary pollutant(s) when AQI > 50,
 * level 1–6 and category (its table 2). Pure.
 *
 * Rules of the standard that shape the code:
 * - IAQI and AQI are rounded **up** to integers (“计算结果应全部进位取整数”): `Math.ceil`.
 * - The 1-hour limits of SO2, NO2 and CO are only for the hourly report (实时报); the daily report (日报) uses the
 *   24-hour ones. PM2.5 and PM10 have only 24-hour limits: the standard's hourly report applies them to the 24-hour
 *   moving average. `hourlyAqi` takes `pm25_24h`/`pm10_24h` when given and otherwise applies the same table to the
 *   1-hour value (what the CONTRACT asks for the hourly indicator, and what reacts within the hour to an episode);
 *   `details.pmAveraging` says which was used.
 * - SO2 1-hour above 800 µg/m³: no IAQI from the 1-hour table; the 24-hour table is used (with `so2_24h` when given,
 *   else the 1-hour value on the 24-hour table).
 * - O3 8-hour above 800 µg/m³: no IAQI from the 8-hour table; the 1-hour value is used instead.
 * - Above the last breakpoint (IAQI 500) the standard defines nothing: the IAQI is reported as 500 (“爆表”).
 * Units: µg/m³, CO in mg/m³.
 */
import type { AqiResult, Bilingual } from '../model.ts';

/** IAQI breakpoints (0, 50, 100, 150, 200, 300, 400, 500). */
export const IAQI_STEPS = [0, 50, 100, 150, 200, 300, 400, 500] as const;

/** HJ 633-2012 table 1: concentration at each IAQI step. `null`: the table stops there (see the rules above). */
export const BREAKPOINTS = {
  so2_24h: [0, 50, 150, 475, 800, 1600, 2100, 2620],
  so2_1h: [0, 150, 500, 650, 800, null, null, null],
  no2_24h: [0, 40, 80, 180, 280, 565, 750, 940],
  no2_1h: [0, 100, 200, 700, 1200, 2340, 3090, 3840],
  pm10_24h: [0, 50, 150, 250, 350, 420, 500, 600],
  co_24h: [0, 2, 4, 14, 24, 36, 48, 60],
  co_1h: [0, 5, 10, 35, 60, 90, 120, 150],
  o3_1h: [0, 160, 200, 300, 400, 800, 1000, 1200],
  o3_8h: [0, 100, 160, 215, 265, 800, null, null],
  pm25_24h: [0, 35, 75, 115, 150, 250, 350, 500],
} as const satisfies Record<string, readonly (number | null)[]>;

export type BreakpointTable = keyof typeof BREAKPOINTS;

/** Names of the pollutants as the standard prints them (for `primary`). */
export const POLLUTANT_NAMES: Record<string, string> = { pm25: 'PM2.5', pm10: 'PM10', so2: 'SO2', no2: 'NO2', co: 'CO', o3: 'O3' };

export const AQI_CATEGORIES: readonly Bilingual[] = [
  { zh: '优', en: 'Excellent' },
  { zh: '良', en: 'Good' },
  { zh: '轻度污染', en: 'Lightly polluted' },
  { zh: '中度污染', en: 'Moderately polluted' },
  { zh: '重度污染', en: 'Heavily polluted' },
  { zh: '严重污染', en: 'Severely polluted' },
];

/** Rounds up, ignoring the last bits of floating-point noise (125.00000000000001 is 125, not 126). */
const ceil = (x: number) => Math.ceil(x - 1e-9);

/**
 * The IAQI of one concentration on one table, rounded up; `null` when the table has no range for it (SO2 1 h > 800,
 * O3 8 h > 800) or the input is not a finite non-negative number. Above the last breakpoint: 500.
 */
export function iaqi(table: BreakpointTable, concentration: number): number | null {
  if (!Number.isFinite(concentration) || concentration < 0) return null;
  const bp = BREAKPOINTS[table] as readonly (number | null)[];
  for (let i = 1; i < bp.length; i++) {
    const hi = bp[i];
    if (hi === null || hi === undefined) return null;
    if (concentration <= hi) {
      const lo = bp[i - 1] as number;
      const iLo = IAQI_STEPS[i - 1] as number;
      const iHi = IAQI_STEPS[i] as number;
      return ceil(((iHi - iLo) / (hi - lo)) * (concentration - lo) + iLo);
    }
  }
  return 500;
}

/** Level 1–6 of an AQI (table 2: 0–50, 51–100, 101–150, 151–200, 201–300, > 300). */
export function aqiLevel(aqi: number): AqiResult['level'] {
  if (aqi <= 50) return 1;
  if (aqi <= 100) return 2;
  if (aqi <= 150) return 3;
  if (aqi <= 200) return 4;
  if (aqi <= 300) return 5;
  return 6;
}

/** AQI, level, category and primary pollutants from IAQIs keyed by pollutant (`o3` and `o3_8h` both count as O3). */
export function combine(iaqis: Record<string, number>): AqiResult {
  const aqi = Math.max(0, ...Object.values(iaqis));
  const level = aqiLevel(aqi);
  const primary =
    aqi > 50
      ? [...new Set(Object.entries(iaqis).filter(([, v]) => v === aqi).map(([k]) => POLLUTANT_NAMES[k.replace(/_8h$/, '')] ?? k))]
      : [];
  return { aqi, iaqi: iaqis, primary, level, category: AQI_CATEGORIES[level - 1] as Bilingual };
}

/** One hour's concentrations (µg/m³; CO mg/m³). Missing pollutants are left out of the AQI. */
export interface HourlyConcentrations {
  pm25?: number;
  pm10?: number;
  so2?: number;
  no2?: number;
  co?: number;
  o3?: number;
  /** 24-hour moving averages of particles (the standard's hourly report uses them when available). */
  pm25_24h?: number;
  pm10_24h?: number;
  /** 24-hour SO2, used when the 1-hour value is above 800. */
  so2_24h?: number;
  /** 8-hour moving average O3. */
  o3_8h?: number;
}

const given = (x: number | undefined): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/** The hourly AQI (实时报) — see the module comment for the averaging rules. */
export function hourlyAqi(c: HourlyConcentrations): AqiResult & { details: { pmAveraging: '24h' | '1h' } } {
  const out: Record<string, number> = {};
  const pm25 = given(c.pm25_24h) ? c.pm25_24h : c.pm25;
  const pm10 = given(c.pm10_24h) ? c.pm10_24h : c.pm10;
  if (given(pm25)) out.pm25 = iaqi('pm25_24h', pm25) as number;
  if (given(pm10)) out.pm10 = iaqi('pm10_24h', pm10) as number;
  if (given(c.so2)) out.so2 = (c.so2 > 800 ? iaqi('so2_24h', given(c.so2_24h) ? c.so2_24h : c.so2) : iaqi('so2_1h', c.so2)) as number;
  if (given(c.no2)) out.no2 = iaqi('no2_1h', c.no2) as number;
  if (given(c.co)) out.co = iaqi('co_1h', c.co) as number;
  if (given(c.o3)) out.o3 = iaqi('o3_1h', c.o3) as number;
  if (given(c.o3_8h)) {
    const v = iaqi('o3_8h', c.o3_8h) ?? (given(c.o3) ? null : iaqi('o3_1h', c.o3_8h));
    if (v !== null) out.o3_8h = v;
  }
  return { ...combine(out), details: { pmAveraging: given(c.pm25_24h) || given(c.pm10_24h) ? '24h' : '1h' } };
}

/** One day's figures for the daily AQI (日报). */
export interface DailyConcentrations {
  pm25_24h?: number;
  pm10_24h?: number;
  so2_24h?: number;
  no2_24h?: number;
  co_24h?: number;
  /** The day's largest 1-hour O3. */
  o3_1hMax?: number;
  /** The day's largest 8-hour moving average O3. */
  o3_8hMax?: number;
}

/** The daily AQI (日报): 24-hour tables, O3 by its daily maximum 1-hour and 8-hour values. */
export function dailyAqi(c: DailyConcentrations): AqiResult {
  const out: Record<string, number> = {};
  if (given(c.pm25_24h)) out.pm25 = iaqi('pm25_24h', c.pm25_24h) as number;
  if (given(c.pm10_24h)) out.pm10 = iaqi('pm10_24h', c.pm10_24h) as number;
  if (given(c.so2_24h)) out.so2 = iaqi('so2_24h', c.so2_24h) as number;
  if (given(c.no2_24h)) out.no2 = iaqi('no2_24h', c.no2_24h) as number;
  if (given(c.co_24h)) out.co = iaqi('co_24h', c.co_24h) as number;
  if (given(c.o3_1hMax)) out.o3 = iaqi('o3_1h', c.o3_1hMax) as number;
  if (given(c.o3_8hMax)) {
    // above 800 the 8-hour table stops: the 1-hour maximum decides (already in `o3` when given)
    const v = iaqi('o3_8h', c.o3_8hMax) ?? (given(c.o3_1hMax) ? null : iaqi('o3_1h', c.o3_8hMax));
    if (v !== null) out.o3_8h = v;
  }
  return combine(out);
}
