/**
 * The entities this process last wrote or read for a write, so a device rewriting its entity every minute
 * does not make PostgreSQL find, serialise and send the whole row before each write, nor the server parse it.
 *
 * It never decides anything alone: every write still applies only to the version it was based on
 * (`ngsi_entities.version`), so an entry made stale by another process, a deletion or a re-creation makes
 * the statement fail with 40001 and the write is retried from a fresh, locked read. Only what a committed
 * statement wrote (or what was read for it) is kept, and only existence is cached: an id missing here is
 * looked up in the store.
 */
import type { StoredEntity } from './model.ts';

/** Entities kept at most, per process (all cities together); the least recently used go first. */
const ENTITY_CACHE_LIMIT = 50_000;

const keyOf = (tenant: string, id: string) => `${tenant}\u0000${id}`;

export class EntityCache {
  readonly #entries = new Map<string, StoredEntity>();

  constructor(private readonly limit = ENTITY_CACHE_LIMIT) {}

  /** The cached entities among `ids`, and the ids to read from the store. */
  take(tenant: string, ids: readonly string[]): { found: Map<string, StoredEntity>; missing: string[] } {
    const found = new Map<string, StoredEntity>();
    const missing: string[] = [];
    for (const id of ids) {
      const key = keyOf(tenant, id);
      const entity = this.#entries.get(key);
      if (entity === undefined) {
        missing.push(id);
        continue;
      }
      // Most recently used last: Map keeps insertion order, so the first entries are the ones to evict.
      this.#entries.delete(key);
      this.#entries.set(key, entity);
      found.set(id, entity);
    }
    return { found, missing };
  }

  /**
   * Records what a committed statement left: `based` is the version each written entity was read at
   * (undefined when the statement created it), `now` its state after the commit (null: deleted). An entry
   * that moved on meanwhile (another statement of this process committed a later version) is left alone.
   */
  settle(tenant: string, based: ReadonlyMap<string, StoredEntity>, now: ReadonlyMap<string, StoredEntity | null>): void {
    for (const [id, entity] of now) {
      const key = keyOf(tenant, id);
      const cached = this.#entries.get(key);
      if (entity === null) {
        this.#entries.delete(key);
        continue;
      }
      const before = based.get(id);
      if (cached !== undefined && cached !== before && cached.version !== before?.version) continue;
      this.#entries.delete(key);
      this.#entries.set(key, entity);
    }
    this.#trim();
  }

  /** Remembers entities read from the store for a write that left them unchanged. */
  remember(tenant: string, entities: Iterable<StoredEntity>): void {
    for (const entity of entities) {
      const key = keyOf(tenant, entity.id);
      if (!this.#entries.has(key)) this.#entries.set(key, entity);
    }
    this.#trim();
  }

  /** Forgets entities (their write failed on a version another writer moved on). */
  forget(tenant: string, ids: Iterable<string>): void {
    for (const id of ids) this.#entries.delete(keyOf(tenant, id));
  }

  #trim(): void {
    if (this.#entries.size <= this.limit) return;
    let excess = this.#entries.size - this.limit;
    for (const key of this.#entries.keys()) {
      if (excess-- <= 0) break;
      this.#entries.delete(key);
    }
  }
}
