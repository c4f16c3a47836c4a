/**
 * Delivery of the notification outbox's webhook rows: leased with FOR UPDATE SKIP LOCKED (safe with several
 * processes), POSTed as JSON, and retried with exponential backoff until the receiver answers 2xx or the
 * attempts run out. E-mail rows stay queued in the same table for a mail relay (the platform sends no mail itself).
 */
import type { Logger } from '../platform/logging/logger.ts';
import type { Queryable } from '../platform/store/store.ts';

/** After this many failed attempts a row is marked failed and no longer tried. */
export const MAX_ATTEMPTS = 10;
const LEASE_SECONDS = 30;
const BATCH = 20;

export interface WebhookDeps {
  store: Queryable;
  logger: Logger;
  retryBaseMs: number;
  retryMaxSeconds: number;
  timeoutMs: number;
}

/** The wait before attempt `attempts + 1`: the base doubled per failed attempt, capped. */
export function backoffMs(attempts: number, baseMs: number, maxSeconds: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), maxSeconds * 1000);
}

export class WebhookDelivery {
  readonly #deps: WebhookDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #again = false;
  #closed = false;

  constructor(deps: WebhookDeps) {
    this.#deps = deps;
  }

  /** Polls the outbox (every retry base, between 50 ms and 1 s) until closed. */
  start(): void {
    const every = Math.min(1000, Math.max(50, this.#deps.retryBaseMs));
    this.#timer = setInterval(() => this.kick(), every);
    this.#timer.unref();
  }

  /** Delivers soon (after a change queued a row); a no-op unless started. */
  kick(): void {
    if (!this.#timer || this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.deliverDue()
      .catch((error) => {
        this.#deps.logger.warn({ err: error }, 'webhook delivery of service-request notifications failed; retrying');
        return 0;
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** Delivers every row that is due now; returns how many were delivered. */
  async deliverDue(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const rows = await this.#deps.store.query<{ id: string; target: string; payload: unknown; attempts: number }>(
        `UPDATE service_request_outbox o SET leased_until = now() + make_interval(secs => $1), attempts = o.attempts + 1
          WHERE o.id IN (SELECT id FROM service_request_outbox
                          WHERE channel = 'webhook' AND delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                            AND (leased_until IS NULL OR leased_until < now())
                          ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
          RETURNING o.id::text AS id, o.target, o.payload, o.attempts`,
        [LEASE_SECONDS, BATCH],
      );
      if (rows.length === 0) return delivered;
      const results = await Promise.all(rows.map((row) => this.#post(row.target, row.payload)));
      const outcome = rows.map((row, i) => ({
        id: row.id,
        ok: results[i] === undefined,
        error: results[i] ?? null,
        retryMs: backoffMs(row.attempts, this.#deps.retryBaseMs, this.#deps.retryMaxSeconds),
        failed: results[i] !== undefined && row.attempts >= MAX_ATTEMPTS,
      }));
      await this.#deps.store.query(
        `UPDATE service_request_outbox o SET leased_until = NULL,
                delivered_at = CASE WHEN x.ok THEN now() END,
                failed_at = CASE WHEN x.failed THEN now() END,
                last_error = x.error,
                next_attempt_at = CASE WHEN x.ok THEN o.next_attempt_at ELSE now() + make_interval(secs => x.retry_ms / 1000.0) END
           FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, ok boolean, error text, retry_ms float8, failed boolean)
          WHERE o.id = x.id AND o.id = ANY($2::bigint[])`,
        // The id list lets the planner reach the rows by primary key whatever its row estimates (a join alone hashed the whole outbox).
        [JSON.stringify(outcome.map((o) => ({ id: o.id, ok: o.ok, error: o.error, retry_ms: o.retryMs, failed: o.failed }))), outcome.map((o) => o.id)],
      );
      delivered += outcome.filter((o) => o.ok).length;
      if (rows.length < BATCH || this.#closed) return delivered;
    }
  }

  /** POSTs one notification; undefined when delivered, else why not. */
  async #post(target: string, payload: unknown): Promise<string | undefined> {
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'CityCloud service requests' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.#deps.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : 'request failed';
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }
}
