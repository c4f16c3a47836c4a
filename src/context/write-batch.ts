/** The hub's one write path: every create, update, merge and delete — single or batched — runs here: read, decide in TypeScript, write in one statement. */
import type { Principal } from '../platform/auth/model.ts';
import type { AuditLog } from '../platform/audit/service.ts';
import { AppError, isAppError } from '../platform/errors/app-error.ts';
import type { Queryable, Store } from '../platform/store/store.ts';
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

/** How often a write is re-read and retried when others changed its entities meanwhile. */
const MAX_ATTEMPTS = 5;

function isWriteConflict(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '40001';
}

/**
 * Applies `items` in order (an id may appear twice: the second sees the first's result) and writes
 * every change in one statement. Item errors do not stop the others (207 semantics); any other error
 * writes nothing. Concurrency is optimistic: the statement applies only to the versions that were
 * read, else it is retried from a fresh read — no lock is held while TypeScript works.
 */
export async function writeEntities<R>(
  deps: { store: Store; audit: AuditLog; catalog: TypeCatalog; statistics?: PlannerStatistics },
  call: WriteCall,
  action: string,
  items: readonly WriteItem<R>[],
): Promise<ItemOutcome<R>[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      // First optimistically, without a lock; if others keep winning, with the rows locked.
      const applied =
        attempt === 1
          ? await applyOnce(deps.store, deps, call, action, items, false)
          : await deps.store.transaction((tx) => applyOnce(tx, deps, call, action, items, true));
      // Only once committed: a catalogue row remembered but rolled back would hide a type from discovery.
      deps.catalog.remember(call.tenant, applied.catalog);
      deps.statistics?.noteInserted(applied.outcomes.filter((o) => o.ok && o.created).length);
      return applied.outcomes;
    } catch (error) {
      if (!isWriteConflict(error)) throw error;
      if (attempt >= MAX_ATTEMPTS) {
        throw new AppError('CONFLICT', 'These entities are being changed by others right now; try again', { retryAfter: 1 });
      }
    }
  }
}

async function applyOnce<R>(
  q: Queryable,
  deps: { audit: AuditLog; catalog: TypeCatalog },
  call: WriteCall,
  action: string,
  items: readonly WriteItem<R>[],
  lock: boolean,
): Promise<{ outcomes: ItemOutcome<R>[]; catalog: ReturnType<TypeCatalog['missing']> }> {
  const ids = [...new Set(items.map((i) => i.id))];
  const existing = await readEntities(q, call.tenant, ids, lock);
  const state = new Map<string, StoredEntity | null>(existing);
  const outcomes: ItemOutcome<R>[] = [];
  for (const item of items) {
    const current = state.get(item.id) ?? undefined;
    try {
      const { next, result } = item.step(current);
      if (next !== undefined) {
        if (current === undefined && next !== null && !canCreate(call.principal)) {
          throw new AppError('FORBIDDEN', 'Your role may not create entities in the context hub');
        }
        if (current !== undefined && !canWrite(call.principal, current)) {
          throw new AppError(
            'FORBIDDEN',
            `Entity ${item.id} belongs to department "${current.ownerDepartment ?? 'none'}"; only that department, its creator or the operations centre may change it`,
          );
        }
        state.set(item.id, next);
      }
      outcomes.push({ id: item.id, ok: true, result, created: current === undefined && next !== undefined && next !== null });
    } catch (error) {
      if (!isAppError(error)) throw error;
      outcomes.push({ id: item.id, ok: false, error });
    }
  }

  const inserts: StoredEntity[] = [];
  const updates: StoredEntity[] = [];
  const deletes: Array<{ id: string; version: number }> = [];
  for (const [id, next] of state) {
    const before = existing.get(id);
    if (next === null) {
      if (before) deletes.push({ id, version: before.version });
    } else if (!before) {
      inserts.push(next);
    } else if (next !== before) {
      // The version read, whatever the steps did: the write applies only if nobody wrote since.
      updates.push({ ...next, version: before.version });
    }
  }
  if (inserts.length + updates.length + deletes.length === 0) return { outcomes, catalog: [] };

  const catalog = deps.catalog.missing(call.tenant, [...inserts, ...updates]);
  const changed = [...inserts, ...updates].map((e) => e.id).concat(deletes.map((d) => d.id));
  const auditRows = deps.audit.rows({
    tenant: call.tenant,
    actor: call.principal,
    action,
    target: { type: 'entity', id: changed.length === 1 ? (changed[0] as string) : null },
    requestId: call.requestId,
    details: { count: changed.length, created: inserts.length, updated: updates.length, deleted: deletes.length, ids: changed.slice(0, 20) },
  });
  await writeChanges(q, call.tenant, {
    inserts,
    updates,
    deletes,
    catalog,
    audit: { sql: deps.audit.insertSql('$4'), rows: auditRows },
  });
  return { outcomes, catalog };
}
