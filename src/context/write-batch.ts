/** The hub's one write path: every create, update, merge and delete — single or batched — runs here, in one transaction with batched SQL. */
import type { Principal } from '../platform/auth/model.ts';
import type { AuditLog } from '../platform/audit/service.ts';
import { AppError, isAppError } from '../platform/errors/app-error.ts';
import type { Queryable, Store } from '../platform/store/store.ts';
import type { StoredEntity } from './model.ts';
import { canCreate, canWrite } from './policy.ts';
import { deleteEntities, insertEntities, lockEntities, recordCatalog, type TypeCatalog, updateEntities } from './store.ts';

/** Who writes, where, and why (for the audit). */
export interface WriteCall {
  tenant: string;
  principal: Principal;
  requestId?: string;
}

/**
 * What one item of a write does, given the entity's current state (undefined: it does not exist):
 * the new state, `null` to delete, or an AppError for this item alone.
 */
export type WriteStep<R> = (current: StoredEntity | undefined) => { next: StoredEntity | null | undefined; result: R };

export interface WriteItem<R> {
  id: string;
  step: WriteStep<R>;
}

export type ItemOutcome<R> = { id: string; ok: true; result: R; created: boolean } | { id: string; ok: false; error: AppError };

/** Raised inside the transaction when a concurrent writer created an entity this batch meant to create. */
class InsertRace extends Error {}

const MAX_ATTEMPTS = 3;

/**
 * Applies `items` in order (an id may appear twice: the second sees the first's result) and writes
 * every change in a handful of statements. Item errors do not stop the others (207 semantics); any
 * other error rolls the whole batch back.
 */
export async function writeEntities<R>(
  deps: { store: Store; audit: AuditLog; catalog: TypeCatalog },
  call: WriteCall,
  action: string,
  items: readonly WriteItem<R>[],
): Promise<ItemOutcome<R>[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { outcomes, catalogRows } = await deps.store.transaction((tx) => applyOnce(tx, deps, call, action, items));
      deps.catalog.remember(call.tenant, catalogRows);
      return outcomes;
    } catch (error) {
      if (!(error instanceof InsertRace) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

async function applyOnce<R>(
  tx: Queryable,
  deps: { audit: AuditLog; catalog: TypeCatalog },
  call: WriteCall,
  action: string,
  items: readonly WriteItem<R>[],
): Promise<{ outcomes: ItemOutcome<R>[]; catalogRows: ReturnType<TypeCatalog['missing']> }> {
  const ids = [...new Set(items.map((i) => i.id))];
  const existing = await lockEntities(tx, call.tenant, ids);
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
  const deletes: string[] = [];
  for (const [id, next] of state) {
    const before = existing.get(id);
    if (next === null) {
      if (before) deletes.push(id);
    } else if (!before) {
      inserts.push(next);
    } else if (next !== before) {
      updates.push(next);
    }
  }
  const inserted = await insertEntities(tx, call.tenant, inserts);
  if (inserted.size !== inserts.length) throw new InsertRace();
  await updateEntities(tx, call.tenant, updates);
  await deleteEntities(tx, call.tenant, deletes);
  const catalogRows = deps.catalog.missing(call.tenant, [...inserts, ...updates]);
  await recordCatalog(tx, call.tenant, catalogRows);

  const changed = [...inserts, ...updates].map((e) => e.id).concat(deletes);
  if (changed.length > 0) {
    await deps.audit.record(tx, {
      tenant: call.tenant,
      actor: call.principal,
      action,
      target: { type: 'entity', id: changed.length === 1 ? (changed[0] as string) : null },
      requestId: call.requestId,
      details: {
        count: changed.length,
        created: inserts.length,
        updated: updates.length,
        deleted: deletes.length,
        ids: changed.slice(0, 20),
      },
    });
  }
  return { outcomes, catalogRows };
}
