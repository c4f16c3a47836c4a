/** The hub's one write path: every create, update, merge and delete — single or batched — runs here: read, decide in TypeScript, write in one statement. */
import type { Principal } from '../platform/auth/model.ts';
import type { AuditEvent, AuditLog } from '../platform/audit/service.ts';
import { randomInt } from 'node:crypto';
import { AppError, isAppError } from '../platform/errors/app-error.ts';
import type { BatchWrite, Queryable, Store } from '../platform/store/store.ts';
import type { EntityCache } from './entity-cache.ts';
import type { EntityTurns } from './entity-turns.ts';
import type { StoredEntity } from './model.ts';
import { canCreate, canWrite } from './policy.ts';
import { type PlannerStatistics, readEntities, type TypeCatalog, writeChanges } from './store.ts';

/** Who writes, where, and why (for the audit). */
export interface WriteCall {
  tenant: string;
  principal: Principal;
  requestId?: string;
}

/**
 * What one item of a write does, given the entity's current state (undefined: it does not exist):
 * the new state, `null` to delete, `undefined` to leave it, or an AppError thrown for this item alone.
 */
export type WriteStep<R> = (current: StoredEntity | undefined) => { next: StoredEntity | null | undefined; result: R };

export interface WriteItem<R> {
  id: string;
  step: WriteStep<R>;
}

export type ItemOutcome<R> = { id: string; ok: true; result: R; created: boolean } | { id: string; ok: false; error: AppError };

/** One step's change of one entity, in the order the steps ran (an entity changed twice in a statement appears twice). */
export interface EntityChange {
  id: string;
  /** The entity before this step; undefined when this step created it. */
  before: StoredEntity | undefined;
  /** The entity after this step; null when this step deleted it. */
  after: StoredEntity | null;
  /** The audit action of the request, e.g. `entity.merge`. */
  action: string;
  principal: Principal;
  requestId?: string;
}

/**
 * Rows a capability writes in the same statement as the entity changes, so both commit or neither:
 * a data-modifying statement over its parameters (BatchWrite), and `rows`, what it writes (a side write
 * of no rows is left out of the statement; `committed` is handed it back).
 */
export interface SideWrite extends BatchWrite {
  rows: readonly unknown[];
}

/**
 * A capability that hears of every change of the hub: temporal history, subscriptions, live views.
 * `sideWrite` is asked once per statement attempt (a retry asks again with the fresh changes);
 * `committed` is told once the changes are durable, with what `sideWrite` returned for them.
 */
export interface ChangeObserver {
  sideWrite?(tenant: string, changes: readonly EntityChange[]): SideWrite | undefined;
  /** Must not throw: it runs after the caller's write succeeded. */
  committed?(tenant: string, changes: readonly EntityChange[], written: SideWrite | undefined): void;
}

export interface WriteDeps {
  store: Store;
  audit: AuditLog;
  catalog: TypeCatalog;
  statistics?: PlannerStatistics;
  /** Single-entity writes waiting for the one in flight, to be written together with the next statement. */
  queue?: WriteQueue;
  /** Entities last written by this process: a first attempt starts from them instead of reading the rows. */
  cache?: EntityCache;
  /** Orders this process's writes to the same entities, so they do not fail each other's version check. */
  turns?: EntityTurns;
  /** Told of every change; may add rows to the same statement. */
  observers?: readonly ChangeObserver[];
  /** Where an observer's failure after commit is reported. */
  onObserverError?: (error: unknown) => void;
}

/** One request's write: its items are applied in order and audited as one event. */
interface Job {
  call: WriteCall;
  action: string;
  items: readonly WriteItem<unknown>[];
}

type Catalog = ReturnType<TypeCatalog['missing']>;

/** How often a write is re-read and retried when others changed its entities meanwhile. */
const MAX_ATTEMPTS = 5;
/** How many queued single-entity writes one statement takes at most. */
const MAX_COALESCED = 256;

function isWriteConflict(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '40001';
}

/**
 * Applies `items` in order (an id may appear twice: the second sees the first's result) and writes
 * every change in one statement. Item errors do not stop the others (207 semantics); any other error
 * writes nothing. Concurrency is optimistic: the statement applies only to the versions that were
 * read, else it is retried from a fresh read — no lock is held while TypeScript works.
 *
 * Single-entity writes that arrive while another write is in flight are queued and written
 * together (group commit): one read, one statement and one commit for many requests, each keeping
 * its own outcome and audit event.
 */
export async function writeEntities<R>(deps: WriteDeps, call: WriteCall, action: string, items: readonly WriteItem<R>[]): Promise<ItemOutcome<R>[]> {
  const job: Job = { call, action, items };
  if (deps.queue && items.length === 1) return (await deps.queue.submit(deps, job)) as ItemOutcome<R>[];
  const [outcomes] = await writeJobs(deps, [job]);
  return outcomes as ItemOutcome<R>[];
}

/** Writes jobs of one city together, retrying on conflict (then with the rows locked). */
async function writeJobs(deps: WriteDeps, jobs: readonly Job[]): Promise<ItemOutcome<unknown>[][]> {
  const tenant = (jobs[0] as Job).call.tenant;
  if (!deps.turns) return attempts(deps, tenant, jobs);
  const endTurn = await deps.turns.take(
    tenant,
    jobs.flatMap((job) => job.items.map((i) => i.id)),
  );
  try {
    return await attempts(deps, tenant, jobs);
  } finally {
    endTurn();
  }
}

async function attempts(deps: WriteDeps, tenant: string, jobs: readonly Job[]): Promise<ItemOutcome<unknown>[][]> {
  for (let attempt = 1; ; attempt++) {
    try {
      // First optimistically, without a lock; if others keep winning, with the rows locked.
      const applied =
        attempt === 1
          ? await applyOnce(deps.store, deps, tenant, jobs, false)
          : await deps.store.transaction((tx) => applyOnce(tx, deps, tenant, jobs, true));
      // Only once committed: a catalogue row remembered but rolled back would hide a type from discovery.
      deps.catalog.remember(tenant, applied.catalog);
      deps.cache?.settle(tenant, applied.existing, applied.stored);
      deps.statistics?.noteInserted(applied.outcomes.flat().filter((o) => o.ok && o.created).length);
      if (applied.changes.length > 0) tellCommitted(deps, tenant, applied.changes, applied.written);
      return applied.outcomes;
    } catch (error) {
      if (!isWriteConflict(error)) throw error;
      // Someone else wrote these entities: what this process remembers of them is stale.
      deps.cache?.forget(
        tenant,
        jobs.flatMap((job) => job.items.map((i) => i.id)),
      );
      if (attempt >= MAX_ATTEMPTS) {
        throw new AppError('CONFLICT', 'These entities are being changed by others right now; try again', { retryAfter: 1 });
      }
    }
  }
}

function tellCommitted(deps: WriteDeps, tenant: string, changes: readonly EntityChange[], written: ReadonlyArray<SideWrite | undefined>): void {
  deps.observers?.forEach((observer, i) => {
    try {
      observer.committed?.(tenant, changes, written[i]);
    } catch (error) {
      deps.onObserverError?.(error);
    }
  });
}

/** Queues single-entity writes while one is in flight, and writes the queue in one statement. */
export class WriteQueue {
  #pending: Array<{ job: Job; resolve: (outcomes: ItemOutcome<unknown>[]) => void; reject: (error: unknown) => void }> = [];
  #flushing = false;

  submit(deps: WriteDeps, job: Job): Promise<ItemOutcome<unknown>[]> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ job, resolve, reject });
      if (!this.#flushing) void this.#flush(deps);
    });
  }

  async #flush(deps: WriteDeps): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        // One city per statement; the others wait for the next turn of the loop.
        const tenant = this.#pending[0]?.job.call.tenant;
        const taken = this.#pending.filter((p) => p.job.call.tenant === tenant).slice(0, MAX_COALESCED);
        this.#pending = this.#pending.filter((p) => !taken.includes(p));
        try {
          const outcomes = await writeJobs(
            deps,
            taken.map((p) => p.job),
          );
          taken.forEach((p, i) => {
            p.resolve(outcomes[i] as ItemOutcome<unknown>[]);
          });
        } catch (error) {
          if (taken.length === 1) {
            taken[0]?.reject(error);
            continue;
          }
          // Something in one request broke the shared statement: write each alone, so only it fails.
          for (const p of taken) {
            await writeJobs(deps, [p.job]).then(
              (outcomes) => p.resolve(outcomes[0] as ItemOutcome<unknown>[]),
              (failure: unknown) => p.reject(failure),
            );
          }
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}

function stepOne(job: Job, item: WriteItem<unknown>, current: StoredEntity | undefined) {
  const { next, result } = item.step(current);
  if (next !== undefined) {
    if (current === undefined && next !== null && !canCreate(job.call.principal)) {
      throw new AppError('FORBIDDEN', 'Your role may not create entities in the context hub');
    }
    if (current !== undefined && !canWrite(job.call.principal, current)) {
      throw new AppError(
        'FORBIDDEN',
        `Entity ${item.id} belongs to department "${current.ownerDepartment ?? 'none'}"; only that department, its creator or the operations centre may change it`,
      );
    }
  }
  return { next, result };
}

/**
 * The entities a write starts from: those this process remembers, the others read (all of them, locked,
 * when `lock`: a retry after a conflict trusts nothing remembered).
 */
async function readExisting(q: Queryable, cache: EntityCache | undefined, tenant: string, ids: readonly string[], lock: boolean): Promise<Map<string, StoredEntity>> {
  if (!cache || lock) return readEntities(q, tenant, ids, lock);
  const { found, missing } = cache.take(tenant, ids);
  if (missing.length === 0) return found;
  const read = await readEntities(q, tenant, missing);
  cache.remember(tenant, read.values());
  for (const [id, entity] of read) found.set(id, entity);
  return found;
}

/** The version a created entity starts at: random, so an entity deleted and created again never repeats one that a remembered copy of the old one carries. */
const firstVersion = () => randomInt(1, 2 ** 47);

interface Applied {
  outcomes: ItemOutcome<unknown>[][];
  catalog: Catalog;
  changes: EntityChange[];
  written: Array<SideWrite | undefined>;
  /** The entities as read (or remembered) before the statement. */
  existing: Map<string, StoredEntity>;
  /** What the statement left of each entity it wrote, with its new version (null: deleted). */
  stored: Map<string, StoredEntity | null>;
}

async function applyOnce(
  q: Queryable,
  deps: { audit: AuditLog; catalog: TypeCatalog; observers?: readonly ChangeObserver[]; cache?: EntityCache },
  tenant: string,
  jobs: readonly Job[],
  lock: boolean,
): Promise<Applied> {
  const ids = [...new Set(jobs.flatMap((job) => job.items.map((i) => i.id)))];
  const existing = await readExisting(q, deps.cache, tenant, ids, lock);
  const state = new Map<string, StoredEntity | null>(existing);
  const outcomes: ItemOutcome<unknown>[][] = [];
  const audit: AuditEvent[] = [];
  const changes: EntityChange[] = [];
  for (const job of jobs) {
    const jobOutcomes: ItemOutcome<unknown>[] = [];
    const touched = new Set<string>();
    for (const item of job.items) {
      const current = state.get(item.id) ?? undefined;
      try {
        const { next, result } = stepOne(job, item, current);
        if (next !== undefined) {
          state.set(item.id, next);
          touched.add(item.id);
          changes.push({ id: item.id, before: current, after: next, action: job.action, principal: job.call.principal, requestId: job.call.requestId });
        }
        jobOutcomes.push({ id: item.id, ok: true, result, created: current === undefined && next !== undefined && next !== null });
      } catch (error) {
        if (!isAppError(error)) throw error;
        jobOutcomes.push({ id: item.id, ok: false, error });
      }
    }
    outcomes.push(jobOutcomes);
    if (touched.size > 0) {
      const changed = [...touched];
      const created = jobOutcomes.filter((o) => o.ok && o.created).length;
      const deleted = changed.filter((id) => state.get(id) === null).length;
      audit.push({
        tenant,
        actor: job.call.principal,
        action: job.action,
        target: { type: 'entity', id: changed.length === 1 ? (changed[0] as string) : null },
        requestId: job.call.requestId,
        details: { count: changed.length, created, updated: changed.length - created - deleted, deleted, ids: changed.slice(0, 20) },
      });
    }
  }

  const inserts: StoredEntity[] = [];
  const updates: StoredEntity[] = [];
  const deletes: Array<{ id: string; version: number }> = [];
  const stored = new Map<string, StoredEntity | null>();
  for (const [id, next] of state) {
    const before = existing.get(id);
    if (next === null) {
      if (before) {
        deletes.push({ id, version: before.version });
        stored.set(id, null);
      }
    } else if (!before) {
      const created = { ...next, version: firstVersion() };
      inserts.push(created);
      stored.set(id, created);
    } else if (next !== before) {
      // The version read, whatever the steps did: the write applies only if nobody wrote since.
      updates.push({ ...next, version: before.version });
      stored.set(id, { ...next, version: before.version + 1 });
    }
  }
  if (inserts.length + updates.length + deletes.length === 0) return { outcomes, catalog: [], changes: [], written: [], existing, stored };

  const catalog = deps.catalog.missing(tenant, [...inserts, ...updates]);
  // A step that re-created what an earlier step of this statement deleted (or the reverse) is still told in order.
  const written = (deps.observers ?? []).map((observer) => observer.sideWrite?.(tenant, changes));
  await writeChanges(q, tenant, {
    inserts,
    updates,
    previous: existing,
    deletes,
    catalog,
    audit: { sql: deps.audit.insertSql('$4'), rows: deps.audit.rows(audit) },
    sideWrites: written.filter((w): w is SideWrite => w !== undefined && w.rows.length > 0),
  });
  return { outcomes, catalog, changes, written, existing, stored };
}
