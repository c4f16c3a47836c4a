/** Pure operations on an entity's stored attributes: append, update, merge, replace and delete, instance by datasetId. */
import type { StoredAttribute, StoredAttributes } from './model.ts';

/** An attribute the operation left alone, and why (UpdateResult.notUpdated, clause 5.2.18). */
export interface NotUpdated {
  attributeIri: string;
  reason: string;
}

export interface AttributeChange {
  attrs: StoredAttributes;
  updated: string[];
  notUpdated: NotUpdated[];
}

const sameDataset = (a: StoredAttribute, datasetId: string | undefined) => a.datasetId === datasetId;

/**
 * The attributes to change: a new record sharing the instance lists, each copied only where it changes
 * (`listOf`). An attribute a write leaves alone keeps its list, so later steps see it unchanged by identity
 * (history and the location index skip it without comparing).
 */
function copy(attrs: StoredAttributes): StoredAttributes {
  return { ...attrs };
}

/** A copy of the instance list of `iri`, to change (empty when the attribute is new). */
function listOf(attrs: StoredAttributes, iri: string): StoredAttribute[] {
  return attrs[iri]?.slice() ?? [];
}

/** Keeps the creation time of the instance being overwritten. */
function replacing(old: StoredAttribute, next: StoredAttribute): StoredAttribute {
  return { ...next, createdAt: old.createdAt };
}

/** Puts the default instance (no datasetId) first, so it is the one shown where one instance is expected. */
function ordered(list: StoredAttribute[]): StoredAttribute[] {
  const index = list.findIndex((a) => a.datasetId === undefined);
  if (index <= 0) return list;
  return [list[index] as StoredAttribute, ...list.slice(0, index), ...list.slice(index + 1)];
}

/**
 * Append Attributes (clause 5.6.3): adds new attributes and instances; an existing instance (same
 * datasetId) is overwritten unless `noOverwrite`.
 */
export function appendAttributes(existing: StoredAttributes, incoming: StoredAttributes, noOverwrite: boolean): AttributeChange {
  const attrs = copy(existing);
  const updated: string[] = [];
  const notUpdated: NotUpdated[] = [];
  for (const [iri, instances] of Object.entries(incoming)) {
    const list = listOf(attrs, iri);
    let changed = false;
    for (const instance of instances) {
      const at = list.findIndex((a) => sameDataset(a, instance.datasetId));
      if (at === -1) {
        list.push(instance);
        changed = true;
      } else if (noOverwrite) {
        notUpdated.push({ attributeIri: iri, reason: 'The attribute exists and noOverwrite was asked' });
      } else {
        list[at] = replacing(list[at] as StoredAttribute, instance);
        changed = true;
      }
    }
    attrs[iri] = ordered(list);
    if (changed) updated.push(iri);
  }
  return { attrs, updated, notUpdated };
}

/** Update Attributes (clause 5.6.2): replaces instances that exist; the others are reported, not added. */
export function updateAttributes(existing: StoredAttributes, incoming: StoredAttributes): AttributeChange {
  const attrs = copy(existing);
  const updated: string[] = [];
  const notUpdated: NotUpdated[] = [];
  for (const [iri, instances] of Object.entries(incoming)) {
    const list = attrs[iri] ? listOf(attrs, iri) : undefined;
    let changed = false;
    for (const instance of instances) {
      const at = list ? list.findIndex((a) => sameDataset(a, instance.datasetId)) : -1;
      if (!list || at === -1) {
        notUpdated.push({
          attributeIri: iri,
          reason: instance.datasetId
            ? `The entity has no instance of this attribute with datasetId ${instance.datasetId}`
            : 'The entity has no such attribute',
        });
        continue;
      }
      list[at] = replacing(list[at] as StoredAttribute, instance);
      changed = true;
    }
    if (changed) {
      attrs[iri] = list as StoredAttribute[];
      updated.push(iri);
    }
  }
  return { attrs, updated, notUpdated };
}

/**
 * Merges an incoming instance into an existing one (merge-patch, partial attribute update): the
 * content and metadata given replace those stored; sub-attributes merge one level down.
 */
export function mergeInstance(old: StoredAttribute, patch: StoredAttribute, explicitMembers?: ReadonlySet<string>): StoredAttribute {
  const merged: StoredAttribute = { ...old, modifiedAt: patch.modifiedAt };
  const take = (member: keyof StoredAttribute) => {
    if (patch[member] !== undefined && (explicitMembers === undefined || explicitMembers.has(member))) {
      (merged as unknown as Record<string, unknown>)[member] = patch[member];
    }
  };
  if (patch.type !== old.type && (explicitMembers === undefined || explicitMembers.has('type'))) {
    // A new kind brings its own content member; the old one no longer applies.
    for (const m of ['value', 'object', 'languageMap', 'vocab', 'json', 'valueList', 'objectList'] as const) delete merged[m];
    merged.type = patch.type;
  }
  for (const m of ['value', 'object', 'languageMap', 'vocab', 'json', 'valueList', 'objectList', 'observedAt', 'unitCode', 'objectType'] as const) {
    take(m);
  }
  if (patch.sub || patch.unset) {
    merged.sub = { ...(old.sub ?? {}) };
    for (const [iri, sub] of Object.entries(patch.sub ?? {})) {
      const before = merged.sub[iri];
      merged.sub[iri] = before ? mergeInstance(before, sub) : withoutUnset(sub);
    }
    for (const iri of patch.unset ?? []) delete merged.sub[iri];
    if (Object.keys(merged.sub).length === 0) delete merged.sub;
  }
  delete merged.unset;
  return merged;
}

/** An instance as it may be stored: without the merge-only `unset` list, at any depth. */
function withoutUnset(instance: StoredAttribute): StoredAttribute {
  if (!instance.unset && !instance.sub) return instance;
  const { unset: _unset, ...rest } = instance;
  if (rest.sub) rest.sub = Object.fromEntries(Object.entries(rest.sub).map(([iri, sub]) => [iri, withoutUnset(sub)]));
  return rest;
}

/**
 * Merge Entity (clause 5.6.17, merge-patch): attributes given are merged into those stored (new ones
 * added), attributes set to NGSI-LD null are removed.
 */
export function mergeAttributes(existing: StoredAttributes, incoming: StoredAttributes, deletions: readonly string[]): AttributeChange {
  const attrs = copy(existing);
  const updated: string[] = [];
  for (const iri of deletions) {
    if (attrs[iri]) {
      delete attrs[iri];
      updated.push(iri);
    }
  }
  for (const [iri, instances] of Object.entries(incoming)) {
    const list = listOf(attrs, iri);
    for (const instance of instances) {
      const at = list.findIndex((a) => sameDataset(a, instance.datasetId));
      if (at === -1) list.push(withoutUnset(instance));
      else list[at] = mergeInstance(list[at] as StoredAttribute, instance);
    }
    attrs[iri] = ordered(list);
    updated.push(iri);
  }
  return { attrs, updated, notUpdated: [] };
}

/** Replace Entity (clause 5.6.18): the new attributes, keeping creation times of instances that survive. */
export function replaceAttributes(existing: StoredAttributes, incoming: StoredAttributes): StoredAttributes {
  const attrs: StoredAttributes = {};
  for (const [iri, instances] of Object.entries(incoming)) {
    const before = existing[iri] ?? [];
    attrs[iri] = ordered(
      instances.map((instance) => {
        const old = before.find((a) => sameDataset(a, instance.datasetId));
        return old ? replacing(old, instance) : instance;
      }),
    );
  }
  return attrs;
}

/**
 * Delete Attribute (clause 5.6.5): the default instance, the one of `datasetId`, or all of them.
 * Returns undefined when nothing matched.
 */
export function deleteAttribute(
  existing: StoredAttributes,
  iri: string,
  selector: { datasetId?: string; deleteAll?: boolean },
): StoredAttributes | undefined {
  const list = existing[iri];
  if (!list) return undefined;
  const attrs = copy(existing);
  if (selector.deleteAll) {
    delete attrs[iri];
    return attrs;
  }
  const rest = list.filter((a) => !sameDataset(a, selector.datasetId));
  if (rest.length === list.length) return undefined;
  if (rest.length === 0) delete attrs[iri];
  else attrs[iri] = rest;
  return attrs;
}
