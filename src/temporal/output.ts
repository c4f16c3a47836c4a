/** Renders temporal entities in the three representations of NGSI-LD: normalized (4.5.7), simplified temporalValues (4.5.9) and aggregated (4.5.19). */
import { jsonNumber, RawJson } from '../context/raw-json.ts';
import { iso } from '../context/store.ts';
import { renderEntity } from '../context/entity-output.ts';
import type { TermMap } from '../context/ld/model.ts';
import { CONTENT_MEMBER, type StoredAttribute } from '../context/model.ts';
import type { InstanceRecord, StoredSeries } from './store.ts';
import type { SeriesResult, TemporalResult } from './service.ts';

export type TemporalRepresentation = 'normalized' | 'temporalValues' | 'aggregatedValues';

export interface TemporalRenderOptions {
  terms: TermMap;
  representation: TemporalRepresentation;
  sysAttrs: boolean;
  /** The time property whose value temporalValues pairs with each value. */
  timeproperty: 'observedAt' | 'createdAt' | 'modifiedAt';
}

type Json = Record<string, unknown>;

/** The member that lists values in the simplified temporal representation, per attribute kind (clause 4.5.9). */
const SIMPLIFIED_MEMBER: Record<StoredAttribute['type'], string> = {
  Property: 'values',
  GeoProperty: 'values',
  Relationship: 'objects',
  LanguageProperty: 'languageMaps',
  VocabProperty: 'vocabs',
  JsonProperty: 'jsons',
  ListProperty: 'valueLists',
  ListRelationship: 'objectLists',
};


/** An instance row as the hub's StoredAttribute, so the hub's renderer shows it exactly like a current attribute. */
function storedOf(row: InstanceRecord, series: StoredSeries): StoredAttribute {
  return {
    type: row.kind as StoredAttribute['type'],
    ...(row.content as Partial<StoredAttribute>),
    ...(series.dataset_id ? { datasetId: series.dataset_id } : {}),
    createdAt: iso(row.created_at),
    modifiedAt: iso(row.modified_at),
  };
}

/** Periods repeat across entities: each time is formatted once per answer. */
function isoOnce(times: Map<number, string>, epoch: number): string {
  let text = times.get(epoch);
  if (text === undefined) {
    text = new Date(epoch).toISOString();
    times.set(epoch, text);
  }
  return text;
}

const instanceUri = (uuid: string) => `urn:ngsi-ld:Instance:${uuid}`;

function renderInstance(row: InstanceRecord, series: StoredSeries, options: TemporalRenderOptions): Json {
  const stored = storedOf(row, series);
  const rendered = renderEntity(
    { id: '', types: [], scopes: [], ownerDepartment: null, sharing: 'open', createdBy: null, createdAt: '', modifiedAt: '', version: 0, attrs: { [series.attr]: [stored] } },
    { terms: options.terms, representation: 'normalized', sysAttrs: options.sysAttrs, omitId: true, omitType: true },
  );
  const out = rendered[options.terms.compact(series.attr)] as Json;
  return { ...out, instanceId: instanceUri(row.instance_id) };
}

function simplifiedContent(row: InstanceRecord, terms: TermMap): unknown {
  const kind = row.kind as StoredAttribute['type'];
  const content = row.content[CONTENT_MEMBER[kind]];
  if (kind === 'VocabProperty') return Array.isArray(content) ? content.map((v) => terms.compact(String(v))) : terms.compact(String(content));
  return content;
}

function timeOf(row: InstanceRecord, property: TemporalRenderOptions['timeproperty']): string {
  if (property === 'createdAt') return iso(row.created_at);
  if (property === 'modifiedAt') return iso(row.modified_at);
  return iso(row.observed_at);
}

/** One object per series (per datasetId); one alone stands for the attribute, several make an array. */
function perSeries(list: SeriesResult[], build: (r: SeriesResult) => Json): Json | Json[] {
  const objects = list.map((r) => {
    const body = build(r);
    return r.series.dataset_id ? { ...body, datasetId: r.series.dataset_id } : body;
  });
  return objects.length === 1 ? (objects[0] as Json) : objects;
}

/**
 * The aggregated representation of an attribute (clause 4.5.19) as JSON text: per series `{"type", "<method>":
 * [[value, start, end], …]}`, one object alone or several in an array. Written directly as text: a day of hourly
 * values for 1,000 sensors is 48,000 triples, and as objects their garbage was most of the answer's cost.
 */
function aggregatedText(list: SeriesResult[], times: Map<number, string>): string {
  const objects = list.map((r) => {
    if (r.aggregated) {
      // Written by PostgreSQL already (aggregateRollupText).
      const members = [`"type":${JSON.stringify(r.series.kind)}`];
      for (const [method, triples] of r.aggregated) if (triples !== null) members.push(`${JSON.stringify(method)}:[${triples}]`);
      if (r.series.dataset_id) members.push(`"datasetId":${JSON.stringify(r.series.dataset_id)}`);
      return `{${members.join(',')}}`;
    }
    const byMethod = new Map<string, string[]>();
    for (const period of r.periods ?? []) {
      const start = isoOnce(times, period.start);
      const end = Number.isFinite(period.end) ? `"${isoOnce(times, period.end)}"` : 'null';
      for (const [method, value] of Object.entries(period.values)) {
        let triples = byMethod.get(method);
        if (!triples) {
          triples = [];
          byMethod.set(method, triples);
        }
        triples.push(`[${jsonNumber(value as number)},"${start}",${end}]`);
      }
    }
    const members = [`"type":${JSON.stringify(r.series.kind)}`];
    for (const [method, triples] of byMethod) members.push(`${JSON.stringify(method)}:[${triples.join(',')}]`);
    if (r.series.dataset_id) members.push(`"datasetId":${JSON.stringify(r.series.dataset_id)}`);
    return `{${members.join(',')}}`;
  });
  return objects.length === 1 ? (objects[0] as string) : `[${objects.join(',')}]`;
}

/**
 * One temporal entity in the asked representation, terms compacted with the request's @context.
 * `times` caches formatted period times across the entities of one answer.
 * @example renderTemporalEntity(result, { terms, representation: 'temporalValues', sysAttrs: false, timeproperty: 'observedAt' })
 */
export function renderTemporalEntity(result: TemporalResult, options: TemporalRenderOptions, times: Map<number, string> = new Map()): Json {
  const { entity } = result;
  const { terms } = options;
  const out: Json = { id: entity.id, type: entity.types.length === 1 ? terms.compact(entity.types[0] as string) : entity.types.map((t) => terms.compact(t)) };
  if (entity.scopes.length > 0) out.scope = entity.scopes.length === 1 ? entity.scopes[0] : entity.scopes;
  if (options.sysAttrs) {
    out.createdAt = entity.createdAt;
    out.modifiedAt = entity.modifiedAt;
    if (entity.deletedAt) out.deletedAt = entity.deletedAt;
  }
  const byAttr = new Map<string, SeriesResult[]>();
  for (const r of result.series) {
    const list = byAttr.get(r.series.attr) ?? [];
    list.push(r);
    byAttr.set(r.series.attr, list);
  }
  for (const [attr, list] of byAttr) {
    const name = terms.compact(attr);
    if (options.representation === 'normalized') {
      out[name] = list.flatMap((r) => (r.instances ?? []).map((row) => renderInstance(row, r.series, options)));
    } else if (options.representation === 'temporalValues') {
      out[name] = perSeries(list, (r) => {
        const kind = (r.instances?.[0]?.kind ?? r.series.kind) as StoredAttribute['type'];
        return {
          type: kind,
          [SIMPLIFIED_MEMBER[kind]]: (r.instances ?? []).map((row) => [simplifiedContent(row, terms), timeOf(row, options.timeproperty)]),
        };
      });
    } else {
      out[name] = new RawJson(aggregatedText(list, times));
    }
  }
  return out;
}
