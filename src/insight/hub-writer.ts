/**
 * `CityIndicator` and `IndicatorForecast` entities (CONTRACT.md "Entities"), written to the hub in batches. The value's
 * `observedAt` is the end of the hour it covers, so the temporal store keeps the indicator's history; an entity the
 * hub already has gets only its hourly attributes (its name and definition are not re-recorded every hour).
 */
import type { TermMap } from '../context/ld/model.ts';
import type { ContextHub } from '../context/service.ts';
import { systemPrincipal } from '../platform/auth/model.ts';
import type { ForecastResult, IndicatorDefinition, IndicatorScope, IndicatorValue } from './model.ts';

export const INDICATOR_TYPE = 'CityIndicator';
export const FORECAST_TYPE = 'IndicatorForecast';
/** Entities per hub batch (the hub takes up to 10,000; smaller batches keep one statement's parameters moderate). */
const BATCH = 2000;

export const indicatorEntityId = (indicator: string, scope: IndicatorScope | string, scopeId: string) => `urn:ngsi-ld:${INDICATOR_TYPE}:${indicator}:${scope}:${scopeId}`;
export const forecastEntityId = (indicator: string, scope: IndicatorScope | string, scopeId: string) => `urn:ngsi-ld:${FORECAST_TYPE}:${indicator}:${scope}:${scopeId}`;

/** The forecast's 95 % band for one hour, and whether the value fell outside it. */
export interface Assessment {
  expected: number;
  low: number;
  high: number;
  anomaly: boolean;
  score: number;
  /** Why it is an anomaly, for a person (from the detector). */
  reason?: { zh: string; en: string };
}

const prop = (value: unknown, extra: Record<string, unknown> = {}) => ({ type: 'Property', value, ...extra });
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The CityIndicator entity of a value. `full`: with its descriptive attributes (a new entity). `scope` is a reserved
 * NGSI-LD member, so the scope is `indicatorScope` and also the entity's NGSI-LD scope `/<scope>/<scopeId>` (scopeQ).
 */
export function indicatorEntity(
  v: IndicatorValue,
  definition: IndicatorDefinition | undefined,
  assessment: Assessment | undefined,
  full: boolean,
  assessed = true,
): Record<string, unknown> {
  const observedAt = iso(v.at);
  const entity: Record<string, unknown> = {
    id: indicatorEntityId(v.indicator, v.scope, v.scopeId),
    type: INDICATOR_TYPE,
    scope: [`/${v.scope}/${v.scopeId}`],
    value: prop(v.value, { observedAt, ...(definition?.unit ? { unitCode: definition.unit } : {}) }),
  };
  // Only forecast scopes (city, district) are assessed: thousands of road and station entities carry no anomaly
  // attributes, so each of their hours adds one history row (the value), not three.
  if (assessed) {
    entity.anomaly = prop(assessment?.anomaly ?? false, { observedAt });
    entity.anomalyScore = prop(assessment?.score ?? 0, { observedAt });
  }
  if (assessment) {
    entity.expected = prop(assessment.expected, { observedAt });
    entity.expectedLow = prop(assessment.low, { observedAt });
    entity.expectedHigh = prop(assessment.high, { observedAt });
  }
  if (assessment?.reason) {
    entity.anomalyReason = prop(assessment.reason.zh, { observedAt });
    entity.anomalyReasonEn = prop(assessment.reason.en, { observedAt });
  }
  if (v.level !== undefined) entity.level = prop(v.level, { observedAt });
  if (v.indicator === 'aqi') entity.primaryPollutant = prop(v.primaryPollutant?.length ? v.primaryPollutant : ['none'], { observedAt });
  // Road details (name, class) do not change: written with the entity, not every hour.
  if (v.details && Object.keys(v.details).length > 0 && (full || v.scope !== 'road')) entity.details = { type: 'JsonProperty', json: v.details };
  if (full) {
    entity.indicator = prop(v.indicator);
    entity.indicatorScope = prop(v.scope);
    entity.scopeId = prop(v.scopeId);
    if (v.district) entity.district = prop(v.district);
    if (definition) {
      entity.name = prop(definition.name.zh);
      entity.nameEn = prop(definition.name.en);
      entity.definition = prop(definition.definition.zh);
      entity.definitionEn = prop(definition.definition.en);
    }
    const roadClass = v.details?.roadClass;
    if (typeof roadClass === 'string') entity.roadClass = prop(roadClass);
    if (v.location) entity.location = { type: 'GeoProperty', value: v.location };
  }
  return entity;
}

/** The IndicatorForecast entity (after FIWARE AirQualityForecast) of one indicator series. */
export function forecastEntity(indicator: string, scope: IndicatorScope, scopeId: string, issuedAt: number, result: ForecastResult): Record<string, unknown> {
  const points = result.points.map((p) => ({
    at: iso(p.at),
    value: round(p.value),
    low80: round(p.lower['80'] ?? p.value),
    high80: round(p.upper['80'] ?? p.value),
    low95: round(p.lower['95'] ?? p.value),
    high95: round(p.upper['95'] ?? p.value),
  }));
  return {
    id: forecastEntityId(indicator, scope, scopeId),
    type: FORECAST_TYPE,
    refIndicator: { type: 'Relationship', object: indicatorEntityId(indicator, scope, scopeId) },
    indicator: prop(indicator),
    indicatorScope: prop(scope),
    scopeId: prop(scopeId),
    method: prop(result.method),
    dateIssued: prop(iso(issuedAt)),
    validFrom: prop(points[0]?.at ?? iso(issuedAt)),
    validTo: prop(points[points.length - 1]?.at ?? iso(issuedAt)),
    // A JSON value: a list of objects kept as one document (not expanded as properties).
    points: { type: 'JsonProperty', json: points },
    baselineMase: prop(Number.isFinite(result.insample.mase) ? round(result.insample.mase) : null),
  };
}

function round(v: number): number {
  return Number(v.toFixed(4));
}

/** Writes entities in batches through the hub (as the `insight` system principal); returns how many the hub refused. */
export async function writeEntities(hub: Pick<ContextHub, 'batchUpsert'>, tenant: string, terms: TermMap, entities: Record<string, unknown>[]): Promise<{ written: number; refused: Array<{ id: string; error: unknown }> }> {
  const call = { tenant, principal: systemPrincipal(tenant, 'insight'), terms };
  let written = 0;
  const refused: Array<{ id: string; error: unknown }> = [];
  for (let i = 0; i < entities.length; i += BATCH) {
    const chunk = entities.slice(i, i + BATCH);
    // 'update': attributes not sent (name, definition, location) stay as they are.
    const outcomes = await hub.batchUpsert(call, chunk, 'update', { sharing: 'open' });
    outcomes.forEach((o, j) => {
      if (o.ok) written++;
      else refused.push({ id: String(chunk[j]?.id), error: o.error });
    });
  }
  return { written, refused };
}
