/**
 * The subscription service: manages NGSI-LD subscriptions (clause 5.8), keeps the active ones compiled in memory,
 * and, as an observer of the hub's one write path, turns every matching change into outbox rows written in the
 * same statement as the change — so an acknowledged write always has its notifications stored.
 */
import { randomUUID } from 'node:crypto';
import type { ContextResolver, TermMap } from '../context/ld/model.ts';
import { isCityWide } from '../context/policy.ts';
import type { EntityReader } from '../context/read.ts';
import type { ChangeObserver, EntityChange, SideWrite } from '../context/write-batch.ts';
import type { Principal } from '../platform/auth/model.ts';
import { AppError } from '../platform/errors/app-error.ts';
import { jsonBatch, type Store } from '../platform/store/store.ts';
import { Delivery, type DeliveryTarget } from './delivery.ts';
import { readFragment, readSubscription } from './input.ts';
import type { LiveHub } from './live.ts';
import { type CompiledFilter, compileFilter, matchChange } from './matcher.ts';
import { type SubscriptionRecord, subscriptionState } from './model.ts';
import { renderMatch } from './render.ts';
import type { Sender } from './senders.ts';
import {
  claimDuePeriodic,
  currentRevision,
  deleteSubscription,
  getSubscription,
  insertOutbox,
  insertSubscription,
  listSubscriptions,
  loadAllSubscriptions,
  type OutboxRow,
  outboxInsertSql,
  outboxRecord,
  updateSubscription,
} from './store.ts';

/** A subscription ready to match: its record, its @context and its compiled filter. */
interface Active extends DeliveryTarget {
  terms: TermMap;
  filter: CompiledFilter;
}

/** What a subscription call needs: who, in which city, with which @context. */
export interface SubscriptionCall {
  tenant: string;
  principal: Principal;
  terms: TermMap;
  /** The request's @context as given (URL, object or array); undefined: the core context. */
  context: unknown;
}

export interface SubscriptionSettings {
  leaseSeconds: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  refreshMs: number;
  memoryPerQueue: number;
  maxBatch: number;
  sweepMs: number;
}

export interface SubscriptionDeps {
  store: Store;
  resolver: ContextResolver;
  reader: EntityReader;
  sender: Sender;
  live: LiveHub;
  settings: SubscriptionSettings;
  onError(error: unknown, context: string): void;
}

interface OutboxWrite extends SideWrite {
  outbox: OutboxRow[];
}

const MAX_PERIODIC_ENTITIES = 1000;

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no subscription ${id} in this city (or it is not yours)`);
}

export class SubscriptionService implements ChangeObserver {
  readonly #deps: SubscriptionDeps;
  /** tenant → id → compiled subscription. */
  #cache = new Map<string, Map<string, Active>>();
  #revision = -1;
  readonly #owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly delivery: Delivery;
  #refreshTimer: NodeJS.Timeout | undefined;
  #periodicTimer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  /** Local changes of the cache made while a reload was running, replayed over what it loaded. */
  #replay: Array<() => void> | undefined;
  #closed = false;

  constructor(deps: SubscriptionDeps) {
    this.#deps = deps;
    const s = deps.settings;
    this.delivery = new Delivery({
      store: deps.store,
      sender: deps.sender,
      owner: this.#owner,
      leaseSeconds: s.leaseSeconds,
      retryBaseMs: s.retryBaseMs,
      retryMaxMs: s.retryMaxMs,
      memoryPerQueue: s.memoryPerQueue,
      maxBatch: s.maxBatch,
      sweepMs: s.sweepMs,
      lookup: (tenant, id) => this.#target(tenant, id),
      onError: deps.onError,
    });
  }

  /** Loads the subscriptions, then starts delivery, the refresh poll and the periodic notifications. */
  async start(): Promise<void> {
    await this.refresh(true);
    this.delivery.start();
    this.#refreshTimer = setInterval(() => {
      void this.refresh(false);
    }, this.#deps.settings.refreshMs);
    this.#refreshTimer.unref();
    this.#periodicTimer = setInterval(() => {
      this.#periodic().catch((error) => this.#deps.onError(error, 'sending periodic notifications'));
    }, 1000);
    this.#periodicTimer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#refreshTimer);
    clearInterval(this.#periodicTimer);
    await this.#refreshing?.catch(() => undefined);
    await this.delivery.close();
  }

  // ---- the cache ----

  /** Reloads the subscriptions when another process (or this one) changed them. */
  refresh(force: boolean): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    this.#refreshing = (async () => {
      try {
        const revision = await currentRevision(this.#deps.store);
        if (!force && revision === this.#revision) return;
        this.#replay = [];
        const { revision: loaded, records } = await loadAllSubscriptions(this.#deps.store);
        const next = new Map<string, Map<string, Active>>();
        for (const record of records) {
          const active = await this.#compile(record).catch((error: unknown) => {
            this.#deps.onError(error, `loading subscription ${record.id}`);
            return undefined;
          });
          if (!active) continue;
          const tenant = next.get(record.tenant) ?? new Map<string, Active>();
          next.set(record.tenant, tenant);
          tenant.set(record.id, active);
        }
        const before = this.#cache;
        this.#cache = next;
        this.#revision = loaded;
        const replay = this.#replay;
        this.#replay = undefined;
        for (const change of replay) change();
        // Subscriptions reactivated or changed elsewhere: their queues look again.
        for (const [tenant, subs] of next) {
          for (const [id, sub] of subs) {
            if (before.get(tenant)?.get(id)?.record.modifiedAt !== sub.record.modifiedAt) this.delivery.wake(tenant, id);
          }
        }
      } catch (error) {
        if (!this.#closed) this.#deps.onError(error, 'refreshing the subscriptions');
      } finally {
        this.#replay = undefined;
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  async #compile(record: SubscriptionRecord): Promise<Active> {
    const terms = await this.#deps.resolver.resolve(record.context);
    return {
      record,
      terms,
      filter: compileFilter(record.body, terms, record.owner),
      contextLink: terms.linkUrl,
      contextDocument: terms.document,
    };
  }

  #put(active: Active): void {
    this.#replay?.push(() => this.#put(active));
    const tenant = this.#cache.get(active.record.tenant) ?? new Map<string, Active>();
    this.#cache.set(active.record.tenant, tenant);
    tenant.set(active.record.id, active);
  }

  async #target(tenant: string, id: string): Promise<DeliveryTarget | undefined> {
    const cached = this.#cache.get(tenant)?.get(id);
    if (cached) return cached;
    const record = await getSubscription(this.#deps.store, tenant, id);
    if (!record) return undefined;
    const active = await this.#compile(record);
    this.#put(active);
    return active;
  }

  // ---- the change observer ----

  sideWrite(tenant: string, changes: readonly EntityChange[]): OutboxWrite | undefined {
    const subs = this.#cache.get(tenant);
    if (!subs || subs.size === 0) return undefined;
    const now = Date.now();
    const stamp = new Date(now).toISOString();
    const outbox: OutboxRow[] = [];
    for (const change of changes) {
      for (const sub of subs.values()) {
        const body = sub.record.body;
        if (body.timeInterval !== undefined || subscriptionState(body, now) !== 'active') continue;
        const match = matchChange(sub.filter, change);
        if (!match) continue;
        outbox.push({ key: randomUUID(), tenant, subscriptionId: sub.record.id, entityId: change.id, payload: renderMatch(match, body, sub.terms, stamp) });
      }
    }
    if (outbox.length === 0) return undefined;
    const { leaseSeconds } = this.#deps.settings;
    const rows = outbox.map((r, i) => outboxRecord(r, i, this.#owner, leaseSeconds));
    return { ...jsonBatch(outboxInsertSql, rows), rows, outbox };
  }

  committed(tenant: string, changes: readonly EntityChange[], written: SideWrite | undefined): void {
    const outbox = (written as OutboxWrite | undefined)?.outbox;
    if (outbox) this.delivery.enqueue(outbox);
    this.#deps.live.publish(tenant, changes);
  }

  // ---- periodic subscriptions ----

  async #periodic(): Promise<void> {
    if (this.#closed) return;
    const due = await claimDuePeriodic(this.#deps.store);
    for (const { tenant, id } of due) {
      const sub = (await this.#target(tenant, id)) as Active | undefined;
      if (!sub) continue;
      const body = sub.record.body;
      const result = await this.#deps.reader.queryEntities(
        { tenant, principal: sub.record.owner, terms: sub.terms },
        {
          selectors: body.entities,
          ...(body.q !== undefined ? { q: body.q } : {}),
          ...(body.scopeQ !== undefined ? { scopeQ: body.scopeQ } : {}),
          ...(body.geoQ ? { geo: body.geoQ } : {}),
          limit: MAX_PERIODIC_ENTITIES,
          offset: 0,
          count: false,
        },
      );
      const stamp = new Date().toISOString();
      const rows: OutboxRow[] = result.entities.map((entity) => ({
        key: randomUUID(),
        tenant,
        subscriptionId: id,
        entityId: entity.id,
        payload: renderMatch({ triggers: [], entity, before: undefined, deleted: false, deletedAttributes: [] }, body, sub.terms, stamp),
      }));
      await insertOutbox(this.#deps.store, rows, this.#owner, this.#deps.settings.leaseSeconds);
      this.delivery.enqueue(rows);
    }
  }

  // ---- the operations of clause 5.8 ----

  #mayManage(call: SubscriptionCall, record: SubscriptionRecord): boolean {
    if (isCityWide(call.principal)) return true;
    return record.owner.kind === call.principal.kind && record.owner.id === call.principal.id;
  }

  #checkCaller(call: SubscriptionCall): void {
    if (call.principal.kind === 'anonymous') throw new AppError('UNAUTHENTICATED', 'Sign in (or use an API key) to subscribe');
  }

  /** Create Subscription (5.8.1); returns the id. */
  async create(call: SubscriptionCall, raw: unknown): Promise<string> {
    this.#checkCaller(call);
    const input = readSubscription(raw, call.terms);
    const id = input.id ?? `urn:ngsi-ld:Subscription:${randomUUID()}`;
    const now = new Date().toISOString();
    const record: SubscriptionRecord = {
      tenant: call.tenant,
      id,
      owner: call.principal,
      context: input.jsonldContext ?? call.context,
      body: input.body,
      createdAt: now,
      modifiedAt: now,
      status: { timesSent: 0, timesFailed: 0 },
    };
    // Compiled before it is stored: a context that cannot be resolved fails the request, not the notifications.
    const active = await this.#compile(record);
    if (!(await insertSubscription(this.#deps.store, record))) {
      throw new AppError('ALREADY_EXISTS', `Subscription ${id} already exists; update it with PATCH, or delete it first`);
    }
    this.#put(active);
    return id;
  }

  /** Retrieve Subscription (5.8.3). */
  async get(call: SubscriptionCall, id: string): Promise<SubscriptionRecord> {
    const record = await getSubscription(this.#deps.store, call.tenant, id);
    if (!record || !this.#mayManage(call, record)) throw notFound(id);
    return record;
  }

  /** Query Subscriptions (5.8.4): the caller's own (all of the city's for the operations centre). */
  list(call: SubscriptionCall, page: { limit: number; offset: number }): Promise<{ records: SubscriptionRecord[]; count: number }> {
    const owner = isCityWide(call.principal) ? undefined : { kind: call.principal.kind, id: call.principal.id };
    return listSubscriptions(this.#deps.store, call.tenant, { ...page, ...(owner ? { owner } : {}) });
  }

  /** Update Subscription (5.8.2). */
  async update(call: SubscriptionCall, id: string, raw: unknown): Promise<void> {
    const record = await this.get(call, id);
    const input = readFragment(raw, record.body, call.terms, id);
    const next: SubscriptionRecord = {
      ...record,
      body: input.body,
      context: input.jsonldContext ?? (call.context !== undefined ? call.context : record.context),
      modifiedAt: new Date().toISOString(),
    };
    const active = await this.#compile(next);
    if (!(await updateSubscription(this.#deps.store, next))) throw notFound(id);
    this.#put(active);
    this.delivery.wake(call.tenant, id);
  }

  /** Delete Subscription (5.8.5): its pending notifications go with it. */
  async delete(call: SubscriptionCall, id: string): Promise<void> {
    await this.get(call, id);
    if (!(await deleteSubscription(this.#deps.store, call.tenant, id))) throw notFound(id);
    this.#forget(call.tenant, id);
  }

  #forget(tenant: string, id: string): void {
    this.#replay?.push(() => this.#forget(tenant, id));
    this.#cache.get(tenant)?.delete(id);
  }
}
