/** The context hub's data model: entities and attributes as the hub stores them (expanded IRIs, one shape for all kinds). */

/** The eight NGSI-LD attribute kinds (ETSI GS CIM 009 V1.8, clause 4.5). */
export const ATTRIBUTE_KINDS = [
  'Property',
  'Relationship',
  'GeoProperty',
  'LanguageProperty',
  'VocabProperty',
  'JsonProperty',
  'ListProperty',
  'ListRelationship',
] as const;
export type AttributeKind = (typeof ATTRIBUTE_KINDS)[number];

/** The member that carries each kind's content in the normalized form. */
export const CONTENT_MEMBER: Readonly<Record<AttributeKind, string>> = {
  Property: 'value',
  GeoProperty: 'value',
  Relationship: 'object',
  LanguageProperty: 'languageMap',
  VocabProperty: 'vocab',
  JsonProperty: 'json',
  ListProperty: 'valueList',
  ListRelationship: 'objectList',
};

/**
 * One attribute instance as stored (column `attrs` of `ngsi_entities`, and every sub-attribute).
 * Keys of `sub` are expanded IRIs. Exactly one content member is set, the one of `type`
 * (see CONTENT_MEMBER). `vocab` values are stored expanded.
 */
export interface StoredAttribute {
  type: AttributeKind;
  value?: unknown;
  object?: string | string[];
  languageMap?: Record<string, string | string[]>;
  vocab?: string | string[];
  json?: unknown;
  valueList?: unknown[];
  objectList?: string[];
  /** Expanded IRI; absent for the default instance. */
  datasetId?: string;
  observedAt?: string;
  unitCode?: string;
  /** Relationship / ListRelationship: expanded type IRIs of the target. */
  objectType?: string | string[];
  createdAt: string;
  modifiedAt: string;
  /** Sub-attributes (properties of properties), keyed by expanded IRI; a sub-attribute has one instance. */
  sub?: Record<string, StoredAttribute>;
  /** Only in a merge patch, never stored: sub-attributes (expanded IRIs) the patch sets to NGSI-LD null. */
  unset?: string[];
}

/** All attributes of an entity: expanded attribute IRI → its instances (one per datasetId; the default first). */
export type StoredAttributes = Record<string, StoredAttribute[]>;

/** The sharing classes of government data (China's 2025 regulation): who besides the owner may read an entity. */
export const SHARING_CLASSES = ['open', 'on_request', 'not_shared'] as const;
export type SharingClass = (typeof SHARING_CLASSES)[number];

/** An entity as stored: one row of `ngsi_entities`. */
export interface StoredEntity {
  id: string;
  /** Expanded type IRIs, at least one. */
  types: string[];
  /** Scopes (clause 4.18), e.g. "/Hangzhou/Xihu"; empty when none. */
  scopes: string[];
  ownerDepartment: string | null;
  sharing: SharingClass;
  createdBy: string | null;
  createdAt: string;
  modifiedAt: string;
  attrs: StoredAttributes;
  /**
   * Moves on with every write of the row (created at a random number, then + 1); a write applies only to the
   * version it read.
   */
  version: number;
}

/** Well-known expanded IRIs. */
export const NGSI_LD = 'https://uri.etsi.org/ngsi-ld/';
export const LOCATION = `${NGSI_LD}location`;
export const OBSERVATION_SPACE = `${NGSI_LD}observationSpace`;
export const OPERATION_SPACE = `${NGSI_LD}operationSpace`;
/** Core-context terms that may not be used as attribute names (clause 4.6.2 reserved members). */
export const RESERVED_MEMBERS = new Set([
  'id',
  '@id',
  'type',
  '@type',
  '@context',
  'scope',
  'createdAt',
  'modifiedAt',
  'deletedAt',
]);
