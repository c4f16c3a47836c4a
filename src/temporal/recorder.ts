/** Records history as the hub writes: every attribute instance a change creates or modifies becomes a temporal instance, in the same statement as the change. */
import type { StoredAttribute, StoredEntity } from '../context/model.ts';
import type { ChangeObserver, EntityChange, SideWrite } from '../context/write-batch.ts';
import type { BatchWrite } from '../platform/store/store.ts';
import { sameJson } from '../context/same-json.ts';
import {
  entitiesWrite,
  entitySignature,
  type InstanceRow,
  instanceRow,
  instancesWrite,
  type RollupRow,
  rollupRows,
  rollupWrite,
  type SeriesRow,
  seriesRow,
  seriesWrite,
  type TemporalEntityRow,
  temporalEntityRow,
} from './rows.ts';

export interface HistoryRows {
  entities: TemporalEntityRow[];
  series: SeriesRow[];
  instances: InstanceRow[];
  rollup: RollupRow[];
}

/** Entries a "known" cache holds at most; past that it starts over (a cache miss only costs one idempotent row). */
const CACHE_LIMIT = 500_000;
/**
 * How long a "known" entry is trusted. Another node may delete a temporal entity (and its series) through the
 * temporal API; this node then writes the rows again at most this long after, and the instances it recorded
 * meanwhile become visible again. Re-writing an idempotent row once a minute per entity costs nothing measurable.
 */
const KNOWN_TTL_MS = 60_000;

function sameInstance(a: StoredAttribute, b: StoredAttribute): boolean {
  return sameJson(a, b);
}

/** The instances of `after` that are new or differ from `before` (same attribute and datasetId), with their attribute IRI. */
export function changedInstances(before: StoredEntity | undefined, after: StoredEntity): Array<{ attr: string; instance: StoredAttribute }> {
  const out: Array<{ attr: string; instance: StoredAttribute }> = [];
  for (const [attr, list] of Object.entries(after.attrs)) {
    const old = before?.attrs[attr];
    if (old === list) continue;
    for (const instance of list) {
      const previous = old?.find((o) => o.datasetId === instance.datasetId);
      if (!previous || !sameInstance(previous, instance)) out.push({ attr, instance });
    }
  }
  return out;
}

/**
 * The hub's change observer for history. The hub asks each observer for one side write per statement, so the
 * recorder registers four (entities, series, instances, hourly rollup) that share one computation per statement.
 * Entity and series rows are written only when this process has not yet seen them committed ("known" caches,
 * like the hub's TypeCatalog), so a hot write adds only instance and rollup rows.
 */
export class HistoryRecorder {
  readonly #knownEntities = new Map<string, { signature: string; at: number }>();
  readonly #knownSeries = new Map<string, number>();

  #knowsSeries(id: string, now: number): boolean {
    const at = this.#knownSeries.get(id);
    return at !== undefined && now - at < KNOWN_TTL_MS;
  }

  #knowsEntity(key: string, signature: string, now: number): boolean {
    const known = this.#knownEntities.get(key);
    return known !== undefined && known.signature === signature && now - known.at < KNOWN_TTL_MS;
  }
  #last: { changes: readonly EntityChange[]; rows: HistoryRows } | undefined;

  /** The rows a statement's changes add to history (memoised for the four observers of one statement). */
  rowsFor(tenant: string, changes: readonly EntityChange[]): HistoryRows {
    if (this.#last?.changes === changes) return this.#last.rows;
    const entities = new Map<string, TemporalEntityRow>();
    const series = new Map<string, SeriesRow>();
    const instances: InstanceRow[] = [];
    const deletedAt = new Date().toISOString();
    const now = Date.now();
    for (const change of changes) {
      const row = change.after ? temporalEntityRow(tenant, change.after) : change.before ? temporalEntityRow(tenant, change.before, deletedAt) : undefined;
      // The last state of an entity in the statement wins (ON CONFLICT may touch a row once per statement).
      if (row) entities.set(row.id, row);
      if (!change.after) continue;
      for (const { attr, instance } of changedInstances(change.before, change.after)) {
        const s = seriesRow(tenant, change.id, attr, instance);
        if (!this.#knowsSeries(s.id, now)) series.set(s.id, s);
        instances.push(instanceRow(s.id, instance, instance.modifiedAt));
      }
    }
    const changedEntities = [...entities.values()].filter((e) => !this.#knowsEntity(`${tenant}\u0000${e.id}`, entitySignature(e), now));
    const rows = { entities: changedEntities, series: [...series.values()], instances, rollup: rollupRows(instances) };
    this.#last = { changes, rows };
    return rows;
  }

  /** Marks rows as stored; only once their statement committed. */
  remember(rows: Pick<HistoryRows, 'entities' | 'series'>): void {
    if (this.#knownEntities.size + rows.entities.length > CACHE_LIMIT) this.#knownEntities.clear();
    if (this.#knownSeries.size + rows.series.length > CACHE_LIMIT) this.#knownSeries.clear();
    const at = Date.now();
    for (const e of rows.entities) this.#knownEntities.set(`${e.tenant}\u0000${e.id}`, { signature: entitySignature(e), at });
    for (const s of rows.series) this.#knownSeries.set(s.id, at);
  }

  /** Forgets what this process knows of an entity's history rows (after the temporal API deleted some of them). */
  forget(tenant: string, entityId: string): void {
    this.#knownEntities.delete(`${tenant}\u0000${entityId}`);
    // Series ids are digests: which belong to the entity is not known here, so start over (deletions are rare).
    this.#knownSeries.clear();
  }

  /** Forgets everything (after retention deleted entities and series). */
  reset(): void {
    this.#knownEntities.clear();
    this.#knownSeries.clear();
  }

  /** The four observers to register on the hub, one per table. */
  observers(): ChangeObserver[] {
    const part = <K extends keyof HistoryRows>(key: K, write: (rows: HistoryRows[K]) => BatchWrite): ChangeObserver => ({
      sideWrite: (tenant, changes): SideWrite => {
        const rows = this.rowsFor(tenant, changes)[key];
        return { ...write(rows), rows };
      },
      committed: (_tenant, _changes, written) => {
        if (!written) return;
        if (key === 'entities') this.remember({ entities: written.rows as TemporalEntityRow[], series: [] });
        if (key === 'series') this.remember({ entities: [], series: written.rows as SeriesRow[] });
      },
    });
    return [part('entities', entitiesWrite), part('series', seriesWrite), part('instances', instancesWrite), part('rollup', rollupWrite)];
  }
}
