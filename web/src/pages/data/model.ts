/**
 * Reading NGSI-LD entities for display: which members are attributes, the value an attribute
 * carries, units, short ids, the table's columns, and map points and colours.
 */
import type { GeoFeature, NgsiAttribute, NgsiEntity } from '../../api/ngsi.ts';
import { type Lang, LOCALE } from '../../i18n/index.ts';

/** Members of an entity that are not attributes. */
const ENTITY_CORE = new Set(['id', 'type', 'scope', 'createdAt', 'modifiedAt', 'deletedAt', '@context']);

/** Members of an attribute that are not sub-attributes. */
const ATTRIBUTE_CORE = new Set([
  'type',
  'value',
  'object',
  'objectType',
  'languageMap',
  'vocab',
  'valueList',
  'objectList',
  'json',
  'observedAt',
  'unitCode',
  'datasetId',
  'createdAt',
  'modifiedAt',
  'deletedAt',
  'instanceId',
  'lang',
  'previousValue',
  'previousObject',
  'previousLanguageMap',
  'previousVocab',
  'previousValueList',
  'previousObjectList',
  'previousJson',
]);

export const GEO_KINDS = new Set(['GeoProperty']);
const RELATIONSHIP_KINDS = new Set(['Relationship', 'ListRelationship']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function isAttribute(value: unknown): value is NgsiAttribute {
  return isRecord(value) && typeof value.type === 'string';
}

/** A member's instances: one attribute, or each of a multi-attribute's (one per datasetId). */
function instancesOf(value: unknown): NgsiAttribute[] | null {
  if (isAttribute(value)) return [value];
  if (Array.isArray(value) && value.length > 0 && value.every(isAttribute)) return value as NgsiAttribute[];
  return null;
}

export interface AttributeEntry {
  name: string;
  instances: NgsiAttribute[];
}

/** The attributes of an entity, or the sub-attributes of an attribute, in the server's order. */
function attributeEntries(source: Record<string, unknown>, core: Set<string>): AttributeEntry[] {
  const entries: AttributeEntry[] = [];
  for (const [name, value] of Object.entries(source)) {
    if (core.has(name)) continue;
    const instances = instancesOf(value);
    if (instances) entries.push({ name, instances });
  }
  return entries;
}

export function entityAttributes(entity: NgsiEntity | Record<string, unknown>): AttributeEntry[] {
  return attributeEntries(entity, ENTITY_CORE);
}

function kindRank(entry: AttributeEntry): number {
  const kind = entry.instances[0]?.type ?? '';
  if (RELATIONSHIP_KINDS.has(kind)) return 1;
  if (GEO_KINDS.has(kind)) return 2;
  return 0;
}

/**
 * The attributes in reading order (the hub does not keep the publisher's order): `name` first,
 * then properties, relationships and locations, each alphabetically.
 */
export function sortedAttributes(entries: readonly AttributeEntry[]): AttributeEntry[] {
  return [...entries].sort(
    (a, b) =>
      Number(b.name === 'name') - Number(a.name === 'name') || kindRank(a) - kindRank(b) || a.name.localeCompare(b.name),
  );
}

export function subAttributes(attribute: NgsiAttribute): AttributeEntry[] {
  return attributeEntries(attribute, ATTRIBUTE_CORE);
}

/** Members of an attribute that are neither core members nor sub-attributes (shown as they are). */
export function extraMembers(attribute: NgsiAttribute): [string, unknown][] {
  return Object.entries(attribute).filter(([name, value]) => !ATTRIBUTE_CORE.has(name) && !instancesOf(value));
}

/** The instance a table cell shows: the default one (no datasetId), else the first. */
export function primaryInstance(instances: readonly NgsiAttribute[]): NgsiAttribute | undefined {
  return instances.find((instance) => instance.datasetId === undefined) ?? instances[0];
}

export function isRelationship(attribute: NgsiAttribute): boolean {
  return RELATIONSHIP_KINDS.has(attribute.type);
}

/** What an attribute carries, whatever its kind. */
export function attributeValue(attribute: NgsiAttribute): unknown {
  switch (attribute.type) {
    case 'Relationship':
      return attribute.object;
    case 'ListRelationship':
      return attribute.objectList;
    case 'LanguageProperty':
      return attribute.languageMap;
    case 'VocabProperty':
      return attribute.vocab;
    case 'ListProperty':
      return attribute.valueList;
    case 'JsonProperty':
      return attribute.json;
    default:
      return attribute.value ?? attribute.object ?? attribute.languageMap ?? attribute.vocab ?? attribute.valueList;
  }
}

/** The target ids of a Relationship / ListRelationship (an object may be one URI or a list). */
export function relationshipTargets(attribute: NgsiAttribute): string[] {
  const raw = attributeValue(attribute);
  const list = Array.isArray(raw) ? raw : [raw];
  const targets: string[] = [];
  for (const item of list) {
    if (typeof item === 'string') targets.push(item);
    else if (isRecord(item) && typeof item.object === 'string') targets.push(item.object);
  }
  return targets;
}

/** A JSON-LD typed literal such as `{ "@type": "DateTime", "@value": "2025-…" }`. */
export function typedLiteral(value: unknown): { type: string; value: string } | null {
  if (isRecord(value) && typeof value['@value'] === 'string') {
    return { type: typeof value['@type'] === 'string' ? value['@type'] : '', value: value['@value'] };
  }
  return null;
}

export function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

const numberFormats = new Map<Lang, Intl.NumberFormat>();

/** Data values keep their precision (up to 6 decimals), grouped by the language's convention. */
export function formatDataNumber(value: number, lang: Lang): string {
  let format = numberFormats.get(lang);
  if (!format) {
    format = new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 6 });
    numberFormats.set(lang, format);
  }
  return format.format(value);
}

/** A one-line text for a value (tables, tooltips); objects become compact JSON. */
export function valueText(value: unknown, lang: Lang): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'number') return formatDataNumber(value, lang);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  const literal = typedLiteral(value);
  if (literal) return literal.value;
  if (isRecord(value) && Object.values(value).every((item) => typeof item === 'string')) {
    // A language map: the entry for the current language first.
    const map = value as Record<string, string>;
    const preferred = lang === 'zh' ? ['zh', 'zh-CN', 'zh-Hans', 'en'] : ['en', 'en-GB', 'en-US', 'zh'];
    for (const tag of preferred) if (map[tag]) return map[tag];
  }
  return JSON.stringify(value);
}

/**
 * Symbols for common UN/CEFACT unit codes (the `unitCode` of NGSI-LD); other codes are shown as they are.
 */
const UNIT_SYMBOLS: Record<string, string> = {
  CEL: '°C',
  FAH: '°F',
  KEL: 'K',
  GQ: 'µg/m³',
  GP: 'mg/m³',
  '59': 'ppm',
  '61': 'ppb',
  P1: '%',
  KMH: 'km/h',
  MTS: 'm/s',
  MTR: 'm',
  KMT: 'km',
  CMT: 'cm',
  MMT: 'mm',
  A97: 'hPa',
  PAL: 'Pa',
  KPA: 'kPa',
  BAR: 'bar',
  GRM: 'g',
  KGM: 'kg',
  TNE: 't',
  LTR: 'L',
  MTQ: 'm³',
  MQH: 'm³/h',
  WTT: 'W',
  KWT: 'kW',
  MAW: 'MW',
  KWH: 'kWh',
  VLT: 'V',
  AMP: 'A',
  HTZ: 'Hz',
  DD: '°',
  '2N': 'dB',
  LUX: 'lx',
  SEC: 's',
  MIN: 'min',
  HUR: 'h',
  DAY: 'd',
  MMH: 'mm/h',
  W27: 'W/m²',
  D52: 'W/m²',
};

export function unitSymbol(code: string | undefined): string {
  if (!code) return '';
  return UNIT_SYMBOLS[code] ?? code;
}

/** The space between a number and its unit: none before % and ° (82%, 45°), one otherwise (35 µg/m³). */
export function unitSpacing(unit: string): string {
  return unit === '%' || unit === '°' ? '' : ' ';
}

/** `35 µg/m³`, `82%`. */
export function withUnit(text: string, unitCode: string | undefined): string {
  const unit = unitSymbol(unitCode);
  if (!unit || !text) return text;
  return `${text}${unitSpacing(unit)}${unit}`;
}

/** `urn:ngsi-ld:AirQualityObserved:hz-001` → `hz-001` (for a table whose type is known). */
export function shortId(id: string, type: string): string {
  const prefix = `urn:ngsi-ld:${type}:`;
  if (id.startsWith(prefix) && id.length > prefix.length) return id.slice(prefix.length);
  return id;
}

export function entityTypes(entity: { type?: unknown }): string[] {
  if (typeof entity.type === 'string') return [entity.type];
  if (Array.isArray(entity.type)) return entity.type.filter((item): item is string => typeof item === 'string');
  return [];
}

/** The table shows the id and up to `max` of the attributes most entities of the page have. */
export function pickColumns(entities: readonly NgsiEntity[], max: number): string[] {
  const stats = new Map<string, { rows: number; first: number; displayable: number; relationship: boolean }>();
  let order = 0;
  for (const entity of entities) {
    for (const { name, instances } of entityAttributes(entity)) {
      const primary = primaryInstance(instances);
      if (!primary || GEO_KINDS.has(primary.type)) continue;
      let stat = stats.get(name);
      if (!stat) {
        stat = { rows: 0, first: order++, displayable: 0, relationship: isRelationship(primary) };
        stats.set(name, stat);
      }
      stat.rows += 1;
      const value = attributeValue(primary);
      if (isRelationship(primary) || isScalar(value) || typedLiteral(value) || primary.type === 'LanguageProperty') {
        stat.displayable += 1;
      }
    }
  }
  // `name` first, then what most rows have; measured values before links to other entities.
  const rank = (name: string) => (name === 'name' ? 0 : 1);
  return [...stats.entries()]
    .filter(([, stat]) => stat.displayable > 0)
    .sort(
      ([a, x], [b, y]) =>
        rank(a) - rank(b) ||
        y.rows - x.rows ||
        Number(x.relationship) - Number(y.relationship) ||
        x.first - y.first,
    )
    .slice(0, max)
    .map(([name]) => name);
}

/** The most recent `observedAt` among an entity's attributes, if any has one. */
export function latestObservedAt(entity: NgsiEntity): string | null {
  let latest: string | null = null;
  let latestTime = Number.NEGATIVE_INFINITY;
  for (const { instances } of entityAttributes(entity)) {
    for (const instance of instances) {
      if (typeof instance.observedAt !== 'string') continue;
      const time = Date.parse(instance.observedAt);
      if (Number.isFinite(time) && time > latestTime) {
        latestTime = time;
        latest = instance.observedAt;
      }
    }
  }
  return latest;
}

type Position = [number, number];

function collectPositions(coordinates: unknown, into: Position[]): void {
  if (!Array.isArray(coordinates)) return;
  if (coordinates.length >= 2 && typeof coordinates[0] === 'number' && typeof coordinates[1] === 'number') {
    into.push([coordinates[0], coordinates[1]]);
    return;
  }
  for (const item of coordinates) collectPositions(item, into);
}

/** Where to put a marker for a geometry: the point itself, or the mean of a line's or area's vertices. */
export function markerPosition(geometry: unknown): Position | null {
  if (!isRecord(geometry)) return null;
  const positions: Position[] = [];
  if (geometry.type === 'GeometryCollection' && Array.isArray(geometry.geometries)) {
    for (const part of geometry.geometries) {
      const position = markerPosition(part);
      if (position) positions.push(position);
    }
  } else {
    collectPositions(geometry.coordinates, positions);
  }
  if (positions.length === 0) return null;
  const lon = positions.reduce((sum, p) => sum + p[0], 0) / positions.length;
  const lat = positions.reduce((sum, p) => sum + p[1], 0) / positions.length;
  return Number.isFinite(lon) && Number.isFinite(lat) ? [lon, lat] : null;
}

/** A feature's attributes (GeoJSON `properties` hold them in normalized form). */
export function featureAttributes(feature: GeoFeature): AttributeEntry[] {
  return feature.properties ? entityAttributes(feature.properties) : [];
}

export interface ColourChoice {
  name: string;
  kind: 'number' | 'category';
  unitCode?: string;
}

const MAX_CATEGORIES = 8;

/** Attributes worth colouring the map by: numeric ones first, then ones with a few distinct texts. */
export function colourChoices(features: readonly GeoFeature[]): ColourChoice[] {
  const stats = new Map<string, { numbers: number; texts: Set<string>; other: number; unitCode?: string; first: number }>();
  let order = 0;
  for (const feature of features) {
    for (const { name, instances } of featureAttributes(feature)) {
      const primary = primaryInstance(instances);
      if (!primary || GEO_KINDS.has(primary.type) || isRelationship(primary)) continue;
      let stat = stats.get(name);
      if (!stat) {
        stat = { numbers: 0, texts: new Set(), other: 0, first: order++ };
        stats.set(name, stat);
      }
      const value = attributeValue(primary);
      if (typeof value === 'number' && Number.isFinite(value)) {
        stat.numbers += 1;
        if (primary.unitCode && !stat.unitCode) stat.unitCode = primary.unitCode;
      } else if (typeof value === 'string' || typeof value === 'boolean') stat.texts.add(String(value));
      else stat.other += 1;
    }
  }
  const entries = [...stats.entries()].sort(([, a], [, b]) => a.first - b.first);
  const numeric: ColourChoice[] = entries
    .filter(([, stat]) => stat.numbers > 0 && stat.texts.size === 0)
    .map(([name, stat]) => ({ name, kind: 'number', ...(stat.unitCode ? { unitCode: stat.unitCode } : {}) }));
  const categorical: ColourChoice[] = entries
    .filter(([, stat]) => stat.numbers === 0 && stat.texts.size > 0 && stat.texts.size <= MAX_CATEGORIES)
    .map(([name]) => ({ name, kind: 'category' }));
  return [...numeric, ...categorical];
}

/** A feature's value of the colour attribute. */
export function featureValue(feature: GeoFeature, name: string): { value: unknown; unitCode?: string } | null {
  const value = feature.properties?.[name];
  const instances = instancesOf(value);
  const primary = instances ? primaryInstance(instances) : undefined;
  if (!primary) return null;
  return { value: attributeValue(primary), ...(primary.unitCode ? { unitCode: primary.unitCode } : {}) };
}

/** Blue (low) → yellow → red (high): readable on the pale map and for most colour-blind readers. */
const SCALE = ['#2c7bb6', '#74add1', '#fee090', '#f46d43', '#b2182b'] as const;
export const SCALE_GRADIENT = `linear-gradient(90deg, ${SCALE.join(', ')})`;

function mix(a: string, b: string, t: number): string {
  const channel = (hex: string, i: number) => Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
  const parts = [0, 1, 2].map((i) => Math.round(channel(a, i) + (channel(b, i) - channel(a, i)) * t));
  return `#${parts.map((part) => part.toString(16).padStart(2, '0')).join('')}`;
}

export function scaleColour(value: number, min: number, max: number): string {
  const t = max > min ? Math.min(1, Math.max(0, (value - min) / (max - min))) : 0.5;
  const scaled = t * (SCALE.length - 1);
  const index = Math.min(SCALE.length - 2, Math.floor(scaled));
  return mix(SCALE[index] as string, SCALE[index + 1] as string, scaled - index);
}

/** Distinct colours for up to eight categories (Okabe–Ito, colour-blind safe). */
export const CATEGORY_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'] as const;
export const NO_VALUE_COLOUR = '#8a97a3';
