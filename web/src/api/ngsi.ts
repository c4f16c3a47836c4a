/**
 * The NGSI-LD context hub (ETSI GS CIM 009) as the portal reads it: entity types, entity
 * queries (with the `NGSILD-Results-Count` total), GeoJSON for maps, and single entities.
 * No `Link` header is sent, so the server applies the core @context and short type names work.
 */
import { apiFetch } from './client.ts';

export const NGSI_LD = '/ngsi-ld/v1';
/** The largest `limit` the hub accepts in one query. */
export const NGSI_MAX_LIMIT = 1000;

const JSON_ACCEPT = 'application/json';

/** One entry of `GET /types?details=true`. */
export interface EntityTypeInfo {
  id: string;
  type: 'EntityType';
  /** The short name under the core @context (or the full IRI when it has none). */
  typeName: string;
  attributeNames: string[];
}

/**
 * An attribute in normalized form. Which member carries the value depends on `type`:
 * Property → `value`, Relationship → `object`, GeoProperty → `value` (GeoJSON geometry),
 * LanguageProperty → `languageMap`, VocabProperty → `vocab`, ListProperty → `valueList`,
 * ListRelationship → `objectList`, JsonProperty → `json`. Any other member holding an
 * object with a `type` is a sub-attribute.
 */
export interface NgsiAttribute {
  type: string;
  value?: unknown;
  object?: unknown;
  languageMap?: Record<string, unknown>;
  vocab?: unknown;
  valueList?: unknown;
  objectList?: unknown;
  json?: unknown;
  observedAt?: string;
  unitCode?: string;
  datasetId?: string;
  createdAt?: string;
  modifiedAt?: string;
  [member: string]: unknown;
}

/** A normalized entity; every member besides the core ones is an attribute or an array of instances. */
export interface NgsiEntity {
  id: string;
  type: string | string[];
  scope?: string | string[];
  createdAt?: string;
  modifiedAt?: string;
  [member: string]: unknown;
}

export interface GeoFeature {
  type: 'Feature';
  id?: string;
  geometry: { type: string; coordinates?: unknown; geometries?: unknown } | null;
  properties: Record<string, unknown> | null;
}

export interface GeoFeatureCollection {
  type: 'FeatureCollection';
  features: GeoFeature[];
}

export interface EntityQuery {
  type: string;
  /** NGSI-LD query language, e.g. `temperature>20;status=="ok"`. */
  q?: string;
  idPattern?: string;
  limit?: number;
  offset?: number;
}

export interface EntityPage {
  entities: NgsiEntity[];
  /** From `NGSILD-Results-Count`; null when the server did not send it. */
  total: number | null;
}

function resultsCount(headers: Headers): number | null {
  const raw = headers.get('NGSILD-Results-Count');
  if (raw === null || raw.trim() === '') return null;
  const count = Number(raw);
  return Number.isFinite(count) && count >= 0 ? count : null;
}

function queryParams(query: EntityQuery): Record<string, string | number | undefined> {
  return { type: query.type, q: query.q?.trim() || undefined, idPattern: query.idPattern?.trim() || undefined };
}

export async function fetchEntityTypes(signal?: AbortSignal): Promise<EntityTypeInfo[]> {
  const { body } = await apiFetch<unknown>(`${NGSI_LD}/types`, { query: { details: 'true' }, accept: JSON_ACCEPT, signal });
  return Array.isArray(body) ? (body as EntityTypeInfo[]) : [];
}

/** How many entities match, without fetching any (`limit=0&count=true`). */
export async function countEntities(query: EntityQuery, signal?: AbortSignal): Promise<number | null> {
  const { headers } = await apiFetch<unknown>(`${NGSI_LD}/entities`, {
    query: { ...queryParams(query), limit: 0, count: 'true' },
    accept: JSON_ACCEPT,
    signal,
  });
  return resultsCount(headers);
}

/** One page of entities in normalized form, with the total. */
export async function queryEntities(query: EntityQuery, signal?: AbortSignal): Promise<EntityPage> {
  const { body, headers } = await apiFetch<unknown>(`${NGSI_LD}/entities`, {
    query: { ...queryParams(query), limit: query.limit ?? 20, offset: query.offset || undefined, count: 'true' },
    accept: JSON_ACCEPT,
    signal,
  });
  return { entities: Array.isArray(body) ? (body as NgsiEntity[]) : [], total: resultsCount(headers) };
}

/** The matching entities as a GeoJSON FeatureCollection (geometry from `location`), up to `limit`. */
export async function fetchEntitiesGeo(
  query: EntityQuery,
  signal?: AbortSignal,
): Promise<{ collection: GeoFeatureCollection; total: number | null }> {
  const { body, headers } = await apiFetch<GeoFeatureCollection>(`${NGSI_LD}/entities`, {
    query: { ...queryParams(query), limit: query.limit ?? NGSI_MAX_LIMIT, count: 'true' },
    accept: 'application/geo+json',
    signal,
  });
  const features = body && Array.isArray(body.features) ? body.features : [];
  return { collection: { type: 'FeatureCollection', features }, total: resultsCount(headers) };
}

/** One entity, normalized, with `createdAt`/`modifiedAt`. */
export async function fetchEntity(id: string, signal?: AbortSignal): Promise<NgsiEntity> {
  const { body } = await apiFetch<NgsiEntity>(`${NGSI_LD}/entities/${encodeURIComponent(id)}`, {
    query: { options: 'sysAttrs' },
    accept: JSON_ACCEPT,
    signal,
  });
  return body;
}

/** The request line a developer would send for the same view, for display. */
export function entitiesRequestPath(query: EntityQuery): string {
  const params = new URLSearchParams();
  const all = { ...queryParams(query), limit: query.limit, offset: query.offset || undefined };
  for (const [name, value] of Object.entries(all)) {
    if (value !== undefined) params.set(name, String(value));
  }
  return `${NGSI_LD}/entities?${params.toString()}`;
}
