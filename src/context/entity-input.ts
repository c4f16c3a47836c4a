/** Reads NGSI-LD entities and attributes as clients send them (normalized or concise) into the stored shape, refusing what the specification forbids. */
import { AppError } from '../platform/errors/app-error.ts';
import type { TermMap } from './ld/model.ts';
import {
  ATTRIBUTE_KINDS,
  type AttributeKind,
  CONTENT_MEMBER,
  RESERVED_MEMBERS,
  type StoredAttribute,
  type StoredAttributes,
} from './model.ts';
import { isGeometryType, validateGeometry } from './geometry.ts';
import { firstForbiddenCharacter, isUnstorable } from './query/model.ts';

/** Members of an attribute that are not sub-attributes. */
const ATTRIBUTE_MEMBERS = new Set([
  'type',
  'value',
  'object',
  'languageMap',
  'vocab',
  'json',
  'valueList',
  'objectList',
  'datasetId',
  'observedAt',
  'unitCode',
  'objectType',
  'createdAt',
  'modifiedAt',
  'deletedAt',
  'instanceId',
  'lang',
  '@context',
]);
const KINDS = new Set<string>(ATTRIBUTE_KINDS);
/** The NGSI-LD null (clause 4.5.0): in a merge or a partial update it deletes what it names. */
export const NGSI_LD_NULL = 'urn:ngsi-ld:null';

export const LIMITS = {
  idLength: 512,
  nameLength: 256,
  types: 32,
  attributesPerEntity: 1000,
  instancesPerAttribute: 100,
  subAttributeDepth: 8,
} as const;

// Clause 4.6.2: characters that may not appear in attribute names or entity types.
const FORBIDDEN_NAME = /[\s<>"'=;()\\]/;
// An absolute URI (RFC 3986 scheme ":" rest), no whitespace or characters that need escaping.
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+$/;
const LANGUAGE_TAG = /^(?:[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|@none)$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Options for reading attributes. */
export interface InputContext {
  terms: TermMap;
  /** The time of this request, stamped on every created/modified instance. */
  now: string;
  /** Merge-patch and partial updates: `urn:ngsi-ld:null` (and JSON null) are allowed and mean "delete". */
  allowNull?: boolean;
}

export interface EntityInput {
  id: string;
  types: string[];
  scopes: string[] | undefined;
  attrs: StoredAttributes;
  /** Attribute IRIs (and sub-attribute paths) set to NGSI-LD null: to delete (merge-patch only). */
  deletions: string[];
}

function bad(message: string): never {
  throw new AppError('BAD_REQUEST_DATA', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Checks an entity id taken from a URL or a body. */
export function checkEntityId(id: unknown, where = 'The entity id'): string {
  if (typeof id !== 'string' || id.length === 0) bad(`${where} is missing; every entity needs an "id" that is a URI`);
  if (id.length > LIMITS.idLength) bad(`${where} is longer than ${LIMITS.idLength} characters`);
  if (!URI.test(id) || firstForbiddenCharacter(id) >= 0) {
    bad(`${where} "${clip(id)}" is not a URI; use e.g. "urn:ngsi-ld:AirQualityObserved:hz-001"`);
  }
  return id;
}

/** Checks an attribute name or entity type term (clause 4.6.2). */
export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length === 0) bad(`${what} must be a non-empty string`);
  if (name.length > LIMITS.nameLength) bad(`${what} "${clip(name)}" is longer than ${LIMITS.nameLength} characters`);
  if (FORBIDDEN_NAME.test(name) || firstForbiddenCharacter(name) >= 0) {
    bad(`${what} "${clip(name)}" contains a character NGSI-LD forbids in names (whitespace, < > " ' = ; ( ) or a control character)`);
  }
  return name;
}

/** Normalises a DateTime to UTC with milliseconds, so stored times compare as text. */
export function normalizeDateTime(value: unknown, what: string): string {
  if (typeof value === 'string') {
    const known = NORMALIZED_TIMES.get(value);
    if (known !== undefined) return known;
  }
  if (typeof value !== 'string' || !DATE_TIME.test(value)) {
    bad(`${what} must be an ISO 8601 date-time with a time zone, e.g. "2026-11-22T08:00:00Z"`);
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) bad(`${what} "${clip(value)}" is not a real date-time`);
  const normalized = new Date(time).toISOString();
  if (NORMALIZED_TIMES.size >= NORMALIZED_TIMES_KEPT) NORMALIZED_TIMES.clear();
  NORMALIZED_TIMES.set(value, normalized);
  return normalized;
}

/**
 * Date-times already checked and normalized: the readings of one batch share a few observedAt values, and checking
 * each again was 4% of the server's time in the simulator's backfill. Only valid ones are kept.
 */
const NORMALIZED_TIMES = new Map<string, string>();
const NORMALIZED_TIMES_KEPT = 10_000;

function checkUri(value: unknown, what: string): string {
  if (typeof value !== 'string' || !URI.test(value) || value.length > 2048 || firstForbiddenCharacter(value) >= 0) bad(`${what} must be a URI, e.g. "urn:ngsi-ld:Thing:1"`);
  return value;
}

/** Reads the entity type member: a string or a non-empty array of strings, expanded. */
export function readTypes(value: unknown, terms: TermMap): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (value === undefined || list.length === 0) bad('The entity has no "type"; give its type, e.g. "type": "AirQualityObserved"');
  if (list.length > LIMITS.types) bad(`An entity may have at most ${LIMITS.types} types`);
  const types = list.map((t) => terms.expand(checkName(t, 'An entity type')));
  return [...new Set(types)];
}

// Clause 4.18: levels separated by "/", the leading "/" optional (stored with it, so queries see one form).
const SCOPE = /^\/?[^\s/#+]+(?:\/[^\s/#+]+)*$/;

function readScopes(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  for (const scope of list) {
    if (typeof scope !== 'string' || !SCOPE.test(scope) || scope.length > 512) {
      bad('"scope" must be a path like "/Hangzhou/Xihu" or an array of them (no "+", "#" or empty levels)');
    }
  }
  return [...new Set((list as string[]).map((scope) => (scope.startsWith('/') ? scope : `/${scope}`)))];
}

const MAX_VALUE_DEPTH = 64;

/** Refuses strings PostgreSQL cannot store (NUL, unpaired surrogates) and absurdly deep values, anywhere in a value. */
function checkStorable(value: unknown, what: string, depth: number): void {
  if (typeof value === 'string') {
    if (isUnstorable(value)) bad(`${what} contains a NUL character or an unpaired surrogate, which cannot be stored`);
    return;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) bad(`${what} has a number too large to represent (JSON numbers must be finite)`);
  if (typeof value !== 'object' || value === null) return;
  if (depth > MAX_VALUE_DEPTH) bad(`${what} nests deeper than ${MAX_VALUE_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (const item of value) checkStorable(item, what, depth + 1);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (isUnstorable(key)) bad(`${what} has a key with a NUL character or an unpaired surrogate`);
    checkStorable(item, what, depth + 1);
  }
}

/** Infers the attribute kind of a concise attribute (clause 4.5.x, concise representation). */
function inferKind(raw: Record<string, unknown>): AttributeKind | undefined {
  if ('object' in raw) return 'Relationship';
  if ('languageMap' in raw) return 'LanguageProperty';
  if ('vocab' in raw) return 'VocabProperty';
  if ('json' in raw) return 'JsonProperty';
  if ('valueList' in raw) return 'ListProperty';
  if ('objectList' in raw) return 'ListRelationship';
  if ('value' in raw) return 'Property';
  return undefined;
}

function isGeometryLike(value: unknown): value is Record<string, unknown> {
  return isObject(value) && isGeometryType(value.type) && 'coordinates' in value;
}

function readContent(kind: AttributeKind, raw: Record<string, unknown>, what: string, terms: TermMap): Partial<StoredAttribute> {
  const member = CONTENT_MEMBER[kind];
  const content = raw[member];
  if (content === undefined) bad(`${what} is a ${kind} but has no "${member}"`);
  if (content === null) bad(`${what} has a null "${member}"; NGSI-LD does not allow null values (delete the attribute instead)`);
  switch (kind) {
    case 'Property':
      return { value: content };
    case 'GeoProperty': {
      const problem = validateGeometry(content);
      if (problem) bad(`${what} is not a valid GeoJSON geometry: ${problem}`);
      return { value: content };
    }
    case 'Relationship': {
      if (Array.isArray(content)) {
        if (content.length === 0) bad(`${what} has an empty "object" list`);
        return { object: content.map((o, i) => checkUri(o, `${what}.object[${i}]`)) };
      }
      return { object: checkUri(content, `${what}.object`) };
    }
    case 'LanguageProperty': {
      if (!isObject(content)) bad(`${what}.languageMap must be an object of language tag → string, e.g. {"zh": "西湖", "en": "West Lake"}`);
      for (const [tag, text] of Object.entries(content)) {
        if (!LANGUAGE_TAG.test(tag)) bad(`${what}.languageMap has "${clip(tag)}", which is not a language tag (BCP 47, e.g. "zh-Hans")`);
        const ok = typeof text === 'string' || (Array.isArray(text) && text.every((t) => typeof t === 'string'));
        if (!ok) bad(`${what}.languageMap["${tag}"] must be a string or an array of strings`);
      }
      return { languageMap: content as Record<string, string | string[]> };
    }
    case 'VocabProperty': {
      const list = Array.isArray(content) ? content : [content];
      const expanded = list.map((v) => terms.expand(checkName(v, `${what}.vocab`)));
      return { vocab: Array.isArray(content) ? expanded : expanded[0] };
    }
    case 'JsonProperty':
      return { json: content };
    case 'ListProperty':
      if (!Array.isArray(content)) bad(`${what}.valueList must be an array`);
      return { valueList: content };
    case 'ListRelationship': {
      if (!Array.isArray(content)) bad(`${what}.objectList must be an array of URIs`);
      return {
        objectList: content.map((item, i) =>
          checkUri(isObject(item) ? item.object : item, `${what}.objectList[${i}]`),
        ),
      };
    }
  }
}

/**
 * Reads one attribute instance. `raw` is what the client sent for it (normalized or concise).
 * @example readInstance('temperature', { type: 'Property', value: 21 }, ctx, 0)
 */
export function readInstance(name: string, raw: unknown, ctx: InputContext, depth: number): StoredAttribute {
  const what = `Attribute "${clip(name, 60)}"`;
  if (raw === null || raw === undefined) bad(`${what} is null; NGSI-LD does not allow null values`);
  let object: Record<string, unknown>;
  let kind: AttributeKind;
  if (isGeometryLike(raw)) {
    object = { value: raw };
    kind = 'GeoProperty';
  } else if (!isObject(raw)) {
    object = { value: raw };
    kind = 'Property';
  } else if (typeof raw.type === 'string' && KINDS.has(raw.type)) {
    object = raw;
    kind = raw.type as AttributeKind;
  } else if ('type' in raw && inferKind(raw) !== undefined) {
    bad(`${what} has "type": ${clip(JSON.stringify(raw.type))}, which is not an NGSI-LD attribute type (${ATTRIBUTE_KINDS.join(', ')})`);
  } else {
    const inferred = inferKind(raw);
    if (inferred === undefined) {
      if ('type' in raw) {
        bad(`${what} has "type": ${clip(JSON.stringify(raw.type))}, which is not an NGSI-LD attribute type (${ATTRIBUTE_KINDS.join(', ')})`);
      }
      // Concise form of a Property whose value is an object with no NGSI-LD members.
      object = { value: raw };
      kind = 'Property';
    } else {
      object = raw;
      kind = inferred;
      if (inferred === 'Property' && isGeometryLike(raw.value) && isGeoName(name, ctx.terms)) kind = 'GeoProperty';
    }
  }
  const content = object[CONTENT_MEMBER[kind]];
  checkStorable(content, what, 0);
  if (content === NGSI_LD_NULL || (Array.isArray(content) && content.includes(NGSI_LD_NULL))) {
    bad(`${what} has the NGSI-LD null as its ${CONTENT_MEMBER[kind]}; null only deletes in a merge or a partial update`);
  }
  const instance: StoredAttribute = {
    type: kind,
    ...readContent(kind, object, what, ctx.terms),
    createdAt: ctx.now,
    modifiedAt: ctx.now,
  };
  if (object.datasetId !== undefined) instance.datasetId = checkUri(object.datasetId, `${what}.datasetId`);
  if (object.observedAt !== undefined) instance.observedAt = normalizeDateTime(object.observedAt, `${what}.observedAt`);
  if (object.unitCode !== undefined) {
    if (typeof object.unitCode !== 'string' || object.unitCode.length === 0 || object.unitCode.length > 64) {
      bad(`${what}.unitCode must be a UN/CEFACT code such as "CEL" or "GQ"`);
    }
    instance.unitCode = object.unitCode;
  }
  if (object.objectType !== undefined && (kind === 'Relationship' || kind === 'ListRelationship')) {
    const list = Array.isArray(object.objectType) ? object.objectType : [object.objectType];
    const expanded = list.map((t) => ctx.terms.expand(checkName(t, `${what}.objectType`)));
    instance.objectType = Array.isArray(object.objectType) ? expanded : expanded[0];
  }
  if (object === raw) {
    for (const [key, sub] of Object.entries(raw)) {
      if (ATTRIBUTE_MEMBERS.has(key)) continue;
      if (depth >= LIMITS.subAttributeDepth) bad(`${what} nests sub-attributes deeper than ${LIMITS.subAttributeDepth} levels`);
      checkName(key, `The sub-attribute name "${clip(key)}" of ${what}`);
      if (RESERVED_MEMBERS.has(key)) bad(`${what} has a sub-attribute named "${key}", which is reserved by NGSI-LD`);
      if (Array.isArray(sub)) bad(`${what}.${clip(key, 40)}: a sub-attribute has one instance, not an array`);
      if (ctx.allowNull && isNgsiNull(sub)) {
        instance.unset ??= [];
        instance.unset.push(ctx.terms.expand(key));
        continue;
      }
      instance.sub ??= {};
      instance.sub[ctx.terms.expand(key)] = readInstance(`${name}.${key}`, sub, ctx, depth + 1);
    }
  }
  return instance;
}

function isGeoName(name: string, terms: TermMap): boolean {
  const iri = terms.expand(name);
  return iri.endsWith('/location') || iri.endsWith('/observationSpace') || iri.endsWith('/operationSpace');
}

/** Reads all instances of one attribute: an array is a multi-attribute (one instance per datasetId). */
export function readAttribute(name: string, raw: unknown, ctx: InputContext): StoredAttribute[] {
  const isInstanceList =
    Array.isArray(raw) && raw.length > 0 && raw.every((item) => isObject(item) && (KINDS.has(item.type as string) || inferKind(item) !== undefined));
  if (!isInstanceList) return [readInstance(name, raw, ctx, 0)];
  const list = raw as unknown[];
  if (list.length > LIMITS.instancesPerAttribute) bad(`Attribute "${clip(name)}" has more than ${LIMITS.instancesPerAttribute} instances`);
  const instances = list.map((item) => readInstance(name, item, ctx, 0));
  const seen = new Set<string>();
  for (const instance of instances) {
    const key = instance.datasetId ?? '@default';
    if (seen.has(key)) {
      bad(`Attribute "${clip(name)}" has two instances with ${instance.datasetId ? `datasetId "${clip(instance.datasetId)}"` : 'no datasetId'}; each datasetId may appear once`);
    }
    seen.add(key);
  }
  return instances;
}

/** True for the NGSI-LD null and JSON null, which delete in merge-patch. */
export function isNgsiNull(raw: unknown): boolean {
  if (raw === null || raw === NGSI_LD_NULL) return true;
  return isObject(raw) && (raw.value === NGSI_LD_NULL || raw.object === NGSI_LD_NULL || raw.value === null);
}

/**
 * Reads the attributes of an entity or entity fragment (every member but id, type, scope, @context
 * and the system attributes). With `allowNull`, attributes set to null are returned in `deletions`.
 */
export function readAttributes(
  body: Record<string, unknown>,
  ctx: InputContext,
): { attrs: StoredAttributes; deletions: string[] } {
  const attrs: StoredAttributes = {};
  const deletions: string[] = [];
  let count = 0;
  for (const [name, raw] of Object.entries(body)) {
    if (name === 'id' || name === '@id' || name === 'type' || name === '@type' || name === '@context' || name === 'scope') continue;
    if (name === 'createdAt' || name === 'modifiedAt' || name === 'deletedAt') continue;
    checkName(name, 'An attribute name');
    if (++count > LIMITS.attributesPerEntity) bad(`An entity may have at most ${LIMITS.attributesPerEntity} attributes`);
    const iri = ctx.terms.expand(name);
    if (ctx.allowNull && isNgsiNull(raw)) {
      deletions.push(iri);
      continue;
    }
    attrs[iri] = readAttribute(name, raw, ctx);
  }
  return { attrs, deletions };
}

/**
 * Reads a whole entity (create, replace, upsert, batch). Id and type are required unless the
 * caller already knows them (PUT /entities/{id} may omit both).
 */
export function readEntity(
  body: unknown,
  ctx: InputContext,
  known: { id?: string; types?: string[] } = {},
): EntityInput {
  if (!isObject(body)) bad('The body must be a JSON object: one NGSI-LD entity with "id", "type" and attributes');
  const rawId = body.id ?? body['@id'];
  let id: string;
  if (known.id !== undefined) {
    if (rawId !== undefined && rawId !== known.id) {
      bad(`The body's id "${clip(String(rawId))}" differs from the id in the URL "${clip(known.id)}"`);
    }
    id = known.id;
  } else {
    id = checkEntityId(rawId);
  }
  const rawType = body.type ?? body['@type'];
  const types = rawType === undefined && known.types ? known.types : readTypes(rawType, ctx.terms);
  const scopes = body.scope === undefined ? undefined : readScopes(body.scope);
  const { attrs, deletions } = readAttributes(body, ctx);
  return { id, types, scopes, attrs, deletions };
}
