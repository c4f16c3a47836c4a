/** Reading the hub: retrieve one entity, query entities (clause 5.7), and discover types and attributes (5.7.5–5.7.10). */
import type { Principal } from '../platform/auth/model.ts';
import type { AuditLog } from '../platform/audit/service.ts';
import { AppError } from '../platform/errors/app-error.ts';
import { PLAN_ONCE, type Queryable, type Store } from '../platform/store/store.ts';
import { checkEntityId, checkName } from './entity-input.ts';
import type { TermMap } from './ld/model.ts';
import type { StoredAttribute, StoredEntity } from './model.ts';
import { readPolicySql, restrictedReadEvent } from './policy.ts';
import { type GeoQuery, geoMatches, geoPrefilterIsTight, geoPrefilterParts, parseGeoQuery } from './query/geo.ts';
import { SqlParams } from './query/model.ts';
import { parseQ } from './query/q.ts';
import { qToSql } from './query/q-sql.ts';
import { regexProblem } from './query/regex.ts';
import { parseScopeQ, scopeQToSql } from './query/scope.ts';
import { parseTypeSelection, typeSelectionToSql } from './query/type-selection.ts';
import { ENTITY_COLUMNS, type EntityRow, entityFromRow } from './store.ts';

export interface ReadCall {
  tenant: string;
  principal: Principal;
  terms: TermMap;
  requestId?: string;
}

export interface GeoQueryInput {
  georel?: string;
  geometry?: string;
  coordinates?: unknown;
  geoproperty?: string;
}

/** The selection part of a query (GET /entities parameters or the POST /entityOperations/query body). */
export interface EntityQuery {
  ids?: string[];
  idPattern?: string;
  /** Entity type selection (clause 4.17 grammar). */
  type?: string;
  /** Attribute names: entities having at least one of them. */
  attrs?: string[];
  q?: string;
  scopeQ?: string;
  geo?: GeoQueryInput;
  /** POST /entityOperations/query: entities matching any of these selectors (each an AND of its members). */
  selectors?: Array<{ type?: string; id?: string; idPattern?: string }>;
  /** Entities whose id sorts after this one: keyset paging for the platform's own scans (OFFSET grows quadratic over a city). */
  after?: string;
  limit: number;
  offset: number;
  count: boolean;
}

export interface QueryResult {
  entities: StoredEntity[];
  /** Set when `count` was asked: how many entities match in all. */
  count?: number;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 1000;
/** The start of a geo-query's candidate subquery (read.ts `where`): ids and boxes from the location index. */
const CANDIDATES = '(SELECT e.id, e.location FROM ngsi_entity_locations e WHERE e.tenant = $1 AND ';
const GEO_CHUNK = 1000;

/**
 * The SQL of an `idPattern` on `e.id`, validated with the same safe regular-expression subset as `~=` in q (both
 * engines agree, bounded cost). Ids compare bytewise (COLLATE "C", migration 0021); the pattern keeps the database's
 * character classes, so `\w` still matches a Chinese id.
 */
export function idPatternSql(pattern: string, params: SqlParams): string {
  const problem = regexProblem(pattern);
  if (problem) throw new AppError('BAD_REQUEST_DATA', `idPattern is not usable at character ${problem.index + 1}: ${problem.message}`);
  return `e.id COLLATE "default" ~ ${params.add(pattern)}`;
}

export class EntityReader {
  constructor(private readonly deps: { store: Store; audit: AuditLog }) {}

  /** Audits reads of entities that are not open (who saw which restricted data). */
  private async auditRestricted(call: ReadCall, entities: readonly StoredEntity[], action: string): Promise<void> {
    const event = restrictedReadEvent(call, entities, action);
    if (event) await this.deps.audit.record(this.deps.store, event);
  }

  /** Retrieve Entity (5.7.1); undefined when it does not exist or the caller may not see it. */
  async getEntity(call: ReadCall, id: string): Promise<StoredEntity | undefined> {
    checkEntityId(id);
    const params = new SqlParams([call.tenant, id]);
    const policy = readPolicySql(call.principal, params);
    const rows = await this.deps.store.query<EntityRow>(
      `SELECT ${ENTITY_COLUMNS} FROM ngsi_entities e WHERE e.tenant = $1 AND e.id = $2${policy ? ` AND ${policy}` : ''}`,
      params.values,
    );
    const entity = rows[0] ? entityFromRow(rows[0]) : undefined;
    if (entity) await this.auditRestricted(call, [entity], 'entity.read');
    return entity;
  }

  /** The WHERE clause of a query, and the geo-query whose exact test runs after SQL. */
  private where(call: ReadCall, query: EntityQuery, params: SqlParams): { from: string; sql: string; geo: GeoQuery | undefined } {
    const terms = call.terms;
    const conditions = ['e.tenant = $1'];
    const policy = readPolicySql(call.principal, params);
    if (policy) conditions.push(policy);
    if (query.type !== undefined) conditions.push(typeSelectionToSql(parseTypeSelection(query.type), terms, params));
    if (query.ids !== undefined) {
      for (const id of query.ids) checkEntityId(id, 'An id in "id"');
      conditions.push(`e.id = ANY(${params.add(query.ids)}::text[])`);
    }
    if (query.idPattern !== undefined) conditions.push(idPatternSql(query.idPattern, params));
    if (query.after !== undefined) conditions.push(`e.id > ${params.add(query.after)}`);
    if (query.attrs !== undefined && query.attrs.length > 0) {
      const iris = query.attrs.map((a) => terms.expand(checkName(a, 'An attribute name in "attrs"')));
      conditions.push(`e.attr_names && ${params.add(iris)}::text[]`);
    }
    if (query.selectors !== undefined) {
      const alternatives = query.selectors.map((sel) => {
        const parts: string[] = [];
        if (sel.type !== undefined) parts.push(typeSelectionToSql(parseTypeSelection(sel.type), terms, params));
        if (sel.id !== undefined) parts.push(`e.id = ${params.add(checkEntityId(sel.id, 'An entity selector id'))}`);
        if (sel.idPattern !== undefined) parts.push(idPatternSql(sel.idPattern, params));
        return parts.length > 0 ? `(${parts.join(' AND ')})` : 'TRUE';
      });
      conditions.push(`(${alternatives.join(' OR ')})`);
    }
    if (query.q !== undefined) conditions.push(qToSql(parseQ(query.q), terms, params));
    if (query.scopeQ !== undefined) conditions.push(scopeQToSql(parseScopeQ(query.scopeQ), params));
    const geo = query.geo ? parseGeoQuery(query.geo, terms) : undefined;
    let from = 'ngsi_entities e';
    if (geo) {
      const prefilter = geoPrefilterParts(geo, params, 'c.location');
      if (prefilter) {
        // The planner gives any box overlap a fixed 0.5% selectivity and, with ORDER BY id LIMIT,
        // prefers walking the primary key and testing each row. The bounding box is what narrows a
        // geo-query, so it is planned on its own (OFFSET 0 keeps the subquery from being merged).
        // Candidates come from the covering index of the narrow location table (index-only), in id order;
        // only as many wide entity rows are opened as the page needs.
        // The circle of a `near` refines the candidates as the page walks them (a filter above the sort), not in the index scan.
        from = `${CANDIDATES}${prefilter.index} ORDER BY e.id OFFSET 0) c
          JOIN ngsi_entities e ON e.tenant = $1 AND e.id = c.id`;
        if (prefilter.refine) conditions.push(prefilter.refine);
      } else {
        conditions.push(`e.attrs ? ${params.add(geo.geoproperty)}`);
      }
    }
    return { from, sql: conditions.join(' AND '), geo };
  }

  /** Query Entities (5.7.2): one page in id order, and the total when asked. */
  async queryEntities(call: ReadCall, query: EntityQuery): Promise<QueryResult> {
    if (query.limit > MAX_LIMIT) {
      throw new AppError('TOO_MANY_RESULTS', `limit may be at most ${MAX_LIMIT}; page through the results with offset`);
    }
    const params = new SqlParams([call.tenant]);
    const { from, sql, geo } = this.where(call, query, params);
    const store = this.deps.store;
    let result: QueryResult;
    if (!geo) {
      const pageParams = new SqlParams(params.values);
      const page =
        query.limit === 0
          ? []
          : await store.query<EntityRow>(
              `SELECT ${ENTITY_COLUMNS} FROM ${from} WHERE ${sql} ORDER BY e.id LIMIT ${pageParams.add(query.limit)} OFFSET ${pageParams.add(query.offset)}`,
              pageParams.values,
            );
      result = { entities: page.map(entityFromRow) };
      if (query.count) {
        const rows = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from} WHERE ${sql}`, params.values);
        result.count = rows[0]?.n ?? 0;
      }
    } else {
      result = await this.queryWithExactGeo(store, from, sql, params, geo, query);
    }
    await this.auditRestricted(call, result.entities, 'entity.query');
    return result;
  }

  /**
   * Geo-queries: SQL narrows by bounding box, the exact test runs here on the geometries, chunk by
   * chunk in id order, until the page is full (or, with count, to the end).
   */
  private async queryWithExactGeo(store: Queryable, from: string, sql: string, params: SqlParams, geo: GeoQuery, query: EntityQuery): Promise<QueryResult> {
    const wanted = query.offset + query.limit;
    const matches = (attrs: StoredAttribute[] | null | undefined) => {
      const instance = attrs?.find((a) => a.datasetId === undefined) ?? attrs?.[0];
      return instance?.type === 'GeoProperty' && geoMatches(geo, instance.value as never);
    };
    // Candidates from the fenced location subquery (OFFSET 0), walked in id order against the primary key:
    // that plan holds whatever the box and values, so PostgreSQL plans it once per connection.
    const planOnce = from.startsWith(CANDIDATES) ? PLAN_ONCE : '';
    if (!query.count) {
      // Whole rows, a chunk a bit larger than the page: usually one statement fills it. With a box-only
      // prefilter the points near the corners of a `near` box fail the exact test (about a fifth of them);
      // with the circle only the 2 % ring of its margin does (under one row of a page of 20: three spare rows
      // leave about 1 % of pages to a second statement). Every row costs: PostgreSQL writes its attrs as text,
      // about 30 µs a row here, more than the rest of the page's plan.
      const tight = geoPrefilterIsTight(geo);
      const chunk = Math.min(GEO_CHUNK, Math.ceil(wanted * (tight ? 1.05 : 1.5)) + (tight ? 3 : 5));
      const page: StoredEntity[] = [];
      let seen = 0;
      let after: string | undefined;
      while (page.length < query.limit) {
        const chunkParams = new SqlParams(params.values);
        const cursor = after === undefined ? '' : ` AND e.id > ${chunkParams.add(after)}`;
        const rows = await store.query<EntityRow>(
          `${planOnce}SELECT ${ENTITY_COLUMNS} FROM ${from} WHERE ${sql}${cursor} ORDER BY e.id LIMIT ${chunk}`,
          chunkParams.values,
        );
        for (const row of rows) {
          if (!matches(row.attrs[geo.geoproperty]) || seen++ < query.offset) continue;
          if (page.length < query.limit) page.push(entityFromRow(row));
        }
        if (rows.length < chunk) break;
        after = rows[rows.length - 1]?.id;
      }
      return { entities: page };
    }
    // Counting: only ids and geometries travel, to the end; then the page's rows.
    const matched: string[] = [];
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const chunkParams = new SqlParams(params.values);
      const geoIri = chunkParams.add(geo.geoproperty);
      const cursor = after === undefined ? '' : ` AND e.id > ${chunkParams.add(after)}`;
      const rows = await store.query<{ id: string; g: StoredAttribute[] | null }>(
        `SELECT e.id, e.attrs->${geoIri} AS g FROM ${from} WHERE ${sql}${cursor} ORDER BY e.id LIMIT ${GEO_CHUNK}`,
        chunkParams.values,
      );
      for (const row of rows) {
        if (!matches(row.g)) continue;
        total++;
        if (matched.length < wanted) matched.push(row.id);
      }
      if (rows.length < GEO_CHUNK) break;
      after = rows[rows.length - 1]?.id;
    }
    const pageIds = matched.slice(query.offset, wanted);
    let entities: StoredEntity[] = [];
    if (pageIds.length > 0) {
      const rows = await store.query<EntityRow>(
        `SELECT ${ENTITY_COLUMNS} FROM ngsi_entities e WHERE e.tenant = $1 AND e.id = ANY($2::text[]) ORDER BY e.id`,
        [params.values[0], pageIds],
      );
      entities = rows.map(entityFromRow);
    }
    return { entities, count: total };
  }

  /**
   * The (type, attribute, kind) rows of the catalogue that some entity the caller may see still
   * confirms (the catalogue only grows; each row is checked through the GIN indexes, stopping at the first match).
   */
  private async confirmedCatalog(call: ReadCall, filter: { type?: string; attr?: string }) {
    const params = new SqlParams([call.tenant]);
    const policy = readPolicySql(call.principal, params);
    const conditions = ['c.tenant = $1'];
    if (filter.type !== undefined) conditions.push(`c.type = ${params.add(filter.type)}`);
    if (filter.attr !== undefined) conditions.push(`c.attr = ${params.add(filter.attr)}`);
    return this.deps.store.query<{ type: string; attr: string; kind: string }>(
      `SELECT c.type, c.attr, c.kind FROM ngsi_type_attributes c
       WHERE ${conditions.join(' AND ')} AND EXISTS (
         SELECT 1 FROM ngsi_entities e
         WHERE e.tenant = $1 AND e.types @> ARRAY[c.type] AND (c.attr = '' OR e.attr_names @> ARRAY[c.attr])${policy ? ` AND ${policy}` : ''})
       ORDER BY c.type, c.attr, c.kind`,
      params.values,
    );
  }

  /** How many visible entities have each of `values` in `column` (types or attr_names), through its GIN index. */
  private async countBy(call: ReadCall, column: 'types' | 'attr_names', values: string[]): Promise<Map<string, number>> {
    if (values.length === 0) return new Map();
    const params = new SqlParams([call.tenant, values]);
    const policy = readPolicySql(call.principal, params);
    const rows = await this.deps.store.query<{ value: string; n: number }>(
      `SELECT v.value, (SELECT count(*) FROM ngsi_entities e WHERE e.tenant = $1 AND e.${column} @> ARRAY[v.value]${policy ? ` AND ${policy}` : ''})::int AS n
       FROM unnest($2::text[]) AS v(value)`,
      params.values,
    );
    return new Map(rows.map((r) => [r.value, r.n]));
  }

  /** Entity types (5.7.5/5.7.6) with their attributes and counts, as the caller may see them. */
  async typeSummary(call: ReadCall, typeIri?: string): Promise<Array<{ type: string; count: number; attributes: Array<{ iri: string; kinds: string[] }> }>> {
    const rows = await this.confirmedCatalog(call, typeIri === undefined ? {} : { type: typeIri });
    const byType = new Map<string, Map<string, Set<string>>>();
    for (const r of rows) {
      const attrs = byType.get(r.type) ?? new Map<string, Set<string>>();
      byType.set(r.type, attrs);
      if (r.attr === '') continue;
      const kinds = attrs.get(r.attr) ?? new Set<string>();
      kinds.add(r.kind);
      attrs.set(r.attr, kinds);
    }
    const counts = await this.countBy(call, 'types', [...byType.keys()]);
    return [...byType]
      .map(([type, attrs]) => ({
        type,
        count: counts.get(type) ?? 0,
        attributes: [...attrs].map(([iri, kinds]) => ({ iri, kinds: [...kinds].sort() })),
      }))
      .filter((t) => t.count > 0);
  }

  /** Attributes (5.7.8–5.7.10): each attribute with how many entities have it, its kinds and the types that have it. */
  async attributeSummary(call: ReadCall, attrIri?: string): Promise<Array<{ iri: string; count: number; kinds: string[]; types: string[] }>> {
    const rows = await this.confirmedCatalog(call, attrIri === undefined ? {} : { attr: attrIri });
    const byAttr = new Map<string, { kinds: Set<string>; types: Set<string> }>();
    for (const r of rows) {
      if (r.attr === '') continue;
      const entry = byAttr.get(r.attr) ?? { kinds: new Set<string>(), types: new Set<string>() };
      entry.kinds.add(r.kind);
      entry.types.add(r.type);
      byAttr.set(r.attr, entry);
    }
    const counts = await this.countBy(call, 'attr_names', [...byAttr.keys()]);
    return [...byAttr]
      .map(([iri, e]) => ({ iri, count: counts.get(iri) ?? 0, kinds: [...e.kinds].sort(), types: [...e.types].sort() }))
      .filter((a) => a.count > 0);
  }
}
