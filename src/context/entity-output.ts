/** Renders stored entities in the representations NGSI-LD defines: normalized, concise, keyValues, and GeoJSON (clauses 4.5, 5.2.34, 4.5.16–4.5.18). */
import type { TermMap } from './ld/model.ts';
import { CONTENT_MEMBER, LOCATION, type StoredAttribute, type StoredEntity } from './model.ts';

export type Representation = 'normalized' | 'concise' | 'keyValues';

export interface RenderOptions {
  terms: TermMap;
  representation: Representation;
  sysAttrs: boolean;
  /** Attribute IRIs to include (attrs / pick); undefined: all. */
  pick?: ReadonlySet<string>;
  /** Attribute IRIs to leave out (omit). */
  omit?: ReadonlySet<string>;
  /** `pick`/`omit` may also name the members id and type. */
  omitId?: boolean;
  omitType?: boolean;
  /** Language filter (clause 4.15): LanguageProperties become one string in the best matching language. */
  lang?: readonly string[];
  /** Only the instances with this datasetId (`@none` = the default instance). */
  datasetId?: readonly string[];
}

type Json = Record<string, unknown>;

function one<T>(list: T[]): T | T[] {
  return list.length === 1 ? (list[0] as T) : list;
}

function compactList(value: string | string[], terms: TermMap): string | string[] {
  return Array.isArray(value) ? value.map((v) => terms.compact(v)) : terms.compact(value);
}

/** Picks the language of a LanguageProperty per the `lang` parameter; `@none` or the first one otherwise. */
function chooseLanguage(map: Record<string, string | string[]>, lang: readonly string[]): { tag: string; text: string | string[] } | undefined {
  const tags = Object.keys(map);
  if (tags.length === 0) return undefined;
  for (const wanted of lang) {
    if (wanted === '*') break;
    const exact = tags.find((t) => t.toLowerCase() === wanted.toLowerCase());
    if (exact) return { tag: exact, text: map[exact] as string };
    const prefix = tags.find((t) => t.toLowerCase().startsWith(`${wanted.toLowerCase()}-`) || wanted.toLowerCase().startsWith(`${t.toLowerCase()}-`));
    if (prefix) return { tag: prefix, text: map[prefix] as string };
  }
  const fallback = map['@none'] !== undefined ? '@none' : (tags[0] as string);
  return { tag: fallback, text: map[fallback] as string };
}

/** The content of an instance as keyValues shows it. */
function simplified(a: StoredAttribute, options: RenderOptions): unknown {
  switch (a.type) {
    case 'Relationship':
      return a.object;
    // Clause 4.5.x simplified: these kinds keep their member name so a client can tell them from a plain value.
    case 'LanguageProperty': {
      if (!options.lang) return { languageMap: a.languageMap };
      return chooseLanguage(a.languageMap ?? {}, options.lang)?.text;
    }
    case 'VocabProperty':
      return { vocab: compactList(a.vocab ?? [], options.terms) };
    case 'JsonProperty':
      return { json: a.json };
    case 'ListProperty':
      return a.valueList;
    case 'ListRelationship':
      return a.objectList;
    default:
      return a.value;
  }
}

function isPlain(value: unknown): boolean {
  return value === null || typeof value !== 'object' || (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object'));
}

function renderInstance(a: StoredAttribute, options: RenderOptions): unknown {
  const { terms, representation } = options;
  if (representation === 'keyValues') return simplified(a, options);
  const out: Json = {};
  if (representation === 'normalized') out.type = a.type;
  switch (a.type) {
    case 'Relationship':
      out.object = a.object;
      break;
    case 'LanguageProperty': {
      const chosen = options.lang ? chooseLanguage(a.languageMap ?? {}, options.lang) : undefined;
      if (chosen) {
        // Clause 4.15: filtered by language, a LanguageProperty is shown as a Property with "lang".
        if (representation === 'normalized') out.type = 'Property';
        out.value = chosen.text;
        out.lang = chosen.tag;
      } else {
        out.languageMap = a.languageMap;
      }
      break;
    }
    case 'VocabProperty':
      out.vocab = compactList(a.vocab ?? [], terms);
      break;
    case 'ListRelationship':
      out.objectList = (a.objectList ?? []).map((object) => ({ object }));
      break;
    default:
      out[CONTENT_MEMBER[a.type]] = a[CONTENT_MEMBER[a.type] as keyof StoredAttribute];
  }
  if (a.objectType !== undefined) out.objectType = compactList(a.objectType, terms);
  if (a.datasetId !== undefined) out.datasetId = a.datasetId;
  if (a.observedAt !== undefined) out.observedAt = a.observedAt;
  if (a.unitCode !== undefined) out.unitCode = a.unitCode;
  if (options.sysAttrs) {
    out.createdAt = a.createdAt;
    out.modifiedAt = a.modifiedAt;
  }
  if (a.sub) {
    for (const [iri, sub] of Object.entries(a.sub)) out[terms.compact(iri)] = renderInstance(sub, options);
  }
  if (representation === 'concise') {
    const keys = Object.keys(out);
    // Concise (clause 4.5.1.4): a Property with nothing but its value is just the value; a GeoProperty just its geometry.
    if (keys.length === 1 && keys[0] === 'value' && (a.type === 'GeoProperty' || isPlain(out.value))) return out.value;
  }
  return out;
}

function selectInstances(list: StoredAttribute[], datasetId: readonly string[] | undefined): StoredAttribute[] {
  if (!datasetId) return list;
  return list.filter((a) => datasetId.includes(a.datasetId ?? '@none'));
}

/** True when the attribute (by IRI) is to be shown under `pick`/`omit`. */
export function isShown(iri: string, options: Pick<RenderOptions, 'pick' | 'omit'>): boolean {
  if (options.pick && !options.pick.has(iri)) return false;
  return !options.omit?.has(iri);
}

/**
 * One entity in the asked representation, terms compacted with the request's @context.
 * @example renderEntity(entity, { terms, representation: 'keyValues', sysAttrs: false })
 */
export function renderEntity(entity: StoredEntity, options: RenderOptions): Json {
  const { terms } = options;
  const out: Json = {};
  if (!options.omitId) out.id = entity.id;
  if (!options.omitType) out.type = one(entity.types.map((t) => terms.compact(t)));
  if (entity.scopes.length > 0 && isShown('scope', options)) out.scope = one(entity.scopes);
  if (options.sysAttrs && options.representation !== 'keyValues') {
    out.createdAt = entity.createdAt;
    out.modifiedAt = entity.modifiedAt;
  }
  for (const [iri, list] of Object.entries(entity.attrs)) {
    if (!isShown(iri, options)) continue;
    const instances = selectInstances(list, options.datasetId);
    if (instances.length === 0) continue;
    out[terms.compact(iri)] = one(instances.map((a) => renderInstance(a, options)));
  }
  return out;
}

/** The geometry of an entity's GeoProperty (default instance), for GeoJSON output and geo-queries. */
export function geometryOf(entity: StoredEntity, geoproperty = LOCATION): unknown {
  const list = entity.attrs[geoproperty];
  const instance = list?.find((a) => a.datasetId === undefined) ?? list?.[0];
  return instance?.type === 'GeoProperty' ? instance.value : undefined;
}

/** One entity as a GeoJSON Feature (clause 4.5.16): its attributes become the properties. */
export function renderFeature(entity: StoredEntity, options: RenderOptions, geoproperty = LOCATION): Json {
  const rendered = renderEntity(entity, options);
  const { id, ...properties } = rendered;
  return { id: id ?? entity.id, type: 'Feature', geometry: geometryOf(entity, geoproperty) ?? null, properties };
}
