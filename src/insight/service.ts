/**
 * The insight service: the hourly indicator job (read the hour from the hub and the temporal rollup in a few batched
 * statements, compute, write CityIndicator entities, assess them against the forecast made before, refresh the
 * IndicatorForecast entities), the alarm rule on anomalies, and the reads behind /api/v1/insight.
 */
import type { TermMap } from '../context/ld/model.ts';
import type { StoredAttribute, StoredEntity } from '../context/model.ts';
import type { EntityQuery, EntityReader } from '../context/read.ts';
import type { ContextHub } from '../context/service.ts';
import type { AlarmRuleInput } from '../alarms/engine/model.ts';
import { type Principal, systemPrincipal } from '../platform/auth/model.ts';
import type { AuditLog } from '../platform/audit/service.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Store } from '../platform/store/store.ts';
import { buildDashboard, type DashboardContext, type DashboardName, type DashboardPayload, stepHours } from './dashboards.ts';
import type { InsightFunctions } from './functions.ts';
import { computeHourIndicators, type PostHour, type RequestHour, type RoadInfo, type SensorHour } from './hourly.ts';
import { type Assessment, FORECAST_TYPE, forecastEntity, forecastEntityId, INDICATOR_TYPE, indicatorEntity, indicatorEntityId, writeEntities } from './hub-writer.ts';
import type { Anomaly, ForecastResult, IndicatorDefinition, IndicatorScope, IndicatorValue } from './model.ts';
import { checkForecastInput, type ForecastRequest } from './forecast-input.ts';
import * as sql from './store.ts';

export const HOUR = 3_600_000;
/** History a forecast is fitted on (two weeks: two weekly cycles). */
const FORECAST_HISTORY_HOURS = 14 * 24;
/** Fewer points than this (two days) and no forecast is made: the daily season needs two periods. */
const MIN_FORECAST_POINTS = 48;
const FORECAST_HORIZON = 24;
/** A dashboard or series spans at most this long. */
export const MAX_SPAN_MS = 31 * 24 * HOUR;
export const ANOMALY_RULE_ID = 'insight-indicator-anomaly';
/**
 * The dashboards' latest values are read from the hub at most this often per process (values change hourly; the
 * hundreds of entities behind a dashboard are then not re-read and re-parsed on every request). A run of the job in
 * this process refreshes them at once.
 */
const LATEST_TTL_MS = 60_000;
/** How long a computed dashboard answers the same window again (its default window moves by the minute). */
const DASHBOARD_TTL_MS = 30_000;
const SENSOR_TYPES = ['TrafficFlowObserved', 'AirQualityObserved', 'NoiseLevelObserved', 'OffStreetParking', 'Hospital'];
const SENSOR_ATTRS = [
  'intensity',
  'averageVehicleSpeed',
  'congestionIndex',
  'pm25',
  'pm10',
  'no2',
  'o3',
  'so2',
  'co',
  'LAeq',
  'occupancyRate',
  'availableSpotNumber',
  'availableBeds',
  'emergencyLoad',
  'emergencyWaiting',
];
/** Service requests filed this far back make the request rates of an hour. */
const REQUEST_WINDOW_MS = 30 * 24 * HOUR;
/** Which side of the band is news for operators, per indicator (a cleaner-than-forecast hour alarms no one). */
const ANOMALY_DIRECTION: Record<string, 'up' | 'down' | 'both'> = {
  congestion: 'up',
  aqi: 'up',
  noiseExceedance: 'up',
  hospitalLoad: 'up',
  opinionVolume: 'up',
  speed: 'down',
  opinionSentiment: 'down',
  requestResponse: 'down',
  requestResolution: 'down',
  requestSatisfaction: 'down',
};
/** Scopes whose indicators get forecasts and anomaly assessment (roads and stations are many and noisy: they are map layers). */
const FORECAST_SCOPES: ReadonlySet<IndicatorScope> = new Set(['city', 'district']);
/** District counts watched for surges (complaints filed, posts), over SURGE_WINDOW_HOURS against SURGE_WEEKS weeks. */
const SURGE_INDICATORS: ReadonlySet<string> = new Set(['requestVolume', 'opinionVolume']);
const SURGE_WINDOW_HOURS = 3;
const SURGE_WEEKS = 4;

export interface RunReport {
  tenant: string;
  hourEnd: string;
  /** false: another process computed (or is computing) this hour. */
  computed: boolean;
  indicators: number;
  forecasts: number;
  anomalies: number;
  sensors: number;
  posts: number;
  ms: number;
  /** Where the time went (ms): reading the hub and rollups, computing, writing indicators, fitting and writing forecasts. */
  phases?: { read: number; compute: number; write: number; forecast: number };
}

export interface AlarmRules {
  getRule(tenant: string, id: string): Promise<unknown>;
  createRule(principal: Principal, body: AlarmRuleInput): Promise<unknown>;
}

export interface WhatIfInput {
  scenario: 'heavyRainEvening' | 'holiday' | 'normal';
  date: string;
}

export interface InsightServiceDeps {
  store: Store;
  audit: AuditLog;
  hub: Pick<ContextHub, 'batchUpsert'>;
  reader: Pick<EntityReader, 'queryEntities'>;
  terms: TermMap;
  logger: Logger;
  functions: InsightFunctions;
  /** The alarms capability's service (rules API); absent: no alarm rule is seeded. */
  alarms?: AlarmRules;
  /** The what-if runner (`scenario.ts`; tests may replace it); absent: POST /what-if answers 503. */
  whatIf?: (input: WhatIfInput) => Promise<unknown>;
  /** Names this process in the claim of an hour. */
  processId: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class InsightService {
  readonly #deps: InsightServiceDeps;
  readonly #catalog: Map<string, IndicatorDefinition>;
  readonly #rulesEnsured = new Set<string>();
  /** CityIndicator ids this process has written whole: later hours send only the hourly attributes. */
  readonly #described = new Map<string, Set<string>>();
  readonly #dashboards = new Map<string, { at: number; payload: Promise<DashboardPayload> }>();
  readonly #latest = new Map<string, { at: number; views: Promise<{ latest: Record<string, unknown>[]; arterials: Record<string, unknown>[] }> }>();

  constructor(deps: InsightServiceDeps) {
    this.#deps = deps;
    this.#catalog = new Map(deps.functions.catalog.map((d) => [d.id, d]));
  }

  get functions(): InsightFunctions {
    return this.#deps.functions;
  }

  // ---- reading the hub -----------------------------------------------------------------------------------------

  #call(tenant: string) {
    return { tenant, principal: systemPrincipal(tenant, 'insight'), terms: this.#deps.terms };
  }

  /** Every entity matching the query, a page of 1,000 at a time. */
  async #all(tenant: string, query: Omit<EntityQuery, 'after' | 'limit' | 'offset' | 'count'>): Promise<StoredEntity[]> {
    const out: StoredEntity[] = [];
    for (let after: string | undefined; ; ) {
      const page = await this.#deps.reader.queryEntities(this.#call(tenant), { ...query, ...(after === undefined ? {} : { after }), limit: 1000, offset: 0, count: false });
      out.push(...page.entities);
      if (page.entities.length < 1000) return out;
      after = page.entities[page.entities.length - 1]?.id;
    }
  }

  /** The default instance of a compact attribute. */
  attr(entity: StoredEntity, name: string): StoredAttribute | undefined {
    const list = entity.attrs[this.#deps.terms.expand(name)];
    return list?.find((a) => a.datasetId === undefined) ?? list?.[0];
  }

  value(entity: StoredEntity, name: string): unknown {
    const a = this.attr(entity, name);
    if (!a) return undefined;
    return a.type === 'Relationship' ? a.object : a.type === 'JsonProperty' ? a.json : a.value;
  }

  #compactType(entity: StoredEntity): string {
    return this.#deps.terms.compact(entity.types[0] ?? '');
  }

  // ---- the hourly job ------------------------------------------------------------------------------------------

  /**
   * Computes every indicator of the hour ending at `hourEnd` for the city, unless another process has (or is doing)
   * it. `force` recomputes an hour already done (the API's manual re-run).
   */
  async runHour(tenant: string, hourEnd: number, options: { force?: boolean } = {}): Promise<RunReport> {
    if (!Number.isFinite(hourEnd) || hourEnd % HOUR !== 0) {
      throw new AppError('BAD_REQUEST_DATA', `The hour end must be on the hour (UTC), e.g. ${iso(Math.floor(Date.now() / HOUR) * HOUR)}`);
    }
    const started = performance.now();
    const { store, processId } = this.#deps;
    const base = { tenant, hourEnd: iso(hourEnd), indicators: 0, forecasts: 0, anomalies: 0, sensors: 0, posts: 0 };
    if (!(await sql.claimHour(store, tenant, hourEnd, processId, options.force))) return { ...base, computed: false, ms: performance.now() - started };
    try {
      const report = await this.#compute(tenant, hourEnd);
      if (report.indicators === 0) {
        // Nothing to compute yet (the readings of this hour may still be arriving, e.g. a backfill): the hour is left
        // to be claimed again by the next tick instead of being recorded as done and empty.
        await sql.finishHour(store, tenant, hourEnd, processId, { status: 'failed', error: 'no readings of this hour yet' });
        return { ...base, ...report, computed: true, ms: Math.round(performance.now() - started) };
      }
      await sql.finishHour(store, tenant, hourEnd, processId, { status: 'done', indicators: report.indicators, forecasts: report.forecasts, anomalies: report.anomalies });
      await this.#deps.audit.record(store, {
        tenant,
        actor: systemPrincipal(tenant, 'insight'),
        action: 'insight.hourComputed',
        target: { type: INDICATOR_TYPE, id: iso(hourEnd) },
        details: { indicators: report.indicators, forecasts: report.forecasts, anomalies: report.anomalies },
      });
      this.#forget(tenant);
      return { ...base, ...report, computed: true, ms: Math.round(performance.now() - started) };
    } catch (error) {
      await sql.finishHour(store, tenant, hourEnd, processId, { status: 'failed', error: String((error as Error)?.message ?? error) }).catch(() => undefined);
      throw error;
    }
  }

  async #compute(
    tenant: string,
    hourEnd: number,
  ): Promise<{ indicators: number; forecasts: number; anomalies: number; sensors: number; posts: number; phases?: RunReport['phases'] }> {
    const { store, terms } = this.#deps;
    let mark = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = Math.round(now - mark);
      mark = now;
      return ms;
    };
    const hourStart = hourEnd - HOUR;
    // 1. The entities (a few paged queries): sensors with their static attributes, roads, the hour's posts, and what insight wrote last hour.
    const [sensorEntities, roadEntities, postEntities, requestEntities, previous] = await Promise.all([
      this.#all(tenant, { type: SENSOR_TYPES.join(',') }),
      this.#all(tenant, { type: 'RoadSegment' }),
      this.#all(tenant, { type: 'PublicOpinionPost', q: `publishedAt>=${iso(hourStart)};publishedAt<${iso(hourEnd)}` }),
      this.#all(tenant, { type: 'ServiceRequest', q: `requestedAt>=${iso(hourEnd - REQUEST_WINDOW_MS)};requestedAt<${iso(hourEnd)}` }),
      // Only the assessed scopes' entities (their last band) and the forecasts: not the thousands of roads.
      this.#all(tenant, { type: INDICATOR_TYPE, q: 'indicatorScope=="city"|indicatorScope=="district"' }),
      this.#all(tenant, { type: FORECAST_TYPE }),
    ]).then(([a, b, c, d, indicators, forecasts]) => [a, b, c, d, [...indicators, ...forecasts]] as const);
    // 2. The hour's means of every sensor attribute: one statement over the hourly rollup.
    const means = await sql.hourMeans(
      store,
      tenant,
      sensorEntities.map((e) => e.id),
      SENSOR_ATTRS.map((a) => terms.expand(a)),
      hourStart,
    );
    const byEntity = new Map<string, Record<string, number>>();
    for (const m of means) {
      const record = byEntity.get(m.entity_id) ?? {};
      record[terms.compact(m.attr)] = Number(m.mean);
      byEntity.set(m.entity_id, record);
    }
    const sensors: SensorHour[] = sensorEntities.flatMap((e) => {
      const hourMeans = byEntity.get(e.id);
      if (!hourMeans) return [];
      const location = this.value(e, 'location') as SensorHour['location'];
      const district = this.value(e, 'district');
      const ref = this.value(e, 'refRoadSegment');
      const spots = this.value(e, 'totalSpotNumber');
      const beds = this.value(e, 'totalBeds');
      const category = this.value(e, 'category');
      const zone = this.value(e, 'zoneClass');
      return [
        {
          id: e.id,
          type: this.#compactType(e),
          ...(typeof district === 'string' ? { district } : {}),
          ...(location?.type === 'Point' ? { location } : {}),
          ...(typeof ref === 'string' ? { refRoadSegment: ref } : {}),
          ...(typeof spots === 'number' ? { totalSpotNumber: spots } : {}),
          ...(typeof beds === 'number' ? { totalBeds: beds } : {}),
          ...(category !== undefined ? { category: (Array.isArray(category) ? category : [category]).map(String) } : {}),
          ...(zone !== undefined ? { zoneClass: String(zone) } : {}),
          means: hourMeans,
        },
      ];
    });
    const roads = new Map<string, RoadInfo>();
    for (const r of roadEntities) {
      const line = this.value(r, 'location') as { type?: string; coordinates?: [number, number][] } | undefined;
      const name = this.value(r, 'name');
      const length = this.value(r, 'length');
      const roadClass = this.value(r, 'roadClass');
      const district = this.value(r, 'district');
      roads.set(r.id, {
        id: r.id,
        ...(typeof name === 'string' ? { name } : {}),
        ...(typeof roadClass === 'string' ? { roadClass } : {}),
        ...(typeof district === 'string' ? { district } : {}),
        ...(typeof length === 'number' ? { length } : {}),
        ...(line?.type === 'LineString' && line.coordinates?.length ? { coordinates: line.coordinates } : {}),
      });
    }
    const posts: PostHour[] = postEntities.map((p) => {
      const topic = this.value(p, 'topic');
      const district = this.value(p, 'district');
      return {
        text: String(this.value(p, 'text') ?? ''),
        ...(typeof topic === 'string' ? { topic } : {}),
        ...(typeof district === 'string' ? { district } : {}),
      };
    });
    const requests: RequestHour[] = requestEntities.flatMap((r) => {
      const status = this.value(r, 'status');
      const requestedAt = this.value(r, 'requestedAt');
      if (typeof status !== 'string' || typeof requestedAt !== 'string') return [];
      const district = this.value(r, 'district');
      const rating = this.value(r, 'rating');
      return [
        {
          status,
          requestedAt,
          updatedAt: String(this.value(r, 'updatedAt') ?? requestedAt),
          dueAt: String(this.value(r, 'dueAt') ?? ''),
          ...(typeof district === 'string' ? { district } : {}),
          ...(typeof rating === 'number' ? { rating } : {}),
        },
      ];
    });

    // A city with nothing measured in the hour gets no entities (and no alarm rule): an empty hour is not a city of zeros.
    if (sensors.length === 0 && posts.length === 0 && requests.length === 0) return { indicators: 0, forecasts: 0, anomalies: 0, sensors: 0, posts: 0 };

    const read = lap();
    // 3. Compute, then assess each forecast-scope value against the forecast issued before this hour.
    const values = computeHourIndicators({ tenant, hourEnd, sensors, roads, posts, requests });
    const existing = new Map(previous.map((e) => [e.id, e]));
    const assessments = new Map<string, Assessment>();
    for (const v of values) {
      if (!FORECAST_SCOPES.has(v.scope)) continue;
      const a = this.#assess(v, existing);
      if (a) assessments.set(indicatorEntityId(v.indicator, v.scope, v.scopeId), a);
    }
    // Complaint and post surges per district (the count of the last 3 hours against the same hours of 4 weeks).
    for (const surge of await this.#surges(tenant, hourEnd, values)) {
      const id = indicatorEntityId(surge.indicator, surge.scope, surge.scopeId);
      assessments.set(id, { expected: surge.expected, low: surge.low, high: surge.high, anomaly: true, score: surge.score, reason: surge.reason });
    }
    const described = this.#described.get(tenant) ?? new Set<string>();
    this.#described.set(tenant, described);
    const indicatorEntities = values.map((v) => {
      const id = indicatorEntityId(v.indicator, v.scope, v.scopeId);
      const full = !described.has(id) && !existing.has(id);
      return indicatorEntity(v, this.#catalog.get(v.indicator), assessments.get(id), full, FORECAST_SCOPES.has(v.scope));
    });
    const compute = lap();
    const written = await writeEntities(this.#deps.hub, tenant, terms, indicatorEntities);
    for (const r of written.refused.slice(0, 5)) this.#deps.logger.warn({ err: r.error, id: r.id }, 'the hub refused a CityIndicator entity');
    const refused = new Set(written.refused.map((r) => r.id));
    for (const e of indicatorEntities) if (!refused.has(e.id as string)) described.add(e.id as string);
    this.#latest.delete(tenant);
    for (const k of this.#dashboards.keys()) if (k.startsWith(`${tenant}|`)) this.#dashboards.delete(k);
    await this.#ensureAnomalyRule(tenant);
    const write = lap();

    // 4. Forecasts from each series' own history, now including this hour (one history statement for all).
    const forecastable = values.filter((v) => FORECAST_SCOPES.has(v.scope));
    const forecasts = await this.#refreshForecasts(tenant, hourEnd, forecastable);
    const anomalies = [...assessments.values()].filter((a) => a.anomaly).length;
    return { indicators: written.written, forecasts, anomalies, sensors: sensors.length, posts: posts.length, phases: { read, compute, write, forecast: lap() } };
  }

  /**
   * The value against the 95 % band of the forecast issued before this hour, through the anomaly detector
   * (anomaly/): outside the band by far, or for the second hour running on the same side. The previous hour's value
   * and band come from the CityIndicator entity as it stands before this hour's write.
   */
  #assess(v: IndicatorValue, existing: Map<string, StoredEntity>): Assessment | undefined {
    const forecast = existing.get(forecastEntityId(v.indicator, v.scope, v.scopeId));
    const points = forecast ? (this.value(forecast, 'points') as Array<{ at: string; value: number; low95: number; high95: number }> | undefined) : undefined;
    const point = points?.find((p) => Date.parse(p.at) === v.at);
    if (!point) return undefined;
    const band = [{ at: v.at, value: point.value, lower: { '95': point.low95 }, upper: { '95': point.high95 } }];
    const series = [{ at: v.at, value: v.value as number | null }];
    const before = existing.get(indicatorEntityId(v.indicator, v.scope, v.scopeId));
    const prev = before ? this.attr(before, 'value') : undefined;
    const [expected, low, high] = before ? ['expected', 'expectedLow', 'expectedHigh'].map((n) => this.value(before, n)) : [];
    if (prev?.observedAt && Date.parse(prev.observedAt) === v.at - HOUR && typeof prev.value === 'number' && typeof expected === 'number' && typeof low === 'number' && typeof high === 'number') {
      band.unshift({ at: v.at - HOUR, value: expected, lower: { '95': low }, upper: { '95': high } });
      series.unshift({ at: v.at - HOUR, value: prev.value });
    }
    const found = this.#deps.functions
      .detectAnomalies(
        { indicator: v.indicator, scope: v.scope, scopeId: v.scopeId, points: series },
        { points: band },
        { direction: ANOMALY_DIRECTION[v.indicator] ?? 'both' },
      )
      .find((a) => a.at === v.at);
    const width = Math.max(point.high95 - point.low95, 1e-9);
    const outside = v.value > point.high95 ? v.value - point.high95 : v.value < point.low95 ? point.low95 - v.value : 0;
    return {
      expected: point.value,
      low: point.low95,
      high: point.high95,
      anomaly: found !== undefined,
      score: found?.score ?? Number((outside / width).toFixed(3)),
      ...(found ? { reason: found.reason } : {}),
    };
  }

  /**
   * Surges of the district counts in SURGE_INDICATORS: each district's hourly history of the last four weeks (one
   * statement, the rollup), this hour's value added, through detectSurges. A district with less than a week of
   * history is not judged: a median of empty weeks would call any busy afternoon a surge.
   */
  async #surges(tenant: string, hourEnd: number, values: readonly IndicatorValue[]): Promise<Anomaly[]> {
    const current = values.filter((v) => v.scope === 'district' && SURGE_INDICATORS.has(v.indicator));
    if (current.length === 0) return [];
    const ids = current.map((v) => indicatorEntityId(v.indicator, v.scope, v.scopeId));
    // Values are stamped with their hour's end: the earlier hours of the window and of the 28 days before it.
    const from = hourEnd - (SURGE_WEEKS * 7 * 24 + SURGE_WINDOW_HOURS) * HOUR;
    const history = await sql.indicatorHistory(this.#deps.store, tenant, ids, this.#deps.terms.expand('value'), from, hourEnd);
    const found: Anomaly[] = [];
    for (const v of current) {
      const points = history.get(indicatorEntityId(v.indicator, v.scope, v.scopeId)) ?? [];
      // The median is taken over the whole weeks of history there are (up to SURGE_WEEKS), never over empty ones.
      const weeks = Math.min(SURGE_WEEKS, Math.floor((hourEnd - (points[0]?.at ?? hourEnd)) / (7 * 24 * HOUR)));
      if (weeks < 1) continue;
      // detectSurges keys an hour by its start.
      const counts = new Map(points.map((p) => [p.at - HOUR, p.value]));
      counts.set(hourEnd - HOUR, v.value);
      found.push(...this.#deps.functions.detectSurges(v.indicator, new Map([[v.scopeId, counts]]), hourEnd, { windowHours: SURGE_WINDOW_HOURS, weeks }));
    }
    return found;
  }

  async #refreshForecasts(tenant: string, hourEnd: number, values: IndicatorValue[]): Promise<number> {
    if (values.length === 0) return 0;
    const ids = values.map((v) => indicatorEntityId(v.indicator, v.scope, v.scopeId));
    const from = hourEnd - (FORECAST_HISTORY_HOURS - 1) * HOUR;
    const history = await sql.indicatorHistory(this.#deps.store, tenant, ids, this.#deps.terms.expand('value'), from, hourEnd + 1);
    const entities: Record<string, unknown>[] = [];
    for (const v of values) {
      const points = history.get(indicatorEntityId(v.indicator, v.scope, v.scopeId)) ?? [];
      if (points.length < MIN_FORECAST_POINTS) continue;
      const result = this.#forecastHourly(points, hourEnd);
      if (result) entities.push(forecastEntity(v.indicator, v.scope, v.scopeId, hourEnd, result));
    }
    const written = await writeEntities(this.#deps.hub, tenant, this.#deps.terms, entities);
    return written.written;
  }

  /** A regular hourly series from the first point to `hourEnd` (missing hours null), forecast 24 h ahead. */
  #forecastHourly(points: sql.HistoryPoint[], hourEnd: number): ForecastResult | undefined {
    const first = points[0]?.at as number;
    const n = Math.round((hourEnd - first) / HOUR) + 1;
    const timestamps = Array.from({ length: n }, (_, i) => first + i * HOUR);
    const values: (number | null)[] = new Array(n).fill(null);
    for (const p of points) {
      const i = Math.round((p.at - first) / HOUR);
      if (i >= 0 && i < n) values[i] = p.value;
    }
    try {
      // The weekly season only once two weeks of history exist.
      return this.#deps.functions.forecast({ timestamps, values, horizon: FORECAST_HORIZON, period: 24, ...(n >= 2 * 168 ? { periods: [24, 168] } : {}) });
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'a forecast failed; the indicator keeps its previous forecast');
      return undefined;
    }
  }

  /** Seeds the alarm rule on anomalous indicators once per city (through the alarms service, never its tables). */
  async #ensureAnomalyRule(tenant: string): Promise<void> {
    const alarms = this.#deps.alarms;
    if (!alarms || this.#rulesEnsured.has(tenant)) return;
    try {
      await alarms.getRule(tenant, ANOMALY_RULE_ID);
    } catch (error) {
      if ((error as AppError).code !== 'NOT_FOUND') throw error;
      try {
        await alarms.createRule(systemPrincipal(tenant, 'insight'), {
          id: ANOMALY_RULE_ID,
          name: { zh: '城市指标异常', en: 'City indicator anomaly' },
          entityType: INDICATOR_TYPE,
          condition: 'anomaly == true',
          alarmType: 'indicatorAnomaly',
          category: 'environment',
          severity: 'minor',
          description: {
            zh: '指标值超出此前预测的 95% 区间（连续两小时，或超出区间宽度 1.5 倍以上）',
            en: 'The value left the 95 % band of the forecast made before it (two hours running, or by more than 1.5 band widths)',
          },
        });
      } catch (createError) {
        // Another process seeded it meanwhile.
        if ((createError as AppError).code !== 'ALREADY_EXISTS') throw createError;
      }
    }
    this.#rulesEnsured.add(tenant);
  }

  /** The hours to compute at start or on a tick: after the last one done, at most `maxHours` back, up to `latestEnd`. */
  async dueHours(tenant: string, latestEnd: number, maxHours: number): Promise<number[]> {
    const last = await sql.lastDoneHour(this.#deps.store, tenant);
    const first = Math.max(last === undefined ? latestEnd : last + HOUR, latestEnd - (maxHours - 1) * HOUR);
    const out: number[] = [];
    for (let h = first; h <= latestEnd; h += HOUR) out.push(h);
    return out;
  }

  async runs(tenant: string): Promise<sql.RunRow[]> {
    return sql.recentRuns(this.#deps.store, tenant, 48);
  }

  // ---- reads -----------------------------------------------------------------------------------------------------

  catalogue(): { indicators: Array<Pick<IndicatorDefinition, 'id' | 'name' | 'definition' | 'unit' | 'scopes' | 'audiences'>> } {
    return { indicators: [...this.#catalog.values()] };
  }

  definition(id: string): IndicatorDefinition {
    const d = this.#catalog.get(id);
    if (!d) throw new AppError('NOT_FOUND', `No indicator "${id}"; GET /api/v1/insight/indicators lists them (${[...this.#catalog.keys()].join(', ')})`);
    return d;
  }

  /**
   * The series of one indicator and scope in [from, to), with its latest forecast: hourly up to 10 days, then in the
   * dashboards' steps (a month in 3-hour means), so a line chosen on a dashboard matches the ones it carried.
   */
  async series(tenant: string, id: string, scope: IndicatorScope, scopeId: string, period: { from: number; to: number }) {
    const d = this.definition(id);
    if (!d.scopes.includes(scope)) throw new AppError('BAD_REQUEST_DATA', `The indicator "${id}" has the scopes ${d.scopes.join(', ')}; scope "${scope}" is not one of them`);
    const entityId = indicatorEntityId(id, scope, scopeId);
    const [history, forecasts] = await Promise.all([
      sql.indicatorHistory(this.#deps.store, tenant, [entityId], this.#deps.terms.expand('value'), period.from + HOUR, period.to + HOUR, stepHours(period)),
      this.#deps.reader.queryEntities(this.#call(tenant), { ids: [forecastEntityId(id, scope, scopeId)], limit: 1, offset: 0, count: false }),
    ]);
    const forecast = forecasts.entities[0];
    return {
      indicator: id,
      scope,
      scopeId,
      unit: d.unit,
      from: iso(period.from),
      to: iso(period.to),
      stepHours: stepHours(period),
      points: (history.get(entityId) ?? []).map((p) => ({ at: iso(p.at), value: p.value })),
      ...(forecast ? { forecast: this.forecastView(forecast) } : {}),
    };
  }

  forecastView(entity: StoredEntity) {
    return {
      method: this.value(entity, 'method'),
      dateIssued: this.value(entity, 'dateIssued'),
      baselineMase: this.value(entity, 'baselineMase'),
      points: (this.value(entity, 'points') as unknown[]) ?? [],
    };
  }

  /** The latest value per scope id of an indicator (a map layer). */
  async latest(tenant: string, id: string, scope: IndicatorScope) {
    const d = this.definition(id);
    if (!d.scopes.includes(scope)) throw new AppError('BAD_REQUEST_DATA', `The indicator "${id}" has the scopes ${d.scopes.join(', ')}; scope "${scope}" is not one of them`);
    const entities = await this.#all(tenant, { type: INDICATOR_TYPE, q: `indicator==${JSON.stringify(id)};indicatorScope==${JSON.stringify(scope)}` });
    return { indicator: id, scope, unit: d.unit, values: entities.map((e) => this.latestView(e)) };
  }

  latestView(e: StoredEntity) {
    const value = this.attr(e, 'value');
    const out: Record<string, unknown> = {
      indicator: this.value(e, 'indicator'),
      scope: this.value(e, 'indicatorScope'),
      scopeId: this.value(e, 'scopeId'),
      value: value?.value,
      at: value?.observedAt,
      anomaly: this.value(e, 'anomaly') === true,
    };
    for (const name of ['district', 'level', 'primaryPollutant', 'expected', 'expectedLow', 'expectedHigh', 'anomalyScore', 'location', 'details', 'roadClass']) {
      const v = this.value(e, name);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }

  /** Anomalies in [from, to): the hours an indicator's `anomaly` was true, with the value and the band. */
  async anomalies(tenant: string, period: { from: number; to: number }) {
    const { terms } = this.#deps;
    const rows = await this.#deps.store.query<{ entity_id: string; at: string; attr: string; v: unknown }>(
      `SELECT a.entity_id, (date_part('epoch', a.observed_at) * 1000)::bigint::text AS at, s2.attr, coalesce(i2.content->'value', to_jsonb(i2.num)) AS v
       FROM (SELECT s.entity_id, i.observed_at FROM temporal_series s JOIN temporal_history i ON i.series = s.id
             WHERE s.tenant = $1 AND s.attr = $2 AND s.dataset_id = '' AND s.entity_id LIKE 'urn:ngsi-ld:CityIndicator:%'
               AND i.observed_at >= $3::timestamptz AND i.observed_at < $4::timestamptz AND i.content->'value' = 'true'::jsonb) a
       JOIN temporal_series s2 ON s2.tenant = $1 AND s2.entity_id = a.entity_id AND s2.attr = ANY($5::text[]) AND s2.dataset_id = ''
       JOIN temporal_history i2 ON i2.series = s2.id AND i2.observed_at = a.observed_at
       ORDER BY a.observed_at DESC LIMIT 5000`,
      [tenant, terms.expand('anomaly'), iso(period.from), iso(period.to), ['value', 'expected', 'expectedLow', 'expectedHigh', 'anomalyScore'].map((a) => terms.expand(a))],
    );
    const byKey = new Map<string, Record<string, unknown>>();
    for (const r of rows) {
      const key = `${r.entity_id}|${r.at}`;
      let a = byKey.get(key);
      if (!a) {
        const [, , indicator, scope, scopeId] = r.entity_id.split(':').slice(1);
        a = { indicator, scope, scopeId, at: iso(Number(r.at)), kind: 'outsideForecast' };
        byKey.set(key, a);
      }
      const name = terms.compact(r.attr);
      a[name === 'expectedLow' ? 'low' : name === 'expectedHigh' ? 'high' : name === 'anomalyScore' ? 'score' : name] = r.v;
    }
    return { from: iso(period.from), to: iso(period.to), anomalies: [...byKey.values()] };
  }

  /** POST /forecast: the forecast of a series a caller sends (validated first: what to fix is in the message). */
  forecast(body: ForecastRequest): ForecastResult {
    return this.#deps.functions.forecast(checkForecastInput(body));
  }

  async whatIf(input: WhatIfInput): Promise<unknown> {
    if (!this.#deps.whatIf) throw new AppError('SERVICE_UNAVAILABLE', 'What-if scenarios are not available in this build (the scenario runner is missing)');
    return this.#deps.whatIf(input);
  }

  // ---- published indicators ------------------------------------------------------------------------------------

  async publish(principal: Principal, rows: Array<{ indicator: string; period: string; value: number; unit: string; source: string }>) {
    const outcome = await this.#deps.store.transaction(async (tx) => {
      const result = await sql.upsertPublished(tx, principal.tenant, rows, principal.name ?? principal.id);
      await this.#deps.audit.record(tx, {
        tenant: principal.tenant,
        actor: principal,
        action: 'insight.publish',
        target: { type: 'PublishedIndicator', id: [...new Set(rows.map((r) => r.indicator))].slice(0, 20).join(',') },
        details: { rows: rows.length, ...result },
      });
      return result;
    });
    // After the commit: the city's cached dashboards showed the old figures, and the uploader expects the new ones.
    this.#forget(principal.tenant);
    return outcome;
  }

  async published(tenant: string, indicator?: string) {
    const rows = await sql.listPublished(this.#deps.store, tenant, indicator);
    return { indicators: rows.map((r) => ({ indicator: r.indicator, period: r.period, value: r.value, unit: r.unit, source: r.source, uploadedBy: r.uploaded_by, uploadedAt: new Date(r.uploaded_at).toISOString() })) };
  }

  // ---- dashboards ------------------------------------------------------------------------------------------------

  /** Drops a city's cached dashboards and latest views (new indicators or published figures). */
  #forget(tenant: string): void {
    this.#latest.delete(tenant);
    for (const key of this.#dashboards.keys()) if (key.startsWith(`${tenant}|`)) this.#dashboards.delete(key);
  }

  /** The latest views behind the dashboards, read through the hub at most every LATEST_TTL_MS (see there). */
  #latestViews(tenant: string) {
    const cached = this.#latest.get(tenant);
    if (cached && Date.now() - cached.at < LATEST_TTL_MS) return cached.views;
    const views = Promise.all([
      this.#all(tenant, { type: INDICATOR_TYPE, q: 'indicatorScope!="road"' }),
      this.#all(tenant, { type: INDICATOR_TYPE, q: 'indicator=="congestion";roadClass=="arterial"' }),
    ]).then(([latest, arterials]) => ({ latest: latest.map((e) => this.latestView(e)), arterials: arterials.map((e) => this.latestView(e)) }));
    this.#latest.set(tenant, { at: Date.now(), views });
    views.catch(() => this.#latest.delete(tenant));
    return views;
  }

  /**
   * A dashboard: answers computed in the last DASHBOARD_TTL_MS for the same city, dashboard and window are shared
   * (a wall screen and a room of officers ask for the same one; concurrent asks wait for one computation).
   */
  dashboard(tenant: string, name: DashboardName, period: { from: number; to: number }): Promise<DashboardPayload> {
    const key = `${tenant}|${name}|${period.from}|${period.to}`;
    const now = Date.now();
    const cached = this.#dashboards.get(key);
    if (cached && now - cached.at < DASHBOARD_TTL_MS) return cached.payload;
    if (this.#dashboards.size > 200) {
      for (const [k, v] of this.#dashboards) if (now - v.at >= DASHBOARD_TTL_MS) this.#dashboards.delete(k);
    }
    const payload = this.#buildDashboard(tenant, name, period);
    this.#dashboards.set(key, { at: now, payload });
    payload.catch(() => this.#dashboards.delete(key));
    return payload;
  }

  async #buildDashboard(tenant: string, name: DashboardName, period: { from: number; to: number }): Promise<DashboardPayload> {
    const context: DashboardContext = {
      tenant,
      period,
      store: this.#deps.store,
      terms: this.#deps.terms,
      catalog: this.#catalog,
      latest: async () => (await this.#latestViews(tenant)).latest,
      arterials: async () => (await this.#latestViews(tenant)).arterials,
      forecasts: (ids) => this.#deps.reader.queryEntities(this.#call(tenant), { ids, limit: 1000, offset: 0, count: false }).then((r) => r.entities),
      forecastView: (e) => this.forecastView(e),
    };
    return buildDashboard(name, context);
  }
}
