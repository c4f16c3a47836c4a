/** What a notification carries for one matched change (clause 5.3.1 `data` items): the entity in the subscription's format, with deletions and, asked for, previous values. */
import { NGSI_LD_NULL } from '../context/entity-input.ts';
import { renderEntity, renderFeature } from '../context/entity-output.ts';
import type { TermMap } from '../context/ld/model.ts';
import { CONTENT_MEMBER, type StoredAttribute } from '../context/model.ts';
import type { Match } from './matcher.ts';
import type { SubscriptionBody } from './model.ts';

type Json = Record<string, unknown>;

const PREVIOUS: Partial<Record<StoredAttribute['type'], string>> = {
  Property: 'previousValue',
  GeoProperty: 'previousValue',
  Relationship: 'previousObject',
  LanguageProperty: 'previousLanguageMap',
  VocabProperty: 'previousVocab',
  JsonProperty: 'previousJson',
  ListProperty: 'previousValueList',
  ListRelationship: 'previousObjectList',
};

function deletedAttribute(old: StoredAttribute | undefined, format: SubscriptionBody['notification']['format'], deletedAt: string, showChanges: boolean): unknown {
  if (format === 'keyValues') return NGSI_LD_NULL;
  const kind = old?.type ?? 'Property';
  const member = kind === 'Relationship' ? 'object' : kind === 'LanguageProperty' ? 'languageMap' : 'value';
  const out: Json = format === 'normalized' ? { type: kind === 'Relationship' ? 'Relationship' : kind === 'LanguageProperty' ? 'LanguageProperty' : 'Property' } : {};
  out[member] = member === 'languageMap' ? { '@none': NGSI_LD_NULL } : NGSI_LD_NULL;
  out.deletedAt = deletedAt;
  if (showChanges && old) out[PREVIOUS[old.type] ?? 'previousValue'] = old[CONTENT_MEMBER[old.type] as keyof StoredAttribute];
  return out;
}

/**
 * One `data` item of a notification: the entity after the change (for a deletion: its id, type and deletedAt),
 * in the subscription's format, limited to `notification.attributes`, compacted with `terms`.
 * @example renderMatch(match, subscription.body, terms, new Date().toISOString())
 */
export function renderMatch(match: Match, body: SubscriptionBody, terms: TermMap, now: string): Json {
  const { format, attributes, sysAttrs, showChanges, endpoint } = body.notification;
  const pick = attributes ? new Set(attributes) : undefined;
  if (match.deleted) {
    const types = match.entity.types.map((t) => terms.compact(t));
    const out: Json = { id: match.entity.id, type: types.length === 1 ? types[0] : types, deletedAt: now };
    return endpoint.accept === 'application/geo+json' ? { id: match.entity.id, type: 'Feature', geometry: null, properties: { type: out.type, deletedAt: now } } : out;
  }
  const options = {
    terms,
    representation: format,
    sysAttrs,
    ...(pick ? { pick } : {}),
    ...(body.lang ? { lang: body.lang.split(',').map((l) => l.split(';')[0]?.trim() ?? l) } : {}),
  };
  const out = endpoint.accept === 'application/geo+json' ? renderFeature(match.entity, options) : renderEntity(match.entity, options);
  const target = (endpoint.accept === 'application/geo+json' ? out.properties : out) as Json;
  if (match.triggers.includes('attributeDeleted') || match.triggers.includes('entityUpdated')) {
    for (const iri of match.deletedAttributes) {
      if (pick && !pick.has(iri)) continue;
      target[terms.compact(iri)] = deletedAttribute(match.before?.attrs[iri]?.[0], format, now, showChanges);
    }
  }
  if (showChanges && format !== 'keyValues' && match.before) {
    for (const [iri, list] of Object.entries(match.entity.attrs)) {
      if (pick && !pick.has(iri)) continue;
      const name = terms.compact(iri);
      const rendered = target[name];
      const old = match.before.attrs[iri];
      if (!old || typeof rendered !== 'object' || rendered === null) continue;
      const items = Array.isArray(rendered) ? rendered : [rendered];
      list.forEach((instance, i) => {
        const was = old.find((o) => o.datasetId === instance.datasetId);
        const item = items[i];
        if (!was || typeof item !== 'object' || item === null) return;
        const member = CONTENT_MEMBER[was.type] as keyof StoredAttribute;
        (item as Json)[PREVIOUS[was.type] ?? 'previousValue'] = was[member];
      });
    }
  }
  return out;
}
