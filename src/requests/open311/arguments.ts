/** Query arguments of the Open311 GET methods: single and comma-listed values, W3C datetimes, the 90-day window and paging. */
import { AppError } from '../../platform/errors/app-error.ts';
import type { Open311Status, SearchFilter } from '../model.ts';

export type Query = Record<string, string | string[] | undefined>;

/** GeoReport v2 "Response Volume": a span of 90 days or the first 1000 requests, whichever is smallest. */
export const WINDOW_DAYS = 90;
export const MAX_REQUESTS = 1000;
const DAY_MS = 86_400_000;

function bad(message: string, field?: string): AppError {
  return new AppError('BAD_REQUEST_DATA', message, field ? { details: { field } } : {});
}

/** One argument; empty counts as absent ("Optional Arguments"), two different values are refused. */
export function single(query: Query, name: string): string | undefined {
  const raw = query[name];
  const values = [...new Set((Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((v) => v.trim()).filter((v) => v !== ''))];
  if (values.length > 1) throw bad(`${name} was given ${values.length} different values; give it once`, name);
  return values[0];
}

/** A list argument: comma delimited and/or declared several times, as GeoReport v2 allows. */
export function listed(query: Query, name: string): string[] {
  const raw = query[name];
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return [...new Set(values)];
}

// The W3C profile of ISO 8601 (www.w3.org/TR/NOTE-datetime) with the time and the offset GeoReport v2 requires.
const W3C = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Parses a W3C datetime with its offset (`2010-01-01T00:00:00Z`, `2010-01-01T08:00:00+08:00`); anything else is a 400. */
export function parseW3cTime(name: string, text: string): Date {
  const m = W3C.exec(text);
  const refuse = () =>
    bad(`${name} "${text.slice(0, 40)}" is not a W3C datetime with a timezone, e.g. 2010-01-01T00:00:00Z or 2010-01-01T08:00:00+08:00`, name);
  if (!m) throw refuse();
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = Number(m[6] ?? '0');
  const offsetHours = Number(m[10] ?? '0');
  const offsetMinutes = Number(m[11] ?? '0');
  const calendar = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2010-02-30 over into March; a date that does not exist is refused instead.
  const realDay = calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
  if (!realDay || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) throw refuse();
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw refuse();
  return time;
}

export interface Page {
  page: number;
  pageSize: number;
}

function positiveInteger(query: Query, name: string, max: number): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw bad(`${name} must be a whole number from 1 to ${max}; got "${text.slice(0, 20)}"`, name);
  }
  return Number(text);
}

/** The paging extension: `page` from 1, `page_size` up to the spec's 1000 (also the default). */
export function pageOf(query: Query): Page {
  return {
    page: positiveInteger(query, 'page', 1_000_000) ?? 1,
    pageSize: positiveInteger(query, 'page_size', MAX_REQUESTS) ?? MAX_REQUESTS,
  };
}

/** `extensions=true` adds the public update history (`notes`) to each request. */
export function extensionsOf(query: Query): boolean {
  const text = single(query, 'extensions');
  if (text === undefined || text === 'false') return false;
  if (text === 'true') return true;
  throw bad(`extensions must be true or false; got "${text.slice(0, 20)}"`, 'extensions');
}

/** `service_request_id`: ids of requests (comma delimited); when given it overrides every other argument. */
export function requestIdsOf(query: Query): string[] {
  const ids = listed(query, 'service_request_id');
  if (ids.length > MAX_REQUESTS) throw bad(`Ask for at most ${MAX_REQUESTS} service_request_id values at once; got ${ids.length}`, 'service_request_id');
  return ids;
}

const STATUSES: readonly Open311Status[] = ['open', 'closed'];

/**
 * The GET requests filter: service codes, statuses and the `requested_datetime` window. Without
 * dates the window is the last 90 days; with one date it is the 90 days after start_date or before end_date;
 * with both, it may not span more than 90 days.
 */
export function searchFilterOf(query: Query, now: Date, page: Page): SearchFilter {
  const statuses = listed(query, 'status').map((s) => s.toLowerCase());
  for (const status of statuses) {
    if (!(STATUSES as readonly string[]).includes(status)) throw bad(`status "${status.slice(0, 20)}" is not one of open, closed`, 'status');
  }
  const startText = single(query, 'start_date');
  const endText = single(query, 'end_date');
  const start = startText === undefined ? undefined : parseW3cTime('start_date', startText);
  const end = endText === undefined ? undefined : parseW3cTime('end_date', endText);
  let from: Date;
  // No upper bound for the default window: "the most recent 90 days" reaches up to this moment.
  let to: Date | undefined;
  if (start && end) {
    if (end < start) throw bad('end_date is before start_date', 'end_date');
    if (end.getTime() - start.getTime() > WINDOW_DAYS * DAY_MS) {
      throw bad(`start_date to end_date spans more than ${WINDOW_DAYS} days; ask for ${WINDOW_DAYS} days or less at a time`, 'end_date');
    }
    [from, to] = [start, end];
  } else if (start) {
    [from, to] = [start, new Date(start.getTime() + WINDOW_DAYS * DAY_MS)];
  } else if (end) {
    [from, to] = [new Date(end.getTime() - WINDOW_DAYS * DAY_MS), end];
  } else {
    from = new Date(now.getTime() - WINDOW_DAYS * DAY_MS);
  }
  const serviceCodes = listed(query, 'service_code');
  return {
    ...(serviceCodes.length > 0 ? { serviceCodes } : {}),
    ...(statuses.length > 0 ? { statuses: statuses as Open311Status[] } : {}),
    start: from,
    ...(to ? { end: to } : {}),
    limit: page.pageSize,
    offset: (page.page - 1) * page.pageSize,
  };
}
