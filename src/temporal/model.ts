/** The temporal history's vocabulary: temporal queries (clause 4.11), aggregation methods and periods (clause 4.5.19), and their checks. */
import { normalizeDateTime } from '../context/entity-input.ts';
import { AppError } from '../platform/errors/app-error.ts';

export const TIMERELS = ['before', 'after', 'between'] as const;
export type Timerel = (typeof TIMERELS)[number];

/** The instance times a temporal query can select on; `observedAt` falls back to the time of the change. */
export const TIME_PROPERTIES = ['observedAt', 'createdAt', 'modifiedAt'] as const;
export type TimeProperty = (typeof TIME_PROPERTIES)[number];

export const AGGR_METHODS = ['totalCount', 'distinctCount', 'sum', 'avg', 'min', 'max', 'stddev', 'sumsq'] as const;
export type AggrMethod = (typeof AGGR_METHODS)[number];

/** Methods the hourly rollup answers (distinctCount needs the raw values). */
export const ROLLUP_METHODS: ReadonlySet<AggrMethod> = new Set(['totalCount', 'sum', 'avg', 'min', 'max', 'stddev', 'sumsq']);

/**
 * A time range: `timeAt ≤ t < endTimeAt` for between, `t ≥ timeAt` for after, `t < timeAt` for before.
 * Half-open, so consecutive ranges (and aggregation periods) never count an instance twice.
 */
export interface TimeRange {
  timerel: Timerel;
  /** Epoch milliseconds. */
  timeAt: number;
  endTimeAt?: number;
  timeproperty: TimeProperty;
}

/** An ISO 8601 duration (clause 4.5.19: P[n]Y[n]M[n]W[n]DT[n]H[n]M[n]S): calendar months apart from fixed milliseconds. */
export interface Duration {
  text: string;
  months: number;
  /** Weeks, days, hours, minutes and seconds, in milliseconds (days are 24 h: periods are in UTC). */
  millis: number;
}

export interface Aggregation {
  methods: AggrMethod[];
  /** Zero (PT0S): one period spanning the whole range. */
  period: Duration;
}

/** At most this many periods in one aggregated answer (per attribute); more is a 400 that says how to ask. */
export const MAX_PERIODS = 10_000;
/** Instances per attribute (and datasetId) in one answer when lastN is not given; more are cut and the answer is 206. */
export const MAX_INSTANCES = 1000;
/** The largest lastN accepted. */
export const MAX_LAST_N = 10_000;

const HOUR = 3_600_000;
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

function bad(message: string): never {
  throw new AppError('BAD_REQUEST_DATA', message);
}

/**
 * Parses aggrPeriodDuration. Only the basic format is allowed (no combined date-time form).
 * @example parseDuration('PT1H') // { text: 'PT1H', months: 0, millis: 3600000 }
 */
export function parseDuration(text: string): Duration {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    bad(`aggrPeriodDuration "${text.slice(0, 40)}" is not an ISO 8601 duration; write e.g. PT1H (one hour), P1D (one day), P1W, P1M or PT0S (the whole range)`);
  }
  const n = (i: number) => Number(m[i] ?? 0);
  const months = n(1) * 12 + n(2);
  const millis = ((n(3) * 7 + n(4)) * 24 + n(5)) * HOUR + n(6) * 60_000 + Math.round(n(7) * 1000);
  if (!Number.isSafeInteger(millis) || months > 12 * 1000) bad(`aggrPeriodDuration "${text.slice(0, 40)}" is too long`);
  if (months === 0 && millis > 0 && millis < 1000) bad('aggrPeriodDuration must be at least one second (PT1S)');
  return { text, months, millis };
}

export function isZero(d: Duration): boolean {
  return d.months === 0 && d.millis === 0;
}

/** Adds `times` periods of `d` to `epoch` (months in UTC calendar arithmetic). */
export function addDuration(epoch: number, d: Duration, times = 1): number {
  if (d.months === 0) return epoch + d.millis * times;
  const date = new Date(epoch);
  date.setUTCMonth(date.getUTCMonth() + d.months * times);
  return date.getTime() + d.millis * times;
}

/** Whole hours (and no calendar months): periods that are unions of rollup hours. */
export function isWholeHours(d: Duration): boolean {
  return d.months === 0 && d.millis > 0 && d.millis % HOUR === 0;
}

export function isHourAligned(epoch: number): boolean {
  return epoch % HOUR === 0;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) bad(`${name} must be one of ${allowed.join(', ')}, not "${value.slice(0, 40)}"`);
  return value as T;
}

/** Reads timerel, timeAt, endTimeAt and timeproperty; every temporal query needs timerel and timeAt (clause 6.18.3.2). */
export function parseTimeRange(input: { timerel?: string; timeAt?: string; endTimeAt?: string; timeproperty?: string }): TimeRange {
  const timeproperty = input.timeproperty === undefined ? 'observedAt' : input.timeproperty;
  if (timeproperty === 'deletedAt') bad('timeproperty=deletedAt is not supported: CityCloud keeps the instances an entity had, not when they were deleted; use observedAt, createdAt or modifiedAt');
  const property = oneOf('timeproperty', timeproperty, TIME_PROPERTIES);
  if (input.timerel === undefined) {
    if (input.timeAt !== undefined || input.endTimeAt !== undefined) bad('timeAt and endTimeAt need timerel (before, after or between)');
    bad('A temporal query needs timerel and timeAt, e.g. timerel=after&timeAt=2026-01-01T00:00:00Z, timerel=before&timeAt=… or timerel=between&timeAt=…&endTimeAt=…');
  }
  const timerel = oneOf('timerel', input.timerel, TIMERELS);
  if (input.timeAt === undefined) bad(`timerel=${timerel} needs timeAt, a date-time such as 2026-01-01T00:00:00Z`);
  const timeAt = Date.parse(normalizeDateTime(input.timeAt, 'timeAt'));
  if (timerel !== 'between') {
    if (input.endTimeAt !== undefined) bad(`endTimeAt goes with timerel=between only, not with timerel=${timerel}`);
    return { timerel, timeAt, timeproperty: property };
  }
  if (input.endTimeAt === undefined) bad('timerel=between needs endTimeAt, a date-time after timeAt');
  const endTimeAt = Date.parse(normalizeDateTime(input.endTimeAt, 'endTimeAt'));
  if (endTimeAt <= timeAt) bad('endTimeAt must be later than timeAt');
  return { timerel, timeAt, endTimeAt, timeproperty: property };
}

/** Reads aggrMethods and aggrPeriodDuration (only with options=aggregatedValues). */
export function parseAggregation(methods: string[] | undefined, period: string | undefined): Aggregation {
  if (!methods) bad(`options=aggregatedValues needs aggrMethods, a comma-separated list of ${AGGR_METHODS.join(', ')}`);
  const list: AggrMethod[] = [];
  for (const m of methods) {
    if (!(AGGR_METHODS as readonly string[]).includes(m)) bad(`Unknown aggregation method "${m.slice(0, 40)}" in aggrMethods; use ${AGGR_METHODS.join(', ')}`);
    if (!list.includes(m as AggrMethod)) list.push(m as AggrMethod);
  }
  return { methods: list, period: parseDuration(period ?? 'PT0S') };
}
