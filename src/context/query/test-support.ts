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

/** Entities with every attribute kind and awkward shapes: what the q tests (SQL and in-memory) run against. */
export const car1: TestEntity = {
  id: 'urn:car:1',
  types: ['Car'],
  attrs: {
    speed: instance('Property', 80, { observedAt: '2024-01-10T08:00:00.000Z', unitCode: 'KMH' }),
    brandName: instance('Property', 'Mercedes'),
    isParked: instance('Relationship', 'urn:ngsi-ld:OffStreetParking:Downtown1', {
      sub: { [`${VOCAB}providedBy`]: instance('Relationship', 'urn:ngsi-ld:Person:Bob') },
    }),
    temperature: [instance('Property', 20), instance('Property', 35, { datasetId: 'urn:ngsi-ld:dataset:raw' })],
    address: instance('Property', { city: 'Berlin', street: 'Ulrich Strasse' }),
    label: instance('LanguageProperty', { en: 'red car', zh: '红色汽车' }),
    category: instance('VocabProperty', `${VOCAB}Sedan`),
    tags: instance('ListProperty', ['fast', 'blue']),
    rpm: instance('Property', 2000),
  },
};
export const car2: TestEntity = {
  id: 'urn:car:2',
  types: ['Car'],
  attrs: {
    speed: instance('Property', 40),
    brandName: instance('Property', 'BMW'),
    isParked: instance('Relationship', ['urn:ngsi-ld:OffStreetParking:A', 'urn:ngsi-ld:OffStreetParking:B']),
    temperature: instance('Property', 25),
    address: instance('Property', { city: 'Munich' }),
    label: instance('LanguageProperty', { en: ['blue car', 'cobalt'], fr: 'voiture bleue' }),
    category: instance('VocabProperty', [`${VOCAB}Hatchback`, `${VOCAB}Electric`]),
    tags: instance('ListProperty', ['slow']),
    rpm: instance('Property', 3500),
    isNew: instance('Property', true),
  },
};
/** Values of other JSON types than the queries below use. */
export const car3: TestEntity = {
  id: 'urn:car:3',
  types: ['Car'],
  attrs: {
    speed: instance('Property', '90'),
    brandName: instance('Property', 5),
    temperature: instance('Property', null),
    address: instance('Property', 'Berlin'),
    label: instance('Property', 'red car'),
    rpm: instance('Property', [1, 'a', null, {}]),
  },
};
export const sensor1: TestEntity = {
  id: 'urn:sensor:1',
  types: ['Sensor'],
  attrs: {
    sensor: instance('Property', 40, {
      sub: { [`${VOCAB}rawdata`]: instance('Property', { airquality: { particulate: 40, PM20: 85 } }) },
    }),
    dateObserved: instance('Property', '2024-03-01T12:00:00Z'),
    dateTyped: instance('Property', { '@type': 'DateTime', '@value': '2024-03-01T12:00:00.500Z' }),
    opening: instance('Property', '08:30:00'),
    birthday: instance('Property', '2020-02-29'),
    temperature: instance('Property', 22, { observedAt: '2024-03-01T12:00:00.000Z' }),
  },
};
export const sensor2: TestEntity = {
  id: 'urn:sensor:2',
  types: ['Sensor'],
  attrs: {
    parkingTickets: instance('JsonProperty', { id: '85a6cc52', value: 'Overstay 60 minutes' }),
    rpm: instance('Property', 3500),
    speed: instance('Property', 30),
    dateObserved: instance('Property', '2024-03-01T12:00:00.250Z'),
    temperature: instance('Property', 18, { observedAt: '2023-12-31T23:59:59.999Z' }),
  },
};
export const person1: TestEntity = {
  id: 'urn:person:1',
  types: ['Person'],
  attrs: {
    gender: instance('VocabProperty', `${VOCAB}Male`),
    friends: instance('ListRelationship', ['urn:ngsi-ld:Person:2', 'urn:ngsi-ld:Person:3']),
    capacity: instance('Property', 5),
  },
};
export const person2: TestEntity = {
  id: 'urn:person:2',
  types: ['Person'],
  attrs: {
    gender: instance('VocabProperty', `${VOCAB}Female`),
    friends: instance('ListRelationship', ['urn:ngsi-ld:Person:4']),
    capacity: instance('Property', 12),
  },
};
/** Shapes the hub never writes: every query must still run without a database error. */
export const weird: TestEntity = {
  id: 'urn:weird:1',
  rawAttrs: {
    [`${VOCAB}speed`]: [{ type: 'Property', value: { nested: true } }],
    [`${VOCAB}brandName`]: [{ type: 'Property' }],
    [`${VOCAB}temperature`]: [{ type: 'Property', value: 'garbage-date', observedAt: 'yesterday' }],
    [`${VOCAB}isParked`]: [{ type: 'Relationship', object: 42 }],
    [`${VOCAB}label`]: [{ type: 'LanguageProperty', languageMap: 'not a map' }],
    [`${VOCAB}tags`]: [{ type: 'ListProperty', valueList: 'not a list' }],
    [`${VOCAB}capacity`]: 'not an array',
    [`${VOCAB}rpm`]: [null, 5, 'x'],
    [`${VOCAB}dateObserved`]: [{ type: 'Property', value: '2024-3-1T12:00:00Z' }],
    [`${VOCAB}opening`]: [{ type: 'Property', value: ['08:00:00', { at: 1 }] }],
    [`${VOCAB}gender`]: [{ type: 'VocabProperty', vocab: { '@id': 'x' } }],
  },
};
export const empty: TestEntity = { id: 'urn:empty:1' };
export const building: TestEntity = {
  id: 'urn:building:1',
  types: ['Building'],
  attrs: { capacity: instance('Property', 100), name: instance('Property', 'Tower') },
};

export const Q_ENTITIES = [car1, car2, car3, sensor1, sensor2, person1, person2, weird, empty, building];
