/** The broker's @context documents: built-in (core, preloaded), Hosted, Cached (fetched, refreshed after a TTL) and ImplicitlyCreated, in memory and in the database. */
import { createHash, randomBytes } from 'node:crypto';
import secureJson from 'secure-json-parse';
import { AppError } from '../../platform/errors/app-error.ts';
import type { Logger } from '../../platform/logging/logger.ts';
import type { Store } from '../../platform/store/store.ts';
import { type FetchPolicy, fetchContextDocument } from './fetcher.ts';

export type ContextKind = 'Hosted' | 'Cached' | 'ImplicitlyCreated';
export const CONTEXT_KINDS: readonly ContextKind[] = ['Hosted', 'Cached', 'ImplicitlyCreated'];

/** Where an entry comes from: the core context, a preloaded file, or the database. */
export type ContextOrigin = 'core' | 'preloaded' | 'stored';

/** Where this broker serves @contexts (clause 6.29), relative to its origin. */
export const JSONLD_CONTEXTS_PATH = '/ngsi-ld/v1/jsonldContexts/';

/** One @context the broker knows. Mutable in place: refresh and reload replace the document. */
export interface ContextEntry {
  readonly localId: string;
  readonly kind: ContextKind;
  /** Cached: the original URL; Hosted and ImplicitlyCreated: the path where this broker serves it. */
  readonly url: string;
  origin: ContextOrigin;
  /** The document as text: `{"@context": …}`. */
  body: string;
  /** The value of the document's `@context` member. */
  context: unknown;
  createdAt: number;
  /** Cached and downloaded: when (ms since epoch). */
  fetchedAt: number | undefined;
  lastUsage: number | undefined;
  hits: number;
  /** Hits not yet written to the database. */
  pendingHits: number;
  /** No background refresh before this time (after a failed one). */
  retryAt: number;
}

/** A built-in document: the core context under each of its URLs, or a preloaded one. */
export interface BuiltInDocument {
  url: string;
  text: string;
  origin: 'core' | 'preloaded';
}

export interface LibraryOptions {
  store: Store;
  logger: Logger;
  builtIn: readonly BuiltInDocument[];
  fetch: 'on' | 'off';
  /** How long a downloaded context is fresh, in ms. */
  ttlMs: number;
  policy: FetchPolicy;
  clock: () => number;
  /** How often hit counters are written to the database, in ms. */
  flushIntervalMs: number;
}

interface Row {
  local_id: string;
  kind: ContextKind;
  url: string | null;
  body: string;
  created_ms: number;
  fetched_ms: number | null;
  last_usage_ms: number | null;
  hits: number;
}

const COLUMNS = `local_id, kind, url, body,
  extract(epoch FROM created_at) * 1000 AS created_ms,
  extract(epoch FROM fetched_at) * 1000 AS fetched_ms,
  extract(epoch FROM last_usage) * 1000 AS last_usage_ms,
  hits`;

/** ImplicitlyCreated contexts kept in memory; older ones are reloaded from the database when named again. */
const IMPLICIT_IN_MEMORY = 10_000;
/** A failed background refresh is not retried sooner than this. */
const RETRY_MS = 60_000;

function unavailable(url: string, reason: string): AppError {
  return new AppError('LD_CONTEXT_NOT_AVAILABLE', `The @context ${url} is not available: ${reason}`);
}

function hashId(kind: string, text: string): string {
  return createHash('sha256').update(`${kind}\n${text}`).digest('hex').slice(0, 32);
}

/**
 * The local id of a URL: the same for every node and restart (a hash of the URL).
 * @example cachedLocalId('https://example.org/context.jsonld')
 */
export function cachedLocalId(url: string): string {
  return hashId('url', url);
}

/**
 * Parses a @context document: JSON (no __proto__ tricks), an object with an `@context` member.
 * Returns undefined and a reason when it is not one.
 * @example parseContextDocument('{"@context": {"a": "http://e.org/a"}}').context
 */
export function parseContextDocument(text: string): { context: unknown } | { reason: string } {
  let document: unknown;
  try {
    document = secureJson.parse(text.replace(/^\uFEFF/, ''), undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    return { reason: `it is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document) || !Object.hasOwn(document, '@context')) {
    return { reason: 'it is JSON but has no "@context" member' };
  }
  return { context: (document as Record<string, unknown>)['@context'] };
}

/**
 * The local id named by a URL under /ngsi-ld/v1/jsonldContexts/ (absolute, or the bare path), if it is one.
 * @example localIdOf('https://broker.example/ngsi-ld/v1/jsonldContexts/abc') // 'abc'
 */
export function localIdOf(url: string): string | undefined {
  let path: string;
  if (url.startsWith('/')) path = url;
  else {
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
  }
  const at = path.indexOf(JSONLD_CONTEXTS_PATH);
  if (at < 0 || (at > 0 && !url.startsWith('http'))) return undefined;
  const rest = path.slice(at + JSONLD_CONTEXTS_PATH.length);
  if (rest.length === 0 || rest.includes('/')) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

/**
 * The store of @context documents behind the resolver and the /jsonldContexts routes.
 * @example const entry = await library.load('https://example.org/context.jsonld')
 */
export class ContextLibrary {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #options: LibraryOptions;
  readonly #byUrl = new Map<string, ContextEntry>();
  readonly #byId = new Map<string, ContextEntry>();
  readonly #dirty = new Set<ContextEntry>();
  readonly #implicitOrder: ContextEntry[] = [];
  readonly #inflight = new Map<string, Promise<ContextEntry>>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #listeners: Array<(localId: string) => void> = [];
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(options: LibraryOptions) {
    this.#options = options;
    this.#store = options.store;
    this.#logger = options.logger;
    const now = options.clock();
    for (const doc of options.builtIn) {
      const parsed = parseContextDocument(doc.text);
      if (!('context' in parsed)) throw new AppError('BAD_REQUEST_DATA', `The built-in @context for ${doc.url} is invalid: ${parsed.reason}`);
      this.#remember(this.#entry(cachedLocalId(doc.url), 'Cached', doc.url, doc.origin, doc.text, parsed.context, now));
    }
    this.#timer = setInterval(() => {
      this.flush().catch((error) => this.#logger.warn({ err: error }, 'could not record @context usage'));
    }, options.flushIntervalMs);
    this.#timer.unref();
  }

  /** Loads the database's reloaded copies of preloaded contexts (an operator's DELETE ?reload=true outlives restarts). */
  async start(): Promise<void> {
    const preloaded = [...this.#byUrl.values()].filter((e) => e.origin === 'preloaded').map((e) => e.url);
    if (preloaded.length === 0) return;
    const rows = await this.#store.query<Row>(`SELECT ${COLUMNS} FROM ld_contexts WHERE kind = 'Cached' AND url = ANY($1::text[])`, [preloaded]);
    for (const row of rows) this.#fromRow(row, true);
  }

  /** The entry of a URL if it is in memory (built-in ones always are). */
  peek(url: string): ContextEntry | undefined {
    return this.#byUrl.get(url);
  }

  /** Called with the local id of every entry whose document changes or goes away. */
  onChange(listener: (localId: string) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * The entry for a context URL: built in, kept in memory or in the database, served by this broker
   * (/ngsi-ld/v1/jsonldContexts/{id}), or else downloaded (concurrent requests share one download).
   */
  async load(url: string): Promise<ContextEntry> {
    const known = this.#byUrl.get(url);
    if (known) return known;
    const localId = localIdOf(url);
    if (localId !== undefined) {
      const local = this.#byId.get(localId) ?? (await this.#dbById(localId));
      if (local) return local;
      if (url.startsWith('/')) throw unavailable(url, 'this broker serves no @context with that id');
    } else if (url.startsWith('/')) {
      throw new AppError('BAD_REQUEST_DATA', `The @context URL ${url} is relative; give an absolute URL`);
    }
    try {
      new URL(url);
    } catch {
      throw new AppError('BAD_REQUEST_DATA', `The @context "${url.slice(0, 200)}" is neither a URL nor a context object`);
    }
    return this.#shared(`load ${url}`, async () => {
      const stored = await this.#dbByUrl(url);
      if (stored) return stored;
      if (this.#options.fetch === 'off') {
        throw unavailable(url, 'fetching remote @contexts is turned off (LD_CONTEXT_FETCH=off) and the broker keeps no copy of it');
      }
      const downloaded = await this.#download(url);
      return this.#saveCached(url, downloaded.text, downloaded.context);
    });
  }

  /**
   * Records that requests used these entries (hits, last usage), and starts a background refresh of
   * any downloaded one older than the TTL: the stale copy keeps serving meanwhile.
   */
  touch(entries: readonly ContextEntry[]): void {
    if (entries.length === 0) return;
    const now = this.#options.clock();
    for (const entry of entries) {
      entry.hits += 1;
      entry.lastUsage = now;
      if (entry.origin === 'stored') {
        entry.pendingHits += 1;
        this.#dirty.add(entry);
      }
      if (
        entry.kind === 'Cached' &&
        entry.origin === 'stored' &&
        entry.fetchedAt !== undefined &&
        now - entry.fetchedAt >= this.#options.ttlMs &&
        now >= entry.retryAt &&
        this.#options.fetch === 'on'
      ) {
        this.#refreshInBackground(entry);
      }
    }
  }

  /** The entry an API path names: a local id, or the original URL of a Cached context. */
  async find(contextId: string): Promise<ContextEntry | undefined> {
    const known = this.#byId.get(contextId) ?? this.#byUrl.get(contextId);
    if (known) return known;
    const localId = localIdOf(contextId);
    if (localId !== undefined) {
      const local = this.#byId.get(localId) ?? (await this.#dbById(localId));
      if (local) return local;
    }
    return (await this.#dbById(contextId)) ?? (await this.#dbByUrl(contextId));
  }

  /** Every entry, those only in the database (added by another node) included. */
  async list(): Promise<ContextEntry[]> {
    const entries = new Map<string, ContextEntry>();
    for (const entry of this.#byId.values()) entries.set(entry.localId, entry);
    const rows = await this.#store.query<Row>(`SELECT ${COLUMNS} FROM ld_contexts ORDER BY created_at, local_id`);
    for (const row of rows) if (!entries.has(row.local_id)) entries.set(row.local_id, this.#fromRow(row, false));
    return [...entries.values()];
  }

  /** Adds a Hosted context (its document as text, already validated). */
  async addHosted(text: string, context: unknown): Promise<ContextEntry> {
    const localId = randomBytes(16).toString('hex');
    const url = `${JSONLD_CONTEXTS_PATH}${localId}`;
    const rows = await this.#store.query<Row>(
      `INSERT INTO ld_contexts (local_id, kind, url, body) VALUES ($1, 'Hosted', NULL, $2) RETURNING ${COLUMNS}`,
      [localId, text],
    );
    const entry = this.#entry(localId, 'Hosted', url, 'stored', text, context, rows[0]?.created_ms ?? this.#options.clock());
    return this.#remember(entry);
  }

  /** The ImplicitlyCreated entry of an inline context (its id is a hash of its JSON text: the same on every node). */
  implicit(contextText: string, context: unknown): Promise<ContextEntry> {
    const localId = hashId('implicit', contextText);
    const known = this.#byId.get(localId);
    if (known) return Promise.resolve(known);
    return this.#shared(`implicit ${localId}`, async () => {
      const text = `{"@context":${contextText}}`;
      const rows = await this.#store.query<Row>(
        `INSERT INTO ld_contexts (local_id, kind, url, body) VALUES ($1, 'ImplicitlyCreated', NULL, $2)
         ON CONFLICT (local_id) DO UPDATE SET body = ld_contexts.body RETURNING ${COLUMNS}`,
        [localId, text],
      );
      const row = rows[0];
      if (row) return this.#fromRow(row, true);
      return this.#remember(
        this.#entry(localId, 'ImplicitlyCreated', `${JSONLD_CONTEXTS_PATH}${localId}`, 'stored', text, context, this.#options.clock()),
      );
    });
  }

  /** Deletes an entry (a preloaded one only until the next start). */
  async remove(entry: ContextEntry): Promise<void> {
    if (entry.origin === 'stored') await this.#store.query('DELETE FROM ld_contexts WHERE local_id = $1', [entry.localId]);
    this.#forget(entry);
    this.#changed(entry.localId);
  }

  /** Downloads a Cached context again now; on failure the existing copy stays and LD_CONTEXT_NOT_AVAILABLE is thrown. */
  async reload(entry: ContextEntry): Promise<void> {
    if (this.#options.fetch === 'off') {
      throw unavailable(entry.url, 'fetching remote @contexts is turned off (LD_CONTEXT_FETCH=off)');
    }
    await this.#shared(`refresh ${entry.url}`, async () => {
      const downloaded = await this.#download(entry.url);
      const saved = await this.#saveCached(entry.url, downloaded.text, downloaded.context);
      if (saved !== entry) this.#replace(entry, saved);
      return entry;
    });
  }

  /** Writes pending hit counters to the database. */
  async flush(): Promise<void> {
    if (this.#dirty.size === 0) return;
    const entries = [...this.#dirty];
    this.#dirty.clear();
    const counts = entries.map((e) => e.pendingHits);
    for (const entry of entries) entry.pendingHits = 0;
    // Usage counters are statistics: a failed write loses these increments (memory keeps the totals).
    await this.#store.query(
      `UPDATE ld_contexts AS c SET hits = c.hits + u.n, last_usage = GREATEST(c.last_usage, to_timestamp(u.at / 1000.0))
       FROM unnest($1::text[], $2::bigint[], $3::float8[]) AS u(id, n, at) WHERE c.local_id = u.id`,
      [entries.map((e) => e.localId), counts, entries.map((e) => e.lastUsage ?? 0)],
    );
  }

  /** Resolves when every background refresh started so far has finished. */
  async settle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  /** Stops the flush timer and writes the last counters. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.settle();
    await this.flush().catch(() => undefined);
  }

  #entry(
    localId: string,
    kind: ContextKind,
    url: string,
    origin: ContextOrigin,
    body: string,
    context: unknown,
    createdAt: number,
  ): ContextEntry {
    return {
      localId,
      kind,
      url,
      origin,
      body,
      context,
      createdAt,
      fetchedAt: undefined,
      lastUsage: undefined,
      hits: 0,
      pendingHits: 0,
      retryAt: 0,
    };
  }

  #remember(entry: ContextEntry): ContextEntry {
    const previous = this.#byId.get(entry.localId);
    if (previous && previous !== entry) this.#forget(previous);
    this.#byId.set(entry.localId, entry);
    this.#byUrl.set(entry.url, entry);
    if (entry.kind === 'ImplicitlyCreated' && previous !== entry) {
      this.#implicitOrder.push(entry);
      if (this.#implicitOrder.length > IMPLICIT_IN_MEMORY) {
        const oldest = this.#implicitOrder.shift()!;
        if (!this.#dirty.has(oldest)) this.#forget(oldest);
      }
    }
    return entry;
  }

  #forget(entry: ContextEntry): void {
    if (this.#byId.get(entry.localId) === entry) this.#byId.delete(entry.localId);
    if (this.#byUrl.get(entry.url) === entry) this.#byUrl.delete(entry.url);
    this.#dirty.delete(entry);
  }

  /** Puts a newer document into an existing entry (keeps its counters) and tells the listeners. */
  #replace(entry: ContextEntry, fresh: ContextEntry): void {
    const changed = entry.body !== fresh.body;
    entry.body = fresh.body;
    entry.context = fresh.context;
    entry.origin = fresh.origin;
    entry.fetchedAt = fresh.fetchedAt;
    entry.retryAt = 0;
    this.#remember(entry);
    if (changed) this.#changed(entry.localId);
  }

  #changed(localId: string): void {
    for (const listener of this.#listeners) listener(localId);
  }

  #fromRow(row: Row, remember: boolean): ContextEntry {
    const known = this.#byId.get(row.local_id);
    if (known && known.origin === 'stored') return known;
    const parsed = parseContextDocument(row.body);
    const url = row.kind === 'Cached' && row.url !== null ? row.url : `${JSONLD_CONTEXTS_PATH}${row.local_id}`;
    const entry = this.#entry(row.local_id, row.kind, url, 'stored', row.body, 'context' in parsed ? parsed.context : null, row.created_ms);
    entry.fetchedAt = row.fetched_ms ?? undefined;
    entry.lastUsage = row.last_usage_ms ?? undefined;
    entry.hits = row.hits;
    if (!remember) return entry;
    if (known) {
      // A reloaded copy of a preloaded context: the downloaded one wins.
      this.#replace(known, entry);
      known.hits = row.hits;
      known.lastUsage = entry.lastUsage;
      return known;
    }
    return this.#remember(entry);
  }

  async #dbById(localId: string): Promise<ContextEntry | undefined> {
    const rows = await this.#store.query<Row>(`SELECT ${COLUMNS} FROM ld_contexts WHERE local_id = $1`, [localId]);
    return rows[0] ? this.#fromRow(rows[0], true) : undefined;
  }

  async #dbByUrl(url: string): Promise<ContextEntry | undefined> {
    const rows = await this.#store.query<Row>(`SELECT ${COLUMNS} FROM ld_contexts WHERE url = $1`, [url]);
    return rows[0] ? this.#fromRow(rows[0], true) : undefined;
  }

  async #download(url: string): Promise<{ text: string; context: unknown }> {
    const { text } = await fetchContextDocument(url, this.#options.policy);
    const parsed = parseContextDocument(text);
    if (!('context' in parsed)) throw unavailable(url, parsed.reason);
    this.#logger.info({ url, bytes: text.length }, 'fetched a remote @context');
    return { text, context: parsed.context };
  }

  async #saveCached(url: string, text: string, context: unknown): Promise<ContextEntry> {
    const localId = cachedLocalId(url);
    const now = this.#options.clock();
    await this.#store.query(
      `INSERT INTO ld_contexts (local_id, kind, url, body, fetched_at) VALUES ($1, 'Cached', $2, $3, to_timestamp($4 / 1000.0))
       ON CONFLICT (local_id) DO UPDATE SET body = EXCLUDED.body, fetched_at = EXCLUDED.fetched_at`,
      [localId, url, text, now],
    );
    const known = this.#byId.get(localId);
    const entry = this.#entry(localId, 'Cached', url, 'stored', text, context, known?.createdAt ?? now);
    entry.fetchedAt = now;
    if (known) {
      this.#replace(known, entry);
      return known;
    }
    return this.#remember(entry);
  }

  #refreshInBackground(entry: ContextEntry): void {
    const key = `refresh ${entry.url}`;
    if (this.#inflight.has(key)) return;
    const task = this.#shared(key, async () => {
      const downloaded = await this.#download(entry.url);
      const saved = await this.#saveCached(entry.url, downloaded.text, downloaded.context);
      if (saved !== entry) this.#replace(entry, saved);
      return entry;
    }).catch((error: unknown) => {
      entry.retryAt = this.#options.clock() + Math.min(RETRY_MS, this.#options.ttlMs);
      this.#logger.warn({ url: entry.url, err: error }, 'could not refresh a cached @context; the stale copy keeps serving');
    });
    this.#background.add(task);
    void task.finally(() => this.#background.delete(task));
  }

  /** Runs `work` once per key at a time: concurrent callers share its promise. */
  #shared(key: string, work: () => Promise<ContextEntry>): Promise<ContextEntry> {
    const running = this.#inflight.get(key);
    if (running) return running;
    const promise = work().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }
}
