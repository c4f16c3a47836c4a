/** A regular time series as the forecaster needs it: validated, its step inferred, its gaps filled. */
import { AppError } from '../../platform/errors/app-error.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const WEEK = 7 * DAY;

/** Gaps up to this many steps are bridged by a straight line; longer ones follow the season (see fillGaps). */
export const LINEAR_GAP_STEPS = 6;

/** The largest series the forecaster accepts (the route's limit too). */
export const MAX_POINTS = 50_000;

/** The longest horizon the forecaster accepts, in steps. */
export const MAX_HORIZON = 720;

const both = (zh: string, en: string) => `${en} / ${zh}`;

/**
 * The step of a regular series: the difference between consecutive timestamps, which must all be equal.
 * @throws AppError INVALID_REQUEST when timestamps are not ascending or not on one step.
 */
export function inferStep(timestamps: readonly number[]): number {
  if (timestamps.length < 2) {
    throw new AppError('INVALID_REQUEST', both('至少需要两个时间点', 'At least two timestamps are needed'));
  }
  const step = timestamps[1]! - timestamps[0]!;
  if (!Number.isFinite(step) || step <= 0) {
    throw new AppError(
      'INVALID_REQUEST',
      both('时间戳必须严格递增', 'Timestamps must be strictly ascending (epoch ms or ISO 8601)'),
      { details: { index: 1 } },
    );
  }
  for (let i = 2; i < timestamps.length; i++) {
    const gap = timestamps[i]! - timestamps[i - 1]!;
    if (gap !== step) {
      throw new AppError(
        'INVALID_REQUEST',
        both(
          `时间戳必须等间隔：第 ${i} 个间隔为 ${gap} ms，而首个间隔为 ${step} ms；缺失值请用 null 占位`,
          `Timestamps must be on a regular step: gap ${i} is ${gap} ms but the first is ${step} ms; put null for a missing value instead of leaving its timestamp out`,
        ),
        { details: { index: i, step, gap } },
      );
    }
  }
  return step;
}

/**
 * The seasons modelled by default for a step: the day for steps that divide it, the week for daily data, none
 * otherwise. The week is left out for sub-daily data because it made hourly PM2.5 forecasts worse (MASE 0.663 vs
 * 0.657, see direct-ar.ts); callers whose data follows the working week pass `periods: [24, 168]`.
 */
export function defaultPeriods(step: number): number[] {
  if (step < DAY && DAY % step === 0) return [DAY / step];
  if (step === DAY) return [7];
  if (step < WEEK && WEEK % step === 0) return [WEEK / step];
  return [1];
}

export interface SeriesRequest {
  timestamps: readonly number[];
  values: readonly (number | null)[];
  horizon: number;
  period?: number | undefined;
  periods?: readonly number[] | undefined;
  levels?: readonly number[] | undefined;
}

export interface CheckedSeries {
  step: number;
  /** The main season in steps (1: none). */
  period: number;
  /** All seasons to model, the main one first. */
  periods: number[];
  levels: number[];
}

/**
 * Validates a forecast request and settles its step, seasons and interval levels; the route calls it to answer
 * 400 with a message saying what to fix.
 * @throws AppError INVALID_REQUEST naming the field at fault.
 */
export function checkSeries(input: SeriesRequest): CheckedSeries {
  const { timestamps, values, horizon } = input;
  if (!Array.isArray(timestamps) || !Array.isArray(values)) {
    throw new AppError('INVALID_REQUEST', both('timestamps 与 values 必须是数组', 'timestamps and values must be arrays'));
  }
  if (timestamps.length !== values.length) {
    throw new AppError(
      'INVALID_REQUEST',
      both(
        `timestamps（${timestamps.length} 个）与 values（${values.length} 个）长度必须相同`,
        `timestamps (${timestamps.length}) and values (${values.length}) must have the same length`,
      ),
    );
  }
  if (timestamps.length > MAX_POINTS) {
    throw new AppError(
      'INVALID_REQUEST',
      both(`最多 ${MAX_POINTS} 个数据点`, `At most ${MAX_POINTS} points per request (got ${timestamps.length})`),
    );
  }
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON) {
    throw new AppError(
      'INVALID_REQUEST',
      both(`horizon 必须是 1–${MAX_HORIZON} 的整数`, `horizon must be an integer from 1 to ${MAX_HORIZON} steps`),
    );
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new AppError(
        'INVALID_REQUEST',
        both(`values[${i}] 必须是有限数值或 null`, `values[${i}] must be a finite number or null`),
        { details: { index: i } },
      );
    }
  }
  const step = inferStep(timestamps);
  const seasons = input.periods?.length ? [...input.periods] : undefined;
  const period = input.period ?? seasons?.[0] ?? defaultPeriods(step)[0]!;
  const periods = seasons ?? (input.period === undefined ? defaultPeriods(step) : [period]);
  if (!periods.includes(period)) periods.unshift(period);
  for (const p of periods) {
    if (!Number.isInteger(p) || p < 1) {
      throw new AppError('INVALID_REQUEST', both('周期必须是正整数（步数）', 'period(s) must be positive integers (in steps)'));
    }
  }
  periods.sort((a, b) => (a === period ? -1 : b === period ? 1 : a - b));
  const present = values.reduce<number>((n, v) => (v === null ? n : n + 1), 0);
  const needed = 2 * Math.max(period, 2);
  if (timestamps.length < needed || present < needed / 2) {
    throw new AppError(
      'INVALID_REQUEST',
      both(
        `至少需要两个周期的数据（${needed} 个点，其中一半以上有值），当前 ${timestamps.length} 个点、${present} 个有值`,
        `At least two periods of data are needed (${needed} points, at least half of them present); got ${timestamps.length} points, ${present} present`,
      ),
      { details: { needed, points: timestamps.length, present } },
    );
  }
  const levels = input.levels?.length ? [...input.levels] : [0.8, 0.95];
  for (const level of levels) {
    if (!(level > 0 && level < 1)) {
      throw new AppError('INVALID_REQUEST', both('区间水平必须在 0 与 1 之间', 'levels must lie between 0 and 1 (e.g. 0.8)'));
    }
  }
  // Seasons longer than half the data cannot be estimated; drop them rather than fit noise.
  const usable = periods.filter((p, i) => i === 0 || p * 2 <= timestamps.length);
  return { step, period, periods: usable, levels };
}

/**
 * Fills missing values: gaps of up to LINEAR_GAP_STEPS by a straight line between their neighbours; longer gaps
 * by the value one season earlier, shifted so the fill meets both edges (a line would flatten the daily cycle
 * over a day-long outage). Leading gaps take the first present value; trailing gaps carry the last one.
 */
export function fillGaps(values: readonly (number | null)[], period: number): number[] {
  const n = values.length;
  const out = new Array<number>(n);
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (values[i] !== null) {
      first = i;
      break;
    }
  }
  if (first < 0) return out.fill(0);
  for (let i = 0; i < first; i++) out[i] = values[first]!;
  let last = first;
  out[first] = values[first]!;
  for (let i = first + 1; i < n; i++) {
    const v = values[i];
    if (v == null) continue;
    out[i] = v;
    const gap = i - last - 1;
    if (gap > 0) bridge(out, last, i, gap, period);
    last = i;
  }
  for (let i = last + 1; i < n; i++) out[i] = out[last]!;
  // A seasonal fill shifted to meet its edges can overshoot the range ever observed (e.g. below zero).
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v === null) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  for (let i = 0; i < n; i++) out[i] = Math.min(hi, Math.max(lo, out[i]!));
  return out;
}

function bridge(out: number[], left: number, right: number, gap: number, period: number): void {
  const a = out[left]!;
  const b = out[right]!;
  const seasonal = gap > LINEAR_GAP_STEPS && period > 1 && left - period >= 0;
  if (!seasonal) {
    for (let k = 1; k <= gap; k++) out[left + k] = a + ((b - a) * k) / (gap + 1);
    return;
  }
  // Walk forward so a gap longer than a season reuses its own fill; correct linearly for the edge mismatch.
  const offsetLeft = a - out[left - period]!;
  for (let k = 1; k <= gap; k++) out[left + k] = out[left + k - period]!;
  const offsetRight = b - out[right - period]!;
  for (let k = 1; k <= gap; k++) {
    const w = k / (gap + 1);
    out[left + k] = out[left + k]! + offsetLeft * (1 - w) + offsetRight * w;
  }
}
