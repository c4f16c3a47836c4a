/** Records history as the hub writes: every attribute instance a change creates or modifies becomes a temporal instance, in the same statement as the change. */
import type { StoredAttribute, StoredEntity } from '../context/model.ts';
import type { ChangeObserver, EntityChange, SideWrite } from '../context/write-batch.ts';
import type { BatchWrite } from '../platform/store/store.ts';
import { sameJson } from '../context/same-json.ts';
import {
  entitiesWrite,
  entityKey,
  type InstanceRow,
  instanceRow,
  instancesWrite,
  type RollupRow,
  rollupRows,
  rollupWrite,
  type SeriesRow,
  seriesId,
  seriesKey,
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

/** Entities and series the "known" memo holds at most; past that it starts over (a miss only costs one idempotent row). */
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

/** What this process knows it has committed of one entity's history rows: its temporal_entities row and its series. */
interface EntityMemo {
  /** The temporal_entities row last committed, and when (0: never). */
  row: TemporalEntityRow | undefined;
  rowAt: number;
  /** Series by attribute (then `\u0000datasetId`): the id, and when its row was committed (0: not yet). */
  series: Map<string, { id: string; at: number }>;
}

/** Whether two temporal_entities rows agree on what the read policy and selection see: a change of that is what makes the row be written again. */
function sameSignature(a: TemporalEntityRow, b: TemporalEntityRow): boolean {
  return (
    sameJson(a.types, b.types) &&
    sameJson(a.scopes, b.scopes) &&
    a.owner_department === b.owner_department &&
    a.sharing === b.sharing &&
    (a.deleted_at === null) === (b.deleted_at === null)
  );
}

/**
 * The hub's change observer for history. The hub asks each observer for one side write per statement, so the
 * recorder registers four (entities, series, instances, hourly rollup) that share one computation per statement.
 * Entity and series rows are written only when this process has not yet seen them committed ("known", like the
 * hub's TypeCatalog), so a hot write adds only instance and rollup rows. What is known is kept per entity: a
 * statement looks each entity up once, and its series by attribute within it (no key built, no digest).
 */
export class HistoryRecorder {
  readonly #known = new Map<string, EntityMemo>();
  /** Entities and series in #known; past CACHE_LIMIT it starts over. */
  #size = 0;
  #last: { changes: readonly EntityChange[]; rows: HistoryRows } | undefined;

  #memo(tenant: string, entityId: string): EntityMemo {
    const key = entityKey(tenant, entityId);
    let memo = this.#known.get(key);
    if (!memo) {
      if (this.#size >= CACHE_LIMIT) this.reset();
      memo = { row: undefined, rowAt: 0, series: new Map() };
      this.#known.set(key, memo);
      this.#size++;
    }
    return memo;
  }

  /** The rows a statement's changes add to history (memoised for the four observers of one statement). */
  rowsFor(tenant: string, changes: readonly EntityChange[]): HistoryRows {
    if (this.#last?.changes === changes) return this.#last.rows;
    const entities = new Map<string, TemporalEntityRow>();
    const series = new Map<string, SeriesRow>();
    const instances: InstanceRow[] = [];
    const deletedAt = new Date().toISOString();
    const now = Date.now();
    for (const change of changes) {
      const memo = this.#memo(tenant, change.id);
      const row = change.after ? temporalEntityRow(tenant, change.after) : change.before ? temporalEntityRow(tenant, change.before, deletedAt) : undefined;
      // The last state of an entity in the statement wins (ON CONFLICT may touch a row once per statement).
      if (row) {
        const known = memo.row !== undefined && now - memo.rowAt < KNOWN_TTL_MS && sameSignature(memo.row, row);
        if (known) entities.delete(row.id);
        else entities.set(row.id, row);
      }
      if (!change.after) continue;
      for (const { attr, instance } of changedInstances(change.before, change.after)) {
        const key = seriesKey(attr, instance.datasetId);
        let s = memo.series.get(key);
        if (!s) {
          s = { id: seriesId(tenant, change.id, attr, instance.datasetId ?? ''), at: 0 };
          memo.series.set(key, s);
          this.#size++;
        }
        if (now - s.at >= KNOWN_TTL_MS) series.set(s.id, seriesRow(tenant, change.id, attr, instance, s.id));
        instances.push(instanceRow(s.id, instance, instance.modifiedAt));
      }
    }
    const rows = { entities: [...entities.values()], series: [...series.values()], instances, rollup: rollupRows(instances) };
    this.#last = { changes, rows };
    return rows;
  }

  /** Marks rows as stored; only once their statement committed. */
  remember(rows: Pick<HistoryRows, 'entities' | 'series'>): void {
    const at = Date.now();
    for (const e of rows.entities) {
      const memo = this.#memo(e.tenant, e.id);
      memo.row = e;
      memo.rowAt = at;
    }
    for (const s of rows.series) {
      const memo = this.#memo(s.tenant, s.entity_id);
      const key = seriesKey(s.attr, s.dataset_id);
      const known = memo.series.get(key);
      if (known) known.at = at;
      else {
        memo.series.set(key, { id: s.id, at });
        this.#size++;
      }
    }
  }

  /** Forgets what this process knows of an entity's history rows (after the temporal API deleted or rewrote some of them). */
  forget(tenant: string, entityId: string): void {
    const key = entityKey(tenant, entityId);
    const memo = this.#known.get(key);
    if (!memo) return;
    this.#known.delete(key);
    this.#size -= 1 + memo.series.size;
  }

  /** Forgets everything (after retention deleted entities and series). */
  reset(): void {
    this.#known.clear();
    this.#size = 0;
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
