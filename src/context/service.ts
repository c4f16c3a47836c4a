/** The context hub service: the NGSI-LD entity operations (clause 5.6), used by the HTTP API and by every capability. */
import type { AuditLog } from '../platform/audit/service.ts';
import { EntityCache } from './entity-cache.ts';
import { EntityTurns } from './entity-turns.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Store } from '../platform/store/store.ts';
import type { Tenancy } from '../platform/tenancy/service.ts';
import {
  appendAttributes,
  deleteAttribute,
  mergeAttributes,
  mergeInstance,
  type NotUpdated,
  replaceAttributes,
  updateAttributes,
} from './attribute-ops.ts';
import {
  checkEntityId,
  checkName,
  type EntityInput,
  normalizeDateTime,
  readAttribute,
  readAttributes,
  readEntity,
  readInstance,
} from './entity-input.ts';
import type { TermMap } from './ld/model.ts';
import { CONTENT_MEMBER, type SharingClass, type StoredAttribute, type StoredEntity } from './model.ts';
import { isCityWide, principalKey } from './policy.ts';
import { PlannerStatistics, TypeCatalog } from './store.ts';
import { type ChangeObserver, type ItemOutcome, type WriteCall, type WriteDeps, type WriteItem, WriteQueue, writeEntities } from './write-batch.ts';

/** A call on the hub: who, in which city, with which @context. */
export interface HubCall extends WriteCall {
  terms: TermMap;
}

/** Who owns a new entity and who may read it; defaults: the caller's department, open. */
export interface Ownership {
  ownerDepartment?: string;
  sharing?: SharingClass;
}

/** The result of an attribute operation that may leave some attributes alone (UpdateResult, clause 5.2.18). */
export interface UpdateResult {
  updated: string[];
  notUpdated: NotUpdated[];
}

export type UpsertMode = 'replace' | 'update';

export const MAX_BATCH = 10_000;

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no entity ${id} in this city (or you may not see it)`);
}

/** Throws the error of a single-item write. */
function single<R>(outcomes: ItemOutcome<R>[]): R {
  const outcome = outcomes[0] as ItemOutcome<R>;
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

export class ContextHub {
  private readonly deps: WriteDeps & { tenancy: Tenancy; statistics: PlannerStatistics };
  readonly #observers: ChangeObserver[] = [];

  constructor(deps: {
    store: Store;
    audit: AuditLog;
    tenancy: Tenancy;
    onError?: (error: unknown) => void;
    onObserverError?: (error: unknown) => void;
  }) {
    const statistics = new PlannerStatistics(deps.store, deps.onError ?? (() => undefined));
    this.deps = { ...deps, catalog: new TypeCatalog(), statistics, queue: new WriteQueue(), cache: new EntityCache(), turns: new EntityTurns(), observers: this.#observers };
  }

  /**
   * Tells `observer` of every change from now on (history, subscriptions, live views): it may add
   * rows to the statement that writes the change, and hears of it once committed.
   */
  observe(observer: ChangeObserver): void {
    this.#observers.push(observer);
  }

  /** Stops background maintenance; call before the store closes. */
  close(): Promise<void> {
    return this.deps.statistics.close();
  }

  get store(): Store {
    return this.deps.store;
  }

  private now(): string {
    return new Date().toISOString();
  }

  private write<R>(call: HubCall, action: string, items: WriteItem<R>[]): Promise<ItemOutcome<R>[]> {
    return writeEntities(this.deps, call, action, items);
  }

  /** Checks who may own a new entity: only the operations centre may file it under another department. */
  async ownership(call: HubCall, asked: Ownership): Promise<{ ownerDepartment: string | null; sharing: SharingClass }> {
    const own = call.principal.department;
    if (asked.ownerDepartment !== undefined && asked.ownerDepartment !== own) {
      if (!isCityWide(call.principal)) {
        throw new AppError('FORBIDDEN', `You may file entities only under your own department (${own ?? 'none'})`);
      }
      await this.deps.tenancy.assertDepartment(this.deps.store, call.tenant, asked.ownerDepartment);
    }
    return { ownerDepartment: asked.ownerDepartment ?? own, sharing: asked.sharing ?? 'open' };
  }

  private newEntity(call: HubCall, input: EntityInput, owner: { ownerDepartment: string | null; sharing: SharingClass }, now: string): StoredEntity {
    return {
      id: input.id,
      types: input.types,
      scopes: input.scopes ?? [],
      ownerDepartment: owner.ownerDepartment,
      sharing: owner.sharing,
      createdBy: principalKey(call.principal),
      createdAt: now,
      modifiedAt: now,
      attrs: input.attrs,
      version: 0,
    };
  }

  /** Create Entity (5.6.1). */
  async createEntity(call: HubCall, body: unknown, asked: Ownership = {}): Promise<string> {
    const now = this.now();
    const input = readEntity(body, { terms: call.terms, now });
    const owner = await this.ownership(call, asked);
    const outcomes = await this.write(call, 'entity.create', [
      {
        id: input.id,
        step: (current) => {
          if (current) throw new AppError('ALREADY_EXISTS', `Entity ${input.id} already exists; update it, or delete it first`);
          return { next: this.newEntity(call, input, owner, now), result: input.id };
        },
      },
    ]);
    return single(outcomes);
  }

  /** Replace Entity (5.6.18): all attributes replaced; id and creation time kept. */
  async replaceEntity(call: HubCall, id: string, body: unknown): Promise<void> {
    checkEntityId(id);
    const now = this.now();
    const input = readEntity(body, { terms: call.terms, now }, { id });
    single(
      await this.write(call, 'entity.replace', [
        {
          id,
          step: (current) => {
            if (!current) throw notFound(id);
            return {
              next: { ...current, types: input.types, scopes: input.scopes ?? [], modifiedAt: now, attrs: replaceAttributes(current.attrs, input.attrs) },
              result: undefined,
            };
          },
        },
      ]),
    );
  }

  /** Merge Entity (5.6.17): JSON merge-patch of the attributes; NGSI-LD null deletes. */
  async mergeEntity(call: HubCall, id: string, body: unknown, observedAt?: string): Promise<void> {
    checkEntityId(id);
    const now = this.now();
    const input = readEntity(body, { terms: call.terms, now, allowNull: true }, { id, types: [] });
    const stamp = observedAt === undefined ? undefined : normalizeDateTime(observedAt, 'The observedAt parameter');
    single(await this.write(call, 'entity.merge', [{ id, step: (current) => this.mergeStep(current, id, input, now, stamp) }]));
  }

  private mergeStep(current: StoredEntity | undefined, id: string, input: EntityInput, now: string, observedAt?: string) {
    if (!current) throw notFound(id);
    const change = mergeAttributes(current.attrs, input.attrs, input.deletions);
    if (observedAt !== undefined) {
      // Clause 5.6.17: observedAt replaces that of merged attributes that had one and were not given a new one.
      for (const iri of Object.keys(input.attrs)) {
        const given = input.attrs[iri] ?? [];
        change.attrs[iri] = (change.attrs[iri] ?? []).map((a) => {
          const sent = given.find((g) => g.datasetId === a.datasetId);
          return sent && sent.observedAt === undefined && current.attrs[iri]?.some((o) => o.datasetId === a.datasetId && o.observedAt) ? { ...a, observedAt } : a;
        });
      }
    }
    const types = input.types.length > 0 ? [...new Set([...current.types, ...input.types])] : current.types;
    return { next: { ...current, types, scopes: input.scopes ?? current.scopes, modifiedAt: now, attrs: change.attrs }, result: undefined };
  }

  /** Delete Entity (5.6.6). */
  async deleteEntity(call: HubCall, id: string): Promise<void> {
    checkEntityId(id);
    single(
      await this.write(call, 'entity.delete', [
        {
          id,
          step: (current) => {
            if (!current) throw notFound(id);
            return { next: null, result: undefined };
          },
        },
      ]),
    );
  }

  private fragment(call: HubCall, body: unknown, now: string, allowNull = false) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError('BAD_REQUEST_DATA', 'The body must be a JSON object of attributes, e.g. {"temperature": {"type": "Property", "value": 21}}');
    }
    const record = body as Record<string, unknown>;
    const input = readAttributes(record, { terms: call.terms, now, allowNull });
    if (Object.keys(input.attrs).length === 0 && input.deletions.length === 0) {
      throw new AppError('BAD_REQUEST_DATA', 'The body has no attributes to apply');
    }
    return input;
  }

  /** Append Attributes (5.6.3): 204 when all were written, else the UpdateResult (207). */
  async appendAttributes(call: HubCall, id: string, body: unknown, noOverwrite: boolean): Promise<UpdateResult> {
    checkEntityId(id);
    const now = this.now();
    const input = this.fragment(call, body, now);
    return single(
      await this.write(call, 'entity.appendAttrs', [
        {
          id,
          step: (current) => {
            if (!current) throw notFound(id);
            const change = appendAttributes(current.attrs, input.attrs, noOverwrite);
            return { next: change.updated.length > 0 ? { ...current, modifiedAt: now, attrs: change.attrs } : undefined, result: this.result(call, change) };
          },
        },
      ]),
    );
  }

  /** Update Attributes (5.6.2): only attributes that exist are replaced. */
  async updateAttributes(call: HubCall, id: string, body: unknown): Promise<UpdateResult> {
    checkEntityId(id);
    const now = this.now();
    const input = this.fragment(call, body, now);
    return single(
      await this.write(call, 'entity.updateAttrs', [
        {
          id,
          step: (current) => {
            if (!current) throw notFound(id);
            const change = updateAttributes(current.attrs, input.attrs);
            return { next: change.updated.length > 0 ? { ...current, modifiedAt: now, attrs: change.attrs } : undefined, result: this.result(call, change) };
          },
        },
      ]),
    );
  }

  private result(call: HubCall, change: { updated: string[]; notUpdated: NotUpdated[] }): UpdateResult {
    return {
      updated: change.updated.map((iri) => call.terms.compact(iri)),
      notUpdated: change.notUpdated.map((n) => ({ attributeIri: call.terms.compact(n.attributeIri), reason: n.reason })),
    };
  }

  private attributeIri(call: HubCall, attrId: string): string {
    return call.terms.expand(checkName(attrId, 'The attribute name in the URL'));
  }

  /** Partial Attribute Update (5.6.4): the members given replace those of the instance (by datasetId). */
  async patchAttribute(call: HubCall, id: string, attrId: string, body: unknown): Promise<void> {
    checkEntityId(id);
    const iri = this.attributeIri(call, attrId);
    const now = this.now();
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError('BAD_REQUEST_DATA', 'The body must be a JSON object with the members to change, e.g. {"value": 21}');
    }
    const raw = body as Record<string, unknown>;
    if (Object.keys(raw).length === 0) throw new AppError('BAD_REQUEST_DATA', 'The body is empty; give the members to change, e.g. {"value": 21}');
    const datasetId = typeof raw.datasetId === 'string' ? raw.datasetId : undefined;
    single(
      await this.write(call, 'entity.patchAttr', [
        {
          id,
          step: (current) => {
            if (!current) throw notFound(id);
            const list = current.attrs[iri];
            const at = list?.findIndex((a) => a.datasetId === datasetId) ?? -1;
            if (!list || at === -1) {
              throw new AppError('NOT_FOUND', `Entity ${id} has no attribute "${attrId}"${datasetId ? ` with datasetId ${datasetId}` : ''}`);
            }
            const old = list[at] as StoredAttribute;
            // Members not given keep their stored value: read the fragment as an instance of the stored kind.
            const given = { ...raw };
            const member = CONTENT_MEMBER[(typeof given.type === 'string' ? given.type : old.type) as StoredAttribute['type']] ?? 'value';
            const explicit = new Set(Object.keys(given));
            if (given[member] === undefined) given[member] = old[member as keyof StoredAttribute];
            const patch = readInstance(attrId, { type: old.type, ...given }, { terms: call.terms, now, allowNull: true }, 0);
            const merged = mergeInstance(old, patch, explicit);
            const next = list.slice();
            next[at] = merged;
            return { next: { ...current, modifiedAt: now, attrs: { ...current.attrs, [iri]: next } }, result: undefined };
          },
        },
      ]),
    );
  }

  /** Replace Attribute (5.6.19). */
  async replaceAttribute(call: HubCall, id: string, attrId: string, body: unknown): Promise<void> {
    checkEntityId(id);
    const iri = this.attributeIri(call, attrId);
    const now = this.now();
    const instances = readAttribute(attrId, body, { terms: call.terms, now });
    single(
      await this.write(call, 'entity.replaceAttr', [
        {
          id,
          step: (current) => {
            if (!current) throw notFound(id);
            if (!current.attrs[iri]) throw new AppError('NOT_FOUND', `Entity ${id} has no attribute "${attrId}"`);
            const change = updateAttributes(current.attrs, { [iri]: instances });
            if (change.notUpdated.length > 0) throw new AppError('NOT_FOUND', `Entity ${id}: ${change.notUpdated[0]?.reason}`);
            return { next: { ...current, modifiedAt: now, attrs: change.attrs }, result: undefined };
          },
        },
      ]),
    );
  }

  /** Delete Attribute (5.6.5): the default instance, one datasetId, or all instances. */
  async deleteAttribute(call: HubCall, id: string, attrId: string, selector: { datasetId?: string; deleteAll?: boolean }): Promise<void> {
    checkEntityId(id);
    const iri = this.attributeIri(call, attrId);
    const now = this.now();
    single(
      await this.write(call, 'entity.deleteAttr', [
        {
          id,
          step: (current) => {
            if (!current) throw notFound(id);
            const attrs = deleteAttribute(current.attrs, iri, selector);
            if (!attrs) {
              throw new AppError(
                'NOT_FOUND',
                `Entity ${id} has no attribute "${attrId}"${selector.datasetId ? ` with datasetId ${selector.datasetId}` : selector.deleteAll ? '' : ' without a datasetId (use deleteAll=true or datasetId=…)'}`,
              );
            }
            return { next: { ...current, modifiedAt: now, attrs }, result: undefined };
          },
        },
      ]),
    );
  }

  // ---- batch operations (clause 5.6.7–5.6.10, 5.6.20) ----

  private batchBodies(body: unknown): unknown[] {
    if (!Array.isArray(body)) throw new AppError('BAD_REQUEST_DATA', 'A batch operation takes a JSON array of entities');
    if (body.length === 0) throw new AppError('BAD_REQUEST_DATA', 'The batch is empty; send at least one entity');
    if (body.length > MAX_BATCH) throw new AppError('BAD_REQUEST_DATA', `A batch may hold at most ${MAX_BATCH} entities; split it`);
    return body;
  }

  /**
   * Reads each entity of a batch; an entity that cannot be read becomes an error item of its own
   * (207) rather than failing the batch.
   */
  private readBatch(call: HubCall, bodies: unknown[], now: string, known: { types?: string[] } = {}, allowNull = false) {
    return bodies.map((body) => {
      const rawId = typeof body === 'object' && body !== null ? ((body as Record<string, unknown>).id ?? (body as Record<string, unknown>)['@id']) : undefined;
      try {
        return { ok: true as const, input: readEntity(body, { terms: call.terms, now, allowNull }, known) };
      } catch (error) {
        return { ok: false as const, id: typeof rawId === 'string' ? rawId : '', error: error as AppError };
      }
    });
  }

  private async batch(
    call: HubCall,
    action: string,
    read: ReturnType<ContextHub['readBatch']>,
    step: (input: EntityInput) => WriteItem<'created' | 'updated' | 'deleted'>['step'],
  ): Promise<BatchOutcome> {
    const items: WriteItem<'created' | 'updated' | 'deleted'>[] = [];
    const order: Array<{ index: number } | { error: { id: string; error: AppError } }> = [];
    for (const r of read) {
      if (r.ok) {
        order.push({ index: items.length });
        items.push({ id: r.input.id, step: step(r.input) });
      } else {
        order.push({ error: { id: r.id, error: r.error } });
      }
    }
    const outcomes = await this.write(call, action, items);
    return order.map((o) =>
      'index' in o ? (outcomes[o.index] as ItemOutcome<'created' | 'updated' | 'deleted'>) : { id: o.error.id, ok: false as const, error: o.error.error },
    );
  }

  /** Batch Create (5.6.7). */
  async batchCreate(call: HubCall, body: unknown, asked: Ownership = {}): Promise<BatchOutcome> {
    const now = this.now();
    const owner = await this.ownership(call, asked);
    const read = this.readBatch(call, this.batchBodies(body), now);
    return this.batch(call, 'entity.batchCreate', read, (input) => (current) => {
      if (current) throw new AppError('ALREADY_EXISTS', `Entity ${input.id} already exists`);
      return { next: this.newEntity(call, input, owner, now), result: 'created' };
    });
  }

  /** Batch Upsert (5.6.8): `replace` (default) replaces existing entities, `update` appends/overwrites attributes. */
  async batchUpsert(call: HubCall, body: unknown, mode: UpsertMode, asked: Ownership = {}): Promise<BatchOutcome> {
    const now = this.now();
    const owner = await this.ownership(call, asked);
    const read = this.readBatch(call, this.batchBodies(body), now);
    return this.batch(call, 'entity.batchUpsert', read, (input) => (current) => {
      if (!current) return { next: this.newEntity(call, input, owner, now), result: 'created' };
      const types = [...new Set([...current.types, ...input.types])];
      const attrs = mode === 'replace' ? replaceAttributes(current.attrs, input.attrs) : appendAttributes(current.attrs, input.attrs, false).attrs;
      return {
        next: { ...current, types: mode === 'replace' ? input.types : types, scopes: input.scopes ?? (mode === 'replace' ? [] : current.scopes), modifiedAt: now, attrs },
        result: 'updated',
      };
    });
  }

  /** Batch Update (5.6.9): appends attributes of existing entities (`noOverwrite` keeps existing ones). */
  async batchUpdate(call: HubCall, body: unknown, noOverwrite: boolean): Promise<BatchOutcome> {
    const now = this.now();
    const read = this.readBatch(call, this.batchBodies(body), now, { types: [] });
    return this.batch(call, 'entity.batchUpdate', read, (input) => (current) => {
      if (!current) throw notFound(input.id);
      const change = appendAttributes(current.attrs, input.attrs, noOverwrite);
      return { next: { ...current, modifiedAt: now, attrs: change.attrs }, result: 'updated' };
    });
  }

  /** Batch Merge (5.6.20). */
  async batchMerge(call: HubCall, body: unknown): Promise<BatchOutcome> {
    const now = this.now();
    const read = this.readBatch(call, this.batchBodies(body), now, { types: [] }, true);
    return this.batch(call, 'entity.batchMerge', read, (input) => (current) => ({ ...this.mergeStep(current, input.id, input, now), result: 'updated' }));
  }

  /** Batch Delete (5.6.10): the body is an array of entity ids. */
  async batchDelete(call: HubCall, body: unknown): Promise<BatchOutcome> {
    const ids = this.batchBodies(body);
    const read = ids.map((raw) => {
      try {
        const id = checkEntityId(raw);
        return { ok: true as const, input: { id, types: [], scopes: undefined, attrs: {}, deletions: [] } };
      } catch (error) {
        return { ok: false as const, id: typeof raw === 'string' ? raw : '', error: error as AppError };
      }
    });
    return this.batch(call, 'entity.batchDelete', read, (input) => (current) => {
      if (!current) throw notFound(input.id);
      return { next: null, result: 'deleted' };
    });
  }
}

export type BatchOutcome = ItemOutcome<'created' | 'updated' | 'deleted'>[];
