/**
 * The one matcher of changes against subscriptions — NGSI-LD subscriptions (HTTP, MQTT), in-process subscribers
 * and the live stream all use it: which triggers a change fires, and whether the entity is selected by the
 * subscription's entities, q, scopeQ and geoQ, and readable by its owner.
 */
import type { StoredAttribute, StoredEntity } from '../context/model.ts';
import { canRead } from '../context/policy.ts';
import { sameJson } from '../context/same-json.ts';
import { type GeoQuery, geoMatches, parseGeoQuery } from '../context/query/geo.ts';
import type { TermExpander } from '../context/query/model.ts';
import { parseQ } from '../context/query/q.ts';
import { type AttrsTest, compileQ, matchesScopeQ, matchesTypeSelection } from '../context/query/q-eval.ts';
import { parseScopeQ, type ScopeQuery } from '../context/query/scope.ts';
import { parseTypeSelection, type TypeSelection } from '../context/query/type-selection.ts';
import type { EntityChange } from '../context/write-batch.ts';
import type { Principal } from '../platform/auth/model.ts';
import { DEFAULT_TRIGGERS, type EntitySelector, type GeoQueryBody, type Trigger } from './model.ts';

/** What a filter is made from (a subscription, or an in-process / live subscriber's wishes). */
export interface FilterSpec {
  entities?: EntitySelector[];
  /** Expanded attribute IRIs. */
  watchedAttributes?: string[];
  notificationTrigger?: readonly Trigger[];
  q?: string;
  scopeQ?: string;
  geoQ?: GeoQueryBody;
}

export interface CompiledFilter {
  selectors: Array<{ id?: string; idPattern?: RegExp; type: TypeSelection }> | undefined;
  watched: ReadonlySet<string> | undefined;
  triggers: ReadonlySet<Trigger>;
  q: AttrsTest | undefined;
  scope: ScopeQuery | undefined;
  geo: GeoQuery | undefined;
  terms: TermExpander;
  /** Whose read policy applies. */
  principal: Principal;
}

/**
 * Compiles a filter; throws the same 400s as the query endpoint for a bad q, scopeQ, geoQ or type.
 * @example compileFilter({ entities: [{ type: 'Sensor' }], q: 'temperature>30' }, terms, principal)
 */
export function compileFilter(spec: FilterSpec, terms: TermExpander, principal: Principal): CompiledFilter {
  return {
    selectors: spec.entities?.map((s) => ({
      ...(s.id !== undefined ? { id: s.id } : {}),
      ...(s.idPattern !== undefined ? { idPattern: new RegExp(s.idPattern) } : {}),
      type: parseTypeSelection(s.type),
    })),
    watched: spec.watchedAttributes ? new Set(spec.watchedAttributes) : undefined,
    triggers: new Set(spec.notificationTrigger ?? DEFAULT_TRIGGERS),
    q: spec.q !== undefined ? compileQ(parseQ(spec.q), terms) : undefined,
    scope: spec.scopeQ !== undefined ? parseScopeQ(spec.scopeQ) : undefined,
    geo: spec.geoQ ? parseGeoQuery(spec.geoQ, terms) : undefined,
    terms,
    principal,
  };
}

/** A change that a filter selects. */
export interface Match {
  /** The triggers the change fired that the filter listens to, in TRIGGERS order. */
  triggers: Trigger[];
  /** The entity as it is now (for a deletion: as it was). */
  entity: StoredEntity;
  before: StoredEntity | undefined;
  deleted: boolean;
  /** Attributes (IRIs) the change deleted, among the watched ones. */
  deletedAttributes: string[];
}

function sameInstances(a: StoredAttribute[] | undefined, b: StoredAttribute[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return sameJson(a, b);
}

/** Per change, whether each attribute kept its instances: every subscription hears the same change, compared once. */
const unchangedByChange = new WeakMap<EntityChange, Map<string, boolean>>();

function attributeUnchanged(change: EntityChange, before: StoredEntity, after: StoredEntity, iri: string): boolean {
  let known = unchangedByChange.get(change);
  if (!known) {
    known = new Map();
    unchangedByChange.set(change, known);
  }
  let same = known.get(iri);
  if (same === undefined) {
    same = sameInstances(before.attrs[iri], after.attrs[iri]);
    known.set(iri, same);
  }
  return same;
}

/** The triggers a change fires, considering only `watched` attributes when given. */
export function firedTriggers(change: EntityChange, watched: ReadonlySet<string> | undefined): { fired: Set<Trigger>; deletedAttributes: string[] } {
  const fired = new Set<Trigger>();
  const deletedAttributes: string[] = [];
  const { before, after } = change;
  const counts = (iri: string) => watched === undefined || watched.has(iri);
  if (!before && after) {
    fired.add('entityCreated');
    if (Object.keys(after.attrs).some(counts)) fired.add('attributeCreated');
    return { fired, deletedAttributes };
  }
  if (before && !after) {
    fired.add('entityDeleted');
    return { fired, deletedAttributes };
  }
  if (!before || !after) return { fired, deletedAttributes };
  for (const iri of Object.keys(after.attrs)) {
    if (!counts(iri)) continue;
    if (!before.attrs[iri]) fired.add('attributeCreated');
    else if (!attributeUnchanged(change, before, after, iri)) fired.add('attributeUpdated');
  }
  for (const iri of Object.keys(before.attrs)) {
    if (counts(iri) && !after.attrs[iri]) {
      fired.add('attributeDeleted');
      deletedAttributes.push(iri);
    }
  }
  const entityLevel = watched === undefined && (before.types.join('\u0001') !== after.types.join('\u0001') || before.scopes.join('\u0001') !== after.scopes.join('\u0001'));
  if (fired.size > 0 || entityLevel) fired.add('entityUpdated');
  return { fired, deletedAttributes };
}

function geometryOf(entity: StoredEntity, geoproperty: string): unknown {
  const list = entity.attrs[geoproperty];
  const instance = list?.find((a) => a.datasetId === undefined) ?? list?.[0];
  return instance?.type === 'GeoProperty' ? instance.value : undefined;
}

/** Whether the filter's entities (id, idPattern, type) name the entity: the cheap test, made before any other. */
function named(filter: CompiledFilter, entity: StoredEntity): boolean {
  return (
    !filter.selectors ||
    filter.selectors.some(
      (s) =>
        (s.id === undefined || s.id === entity.id) &&
        (s.idPattern === undefined || s.id !== undefined || s.idPattern.test(entity.id)) &&
        matchesTypeSelection(s.type, filter.terms, entity.types),
    )
  );
}

/** Whether the entity (in its current state) is selected by the filter: entities, q, scopeQ, geoQ and the read policy. */
export function selects(filter: CompiledFilter, entity: StoredEntity): boolean {
  return named(filter, entity) && selectsNamed(filter, entity);
}

/** selects, for an entity `named` already passed. */
function selectsNamed(filter: CompiledFilter, entity: StoredEntity): boolean {
  if (filter.q && !filter.q(entity.attrs as Record<string, unknown>)) return false;
  if (filter.scope && !matchesScopeQ(filter.scope, entity.scopes)) return false;
  if (filter.geo) {
    const geometry = geometryOf(entity, filter.geo.geoproperty);
    if (geometry === undefined || !geoMatches(filter.geo, geometry as never)) return false;
  }
  return canRead(filter.principal, entity);
}

/**
 * Matches one change of the hub: undefined when the filter does not listen to what happened or does not select
 * the entity. A deletion is matched against the entity as it was.
 */
export function matchChange(filter: CompiledFilter, change: EntityChange): Match | undefined {
  const entity = change.after ?? change.before;
  // Most subscribers watch other types: say no before comparing the entity's attributes.
  if (!entity || !named(filter, entity)) return undefined;
  const { fired, deletedAttributes } = firedTriggers(change, filter.watched);
  const triggers = [...fired].filter((t) => filter.triggers.has(t));
  if (triggers.length === 0 || !selectsNamed(filter, entity)) return undefined;
  return { triggers, entity, before: change.before, deleted: change.after === null, deletedAttributes };
}
