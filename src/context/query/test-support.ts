/** Test support for the query languages: a term expander, hand-made entities, and a real store holding them. */
import { migrate } from '../../platform/store/migrate.ts';
import type { Store } from '../../platform/store/store.ts';
import { openTestStore, type TestStore } from '../../platform/store/testing.ts';
import { type AttributeKind, CONTENT_MEMBER, LOCATION, NGSI_LD, type StoredAttribute, type StoredAttributes } from '../model.ts';
import { contextMigration } from '../schema.ts';
import { SqlParams, type TermExpander } from './model.ts';

/** The vocabulary of the test @context: every plain term expands under it. */
export const VOCAB = 'https://example.org/vocab/';

const CORE = new Set(['location', 'observationSpace', 'operationSpace', 'observedAt', 'createdAt', 'modifiedAt', 'unitCode', 'datasetId']);

/** A term expander like a request's @context: core terms to the NGSI-LD namespace, IRIs as they are, the rest under VOCAB. */
export const testTerms: TermExpander = {
  expand(term: string): string {
    if (CORE.has(term)) return `${NGSI_LD}${term}`;
    if (/^[a-z][a-z0-9+.-]*:/i.test(term)) return term;
    return `${VOCAB}${term}`;
  },
};

const STAMP = '2024-01-01T00:00:00.000Z';

/**
 * One stored attribute instance of `kind` with `content` in its content member, plus any extra members.
 * @example instance('Property', 21, { observedAt: '2024-01-01T00:00:00.000Z' })
 */
export function instance(kind: AttributeKind, content: unknown, extra: Partial<StoredAttribute> = {}): StoredAttribute {
  return { type: kind, [CONTENT_MEMBER[kind]]: content, createdAt: STAMP, modifiedAt: STAMP, ...extra } as StoredAttribute;
}

/** A hand-made entity row; attribute names are expanded with testTerms. */
export interface TestEntity {
  id: string;
  types?: string[];
  scopes?: string[];
  /** Attribute name → one instance or several. */
  attrs?: Record<string, StoredAttribute | StoredAttribute[]>;
  /** Raw stored attributes, for shapes the hub would never write (keys used as they are). */
  rawAttrs?: Record<string, unknown>;
}

function bbox(coordinates: unknown): [number, number, number, number] | undefined {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (node: unknown): void => {
    if (!Array.isArray(node)) return;
    if (typeof node[0] === 'number' && typeof node[1] === 'number') {
      box[0] = Math.min(box[0], node[0]);
      box[1] = Math.min(box[1], node[1]);
      box[2] = Math.max(box[2], node[0]);
      box[3] = Math.max(box[3], node[1]);
      return;
    }
    for (const child of node) visit(child);
  };
  visit(coordinates);
  return Number.isFinite(box[0]) ? box : undefined;
}

function row(entity: TestEntity) {
  const attrs: StoredAttributes = {};
  for (const [name, value] of Object.entries(entity.attrs ?? {})) {
    attrs[testTerms.expand(name)] = Array.isArray(value) ? value : [value];
  }
  const all = { ...attrs, ...(entity.rawAttrs ?? {}) } as Record<string, unknown>;
  const location = (all[LOCATION] as StoredAttribute[] | undefined)?.[0];
  const box = location?.type === 'GeoProperty' ? bbox((location.value as { coordinates?: unknown })?.coordinates) : undefined;
  return {
    tenant: 'test',
    id: entity.id,
    types: (entity.types ?? ['Thing']).map((t) => testTerms.expand(t)),
    scopes: entity.scopes ?? [],
    attrs: JSON.stringify(all),
    location: box ? `(${box[2]},${box[3]}),(${box[0]},${box[1]})` : null,
  };
}

export interface QueryStore {
  store: Store;
  /** The ids (sorted) of the tenant's entities for which `where` holds; `where` is built with `params`. */
  ids(build: (params: SqlParams) => string): Promise<string[]>;
  dispose(): Promise<void>;
}

/**
 * A real store (PGlite, or PostgreSQL when DATABASE_URL is set) with the hub's table and `entities` in it.
 * @example const db = await openQueryStore([{ id: 'urn:a', attrs: { speed: instance('Property', 80) } }])
 */
export async function openQueryStore(entities: TestEntity[]): Promise<QueryStore> {
  const handle: TestStore = await openTestStore();
  const store = handle.store;
  await migrate(store, [contextMigration]);
  for (const entity of entities) {
    const r = row(entity);
    await store.query(
      `INSERT INTO ngsi_entities (tenant, id, types, scopes, created_at, modified_at, attrs, location)
       VALUES ($1, $2, $3, $4, now(), now(), $5::jsonb, $6::box)`,
      [r.tenant, r.id, r.types, r.scopes, r.attrs, r.location],
    );
  }
  return {
    store,
    async ids(build) {
      const params = new SqlParams(['test']);
      const where = build(params);
      const rows = await store.query<{ id: string }>(`SELECT e.id FROM ngsi_entities e WHERE e.tenant = $1 AND ${where} ORDER BY e.id`, params.values);
      return rows.map((r) => r.id);
    },
    dispose: () => handle.dispose(),
  };
}
