/**
 * Anomaly detection, pure (CONTRACT.md “Anomaly detection”):
 * - outside the forecast: a value outside the 95 % band of the forecast made before it is an anomaly when it is one of
 *   ≥ 2 consecutive values outside on the same side, or alone when it lies further from the forecast value than 1.5×
 *   the band's half-width on its side (a single reading that far out is not the band's 5 % tail). Score = the distance
 *   outside the band in band widths.
 * - surges: a district's count (complaints, negative posts) in the last 3 hours ≥ 3× the median of the same 3 hours
 *   of the day over the previous 4 weeks, and ≥ 5.
 */
import type { Anomaly, ForecastResult, IndicatorScope } from '../model.ts';

export interface IndicatorSeries {
  indicator: string;
  scope: IndicatorScope;
  scopeId: string;
  district?: string;
  points: readonly { at: number; value: number | null }[];
}

export interface DetectOptions {
  /** Band level to use; default '95'. */
  level?: string;
  /** Consecutive values outside the band that make an anomaly; default 2. */
  consecutive?: number;
  /** A single value is enough beyond this many half-widths from the forecast value; default 1.5. */
  singleFactor?: number;
  /**
   * Which side is news for operators: 'up' (AQI, congestion, load), 'down' (speed, sentiment) or 'both' (default).
   * A cleaner-than-forecast hour is outside the band too, but no one should be alarmed by it.
   */
  direction?: 'up' | 'down' | 'both';
  /** Smallest distance from the forecast value worth reporting, in the indicator's unit (default 0): a band can be
   * narrower than what matters (2 AQI points at night). */
  minExcess?: number;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** The points of `series` that the forecast covers and that are anomalous (see the module comment). */
export function detectAnomalies(series: IndicatorSeries, forecast: Pick<ForecastResult, 'points'>, options: DetectOptions = {}): Anomaly[] {
  const level = options.level ?? '95';
  const consecutive = options.consecutive ?? 2;
  const singleFactor = options.singleFactor ?? 1.5;
  const direction = options.direction ?? 'both';
  const minExcess = options.minExcess ?? 0;
  const band = new Map(forecast.points.map((p) => [p.at, p]));
  type Out = { at: number; value: number; expected: number; low: number; high: number; side: 1 | -1; far: boolean };
  const outside: (Out | null)[] = [];
  for (const p of series.points) {
    const f = band.get(p.at);
    if (!f || p.value === null || !Number.isFinite(p.value)) {
      outside.push(null);
      continue;
    }
    const low = f.lower[level];
    const high = f.upper[level];
    if (low === undefined || high === undefined) throw new RangeError(`the forecast has no ${level} % band`);
    if (p.value >= low && p.value <= high) {
      outside.push(null);
      continue;
    }
    const side = p.value > high ? 1 : -1;
    if ((direction === 'up' && side === -1) || (direction === 'down' && side === 1) || Math.abs(p.value - f.value) < minExcess) {
      outside.push(null);
      continue;
    }
    const half = side === 1 ? high - f.value : f.value - low;
    const far = Math.abs(p.value - f.value) > singleFactor * Math.max(half, 1e-9);
    outside.push({ at: p.at, value: p.value, expected: f.value, low, high, side, far });
  }
  const anomalies: Anomaly[] = [];
  for (let i = 0; i < outside.length; i++) {
    const o = outside[i];
    if (!o) continue;
    // the run of same-side values outside the band this one belongs to
    let from = i;
    while (from > 0 && outside[from - 1]?.side === o.side) from--;
    let to = i;
    while (to < outside.length - 1 && outside[to + 1]?.side === o.side) to++;
    if (to - from + 1 < consecutive && !o.far) continue;
    const width = Math.max(o.high - o.low, 1e-9);
    const score = o.side === 1 ? (o.value - o.high) / width : (o.low - o.value) / width;
    const dir = o.side === 1 ? { zh: '高于', en: 'above' } : { zh: '低于', en: 'below' };
    const why = to - from + 1 >= consecutive ? { zh: `连续 ${to - from + 1} 个时段`, en: `${to - from + 1} consecutive hours` } : { zh: '单点大幅', en: 'far, once' };
    anomalies.push({
      indicator: series.indicator,
      scope: series.scope,
      scopeId: series.scopeId,
      ...(series.district ? { district: series.district } : {}),
      at: o.at,
      value: o.value,
      expected: round(o.expected),
      low: round(o.low),
      high: round(o.high),
      score: round(score),
      kind: 'outsideForecast',
      reason: {
        zh: `${round(o.value, 2)} ${dir.zh}预测 95% 区间 [${round(o.low, 2)}, ${round(o.high, 2)}]（${why.zh}）`,
        en: `${round(o.value, 2)} is ${dir.en} the forecast's 95 % band [${round(o.low, 2)}, ${round(o.high, 2)}] (${why.en})`,
      },
    });
  }
  return anomalies;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export interface SurgeOptions {
  /** Window summed, hours; default 3. */
  windowHours?: number;
  /** Weeks of history for the median; default 4. */
  weeks?: number;
  /** ≥ this × the median; default 3. */
  factor?: number;
  /** and ≥ this many; default 5. */
  minimum?: number;
}

/**
 * Surges of a count per district: `hourly` holds per district the counts per hour (key: the hour's start, epoch ms;
 * an absent hour is 0). Checks the window ending at `now` (exclusive, on an hour boundary).
 */
export function detectSurges(indicator: string, hourly: ReadonlyMap<string, ReadonlyMap<number, number>>, now: number, options: SurgeOptions = {}): Anomaly[] {
  const windowHours = options.windowHours ?? 3;
  const days = (options.weeks ?? 4) * 7;
  const factor = options.factor ?? 3;
  const minimum = options.minimum ?? 5;
  const sum = (counts: ReadonlyMap<number, number>, end: number) => {
    let s = 0;
    for (let h = 1; h <= windowHours; h++) s += counts.get(end - h * HOUR) ?? 0;
    return s;
  };
  const out: Anomaly[] = [];
  for (const [district, counts] of hourly) {
    const value = sum(counts, now);
    if (value < minimum) continue;
    const past: number[] = [];
    for (let d = 1; d <= days; d++) past.push(sum(counts, now - d * DAY));
    const expected = median(past);
    if (value < factor * expected) continue;
    const high = Math.max(minimum, factor * expected);
    out.push({
      indicator,
      scope: 'district',
      scopeId: district,
      district,
      at: now,
      value,
      expected,
      low: 0,
      high,
      score: round((value - high) / Math.max(high, 1)),
      kind: 'surge',
      reason: {
        zh: `近 ${windowHours} 小时 ${value} 条，过去 ${days / 7} 周同时段中位数 ${expected}`,
        en: `${value} in the last ${windowHours} h; the median of the same hours over the last ${days === 7 ? 'week' : `${days / 7} weeks`} is ${expected}`,
      },
    });
  }
  return out;
}
