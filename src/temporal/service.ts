/** The temporal history service: query and retrieve the temporal evolution of entities (clause 5.7.3–5.7.4) and provide or correct it (5.6.11–5.6.16). */
import { type EntityQuery, idPatternSql } from '../context/read.ts';
import { iso } from '../context/store.ts';
import { mergeInstance } from '../context/attribute-ops.ts';
import { checkEntityId, checkName, readEntity, readInstance } from '../context/entity-input.ts';
import type { TermMap } from '../context/ld/model.ts';
import { CONTENT_MEMBER, type StoredAttribute } from '../context/model.ts';
import { canCreate, canWrite, principalKey, readPolicySql, restrictedReadEvent } from '../context/policy.ts';
import { geoMatches, geoPrefilterSql, parseGeoQuery } from '../context/query/geo.ts';
import { SqlParams } from '../context/query/model.ts';
import { parseQ } from '../context/query/q.ts';
import { qToSql } from '../context/query/q-sql.ts';
import { parseScopeQ, scopeQToSql } from '../context/query/scope.ts';
import { parseTypeSelection, typeSelectionToSql } from '../context/query/type-selection.ts';
import type { Ownership } from '../context/service.ts';
import type { Principal } from '../platform/auth/model.ts';
import type { AuditEvent, AuditLog } from '../platform/audit/service.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { BatchWrite, Store } from '../platform/store/store.ts';
import {
  type Aggregation,
  addDuration,
  isHourAligned,
  isWholeHours,
  isZero,
  MAX_INSTANCES,
  MAX_PERIODS,
  ROLLUP_METHODS,
  type TimeRange,
} from './model.ts';
import { type PlainReadingMemo, plainReading } from './plain.ts';
import type { HistoryRecorder } from './recorder.ts';
import {
  INSTANCE_CONTENT_SQL,
  type InstanceRow,
  instanceRow,
  PlainHistory,
  rollupRows,
  type SeriesRow,
  seriesId,
  seriesRow,
  type TemporalEntityRow,
} from './rows.ts';
import {
  aggregateRaw,
  aggregateRollup,
  aggregateRollupText,
  type SeriesAggregateText,
  type Bucketing,
  deleteSeries,
  type InstanceRecord,
  instanceBound,
  type PeriodAggregate,
  readInstances,
  unpackInstance,
  readSeries,
  recomputeRollup,
  settleRollup,
  type StoredSeries,
  writeHistory,
} from './store.ts';

export interface TemporalCall {
  tenant: string;
  principal: Principal;
  terms: TermMap;
  requestId?: string;
}

/** Which entities (the selection of Query Entities, clause 5.7.2) and how many: the hub's query selection, without selectors. */
export type TemporalSelection = Omit<EntityQuery, 'selectors'>;

export interface TemporalAsk {
  range: TimeRange;
  lastN?: number;
  /** Set for options=aggregatedValues. */
  aggregation?: Aggregation;
}

/** A temporal entity as the policy and the output see it. */
export interface TemporalEntity {
  id: string;
  types: string[];
  scopes: string[];
  ownerDepartment: string | null;
  sharing: string;
  createdBy: string | null;
  createdAt: string;
  modifiedAt: string;
  deletedAt: string | null;
}

/** The history of one series in the answer: its instances, or its periods. */
export interface SeriesResult {
  series: StoredSeries;
  instances?: InstanceRecord[];
  periods?: Array<{ start: number; end: number; values: Partial<Record<string, number>> }>;
  /** The aggregated triples already as JSON text per method (`[v,"start","end"],…`; null: no period had a value), in place of `periods`. */
  aggregated?: Array<[string, string | null]>;
}

export interface TemporalResult {
  entity: TemporalEntity;
  series: SeriesResult[];
}

export interface TemporalAnswer {
  entities: TemporalResult[];
  count?: number;
  /** Set when instances were cut at MAX_INSTANCES per attribute: the time range the answer covers completely (206). */
  truncated?: { from: number; to: number };
  /** Whether the hourly rollup answered an aggregation (for metrics and tests). */
  usedRollup?: boolean;
}

export const MAX_ENTITY_LIMIT = 1000;
/** Geo-queries test geometries in TypeScript: at most this many candidates from the bounding-box prefilter. */
const MAX_GEO_CANDIDATES = 10_000;

interface EntityRowDb {
  id: string;
  types: string[];
  scopes: string[] | null;
  owner_department: string | null;
  sharing: string;
  created_by: string | null;
  created_at: Date | string;
  modified_at: Date | string;
  deleted_at: Date | string | null;
}


function entityOf(row: EntityRowDb): TemporalEntity {
  return {
    id: row.id,
    types: row.types,
    scopes: row.scopes ?? [],
    ownerDepartment: row.owner_department,
    sharing: row.sharing,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    modifiedAt: iso(row.modified_at),
    deletedAt: row.deleted_at === null ? null : iso(row.deleted_at),
  };
}

/** Temporal entities with the hub's current attributes and location box beside them (alias `e`), so the hub's q and geo SQL apply unchanged. */
const TEMPORAL_VIEW = `(SELECT te.tenant, te.id, te.types, te.scopes, te.owner_department, te.sharing, te.created_by, te.created_at, te.modified_at,
    te.deleted_at, ne.attrs, nl.location
  FROM temporal_entities te
  LEFT JOIN ngsi_entities ne ON ne.tenant = te.tenant AND ne.id = te.id
  LEFT JOIN ngsi_entity_locations nl ON nl.tenant = te.tenant AND nl.id = te.id) e`;
const ENTITY_COLUMNS = 'e.id, e.types, e.scopes, e.owner_department, e.sharing, e.created_by, e.created_at, e.modified_at, e.deleted_at';

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no temporal history of entity ${id} in this city (or you may not see it)`);
}

const HOUR = 3_600_000;

export class TemporalService {
  constructor(
    private readonly deps: {
      store: Store;
      audit: AuditLog;
      recorder: HistoryRecorder;
      /** Who may own a new temporal entity (the hub's rule). */
      ownership: (call: TemporalCall, asked: Ownership) => Promise<{ ownerDepartment: string | null; sharing: 'open' | 'on_request' | 'not_shared' }>;
    },
  ) {}

  // ---- consumption ----

  /** Query Temporal Evolution of Entities (5.7.4): a page of entities in id order, each with its history in the range. */
  async query(call: TemporalCall, selection: TemporalSelection, ask: TemporalAsk): Promise<TemporalAnswer> {
    if (selection.limit > MAX_ENTITY_LIMIT) {
      throw new AppError('TOO_MANY_RESULTS', `limit may be at most ${MAX_ENTITY_LIMIT}; page through the results with offset`);
    }
    const attrIris = selection.attrs?.map((a) => call.terms.expand(checkName(a, 'An attribute name in "attrs"')));
    const { entities, count } = await this.selectEntities(call, selection, attrIris);
    const answer = await this.history(call, entities, attrIris, ask);
    if (count !== undefined) answer.count = count;
    await this.auditRestricted(call, entities, 'temporal.query');
    return answer;
  }

  /** Retrieve Temporal Evolution of an Entity (5.7.3). */
  async retrieve(call: TemporalCall, id: string, attrs: string[] | undefined, ask: TemporalAsk): Promise<TemporalAnswer> {
    checkEntityId(id);
    const entity = await this.visibleEntity(call, id);
    if (!entity) throw notFound(id);
    const attrIris = attrs?.map((a) => call.terms.expand(checkName(a, 'An attribute name in "attrs"')));
    const answer = await this.history(call, [entity], attrIris, ask);
    if (attrs && answer.entities[0]?.series.length === 0) {
      const known = await readSeries(this.deps.store, call.tenant, [id], attrIris);
      if (known.length === 0) throw new AppError('NOT_FOUND', `Entity ${id} has no history of any of the attributes ${attrs.join(', ')}`);
    }
    await this.auditRestricted(call, [entity], 'temporal.read');
    return answer;
  }

  private async visibleEntity(call: TemporalCall, id: string): Promise<TemporalEntity | undefined> {
    const params = new SqlParams([call.tenant, id]);
    const policy = readPolicySql(call.principal, params);
    const rows = await this.deps.store.query<EntityRowDb>(
      `SELECT ${ENTITY_COLUMNS} FROM temporal_entities e WHERE e.tenant = $1 AND e.id = $2${policy ? ` AND ${policy}` : ''}`,
      params.values,
    );
    return rows[0] ? entityOf(rows[0]) : undefined;
  }

  private async selectEntities(call: TemporalCall, selection: TemporalSelection, attrIris: string[] | undefined): Promise<{ entities: TemporalEntity[]; count?: number }> {
    const params = new SqlParams([call.tenant]);
    const conditions = ['e.tenant = $1'];
    const policy = readPolicySql(call.principal, params);
    if (policy) conditions.push(policy);
    if (selection.type !== undefined) conditions.push(typeSelectionToSql(parseTypeSelection(selection.type), call.terms, params));
    if (selection.ids !== undefined) {
      for (const id of selection.ids) checkEntityId(id, 'An id in "id"');
      conditions.push(`e.id = ANY(${params.add(selection.ids)}::text[])`);
    }
    if (selection.idPattern !== undefined) conditions.push(idPatternSql(selection.idPattern, params));
    if (attrIris) {
      conditions.push(`EXISTS (SELECT 1 FROM temporal_series s WHERE s.tenant = e.tenant AND s.entity_id = e.id AND s.attr = ANY(${params.add(attrIris)}::text[]))`);
    }
    if (selection.q !== undefined) conditions.push(qToSql(parseQ(selection.q), call.terms, params));
    if (selection.scopeQ !== undefined) conditions.push(scopeQToSql(parseScopeQ(selection.scopeQ), params));
    const geo = selection.geo ? parseGeoQuery(selection.geo, call.terms) : undefined;
    const store = this.deps.store;
    if (geo) {
      const prefilter = geoPrefilterSql(geo, params);
      if (prefilter) conditions.push(prefilter);
      const geoIri = params.add(geo.geoproperty);
      const rows = await store.query<EntityRowDb & { g: StoredAttribute[] | null }>(
        `SELECT ${ENTITY_COLUMNS}, e.attrs->${geoIri} AS g FROM ${TEMPORAL_VIEW} WHERE ${conditions.join(' AND ')} ORDER BY e.id LIMIT ${MAX_GEO_CANDIDATES + 1}`,
        params.values,
      );
      if (rows.length > MAX_GEO_CANDIDATES) {
        throw new AppError('TOO_MANY_RESULTS', `The geo-query matches more than ${MAX_GEO_CANDIDATES} entities with history; narrow it with type, a smaller area or q`);
      }
      const matched = rows.filter((r) => {
        const instance = r.g?.find((a) => a.datasetId === undefined) ?? r.g?.[0];
        return instance?.type === 'GeoProperty' && geoMatches(geo, instance.value as never);
      });
      const page = matched.slice(selection.offset, selection.offset + selection.limit).map(entityOf);
      return selection.count ? { entities: page, count: matched.length } : { entities: page };
    }
    const where = conditions.join(' AND ');
    const pageParams = new SqlParams(params.values);
    const rows =
      selection.limit === 0
        ? []
        : await store.query<EntityRowDb>(
            `SELECT ${ENTITY_COLUMNS} FROM ${TEMPORAL_VIEW} WHERE ${where} ORDER BY e.id LIMIT ${pageParams.add(selection.limit)} OFFSET ${pageParams.add(selection.offset)}`,
            pageParams.values,
          );
    const entities = rows.map(entityOf);
    if (!selection.count) return { entities };
    const counted = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TEMPORAL_VIEW} WHERE ${where}`, params.values);
    return { entities, count: counted[0]?.n ?? 0 };
  }

  /** The history of `entities` in the asked range and form. */
  private async history(_call: TemporalCall, entities: TemporalEntity[], attrIris: string[] | undefined, ask: TemporalAsk): Promise<TemporalAnswer> {
    const store = this.deps.store;
    const series = await readSeries(
      store,
      _call.tenant,
      entities.map((e) => e.id),
      attrIris,
    );
    const ids = series.map((s) => s.id);
    const results = new Map<string, SeriesResult>(series.map((s) => [s.id, { series: s }]));
    const answer: TemporalAnswer = { entities: [] };
    if (ask.aggregation) {
      const { aggregates, texts, bucketing, range, usedRollup } = await this.aggregate(ids, ask);
      answer.usedRollup = usedRollup;
      for (const t of texts) {
        const result = results.get(t.series);
        if (result) result.aggregated = t.methods;
      }
      for (const a of aggregates) {
        const result = results.get(a.series);
        if (!result || a.bucket < 0) continue;
        const period = periodOf(bucketing, range, a.bucket);
        if (!period) continue;
        result.periods ??= [];
        result.periods.push({ ...period, values: methodValues(a, ask.aggregation.methods) });
      }
      if (ask.lastN !== undefined) for (const r of results.values()) if (r.periods) r.periods = r.periods.slice(-ask.lastN);
    } else {
      const last = ask.lastN !== undefined;
      const limit = last ? (ask.lastN as number) : MAX_INSTANCES + 1;
      const rows = await readInstances(store, ids, ask.range, limit, last);
      for (const row of rows) {
        const result = results.get(row.series);
        if (!result) continue;
        result.instances ??= [];
        result.instances.push(row);
      }
      if (!last) {
        // Cut every series at the earliest time any series had to be cut: the answer is then complete up to that time.
        let cutAt: number | undefined;
        for (const r of results.values()) {
          if ((r.instances?.length ?? 0) > MAX_INSTANCES) {
            const at = Number((r.instances as InstanceRecord[])[MAX_INSTANCES]?.at);
            cutAt = cutAt === undefined ? at : Math.min(cutAt, at);
          }
        }
        if (cutAt !== undefined) {
          for (const r of results.values()) if (r.instances) r.instances = r.instances.filter((i) => Number(i.at) < (cutAt as number));
          answer.truncated = { from: ask.range.timerel === 'before' ? 0 : ask.range.timeAt, to: cutAt };
        }
      }
    }
    const bySeries = new Map<string, SeriesResult[]>();
    for (const r of results.values()) {
      if (!r.instances?.length && !r.periods?.length && r.aggregated === undefined) continue;
      const list = bySeries.get(r.series.entity_id) ?? [];
      list.push(r);
      bySeries.set(r.series.entity_id, list);
    }
    answer.entities = entities.map((entity) => ({ entity, series: bySeries.get(entity.id) ?? [] }));
    return answer;
  }

  /** Aggregates per series and period, from the hourly rollup when it gives the same answer, else from raw instances. */
  private async aggregate(ids: string[], ask: TemporalAsk) {
    const aggregation = ask.aggregation as Aggregation;
    const range = { ...ask.range };
    const store = this.deps.store;
    const period = aggregation.period;
    let start: number | undefined = range.timerel === 'before' ? undefined : range.timeAt;
    let end: number | undefined = range.timerel === 'between' ? range.endTimeAt : range.timerel === 'before' ? range.timeAt : undefined;
    if (start === undefined) start = await instanceBound(store, ids, range, 'min');
    const empty = { aggregates: [] as PeriodAggregate[], texts: [], bucketing: { kind: 'single' } as Bucketing, range: { start: 0, end: 0 }, usedRollup: false };
    if (start === undefined) return empty;
    let bucketing: Bucketing;
    if (isZero(period)) {
      end ??= Date.now();
      bucketing = { kind: 'single' };
    } else if (period.months === 0) {
      const periods = end === undefined ? 0 : Math.ceil((end - start) / period.millis);
      if (periods > MAX_PERIODS) throw tooManyPeriods(periods, period.text);
      bucketing = { kind: 'fixed', start, millis: period.millis };
    } else {
      end ??= Math.max(Date.now(), ((await instanceBound(store, ids, range, 'max')) ?? start) + 1);
      const bounds = [start];
      while ((bounds[bounds.length - 1] as number) < end) {
        if (bounds.length > MAX_PERIODS) throw tooManyPeriods(bounds.length, period.text);
        bounds.push(addDuration(start, period, bounds.length));
      }
      bucketing = { kind: 'bounds', bounds };
    }
    const rollup =
      range.timeproperty === 'observedAt' &&
      range.timerel !== 'before' &&
      aggregation.methods.every((m) => ROLLUP_METHODS.has(m)) &&
      isHourAligned(start) &&
      (end === undefined || range.timerel !== 'between' || isHourAligned(end)) &&
      (isWholeHours(period) || (isZero(period) && range.timerel !== 'after'));
    const bounds = { start, end: end ?? Number.POSITIVE_INFINITY };
    // The rollup holds every reading committed before this settle (the last second's are still pending until then).
    if (rollup) await settleRollup(store);
    if (rollup && bucketing.kind === 'fixed' && range.timerel === 'between' && end !== undefined && ask.lastN === undefined) {
      // The common dashboard ask (hourly or daily values over a closed range): the triples are spliced from PostgreSQL's text.
      const periodTexts: string[] = [];
      for (let k = 0; k < Math.ceil((end - start) / bucketing.millis); k++) {
        const period = periodOf(bucketing, bounds, k) as { start: number; end: number };
        periodTexts.push(`"${new Date(period.start).toISOString()}","${new Date(period.end).toISOString()}"`);
      }
      const texts = await aggregateRollupText(store, ids, { ...range, endTimeAt: end }, bucketing, aggregation.methods, periodTexts);
      return { aggregates: [] as PeriodAggregate[], texts, bucketing, range: bounds, usedRollup: true };
    }
    const aggregates = rollup
      ? await aggregateRollup(store, ids, range, bucketing, aggregation.methods)
      : await aggregateRaw(store, ids, range, bucketing, aggregation.methods.includes('distinctCount'));
    return { aggregates, texts: [] as SeriesAggregateText[], bucketing, range: bounds, usedRollup: rollup };
  }

  private async auditRestricted(call: TemporalCall, entities: readonly TemporalEntity[], action: string): Promise<void> {
    const event = restrictedReadEvent(call, entities, action);
    if (event) await this.deps.audit.record(this.deps.store, event);
  }

  // ---- provision (clause 5.6.11–5.6.16) ----

  private async writableEntity(call: TemporalCall, id: string): Promise<TemporalEntity> {
    checkEntityId(id);
    const entity = await this.visibleEntity(call, id);
    if (!entity) throw notFound(id);
    if (!canWrite(call.principal, entity)) {
      throw new AppError('FORBIDDEN', `Entity ${id} belongs to department "${entity.ownerDepartment ?? 'none'}"; only that department, its creator or the operations centre may change its history`);
    }
    return entity;
  }

  private audit(call: TemporalCall, action: string, id: string, details: Record<string, unknown>): AuditEvent {
    return { tenant: call.tenant, actor: call.principal, action, target: { type: 'entity', id }, requestId: call.requestId, details };
  }

  /** The audit record of a write as part of the write's own statement. */
  private auditWrite(call: TemporalCall, action: string, id: string, details: Record<string, unknown>): BatchWrite {
    return { sql: (param) => this.deps.audit.insertSql(param as string), params: [JSON.stringify(this.deps.audit.rows(this.audit(call, action, id, details)))] };
  }

  /**
   * Reads the attributes of a temporal body — each an instance or an array of instances (normalized temporal
   * representation, clause 4.5.7) — into the rows of the write. Plain readings (plainReading) go straight into packs
   * (rows.ts PlainHistory) without an instance object each: a city importing its archive sends almost nothing else.
   * Every other instance is read in full (readInstance).
   */
  private historyOf(call: TemporalCall, entityId: string, body: Record<string, unknown>, now: string) {
    const series = new Map<string, SeriesRow>();
    const plain = new PlainHistory();
    const rows: InstanceRow[] = [];
    const reading: PlainReadingMemo = { times: new Map(), commons: new Map(), at: 0, common: null };
    let count = 0;
    for (const [name, raw] of Object.entries(body)) {
      if (['id', '@id', 'type', '@type', '@context', 'scope', 'createdAt', 'modifiedAt', 'deletedAt'].includes(name)) continue;
      checkName(name, 'An attribute name');
      const attr = call.terms.expand(name);
      const list = Array.isArray(raw) ? raw : [raw];
      if (list.length === 0) throw new AppError('BAD_REQUEST_DATA', `Attribute "${name}" has no instances; give an array of instances, e.g. [{"type": "Property", "value": 21, "observedAt": "2026-01-01T00:00:00Z"}]`);
      if (list.length > 10_000) throw new AppError('BAD_REQUEST_DATA', `Attribute "${name}" has more than 10,000 instances; send them in several requests`);
      let plainSeries: string | undefined;
      for (const item of list) {
        if (typeof item === 'object' && item !== null && ('values' in item || 'objects' in item)) {
          throw new AppError('BAD_REQUEST_DATA', `Attribute "${name}" uses the simplified temporal representation; send instances in the normalized form, e.g. {"type": "Property", "value": 21, "observedAt": "…"}`);
        }
        count++;
        if (plainReading(item, reading)) {
          if (plainSeries === undefined) {
            plainSeries = seriesId(call.tenant, entityId, attr, '');
            series.set(plainSeries, { id: plainSeries, tenant: call.tenant, entity_id: entityId, attr, dataset_id: '', kind: 'Property' });
          }
          const r = item as { value: number | string | boolean; observedAt: string };
          plain.add(plainSeries, reading.common, reading.at, r.observedAt, r.value);
          continue;
        }
        const instance = readInstance(name, item, { terms: call.terms, now }, 0);
        const s = seriesRow(call.tenant, entityId, attr, instance);
        series.set(s.id, s);
        rows.push(instanceRow(s.id, instance, now));
      }
    }
    const packed = plain.finish(now);
    return { count, series: [...series.values()], instances: [...rows, ...packed.rows], packs: packed.packs, rollup: [...rollupRows(rows), ...packed.rollup] };
  }

  /** Upsert Temporal Representation of an Entity (5.6.11): creates it (true) or adds the instances (false). */
  async upsert(call: TemporalCall, body: unknown, asked: Ownership): Promise<boolean> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError('BAD_REQUEST_DATA', 'The body must be a temporal entity: {"id", "type", "<attribute>": [instances…]}');
    }
    const record = body as Record<string, unknown>;
    const now = new Date().toISOString();
    const head = readEntity({ id: record.id ?? record['@id'], type: record.type ?? record['@type'], ...(record.scope !== undefined ? { scope: record.scope } : {}) }, { terms: call.terms, now });
    const rows = this.historyOf(call, head.id, record, now);
    const existing = await this.visibleEntity(call, head.id);
    let entityRow: TemporalEntityRow;
    if (existing) {
      if (!canWrite(call.principal, existing)) {
        throw new AppError('FORBIDDEN', `Entity ${head.id} belongs to department "${existing.ownerDepartment ?? 'none'}"; only that department, its creator or the operations centre may add to its history`);
      }
      entityRow = {
        tenant: call.tenant,
        id: head.id,
        types: [...new Set([...existing.types, ...head.types])],
        scopes: head.scopes ?? existing.scopes,
        owner_department: existing.ownerDepartment,
        sharing: existing.sharing,
        created_by: existing.createdBy,
        created_at: existing.createdAt,
        modified_at: now,
        deleted_at: existing.deletedAt,
      };
    } else {
      if (!canCreate(call.principal)) throw new AppError('FORBIDDEN', 'Your role may not create entities in the context hub');
      const owner = await this.deps.ownership(call, asked);
      entityRow = {
        tenant: call.tenant,
        id: head.id,
        types: head.types,
        scopes: head.scopes ?? [],
        owner_department: owner.ownerDepartment,
        sharing: owner.sharing,
        created_by: principalKey(call.principal),
        created_at: now,
        modified_at: now,
        deleted_at: null,
      };
    }
    await writeHistory(this.deps.store, { entities: [entityRow], ...rows }, [
      this.auditWrite(call, existing ? 'temporal.append' : 'temporal.create', head.id, { instances: rows.count }),
    ]);
    this.deps.recorder.forget(call.tenant, head.id);
    return !existing;
  }

  /** Append Attribute instances to a temporal entity (5.6.12). */
  async append(call: TemporalCall, id: string, body: unknown): Promise<void> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError('BAD_REQUEST_DATA', 'The body must be a JSON object of attributes, each an array of instances');
    }
    await this.writableEntity(call, id);
    const now = new Date().toISOString();
    const rows = this.historyOf(call, id, body as Record<string, unknown>, now);
    if (rows.count === 0) throw new AppError('BAD_REQUEST_DATA', 'The body has no attribute instances to add');
    // One statement: the history, the entity's modifiedAt and the audit record commit together, in one round trip.
    await writeHistory(this.deps.store, { entities: [], ...rows }, [
      {
        sql: (tenant, entity, at) => `UPDATE temporal_entities SET modified_at = ${at}::timestamptz WHERE tenant = ${tenant} AND id = ${entity}`,
        params: [call.tenant, id, now],
      },
      this.auditWrite(call, 'temporal.append', id, { instances: rows.count }),
    ]);
  }

  /** Delete Temporal Representation of an Entity (5.6.16): its whole history (the entity in the hub stays). */
  async delete(call: TemporalCall, id: string): Promise<void> {
    await this.writableEntity(call, id);
    const series = await readSeries(this.deps.store, call.tenant, [id], undefined);
    await this.deps.store.transaction(async (tx) => {
      await deleteSeries(
        tx,
        series.map((s) => s.id),
      );
      await tx.query('DELETE FROM temporal_entities WHERE tenant = $1 AND id = $2', [call.tenant, id]);
      await this.deps.audit.record(tx, this.audit(call, 'temporal.delete', id, { series: series.length }));
    });
    this.deps.recorder.forget(call.tenant, id);
  }

  /** Delete Attribute from a temporal entity (5.6.13): the default instance's history, one datasetId's, or all. */
  async deleteAttribute(call: TemporalCall, id: string, attrId: string, selector: { datasetId?: string; deleteAll?: boolean }): Promise<void> {
    await this.writableEntity(call, id);
    const attr = call.terms.expand(checkName(attrId, 'The attribute name in the URL'));
    const all = await readSeries(this.deps.store, call.tenant, [id], [attr]);
    const chosen = selector.deleteAll ? all : all.filter((s) => s.dataset_id === (selector.datasetId ?? ''));
    if (chosen.length === 0) {
      throw new AppError('NOT_FOUND', `Entity ${id} has no history of attribute "${attrId}"${selector.datasetId ? ` with datasetId ${selector.datasetId}` : ''}`);
    }
    await this.deps.store.transaction(async (tx) => {
      await deleteSeries(
        tx,
        chosen.map((s) => s.id),
      );
      await this.deps.audit.record(tx, this.audit(call, 'temporal.deleteAttr', id, { attr, series: chosen.length }));
    });
    this.deps.recorder.forget(call.tenant, id);
  }

  /** The instance `instanceId` of an attribute of an entity, locked for the caller's transaction. */
  private async findInstance(q: Store | Parameters<Parameters<Store['transaction']>[0]>[0], call: TemporalCall, id: string, attr: string, instanceId: string) {
    const uuid = /^urn:ngsi-ld:Instance:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(instanceId)?.[1];
    if (!uuid) return undefined;
    // A packed instance becomes a row first (with the rest of its pack), so what follows changes a row.
    await unpackInstance(q, { tenant: call.tenant, entityId: id, attr }, uuid.toLowerCase());
    const rows = await q.query<InstanceRecord & { dataset_id: string; num: number | null }>(
      `SELECT i.series, i.observed_at, i.instance_id, i.kind, ${INSTANCE_CONTENT_SQL('i')} AS content, i.created_at, i.modified_at, s.dataset_id
       FROM temporal_series s JOIN temporal_instances i ON i.series = s.id
       WHERE s.tenant = $1 AND s.entity_id = $2 AND s.attr = $3 AND i.instance_id = $4::uuid FOR UPDATE OF i`,
      [call.tenant, id, attr, uuid.toLowerCase()],
    );
    return rows[0];
  }

  /** Modify Attribute instance (5.6.14): the members given replace the instance's; it keeps its instanceId. */
  async patchInstance(call: TemporalCall, id: string, attrId: string, instanceId: string, body: unknown): Promise<void> {
    await this.writableEntity(call, id);
    const attr = call.terms.expand(checkName(attrId, 'The attribute name in the URL'));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError('BAD_REQUEST_DATA', `The body must be a fragment such as {"${attrId}": [{"value": 22, "observedAt": "…"}]}`);
    }
    const record = body as Record<string, unknown>;
    // The body is an entity fragment naming the attribute (clause 5.6.14); the bare instance is accepted too.
    let raw: unknown = record[attrId] ?? Object.entries(record).find(([k]) => k !== '@context' && call.terms.expand(k) === attr)?.[1] ?? record;
    if (Array.isArray(raw)) {
      if (raw.length !== 1) throw new AppError('BAD_REQUEST_DATA', 'Give exactly one instance: the new content of the instance named in the URL');
      raw = raw[0];
    }
    if (typeof raw !== 'object' || raw === null) throw new AppError('BAD_REQUEST_DATA', 'The instance must be a JSON object, e.g. {"value": 22}');
    const now = new Date().toISOString();
    await this.deps.store.transaction(async (tx) => {
      const row = await this.findInstance(tx, call, id, attr, instanceId);
      if (!row) throw new AppError('NOT_FOUND', `Attribute "${attrId}" of entity ${id} has no instance ${instanceId}`);
      const old: StoredAttribute = {
        type: row.kind as StoredAttribute['type'],
        ...(row.content as Partial<StoredAttribute>),
        createdAt: iso(row.created_at),
        modifiedAt: iso(row.modified_at),
      };
      const given = { ...(raw as Record<string, unknown>) };
      const explicit = new Set(Object.keys(given));
      const member = CONTENT_MEMBER[old.type];
      if (given[member] === undefined && (given.type === undefined || given.type === old.type)) given[member] = old[member as keyof StoredAttribute];
      const patch = readInstance(attrId, { type: old.type, ...given }, { terms: call.terms, now }, 0);
      const merged = mergeInstance(old, patch, explicit);
      const next = instanceRow(row.series, { ...merged, datasetId: row.dataset_id || undefined }, iso(row.created_at), row.instance_id);
      // Without a new observedAt the instance keeps its place in time.
      if (merged.observedAt === undefined) next.observed_at = iso(row.observed_at);
      await tx.query(
        `UPDATE temporal_instances SET observed_at = $3, kind = $4, num = $5, content = $6, modified_at = $7 WHERE series = $1 AND instance_id = $2`,
        [row.series, row.instance_id, next.observed_at, next.kind, next.num, next.content === null ? null : JSON.stringify(next.content), now],
      );
      await recomputeRollup(tx, [
        { series: row.series, hour: hourOf(iso(row.observed_at)) },
        { series: row.series, hour: hourOf(next.observed_at) },
      ]);
      await this.deps.audit.record(tx, this.audit(call, 'temporal.patchInstance', id, { attr, instanceId }));
    });
  }

  /** Delete Attribute instance (5.6.15). */
  async deleteInstance(call: TemporalCall, id: string, attrId: string, instanceId: string): Promise<void> {
    await this.writableEntity(call, id);
    const attr = call.terms.expand(checkName(attrId, 'The attribute name in the URL'));
    await this.deps.store.transaction(async (tx) => {
      const row = await this.findInstance(tx, call, id, attr, instanceId);
      if (!row) throw new AppError('NOT_FOUND', `Attribute "${attrId}" of entity ${id} has no instance ${instanceId}`);
      await tx.query('DELETE FROM temporal_instances WHERE series = $1 AND instance_id = $2', [row.series, row.instance_id]);
      await recomputeRollup(tx, [{ series: row.series, hour: hourOf(iso(row.observed_at)) }]);
      await this.deps.audit.record(tx, this.audit(call, 'temporal.deleteInstance', id, { attr, instanceId }));
    });
  }
}

function hourOf(at: string): string {
  return new Date(Math.floor(Date.parse(at) / HOUR) * HOUR).toISOString();
}

function tooManyPeriods(periods: number, duration: string): AppError {
  return new AppError(
    'BAD_REQUEST_DATA',
    `aggrPeriodDuration=${duration} makes ${periods} periods; at most ${MAX_PERIODS} are allowed: choose a longer period or a shorter time range`,
  );
}

/** The period of bucket `k`: [start, end), its end clipped to the range. */
function periodOf(bucketing: Bucketing, range: { start: number; end: number }, k: number): { start: number; end: number } | undefined {
  if (bucketing.kind === 'single') return { start: range.start, end: range.end };
  if (bucketing.kind === 'fixed') {
    const start = bucketing.start + k * bucketing.millis;
    return { start, end: Math.min(start + bucketing.millis, range.end) };
  }
  const start = bucketing.bounds[k];
  const end = bucketing.bounds[k + 1];
  return start === undefined || end === undefined ? undefined : { start, end: Math.min(end, range.end) };
}

/** The values of the asked methods for one period; numeric methods only where the period holds numbers. */
function methodValues(a: PeriodAggregate, methods: readonly string[]): Partial<Record<string, number>> {
  const out: Partial<Record<string, number>> = {};
  const n = Number(a.n);
  for (const m of methods) {
    if (m === 'totalCount') out[m] = Number(a.total);
    else if (m === 'distinctCount') out[m] = Number(a.distinct ?? 0);
    else if (n === 0) continue;
    else if (m === 'sum') out[m] = Number(a.sum);
    else if (m === 'avg') out[m] = Number(a.sum) / n;
    else if (m === 'min') out[m] = Number(a.min);
    else if (m === 'max') out[m] = Number(a.max);
    else if (m === 'sumsq') out[m] = Number(a.sumsq);
    else if (m === 'stddev') {
      const mean = Number(a.sum) / n;
      out[m] = Math.sqrt(Math.max(0, Number(a.sumsq) / n - mean * mean));
    }
  }
  return out;
}
