/** The audit trail: who did what, when, to what, and with which outcome — written in the caller's transaction. */
import { AppError } from '../errors/app-error.ts';
import type { Principal } from '../auth/model.ts';
import { type BatchColumn, insertBatch, insertBatchSql, type Queryable } from '../store/store.ts';

const AUDIT_COLUMNS: readonly BatchColumn[] = [
  ...['tenant_id', 'actor_type', 'actor_id', 'actor_name', 'action', 'target_type', 'target_id', 'outcome', 'reason', 'request_id'].map(
    (name) => ({ name, type: 'text' }),
  ),
  { name: 'details', type: 'jsonb' },
];

export type AuditOutcome = 'success' | 'denied' | 'failure';

export interface AuditEvent {
  tenant: string;
  actor: Principal;
  /** `<thing>.<verb>`, e.g. `user.create`, `apiKey.revoke`, `auth.login`. */
  action: string;
  target?: { type: string; id: string | null };
  outcome?: AuditOutcome;
  /** Why the actor did it, when they said (or why it was refused). */
  reason?: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: string; id: string | null; name: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  outcome: AuditOutcome;
  reason: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  limit: number;
  /** Cursor: entries older than this id. */
  before?: string;
  action?: string;
  actorId?: string;
}

interface AuditRow {
  id: number;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: AuditOutcome;
  reason: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

export class AuditLog {
  /** Appends events with one statement; pass the transaction of the change so both commit together. */
  async record(q: Queryable, events: AuditEvent | readonly AuditEvent[]): Promise<void> {
    const rows = this.rows(events);
    if (rows.length === 0) return;
    await insertBatch(q, 'audit_log', AUDIT_COLUMNS, rows);
  }

  /**
   * The INSERT of `events` for use inside a caller's own statement (a data-modifying WITH), so a
   * change and its audit commit as one statement: `param` is the placeholder of JSON.stringify(rows(events)).
   */
  insertSql(param: string): string {
    return insertBatchSql('audit_log', AUDIT_COLUMNS, param);
  }

  /** Audit events as rows of the audit table. */
  rows(events: AuditEvent | readonly AuditEvent[]) {
    const list = Array.isArray(events) ? events : [events as AuditEvent];
    return list.map((e) => ({
      tenant_id: e.tenant,
      actor_type: e.actor.kind,
      actor_id: e.actor.id,
      actor_name: e.actor.name,
      action: e.action,
      target_type: e.target?.type ?? null,
      target_id: e.target?.id ?? null,
      outcome: e.outcome ?? 'success',
      reason: e.reason ?? null,
      request_id: e.requestId ?? null,
      details: e.details ?? {},
    }));
  }

  async list(q: Queryable, tenant: string, query: AuditQuery): Promise<{ entries: AuditEntry[]; next: string | null }> {
    if (query.before !== undefined && !/^\d{1,18}$/.test(query.before)) {
      throw new AppError('BAD_REQUEST_DATA', '"before" must be the "next" cursor of a previous page');
    }
    const rows = await q.query<AuditRow>(
      `SELECT id, at, actor_type, actor_id, actor_name, action, target_type, target_id, outcome, reason,
              request_id, details
       FROM audit_log
       WHERE tenant_id = $1
         AND ($2::bigint IS NULL OR id < $2::bigint)
         AND ($3::text IS NULL OR action = $3)
         AND ($4::text IS NULL OR actor_id = $4)
       ORDER BY id DESC
       LIMIT $5`,
      [tenant, query.before ?? null, query.action ?? null, query.actorId ?? null, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    return {
      entries: page.map((r) => ({
        id: String(r.id),
        at: r.at.toISOString(),
        actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
        action: r.action,
        target: { type: r.target_type, id: r.target_id },
        outcome: r.outcome,
        reason: r.reason,
        requestId: r.request_id,
        details: r.details,
      })),
      next: rows.length > query.limit ? String(page[page.length - 1]?.id) : null,
    };
  }
}
