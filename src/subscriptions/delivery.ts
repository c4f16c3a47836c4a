/**
 * Delivery from the outbox: one queue per subscription, so a slow or dead receiver delays only its own.
 *
 * A queue is in one of two modes. In `memory` mode it holds the rows this process just wrote (and leased to
 * itself) and sends them at once — the fast path. When its receiver fails, or it falls behind by more than
 * `memoryPerQueue` rows, it drops what it holds and switches to `table` mode: it reads its rows back from the
 * outbox a page at a time, in order, claiming those no live process holds and stopping at the first one another
 * process holds. When a read reaches the end of the table, it returns to memory mode with what it read and the rows
 * this process committed meanwhile (kept aside while in table mode), so under a steady stream of writes it does not
 * keep reading the table back. Queues begin in table mode,
 * so rows left by an earlier process (a restart, a crash) go out before new ones.
 *
 * Delivered rows are deleted, and the subscriptions' counters updated, in batches. A sweeper finds rows whose
 * lease ran out (their process died) and hands them to the queues here. At-least-once: a row is deleted only
 * after its receiver accepted it.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../platform/store/store.ts';
import { type SubscriptionRecord, subscriptionState } from './model.ts';
import type { Sender } from './senders.ts';
import { acknowledge, claimHead, dropQueue, type OutboxRow, orphanedQueues, releaseLeases, renewLeases, type StatusDelta } from './store.ts';

/** What delivery needs to know of a subscription: its record and how to build its notification. */
/** On PGlite, VACUUM the outbox after this many delivered rows were deleted (it takes milliseconds on a healthy outbox). */
const VACUUM_EVERY = 50_000;

export interface DeliveryTarget {
  record: SubscriptionRecord;
  /** The Link header URL of the subscription's @context, and its document for JSON-LD bodies. */
  contextLink: string;
  contextDocument: unknown;
}

export interface DeliveryOptions {
  store: Store;
  sender: Sender;
  /** This process's lease name. */
  owner: string;
  leaseSeconds: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Rows a queue keeps in memory before it leaves its backlog in the table. */
  memoryPerQueue: number;
  /** Items in one notification at most. */
  maxBatch: number;
  sweepMs: number;
  /** The subscription, from the cache or else the store; undefined when it does not exist. */
  lookup(tenant: string, id: string): Promise<DeliveryTarget | undefined>;
  onError(error: unknown, context: string): void;
  /** Told of each attempt (metrics, tests). */
  onAttempt?(tenant: string, subscriptionId: string, ok: boolean, items: number): void;
}

type Mode = 'memory' | 'table';

class Queue {
  mode: Mode = 'table';
  items: OutboxRow[] = [];
  /** Bumped whenever `items` is replaced, so a send that finishes late does not remove rows that are no longer its own. */
  generation = 0;
  /**
   * In table mode, the rows this process enqueued since the last read of the table (up to memoryPerQueue; `overflow`
   * once more came): when a read reaches the end of the table, they are what committed after it, and the queue can
   * return to memory mode at once instead of reading the table again while writes keep coming.
   */
  pending: OutboxRow[] = [];
  overflow = false;
  /** Keys of the read that returned the queue to memory mode: a row committed before it may still be enqueued after it. */
  lastRead: Set<string> | undefined;
  running = false;
  timer: NodeJS.Timeout | undefined;
  attempts = 0;
  notBefore = 0;

  constructor(
    readonly tenant: string,
    readonly id: string,
  ) {}
}

const queueKey = (tenant: string, id: string) => `${tenant}\u0001${id}`;

export class Delivery {
  readonly #queues = new Map<string, Queue>();
  readonly #options: DeliveryOptions;
  #pendingAcks: string[] = [];
  /** Outbox rows deleted since the last VACUUM (PGlite has no autovacuum: without one the outbox only grows). */
  #deletedSinceVacuum = 0;
  #pendingStatus = new Map<string, StatusDelta>();
  #ackTimer: NodeJS.Timeout | undefined;
  #acking: Promise<void> = Promise.resolve();
  #sweepTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #inflight = new Set<Promise<void>>();
  #closed = false;

  constructor(options: DeliveryOptions) {
    this.#options = options;
  }

  start(): void {
    const sweep = () => {
      this.#sweep()
        .catch((error) => this.#options.onError(error, 'sweeping the notification outbox'))
        .finally(() => {
          if (!this.#closed) this.#sweepTimer = setTimeout(sweep, this.#options.sweepMs).unref();
        });
    };
    sweep();
    const renewEvery = Math.max(1000, (this.#options.leaseSeconds * 1000) / 3);
    this.#renewTimer = setInterval(() => {
      const keys = [...this.#queues.values()].flatMap((q) => q.items.map((r) => r.key));
      renewLeases(this.#options.store, keys, this.#options.owner, this.#options.leaseSeconds).catch((error) =>
        this.#options.onError(error, 'renewing notification leases'),
      );
    }, renewEvery);
    this.#renewTimer.unref();
  }

  /** Rows this process wrote (leased to itself) and whose write has committed. */
  enqueue(rows: readonly OutboxRow[]): void {
    if (this.#closed) return;
    const touched = new Set<Queue>();
    for (const row of rows) {
      const queue = this.#queue(row.tenant, row.subscriptionId);
      if (queue.mode === 'memory') {
        if (queue.lastRead?.delete(row.key)) continue;
        queue.items.push(row);
        if (queue.items.length > this.#options.memoryPerQueue) this.#toTable(queue);
      } else {
        if (!queue.overflow) {
          queue.pending.push(row);
          if (queue.pending.length > this.#options.memoryPerQueue) {
            queue.overflow = true;
            queue.pending = [];
          }
        }
      }
      touched.add(queue);
    }
    for (const queue of touched) this.#kick(queue);
  }

  /** A subscription changed (reactivated, endpoint changed): look at its queue again now. */
  wake(tenant: string, id: string): void {
    const queue = this.#queues.get(queueKey(tenant, id));
    if (!queue) return;
    queue.attempts = 0;
    queue.notBefore = 0;
    this.#toTable(queue);
    if (queue.timer) {
      clearTimeout(queue.timer);
      queue.timer = undefined;
    }
    this.#kick(queue);
  }

  /** How many rows the queues hold in memory (bounded by memoryPerQueue each). */
  get memoryRows(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.items.length;
    return n;
  }

  #queue(tenant: string, id: string): Queue {
    const key = queueKey(tenant, id);
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = new Queue(tenant, id);
      this.#queues.set(key, queue);
    }
    return queue;
  }

  #toTable(queue: Queue): void {
    queue.mode = 'table';
    queue.items = [];
    queue.pending = [];
    queue.overflow = false;
    queue.lastRead = undefined;
    queue.generation++;
  }

  #kick(queue: Queue, delayMs = 0): void {
    if (this.#closed || queue.running) return;
    if (delayMs > 0) {
      if (queue.timer) return;
      queue.timer = setTimeout(() => {
        queue.timer = undefined;
        this.#kick(queue);
      }, delayMs);
      queue.timer.unref();
      return;
    }
    if (queue.timer) return;
    queue.running = true;
    const run = this.#run(queue)
      .catch((error) => {
        this.#options.onError(error, `delivering notifications of ${queue.id}`);
        this.#toTable(queue);
        this.#kick(queue, this.#options.retryMaxMs);
      })
      .finally(() => {
        queue.running = false;
        this.#inflight.delete(run);
      });
    this.#inflight.add(run);
  }

  async #run(queue: Queue): Promise<void> {
    const o = this.#options;
    for (;;) {
      if (this.#closed) return;
      const target = await o.lookup(queue.tenant, queue.id);
      if (!target) {
        // The subscription is gone: so are its notifications.
        this.#queues.delete(queueKey(queue.tenant, queue.id));
        await dropQueue(o.store, queue.tenant, queue.id);
        return;
      }
      if (subscriptionState(target.record.body) !== 'active') {
        // Paused or expired: its rows wait in the table (wake() resumes it).
        if (queue.mode === 'memory' || queue.items.length > 0) {
          this.#toTable(queue);
          await releaseLeases(o.store, o.owner, { tenant: queue.tenant, subscriptionId: queue.id });
        }
        return;
      }
      const wait = queue.notBefore - Date.now();
      if (wait > 0) {
        this.#schedule(queue, wait);
        return;
      }
      if (queue.items.length === 0) {
        if (queue.mode === 'memory') return;
        // Rows acknowledged but not yet deleted must not be read back.
        await this.flushAcks();
        queue.pending = [];
        queue.overflow = false;
        const page = Math.max(o.maxBatch, 200);
        const { rows, blocked } = await claimHead(o.store, queue.tenant, queue.id, o.owner, o.leaseSeconds, page);
        if (!blocked && rows.length < page && !queue.overflow) {
          // The read reached the end of the table: whatever committed after it was enqueued since (or will be),
          // so the queue goes on from memory. A row enqueued before the read may be in both: keep the read's.
          const read = new Set(rows.map((r) => r.key));
          queue.items = rows.concat(queue.pending.filter((r) => !read.has(r.key)));
          queue.pending = [];
          queue.lastRead = read.size > 0 ? read : undefined;
          queue.mode = 'memory';
          queue.generation++;
          if (queue.items.length === 0) return;
        } else if (rows.length === 0) {
          if (blocked) {
            // Another live process holds the head of this queue; look again soon.
            this.#schedule(queue, 1000);
            return;
          }
          continue;
        } else {
          queue.items = rows;
          queue.generation++;
        }
      }
      await this.#sendBatch(queue, target);
    }
  }

  #schedule(queue: Queue, delayMs: number): void {
    queue.running = false;
    if (queue.timer) clearTimeout(queue.timer);
    queue.timer = undefined;
    this.#kick(queue, delayMs);
    queue.running = true;
  }

  /** The next notification of a queue: in order, never one entity twice (throttled subscriptions send its last state once). */
  #takeBatch(queue: Queue, throttled: boolean): { rows: OutboxRow[]; data: unknown[] } {
    const max = this.#options.maxBatch;
    if (throttled) {
      const rows = queue.items.slice(0, max);
      const last = new Map<string, number>();
      for (const [i, r] of rows.entries()) last.set(r.entityId, i);
      return { rows, data: rows.filter((r, i) => last.get(r.entityId) === i).map((r) => r.payload) };
    }
    const seen = new Set<string>();
    const rows: OutboxRow[] = [];
    for (const row of queue.items) {
      if (rows.length >= max || seen.has(row.entityId)) break;
      seen.add(row.entityId);
      rows.push(row);
    }
    return { rows, data: rows.map((r) => r.payload) };
  }

  async #sendBatch(queue: Queue, target: DeliveryTarget): Promise<void> {
    const o = this.#options;
    const { body } = target.record;
    const throttled = body.throttling !== undefined;
    const batch = this.#takeBatch(queue, throttled);
    const generation = queue.generation;
    const notifiedAt = new Date().toISOString();
    const accept = body.notification.endpoint.accept;
    const notification: Record<string, unknown> = {
      id: `urn:ngsi-ld:Notification:${randomUUID()}`,
      type: 'Notification',
      subscriptionId: target.record.id,
      notifiedAt,
      data: accept === 'application/geo+json' ? { type: 'FeatureCollection', features: batch.data } : batch.data,
    };
    if (accept === 'application/ld+json') notification['@context'] = target.contextDocument;
    let failure: string | undefined;
    try {
      await o.sender.send({ endpoint: body.notification.endpoint, tenant: target.record.tenant, body: notification, link: target.contextLink });
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    o.onAttempt?.(queue.tenant, queue.id, failure === undefined, batch.rows.length);
    const done = new Date().toISOString();
    if (failure === undefined) {
      if (queue.generation === generation) queue.items.splice(0, batch.rows.length);
      queue.attempts = 0;
      queue.notBefore = throttled ? Date.now() + (body.throttling as number) * 1000 : 0;
      this.#acknowledge(
        batch.rows.map((r) => r.key),
        { tenant: queue.tenant, id: queue.id, sent: 1, failed: 0, lastNotification: notifiedAt, lastSuccess: done },
      );
    } else {
      queue.attempts++;
      const delay = Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** Math.min(queue.attempts - 1, 30));
      queue.notBefore = Date.now() + delay;
      // A failing receiver keeps its backlog in the table, not in memory.
      this.#toTable(queue);
      this.#acknowledge([], { tenant: queue.tenant, id: queue.id, sent: 1, failed: 1, lastNotification: notifiedAt, lastFailure: done, lastFailureReason: failure });
    }
  }

  #acknowledge(keys: string[], status: StatusDelta): void {
    this.#pendingAcks.push(...keys);
    const k = queueKey(status.tenant, status.id);
    const prev = this.#pendingStatus.get(k);
    if (!prev) this.#pendingStatus.set(k, status);
    else {
      prev.sent += status.sent;
      prev.failed += status.failed;
      for (const field of ['lastNotification', 'lastSuccess', 'lastFailure', 'lastFailureReason'] as const) {
        if (status[field] !== undefined) prev[field] = status[field];
      }
    }
    if (this.#pendingAcks.length >= 2000) void this.flushAcks();
    else if (!this.#ackTimer) {
      this.#ackTimer = setTimeout(() => {
        this.#ackTimer = undefined;
        void this.flushAcks();
      }, 20);
      this.#ackTimer.unref();
    }
  }

  /** Writes the pending acknowledgements (deletes delivered rows, adds to counters) now. */
  flushAcks(): Promise<void> {
    if (this.#ackTimer) {
      clearTimeout(this.#ackTimer);
      this.#ackTimer = undefined;
    }
    const keys = this.#pendingAcks;
    const status = [...this.#pendingStatus.values()];
    this.#pendingAcks = [];
    this.#pendingStatus = new Map();
    this.#acking = this.#acking.then(async () => {
      if (keys.length === 0 && status.length === 0) return;
      try {
        await acknowledge(this.#options.store, keys, status);
        this.#deletedSinceVacuum += keys.length;
        if (this.#options.store.driver === 'pglite' && this.#deletedSinceVacuum >= VACUUM_EVERY) {
          this.#deletedSinceVacuum = 0;
          await this.#options.store.query('VACUUM ngsi_notification_outbox');
        }
      } catch (error) {
        // Not deleted: they will be sent again (at-least-once); the counters of this batch are lost.
        this.#options.onError(error, 'acknowledging delivered notifications');
      }
    });
    return this.#acking;
  }

  async #sweep(): Promise<void> {
    const orphaned = await orphanedQueues(this.#options.store, 100);
    for (const { tenant, subscriptionId } of orphaned) {
      const queue = this.#queue(tenant, subscriptionId);
      if (queue.mode === 'memory') this.#toTable(queue);
      this.#kick(queue);
    }
  }

  /** Stops sending, waits for sends in flight, writes acknowledgements and gives the remaining rows back. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#sweepTimer);
    clearInterval(this.#renewTimer);
    for (const q of this.#queues.values()) clearTimeout(q.timer);
    await Promise.race([Promise.allSettled([...this.#inflight]), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    await this.flushAcks();
    await releaseLeases(this.#options.store, this.#options.owner).catch((error) => this.#options.onError(error, 'releasing notification leases'));
  }
}
