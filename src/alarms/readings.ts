/** Turns a committed hub change into the engine's `Reading`: the whole entity in keyValues, what changed, and its event time. */
import { renderEntity } from '../context/entity-output.ts';
import type { TermMap } from '../context/ld/model.ts';
import type { StoredAttribute, StoredEntity } from '../context/model.ts';
import type { LiveEvent } from '../subscriptions/live.ts';
import type { Reading } from './engine/model.ts';

function instanceStamp(list: StoredAttribute[] | undefined): string {
  if (!list) return '';
  return list.map((a) => `${a.datasetId ?? ''}@${a.modifiedAt}@${a.observedAt ?? ''}`).join('|');
}

/**
 * The reading of one change; undefined for a deletion (nothing to evaluate).
 * `changed` lists the attributes whose instances were written by this change (a changed `modifiedAt` or
 * `observedAt`, or new); `at` is the latest `observedAt` among them — a device's measurement time — else the write time.
 */
export function readingOf(event: Pick<LiveEvent, 'entity' | 'before'>, terms: TermMap): Reading | undefined {
  const entity: StoredEntity | null = event.entity;
  if (!entity) return undefined;
  const before = event.before;
  const changed: string[] = [];
  let observed = Number.NEGATIVE_INFINITY;
  for (const [iri, list] of Object.entries(entity.attrs)) {
    if (before && instanceStamp(before.attrs[iri]) === instanceStamp(list)) continue;
    changed.push(terms.compact(iri));
    for (const instance of list) {
      if (!instance.observedAt) continue;
      const t = Date.parse(instance.observedAt);
      if (Number.isFinite(t) && t > observed) observed = t;
    }
  }
  const attrs = renderEntity(entity, { terms, representation: 'keyValues', sysAttrs: false, omitId: true, omitType: true });
  const type = entity.types[0] ? terms.compact(entity.types[0]) : 'Thing';
  const at = Number.isFinite(observed) ? observed : Date.parse(entity.modifiedAt);
  return { id: entity.id, type, attrs, changed, at };
}
