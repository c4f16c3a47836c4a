/**
 * The three dashboards (government, industry, livelihood), each one payload with everything its page draws: KPI tiles,
 * hourly series with forecast bands, map layers and tables. A dashboard reads the latest CityIndicator entities in one
 * hub query, every series' history in one statement on the hourly rollup, the forecasts in one query by id, and a few
 * counts (alarms, incidents, requests, published figures, key use): a bounded number of statements, whatever the span.
 */
import type { TermMap } from '../context/ld/model.ts';
import type { StoredEntity } from '../context/model.ts';
import type { Queryable } from '../platform/store/store.ts';
import { forecastEntityId, indicatorEntityId } from './hub-writer.ts';
import type { Bilingual, IndicatorDefinition, IndicatorScope } from './model.ts';
import * as sql from './store.ts';

export const DASHBOARDS = ['government', 'industry', 'livelihood'] as const;
export type DashboardName = (typeof DASHBOARDS)[number];

const HOUR = 3_600_000;
/** A series carries at most about this many points: a 30-day window comes in 3-hour means, a week hourly. */
const MAX_POINTS = 240;
/**
 * A family of series with more scope ids than this (AQI at ~200 stations) comes without its points: the panel shows
 * one line at a time and reads the one chosen through GET /insight/indicators/{id}/series. A dashboard then costs the
 * same whatever the number of stations (measured: 211 station series over 30 days were 152k rollup rows, 440 ms).
 */
export const EAGER_SCOPE_IDS = 12;
/** Arterials in the industry dashboard's business-hours table. */
const ARTERIALS_SHOWN = 30;
const iso = (ms: number) => new Date(ms).toISOString();

export interface DashboardContext {
  tenant: string;
  period: { from: number; to: number };
  store: Queryable;
  terms: TermMap;
  catalog: Map<string, IndicatorDefinition>;
  /** The latest value of every CityIndicator but roads' (views, see InsightService.latestView). */
  latest(): Promise<Record<string, unknown>[]>;
  /** The latest congestion of the arterial roads. */
  arterials(): Promise<Record<string, unknown>[]>;
  forecasts(ids: string[]): Promise<StoredEntity[]>;
  forecastView(e: StoredEntity): { points: unknown[] } & Record<string, unknown>;
}

export interface Tile {
  id: string;
  name: Bilingual;
  value: unknown;
  unit: string;
  at?: unknown;
  level?: unknown;
  anomaly?: boolean;
  details?: unknown;
}

export interface SeriesView {
  id: string;
  indicator: string;
  scope: string;
  scopeId: string;
  name: Bilingual;
  unit: string;
  points: Array<{ at: string; value: number }>;
  forecast?: unknown;
  /** The points were left out (see EAGER_SCOPE_IDS): read them from the series endpoint when this line is chosen. */
  deferred?: true;
}

export interface MapLayer {
  id: string;
  indicator: string;
  scope: string;
  name: Bilingual;
  unit: string;
  features: Array<Record<string, unknown>>;
}

export interface Table {
  id: string;
  name: Bilingual;
  columns: string[];
  rows: unknown[][];
}

export interface DashboardPayload {
  dashboard: DashboardName;
  from: string;
  to: string;
  /** Hours per point of the series (1 up to a 10-day window; a 31-day window has 4-hour means). */
  stepHours: number;
  generatedAt: string;
  tiles: Tile[];
  series: SeriesView[];
  maps: MapLayer[];
  tables: Table[];
}

type Latest = Record<string, unknown> & { indicator?: unknown; scope?: unknown; scopeId?: unknown };

interface SeriesSpec {
  indicator: string;
  scope: IndicatorScope;
  scopeId: string;
  /** With the latest forecast band. */
  forecast?: boolean;
}

/** Every series of the specs: one history statement and one forecast query for all of them (large families deferred). */
async function readSeries(ctx: DashboardContext, specs: SeriesSpec[]): Promise<SeriesView[]> {
  const family = (s: SeriesSpec) => `${s.indicator}:${s.scope}`;
  const sizes = new Map<string, number>();
  for (const s of specs) sizes.set(family(s), (sizes.get(family(s)) ?? 0) + 1);
  const deferred = (s: SeriesSpec) => s.scope !== 'city' && (sizes.get(family(s)) ?? 0) > EAGER_SCOPE_IDS;
  const eager = specs.filter((s) => !deferred(s));
  const ids = eager.map((s) => indicatorEntityId(s.indicator, s.scope, s.scopeId));
  const forecastIds = eager.filter((s) => s.forecast).map((s) => forecastEntityId(s.indicator, s.scope, s.scopeId));
  const [history, forecasts] = await Promise.all([
    // Values are stamped with the end of their hour: the hours covered in [from, to) end in (from, to].
    sql.indicatorHistory(ctx.store, ctx.tenant, ids, ctx.terms.expand('value'), ctx.period.from + HOUR, ctx.period.to + HOUR, stepHours(ctx.period)),
    forecastIds.length > 0 ? ctx.forecasts(forecastIds) : Promise.resolve([]),
  ]);
  const forecastById = new Map(forecasts.map((f) => [f.id, f]));
  return specs.map((s) => {
    const d = ctx.catalog.get(s.indicator);
    const view: SeriesView = {
      id: `${s.indicator}:${s.scope}:${s.scopeId}`,
      indicator: s.indicator,
      scope: s.scope,
      scopeId: s.scopeId,
      name: d?.name ?? { zh: s.indicator, en: s.indicator },
      unit: d?.unit ?? '',
      points: [],
    };
    if (deferred(s)) return { ...view, deferred: true };
    const forecast = forecastById.get(forecastEntityId(s.indicator, s.scope, s.scopeId));
    view.points = (history.get(indicatorEntityId(s.indicator, s.scope, s.scopeId)) ?? []).map((p) => ({ at: iso(p.at), value: p.value }));
    return forecast ? { ...view, forecast: ctx.forecastView(forecast) } : view;
  });
}

/** The hours per point of the dashboards' series for a window. */
export function stepHours(period: { from: number; to: number }): number {
  return Math.max(1, Math.ceil((period.to - period.from) / HOUR / MAX_POINTS));
}

class Latests {
  readonly byKey = new Map<string, Latest>();
  constructor(views: Latest[]) {
    for (const v of views) this.byKey.set(`${v.indicator}:${v.scope}:${v.scopeId}`, v);
  }
  get(indicator: string, scope: string, scopeId: string): Latest | undefined {
    return this.byKey.get(`${indicator}:${scope}:${scopeId}`);
  }
  of(indicator: string, scope: string): Latest[] {
    return [...this.byKey.values()].filter((v) => v.indicator === indicator && v.scope === scope).sort((a, b) => String(a.scopeId).localeCompare(String(b.scopeId)));
  }
}

function tile(ctx: DashboardContext, latest: Latests, indicator: string): Tile {
  const d = ctx.catalog.get(indicator);
  const v = latest.get(indicator, 'city', ctx.tenant);
  return {
    id: indicator,
    name: d?.name ?? { zh: indicator, en: indicator },
    value: v?.value ?? null,
    unit: d?.unit ?? '',
    ...(v?.at ? { at: v.at } : {}),
    ...(v?.level !== undefined ? { level: v.level } : {}),
    ...(v ? { anomaly: v.anomaly === true } : {}),
    ...(v?.details !== undefined ? { details: v.details } : {}),
  };
}

function layer(ctx: DashboardContext, latest: Latests, indicator: string, scope: IndicatorScope): MapLayer {
  const d = ctx.catalog.get(indicator);
  return {
    id: `${indicator}:${scope}`,
    indicator,
    scope,
    name: d?.name ?? { zh: indicator, en: indicator },
    unit: d?.unit ?? '',
    features: latest.of(indicator, scope).map((v) => {
      const { indicator: _i, scope: _s, ...rest } = v;
      return rest;
    }),
  };
}

const scopeIds = (latest: Latests, indicator: string, scope: IndicatorScope) => latest.of(indicator, scope).map((v) => String(v.scopeId));

type Body = Omit<DashboardPayload, 'dashboard' | 'from' | 'to' | 'stepHours' | 'generatedAt'>;

async function government(ctx: DashboardContext, latest: Latests): Promise<Body> {
  const { terms, tenant, period } = ctx;
  const districts = scopeIds(latest, 'congestion', 'district');
  const specs: SeriesSpec[] = [
    { indicator: 'congestion', scope: 'city', scopeId: tenant, forecast: true },
    ...districts.map((d) => ({ indicator: 'congestion', scope: 'district' as const, scopeId: d, forecast: true })),
    { indicator: 'speed', scope: 'city', scopeId: tenant, forecast: true },
    ...scopeIds(latest, 'speed', 'district').map((d) => ({ indicator: 'speed', scope: 'district' as const, scopeId: d })),
    { indicator: 'aqi', scope: 'city', scopeId: tenant, forecast: true },
    { indicator: 'noiseExceedance', scope: 'city', scopeId: tenant, forecast: true },
  ];
  const types = ['Alert', 'Incident'].map((t) => terms.expand(t));
  const [series, perDay, requests] = await Promise.all([
    readSeries(ctx, specs),
    sql.createdPerDay(ctx.store, tenant, types, period.from, period.to),
    sql.createdPerHour(ctx.store, tenant, terms.expand('ServiceRequest'), period.from, period.to),
  ]);
  const days = new Map<string, { alerts: number; incidents: number }>();
  for (const r of perDay) {
    const day = days.get(r.day) ?? { alerts: 0, incidents: 0 };
    if (terms.compact(r.type) === 'Alert') day.alerts += r.n;
    else day.incidents += r.n;
    days.set(r.day, day);
  }
  const totals = [...days.values()].reduce((a, d) => ({ alerts: a.alerts + d.alerts, incidents: a.incidents + d.incidents }), { alerts: 0, incidents: 0 });
  series.push({
    id: 'requests:city',
    indicator: 'requests',
    scope: 'city',
    scopeId: tenant,
    name: { zh: '市民诉求（每小时）', en: 'Citizen requests per hour' },
    unit: '',
    points: requests.map((p) => ({ at: iso(p.at), value: p.value })),
  });
  return {
    tiles: [
      tile(ctx, latest, 'congestion'),
      tile(ctx, latest, 'speed'),
      tile(ctx, latest, 'aqi'),
      tile(ctx, latest, 'noiseExceedance'),
      { id: 'alarms', name: { zh: '告警数', en: 'Alarms' }, value: totals.alerts, unit: '' },
      { id: 'incidents', name: { zh: '事件数', en: 'Incidents' }, value: totals.incidents, unit: '' },
      { id: 'requests', name: { zh: '市民诉求', en: 'Citizen requests' }, value: requests.reduce((a, p) => a + p.value, 0), unit: '' },
    ],
    series,
    maps: [
      layer(ctx, latest, 'congestion', 'district'),
      layer(ctx, latest, 'speed', 'district'),
      layer(ctx, latest, 'aqi', 'station'),
      layer(ctx, latest, 'noiseExceedance', 'district'),
      layer(ctx, latest, 'requestVolume', 'district'),
    ],
    tables: [
      {
        id: 'alarmsAndIncidentsByDay',
        name: { zh: '每日告警与事件', en: 'Alarms and incidents by day' },
        columns: ['day', 'alarms', 'incidents'],
        rows: [...days].map(([day, d]) => [day, d.alerts, d.incidents]),
      },
    ],
  };
}

async function industry(ctx: DashboardContext, latest: Latests): Promise<Body> {
  const { tenant, period } = ctx;
  // The most congested arterials now (a city has hundreds): their business-hours means over the window stay one
  // bounded read (30 series × 744 hours at most), whatever the size of the road network; it runs beside the others.
  const arterialsRead = ctx.arterials().then(async (arterials) => {
    const watched = arterials
      .map((v) => ({ id: indicatorEntityId('congestion', 'road', String(v.scopeId)), v }))
      .sort((a, b) => Number(b.v.value ?? 0) - Number(a.v.value ?? 0))
      .slice(0, ARTERIALS_SHOWN);
    const business = await sql.businessHoursMean(ctx.store, tenant, watched.map((w) => w.id), ctx.terms.expand('value'), period.from + HOUR, period.to + HOUR);
    return { watched, business };
  });
  const [series, published, keys, { watched, business }] = await Promise.all([
    readSeries(ctx, [
      { indicator: 'parkingOccupancy', scope: 'city', scopeId: tenant, forecast: true },
      ...scopeIds(latest, 'parkingOccupancy', 'district').map((d) => ({ indicator: 'parkingOccupancy', scope: 'district' as const, scopeId: d })),
      { indicator: 'congestion', scope: 'city', scopeId: tenant, forecast: true },
    ]),
    sql.listPublished(ctx.store, tenant),
    sql.apiKeyUsage(ctx.store, tenant, period.from, period.to),
    arterialsRead,
  ]);
  const arterialRows = watched
    .map(({ id, v }) => {
      const details = (v.details ?? {}) as { roadName?: string };
      const b = business.get(id);
      return [v.scopeId, details.roadName ?? null, v.district ?? null, b ? Number(b.mean.toFixed(3)) : null, b?.hours ?? 0, v.value ?? null];
    })
    .sort((a, b) => Number(b[3] ?? 0) - Number(a[3] ?? 0));
  const parkingCity = latest.get('parkingOccupancy', 'city', tenant);
  return {
    tiles: [
      tile(ctx, latest, 'congestion'),
      tile(ctx, latest, 'parkingOccupancy'),
      {
        id: 'publicParking',
        name: { zh: '商业区公共停车占用率', en: 'Public car parks (commercial areas) occupancy' },
        value: (parkingCity?.details as { publicOccupancy?: number } | undefined)?.publicOccupancy ?? null,
        unit: 'C62',
      },
      { id: 'published', name: { zh: '已发布经济指标', en: 'Published economic indicators' }, value: published.length, unit: '' },
      { id: 'apiKeys', name: { zh: '企业应用（API 密钥）', en: 'Enterprise apps (API keys)' }, value: keys.filter((k) => !k.revoked).length, unit: '' },
    ],
    series,
    maps: [layer(ctx, latest, 'parkingOccupancy', 'district'), layer(ctx, latest, 'congestion', 'district')],
    tables: [
      {
        id: 'published',
        name: { zh: '经济指标', en: 'Economic indicators' },
        columns: ['indicator', 'period', 'value', 'unit', 'source'],
        rows: published.map((p) => [p.indicator, p.period, p.value, p.unit, p.source]),
      },
      {
        id: 'apiKeyUsage',
        name: { zh: '企业服务使用（按应用）', en: 'Enterprise service use per app' },
        columns: ['key', 'name', 'role', 'lastUsedAt', 'auditedActions'],
        rows: keys.map((k) => [k.id, k.name, k.role, k.last_used_at ? new Date(k.last_used_at).toISOString() : null, k.audited]),
      },
      {
        id: 'arterialBusinessHours',
        name: { zh: '工作日工作时段主干道拥堵（当前最拥堵的 30 条）', en: 'Arterial congestion in business hours (Mon–Fri 09–18), the 30 most congested now' },
        columns: ['road', 'name', 'district', 'meanCongestion', 'hours', 'latest'],
        rows: arterialRows,
      },
    ],
  };
}

async function livelihood(ctx: DashboardContext, latest: Latests): Promise<Body> {
  const { tenant } = ctx;
  const topics = scopeIds(latest, 'opinionVolume', 'topic');
  const series = await readSeries(ctx, [
    { indicator: 'aqi', scope: 'city', scopeId: tenant, forecast: true },
    ...scopeIds(latest, 'aqi', 'station').map((s) => ({ indicator: 'aqi', scope: 'station' as const, scopeId: s })),
    { indicator: 'hospitalLoad', scope: 'city', scopeId: tenant, forecast: true },
    { indicator: 'parkingOccupancy', scope: 'city', scopeId: tenant, forecast: true },
    { indicator: 'opinionVolume', scope: 'city', scopeId: tenant, forecast: true },
    { indicator: 'opinionSentiment', scope: 'city', scopeId: tenant, forecast: true },
    ...topics.flatMap((t) => [
      { indicator: 'opinionVolume', scope: 'topic' as const, scopeId: t },
      { indicator: 'opinionSentiment', scope: 'topic' as const, scopeId: t },
    ]),
  ]);
  const volume = series.find((s) => s.id === `opinionVolume:city:${tenant}`);
  return {
    tiles: [
      tile(ctx, latest, 'aqi'),
      tile(ctx, latest, 'hospitalLoad'),
      tile(ctx, latest, 'parkingOccupancy'),
      tile(ctx, latest, 'opinionSentiment'),
      { id: 'posts', name: { zh: '舆情帖子数', en: 'Public posts' }, value: volume?.points.reduce((a, p) => a + p.value, 0) ?? 0, unit: '' },
    ],
    series,
    maps: [
      layer(ctx, latest, 'aqi', 'station'),
      layer(ctx, latest, 'aqi', 'district'),
      layer(ctx, latest, 'hospitalLoad', 'district'),
      layer(ctx, latest, 'parkingOccupancy', 'district'),
      layer(ctx, latest, 'opinionVolume', 'district'),
      layer(ctx, latest, 'opinionSentiment', 'district'),
    ],
    tables: [
      {
        id: 'opinionByTopic',
        name: { zh: '按话题舆情（最新一小时）', en: 'Opinion by topic (latest hour)' },
        columns: ['topic', 'posts', 'sentiment'],
        rows: topics.map((t) => [t, latest.get('opinionVolume', 'topic', t)?.value ?? 0, latest.get('opinionSentiment', 'topic', t)?.value ?? null]),
      },
    ],
  };
}

export async function buildDashboard(name: DashboardName, ctx: DashboardContext): Promise<DashboardPayload> {
  // Roads are many and only the industry dashboard reads them (arterials, by their own query).
  const latest = new Latests((await ctx.latest()) as Latest[]);
  const build = name === 'government' ? government : name === 'industry' ? industry : livelihood;
  const body = await build(ctx, latest);
  return { dashboard: name, from: iso(ctx.period.from), to: iso(ctx.period.to), stepHours: stepHours(ctx.period), generatedAt: new Date().toISOString(), ...body };
}
