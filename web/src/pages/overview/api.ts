/**
 * What the operations overview reads from the hub: every entity of a type in keyValues (paged, only the attributes
 * the map needs), how many scheduled sensors reported lately, the recent history of a measure (temporal API,
 * aggregatedValues), and the latest posts and citizen reports.
 */
import { apiFetch } from '../../api/client.ts';
import { NGSI_LD, NGSI_MAX_LIMIT } from '../../api/ngsi.ts';
import { FEED_TYPES, type FeedType, type KeyValues, periodStart, REPORTING_SENSORS, REPORTING_WINDOW_MS, TREND_PERIOD_MS, TREND_WINDOW_MS } from './model.ts';

const JSON_ACCEPT = 'application/json';
/** Enough for the city-scale setting many times over; a page never loads without end. */
const MAX_PAGES = 50;
/** The trends read the history of at most this many entities of a type (a sample at city scale). */
const TREND_MAX_ENTITIES = 2000;

/**
 * Every entity of `type` in keyValues with only `attrs`, a thousand at a time.
 * @example const roads = await fetchAllEntities('RoadSegment', ['name', 'location'], signal)
 */
export async function fetchAllEntities(type: string, attrs: readonly string[], signal: AbortSignal, q?: string): Promise<KeyValues[]> {
  const all: KeyValues[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const { body, headers } = await apiFetch<unknown>(`${NGSI_LD}/entities`, {
      query: { type, attrs: attrs.join(','), q, options: 'keyValues', limit: NGSI_MAX_LIMIT, offset: page * NGSI_MAX_LIMIT || undefined, count: page === 0 ? 'true' : undefined },
      accept: JSON_ACCEPT,
      signal,
    });
    const entities = Array.isArray(body) ? (body as KeyValues[]) : [];
    all.push(...entities);
    const total = Number(headers.get('NGSILD-Results-Count') ?? Number.NaN);
    if (entities.length < NGSI_MAX_LIMIT || (Number.isFinite(total) && all.length >= total)) break;
  }
  return all;
}

async function countOf(query: Record<string, string>, signal: AbortSignal): Promise<number> {
  const { headers } = await apiFetch<unknown>(`${NGSI_LD}/entities`, { query: { ...query, limit: 0, count: 'true' }, accept: JSON_ACCEPT, signal });
  return Number(headers.get('NGSILD-Results-Count') ?? 0) || 0;
}

export interface Reporting {
  reporting: number;
  total: number;
}

/** How many scheduled sensors exist, and how many of them were heard from (a measurement written) in the last five minutes. */
export async function fetchReporting(signal: AbortSignal, now = Date.now()): Promise<Reporting> {
  const type = REPORTING_SENSORS.map(([name]) => name).join(',');
  const since = new Date(now - REPORTING_WINDOW_MS).toISOString();
  const q = REPORTING_SENSORS.map(([, attr]) => `${attr}.modifiedAt>=${since}`).join('|');
  const [total, reporting] = await Promise.all([countOf({ type }, signal), countOf({ type, q }, signal)]);
  return { reporting, total };
}

/** One aggregated attribute: `{ avg: [[value, start, end], …] }`, or an array of those (one per datasetId). */
type Aggregated = { avg?: unknown } | Array<{ avg?: unknown }>;

/**
 * The mean of `attr` per five-minute period over the last two hours, per entity of `type`: period start (epoch ms)
 * → the entities' means. Reads the temporal API with aggregatedValues.
 */
export async function fetchPeriodMeans(type: string, attr: string, signal: AbortSignal, now = Date.now()): Promise<Map<number, number[]>> {
  const from = periodStart(now - TREND_WINDOW_MS);
  const byPeriod = new Map<number, number[]>();
  const limit = NGSI_MAX_LIMIT;
  for (let offset = 0; offset < TREND_MAX_ENTITIES; offset += limit) {
    const { body } = await apiFetch<unknown>(`${NGSI_LD}/temporal/entities`, {
      query: {
        type,
        attrs: attr,
        options: 'aggregatedValues',
        aggrMethods: 'avg',
        aggrPeriodDuration: `PT${TREND_PERIOD_MS / 60_000}M`,
        timerel: 'after',
        timeAt: new Date(from).toISOString(),
        limit,
        offset: offset || undefined,
      },
      accept: JSON_ACCEPT,
      signal,
    });
    const entities = Array.isArray(body) ? (body as Record<string, unknown>[]) : [];
    for (const entity of entities) {
      const series = entity[attr] as Aggregated | undefined;
      for (const one of Array.isArray(series) ? series : series ? [series] : []) {
        for (const triple of Array.isArray(one.avg) ? (one.avg as unknown[]) : []) {
          if (!Array.isArray(triple)) continue;
          const [value, start] = triple as [unknown, unknown];
          const at = typeof start === 'string' ? Date.parse(start) : Number.NaN;
          if (typeof value !== 'number' || !Number.isFinite(value) || Number.isNaN(at)) continue;
          const key = periodStart(at);
          const list = byPeriod.get(key) ?? [];
          list.push(value);
          byPeriod.set(key, list);
        }
      }
    }
    if (entities.length < limit) break;
  }
  return byPeriod;
}

/** The posts or reports of the last day (keyValues), for the feed; the page keeps the newest. */
export async function fetchRecent(type: FeedType, signal: AbortSignal, now = Date.now()): Promise<KeyValues[]> {
  const { attrs, time } = FEED_TYPES[type];
  const since = new Date(now - 24 * 60 * 60_000).toISOString();
  return fetchAllEntities(type, attrs, signal, `${time}>=${since}`);
}
